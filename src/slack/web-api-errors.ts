/**
 * A failed Web API call, with the codes @slack/web-api uses (so logs and the outbox read the same
 * shapes), plus timeouts, and which failures are Slack's or the network's rather than the call's.
 */

export type SlackCallErrorCode =
  /** Slack answered `ok: false` (`data.error` says why: missing_scope, invalid_blocks...). */
  | 'slack_webapi_platform_error'
  /** HTTP 429; `retryAfter` in seconds. */
  | 'slack_webapi_rate_limited_error'
  /** A non-200 status without Slack's JSON (5xx, a proxy's error page). */
  | 'slack_webapi_http_error'
  /** No answer within the call's timeout. */
  | 'slack_webapi_timeout_error'
  /** The connection failed (refused, reset). */
  | 'slack_webapi_request_error';

/** Slack answers these when it is the problem, not the call: worth trying again. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export class SlackCallError extends Error {
  readonly code: SlackCallErrorCode;
  readonly method: string;
  /** Slack's answer, for platform errors (`error`, and `needed`/`provided` on missing_scope). */
  readonly data?: { error?: string; needed?: string; provided?: string } & Record<string, unknown>;
  readonly statusCode?: number;
  readonly retryAfter?: number;
  /** The request may have reached Slack and been acted on (a timeout or reset after sending). */
  readonly outcomeUnknown: boolean;

  constructor(
    code: SlackCallErrorCode,
    method: string,
    message: string,
    extra: {
      data?: Record<string, unknown>;
      statusCode?: number;
      retryAfter?: number;
      outcomeUnknown?: boolean;
    } = {},
  ) {
    super(`${method}: ${message}`);
    this.name = 'SlackCallError';
    this.code = code;
    this.method = method;
    if (extra.data) this.data = extra.data;
    if (extra.statusCode !== undefined) this.statusCode = extra.statusCode;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
    this.outcomeUnknown = extra.outcomeUnknown ?? false;
  }

  /** Slack's error code, or what went wrong on the way. */
  get reason(): string {
    if (this.code === 'slack_webapi_platform_error') {
      const error = this.data?.error ?? 'unknown';
      return error === 'missing_scope' && this.data?.needed
        ? `missing_scope (needs ${this.data.needed})`
        : error;
    }
    if (this.code === 'slack_webapi_rate_limited_error') return 'rate limited';
    return this.message;
  }

  /** True when Slack or the network is the problem: the same call may succeed later. */
  get transient(): boolean {
    switch (this.code) {
      case 'slack_webapi_platform_error':
        return TRANSIENT_PLATFORM_ERRORS.has(this.data?.error ?? '');
      case 'slack_webapi_http_error':
        return (this.statusCode ?? 0) >= 500;
      default:
        return true;
    }
  }
}
