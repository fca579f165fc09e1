/** The one pino root: tokens and secret values are redacted before anything is written. */
import { type Logger, pino } from 'pino';
import { SECRET_MASK } from './domain/plan.js';

export type { Logger };

const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'passphrase',
  '*.passphrase',
  'privateKey',
  '*.privateKey',
  'headers.authorization',
  '*.headers.authorization',
  'secrets',
  '*.secrets',
];

export interface LoggerOptions {
  level: string;
  /** Known secret values: masked wherever they appear in a log line, even inside messages. */
  secrets?: readonly string[];
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  // A secret can reach a line raw or JSON-escaped (quotes, backslashes, control characters).
  const secrets = [
    ...new Set((options.secrets ?? []).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]).filter(Boolean)),
  ];
  const destination = options.destination ?? process.stderr;
  const stream =
    secrets.length === 0
      ? destination
      : {
          write(line: string) {
            let masked = line;
            for (const secret of secrets) masked = masked.split(secret).join(SECRET_MASK);
            destination.write(masked);
          },
        };
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: SECRET_MASK },
      serializers: { err: pino.stdSerializers.err },
      base: { app: 'rollbot' },
    },
    stream as NodeJS.WritableStream,
  );
}
