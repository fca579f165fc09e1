/** Configuration: the only reader of process.env. Every problem is reported at once. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseByteSize } from './domain/byte-size.js';
import { parseDuration } from './domain/duration.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

const optionalSecret = (prefix: string, example: string) =>
  z
    .string()
    .trim()
    .startsWith(prefix, `must start with "${prefix}" (${example})`)
    .optional()
    .or(z.literal('').transform(() => undefined));

/**
 * A TCP port. An empty value is refused rather than read as 0: `PORT=` in an env file meant "the
 * default" or "I forgot", never "any free port", which Slack and the load balancer could not find.
 */
const port = z
  .string()
  .trim()
  .min(1, 'is empty: set a port number, or remove the variable for the default')
  .regex(/^\d{1,5}$/, 'must be a port number (1-65535)')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, 'must be a port number (1-65535)');

/** The environment variables, as users set them (README's configuration table is tested against it). */
export const envSchema = z.object({
  SLACK_BOT_TOKEN: optionalSecret('xoxb-', 'a bot token from "OAuth & Permissions"'),
  SLACK_SIGNING_SECRET: z.string().trim().min(1).optional(),
  SLACK_APP_TOKEN: optionalSecret('xapp-', 'an app-level token with connections:write'),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://slack.com/api/')
    .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  PORT: port.default(3000),
  ROLLBOT_OPS_PORT: port.optional(),
  ROLLBOT_INCIDENT_CHANNEL: z
    .string()
    .regex(/^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,})$/, 'must be "#channel-name" or a channel id like C0123ABC')
    .default('#engineering-incidents'),
  ROLLBOT_RUNBOOKS: z.string().min(1).default('./runbooks'),
  ROLLBOT_DB: z.string().min(1).default('./data/rollbot.db'),
  ROLLBOT_SSH_KEY: z.string().min(1).default('~/.ssh/id_ed25519').transform(expandHome),
  ROLLBOT_SSH_KEY_PASSPHRASE: z.string().optional(),
  ROLLBOT_KNOWN_HOSTS: z.string().min(1).default('~/.ssh/known_hosts').transform(expandHome),
  ROLLBOT_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => isTimeZone(tz), 'must be an IANA time zone such as Europe/Berlin'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ROLLBOT_DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ROLLBOT_INSTANCE: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" and "-" (at most 100)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ROLLBOT_AUDIT_KEY: z
    .string()
    .min(16, 'at least 16 characters (e.g. openssl rand -hex 32)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ROLLBOT_LEASE_TTL: z
    .string()
    .default('20s')
    .refine((text) => (parseDuration(text) ?? 0) >= 1000, 'must be a duration of at least 1s, such as 20s'),
  ROLLBOT_DEPLOY_TOKEN: z
    .string()
    .min(16, 'at least 16 characters (e.g. openssl rand -hex 24)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ROLLBOT_PROMETHEUS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://prometheus:9090' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  ROLLBOT_STEP_LOG_MAX: z
    .string()
    .default('50MB')
    .refine(
      (text) => (parseByteSize(text) ?? 0) >= 1024,
      'must be a size of at least 1KB, like 50MB, 512KB or 1048576',
    ),
});

export const configSchema = envSchema.transform((env) => ({
  slack: {
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
  },
  port: env.PORT,
  /** Where /healthz, /metrics and /blocked listen when they must not share the Slack-facing port. */
  opsPort: env.ROLLBOT_OPS_PORT,
  incidentChannel: env.ROLLBOT_INCIDENT_CHANNEL,
  runbooksDir: env.ROLLBOT_RUNBOOKS,
  dbFile: env.ROLLBOT_DB,
  databaseUrl: env.ROLLBOT_DATABASE_URL,
  instance: env.ROLLBOT_INSTANCE,
  leaseTtlMs: parseDuration(env.ROLLBOT_LEASE_TTL)!,
  deployToken: env.ROLLBOT_DEPLOY_TOKEN,
  auditKey: env.ROLLBOT_AUDIT_KEY,
  sshKeyFile: env.ROLLBOT_SSH_KEY,
  sshKeyPassphrase: env.ROLLBOT_SSH_KEY_PASSPHRASE,
  knownHostsFile: env.ROLLBOT_KNOWN_HOSTS,
  timeZone: env.ROLLBOT_TIMEZONE,
  logLevel: env.LOG_LEVEL,
  prometheusUrl: env.ROLLBOT_PROMETHEUS_URL,
  /** Cap of one step's log file, in bytes (validated above). */
  stepLogMaxBytes: parseByteSize(env.ROLLBOT_STEP_LOG_MAX) ?? 0,
}));

export type Config = z.output<typeof configSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; message: string };

/** Parses the environment; the message lists every problem, one per line, without echoing values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return { ok: true, config: parsed.data };
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  return { ok: false, message: `Invalid configuration:\n${lines.join('\n')}` };
}

/** `serve` needs Slack credentials that the CLI does not. */
export function slackProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.slack.botToken) problems.push('  SLACK_BOT_TOKEN: required for `rollbot serve`');
  if (!config.slack.appToken && !config.slack.signingSecret) {
    problems.push('  SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  return problems;
}

/** Values that must never be printed anywhere; fed to the logger and the output maskers. */
export function configSecrets(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.sshKeyPassphrase,
    config.auditKey,
    config.deployToken,
    databasePassword(config.databaseUrl),
  ].filter((value): value is string => typeof value === 'string' && value.length >= 4);
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where `from: env:NAME` secrets are read: this process's environment, at execution. Read through
 * here so config.ts stays the only reader of process.env.
 */
export function secretEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): (name: string) => string | undefined {
  return (name) => env[name];
}

// Steps get a clean environment: the bot's own tokens must never leak into a child process.
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL'];

/** The environment local steps run with: the harmless basics of the bot's own, nothing else. */
export function childProcessEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
