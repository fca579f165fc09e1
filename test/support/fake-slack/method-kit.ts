// The contract every fake Web API method implements, plus Slack-shaped error helpers.
import type { LimitError } from './limits.js';
import type { FakeSlackOptions, Json, MethodResult } from './types.js';
import type { Workspace } from './workspace.js';

export interface MethodContext {
  ws: Workspace;
  args: Json;
  binaries: Record<string, Buffer>;
  options: FakeSlackOptions;
}

export interface MethodSpec {
  /** Which token Slack accepts for the method. */
  token: 'bot' | 'app';
  /** Arguments whose absence Slack answers with `invalid_arguments`. */
  required: string[];
  /** Argument naming the channel, used by the per-channel tier limiter. */
  channelArg?: string;
  /**
   * Slack takes JSON bodies only for methods that write; a read method (conversations.history...)
   * ignores a JSON body, so its arguments arrive missing.
   */
  formOnly?: boolean;
  handle(ctx: MethodContext): MethodResult;
}

export function fail(error: string, problems: string[] = [], extra: Json = {}): MethodResult {
  const result: MethodResult = { ok: false, error, ...extra };
  if (problems.length > 0) {
    result.errors = problems;
    result.response_metadata = { messages: problems.map((p) => `[ERROR] ${p}`) };
  }
  return result;
}

export const failLimit = (e: LimitError): MethodResult => fail(e.error, e.problems);

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}
