/** Runs one command on one pooled connection's exec channel and turns what happens into a StepResult. */
import type { ClientChannel } from 'ssh2';
import type { StepResult } from '../domain/step-result.js';
import { createOutputCapture } from './output.js';
import type { PooledConnection } from './ssh-pool.js';

export type StopReason = 'timeout' | 'abort';

export interface ChannelExecRequest {
  conn: PooledConnection;
  command: string;
  logFile: string;
  secrets: readonly string[];
  /** Aborted with a StopReason when the step must be stopped (timeout or abort). */
  stop: AbortSignal;
  timeoutMs: number;
  killGraceMs: number;
  startedAt: number;
}

interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export const OUTCOME_UNKNOWN = 'connection lost before the command finished: outcome unknown';
// A background process that keeps stdout open holds the channel open after the script exited.
const AFTER_EXIT_IDLE_MS = 2000;

export function execOnChannel(req: ChannelExecRequest): Promise<StepResult> {
  const { conn } = req;
  return new Promise<StepResult>((resolve) => {
    conn.client.exec(req.command, (err, channel) => {
      const elapsed = (): number => Math.round(performance.now() - req.startedAt);
      if (err) {
        // If the link died while the exec request was in flight, the command may have started.
        const lost = !conn.isAlive();
        resolve({
          ok: false,
          exitCode: null,
          signal: null,
          timedOut: false,
          canceled: false,
          outcomeUnknown: lost,
          durationMs: elapsed(),
          tail: '',
          error: lost ? `${OUTCOME_UNKNOWN} (${conn.label})` : `could not start the command on ${conn.label}: ${err.message}`,
        });
        return;
      }
      watchChannel(req, channel, elapsed).then(resolve);
    });
  });
}

function watchChannel(req: ChannelExecRequest, channel: ClientChannel, elapsed: () => number): Promise<StepResult> {
  const capture = createOutputCapture({ logFile: req.logFile, secrets: req.secrets });
  capture.attach('stdout', channel);
  capture.attach('stderr', channel.stderr);
  let exit: ExitInfo | undefined;
  let stopped: StopReason | undefined;
  let killSent = false;
  let lostReason: string | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    timers.add(setTimeout(fn, ms));
  };

  return new Promise<StepResult>((resolve) => {
    const unsubscribeLost = req.conn.onLost((reason) => {
      lostReason = reason;
      // ssh2 normally closes every channel when the connection goes; this is the safety net.
      later(1000, () => void settle());
    });
    let settled = false;
    const settle = async (): Promise<void> => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      req.stop.removeEventListener('abort', onStop);
      unsubscribeLost();
      const { tail, logFile, writeError } = await capture.finish();
      const result = buildResult({ exit, stopped, killSent, lostReason, timeoutMs: req.timeoutMs, label: req.conn.label });
      result.durationMs = elapsed();
      result.tail = tail;
      result.logFile = logFile;
      if (writeError && result.error) result.error += `; ${writeError}`;
      resolve(result);
    };

    let lastActivity = performance.now();
    const touch = (): void => {
      lastActivity = performance.now();
    };
    channel.on('data', touch);
    channel.stderr.on('data', touch);
    const closeWhenIdle = (): void => {
      const idle = performance.now() - lastActivity;
      if (idle >= AFTER_EXIT_IDLE_MS && !capture.backedUp) channel.close();
      else later(AFTER_EXIT_IDLE_MS, closeWhenIdle);
    };

    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code: code ?? null, signal: signal ?? null };
      later(AFTER_EXIT_IDLE_MS, closeWhenIdle);
    });
    channel.on('close', () => void settle());

    const onStop = (): void => {
      if (exit || stopped) return;
      stopped = req.stop.reason === 'timeout' ? 'timeout' : 'abort';
      channel.signal('TERM');
      later(req.killGraceMs, () => {
        killSent = true;
        channel.signal('KILL');
        later(req.killGraceMs, () => {
          channel.close();
          // A peer that stopped answering never confirms the close.
          later(req.killGraceMs, () => void settle());
        });
      });
    };
    req.stop.addEventListener('abort', onStop);
    if (req.stop.aborted) onStop();

  });
}

function buildResult(s: {
  exit: ExitInfo | undefined;
  stopped: StopReason | undefined;
  killSent: boolean;
  lostReason: string | undefined;
  timeoutMs: number;
  label: string;
}): StepResult {
  const base: StepResult = {
    ok: false,
    exitCode: s.exit?.code ?? null,
    signal: s.exit?.signal ?? null,
    timedOut: s.stopped === 'timeout',
    canceled: s.stopped === 'abort',
    outcomeUnknown: false,
    durationMs: 0,
    tail: '',
  };
  if (s.stopped) {
    const what = s.stopped === 'timeout' ? `timed out after ${s.timeoutMs} ms` : 'canceled';
    const how = s.killSent ? 'sent TERM, then KILL' : 'sent TERM';
    const after = s.exit ? '' : '; no exit status arrived, it may still be running';
    return { ...base, error: `${what} on ${s.label}: the remote process was ${how}${after}` };
  }
  if (!s.exit) {
    const why = s.lostReason ? ` (${s.lostReason})` : ' (the channel closed without an exit status)';
    return { ...base, outcomeUnknown: true, error: `${OUTCOME_UNKNOWN} on ${s.label}${why}` };
  }
  if (s.exit.code === 0) return { ...base, ok: true };
  if (s.exit.signal) return { ...base, error: `killed by signal ${s.exit.signal} on ${s.label}` };
  return { ...base, error: `exited with code ${s.exit.code} on ${s.label}` };
}
