/**
 * Start-up failures the operator fixes in the configuration or on disk (a refused Slack token, a
 * database path that cannot be opened, a port in use), as one line naming what to change. Anything
 * else is a bug and keeps its stack trace.
 */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';

const SLACK_AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);
const FILE_ERRORS = new Set([
  'EEXIST',
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EROFS',
  'ENOSPC',
  'ELOOP',
]);

interface ErrorFields {
  code?: unknown;
  path?: unknown;
  port?: unknown;
  message?: unknown;
  data?: { error?: unknown };
  original?: { message?: unknown };
}

/** The line to print for a known start-up failure, or undefined for a bug. */
export function startupProblem(err: unknown, config: Config): string | undefined {
  if (err instanceof ConfigError) return err.message;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorFields;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code === 'slack_webapi_platform_error' && SLACK_AUTH_ERRORS.has(String(e.data?.error))) {
    return `SLACK_BOT_TOKEN: Slack refused the bot token (${String(e.data?.error)}); copy it again from "OAuth & Permissions".`;
  }
  if (code === 'slack_webapi_request_error') {
    return `SLACK_API_URL: cannot reach Slack at ${config.slack.apiUrl} (${String(e.original?.message ?? message)}).`;
  }
  if (code === 'EADDRINUSE') {
    return `PORT: port ${String(e.port ?? config.port)} is already in use; stop what listens there or choose another port.`;
  }
  if (code.startsWith('SQLITE_')) {
    return `ROLLBOT_DB: cannot use the database ${config.dbFile} (${code}: ${message}).`;
  }
  if (FILE_ERRORS.has(code) && typeof e.path === 'string') {
    const what = e.path === config.dbFile || config.dbFile.startsWith(e.path) ? 'ROLLBOT_DB: ' : '';
    return `${what}cannot use ${e.path} (${code}: ${describeErrno(code)}).`;
  }
  return undefined;
}

function describeErrno(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied for the user rollbot runs as';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return code;
  }
}
