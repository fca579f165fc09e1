/**
 * Bolt, the WebClient and the Socket Mode client log through this adapter, so their messages are
 * pino JSON lines like everything else (with `module: "slack"`), masked the same way, instead of
 * plain text in the middle of the JSON stream. Their debug level logs whole request bodies: it is
 * never enabled; LOG_LEVEL=debug or trace raises them to info (connections, reconnects).
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';

const RANK: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 0,
  [LogLevel.INFO]: 1,
  [LogLevel.WARN]: 2,
  [LogLevel.ERROR]: 3,
};

/** The level the Slack libraries log at, for rollbot's own LOG_LEVEL. */
export function slackLogLevel(logLevel: string): LogLevel {
  return logLevel === 'debug' || logLevel === 'trace' ? LogLevel.INFO : LogLevel.WARN;
}

export function createSlackLogger(logger: Logger, level: LogLevel): SlackLogger {
  let current = level;
  let name = 'slack';
  const log = (at: LogLevel, args: unknown[]) => {
    if (RANK[at] < RANK[current] || at === LogLevel.DEBUG) return;
    const err = args.find((a): a is Error => a instanceof Error);
    const text = args
      .filter((a) => a !== err)
      .map(describe)
      .join(' ');
    const fields = { module: 'slack', library: name, ...(err ? { err } : {}) };
    const message = text || err?.message || '';
    if (at === LogLevel.ERROR) logger.error(fields, message);
    else if (at === LogLevel.WARN) logger.warn(fields, message);
    else logger.info(fields, message);
  };
  return {
    debug: (...args: unknown[]) => log(LogLevel.DEBUG, args),
    info: (...args: unknown[]) => log(LogLevel.INFO, args),
    warn: (...args: unknown[]) => log(LogLevel.WARN, args),
    error: (...args: unknown[]) => log(LogLevel.ERROR, args),
    setLevel: (next: LogLevel) => {
      // Never below the floor chosen for rollbot: debug output carries request bodies.
      current = RANK[next] < RANK[level] ? level : next;
    },
    getLevel: () => current,
    setName: (next: string) => {
      name = next;
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
