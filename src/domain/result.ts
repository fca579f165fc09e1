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
  | 'aborted'
  /** A secret's source cannot be read by this process (unset variable, missing file, typed elsewhere). */
  | 'secret_unavailable'
  /** The run cannot be executed by any process (its plan predates durable runs). */
  | 'not_executable'
  /** The same request was already submitted and opened something. */
  | 'duplicate'
  /** The store could not be written (disk full, database down): what happened is uncertain. */
  | 'storage_failed';

export type Failure = { ok: false; code: ErrorCode; message: string };
export type Result<T> = ({ ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}
