/** Expected failures are values: a closed set of codes that callers map to messages. */
export type ErrorCode =
  | 'invalid_input'
  | 'unknown_service'
  | 'unknown_env'
  | 'unknown_level'
  | 'unknown_host'
  | 'not_found'
  | 'locked'
  | 'not_authorized'
  | 'already_decided'
  | 'expired'
  | 'plan_changed'
  | 'step_failed'
  | 'aborted';

export type Failure = { ok: false; code: ErrorCode; message: string };
export type Result<T> = ({ ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}
