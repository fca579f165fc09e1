/**
 * The one path from rollbot to Slack's Web API. Every call has a timeout, and its kind fixes its
 * retry policy (CALL_POLICIES). Plain keep-alive HTTP(S): a trigger_id lives 3 s, and the acks still
 * in flight on a busy bot share the event loop with this client, so it does no more than a call needs.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from '../logger.js';
import { SlackCallError } from './web-api-errors.js';
import { answerOf, formBody, type Json, send } from './web-api-http.js';

export { SlackCallError } from './web-api-errors.js';
export { USER_AGENT } from './web-api-http.js';
export type { Json };

/**
 * - `trigger`: bound to a trigger_id, which Slack honours once within 3 s: never retried, and no
 *   point waiting past 3 s.
 * - `view`: views.update / views.publish answer a person's click or visit; the next one re-renders,
 *   and a late retry could overwrite a newer view. Not retried.
 * - `delivery`: outbox messages and uploads. Not retried here: the outbox retries them in order,
 *   persisted across restarts (src/slack/outbox-worker.ts).
 * - `read`: idempotent calls (auth.test, user groups, channel lookups, joining a channel). Retried
 *   twice on an outage, a timeout or a rate limit (waiting Retry-After, up to `maxRetryAfterMs`).
 */
export type CallKind = 'trigger' | 'view' | 'delivery' | 'read';

export interface CallPolicy {
  timeoutMs: number;
  /** Tries in all, the first included. */
  attempts: number;
}

export const CALL_POLICIES: Readonly<Record<CallKind, CallPolicy>> = {
  trigger: { timeoutMs: 3000, attempts: 1 },
  view: { timeoutMs: 5000, attempts: 1 },
  delivery: { timeoutMs: 10_000, attempts: 1 },
  read: { timeoutMs: 5000, attempts: 3 },
};

/** Slack takes JSON bodies for methods that write; methods that read want a form. */
const FORM_METHODS = new Set([
  'auth.test',
  'conversations.history',
  'conversations.info',
  'conversations.list',
  'conversations.replies',
  'files.getUploadURLExternal',
  'usergroups.users.list',
]);

export interface SlackWebApiOptions {
  /** Web API base, e.g. `https://slack.com/api/`. */
  apiUrl: string;
  token: string;
  logger?: Logger;
  /** Overrides per kind (tests shorten timeouts). */
  policies?: Partial<Record<CallKind, Partial<CallPolicy>>>;
  /** Longest Retry-After a read waits for before giving up (default 5 s). */
  maxRetryAfterMs?: number;
}

export interface SlackWebApi {
  /**
   * Calls `method` and resolves with Slack's answer when `ok` is true; rejects with a SlackCallError
   * otherwise. With `ignoreBody`, a successful answer is not parsed (views.open echoes the whole view).
   */
  call(method: string, args: Json, kind: CallKind, options?: { ignoreBody?: boolean }): Promise<Json>;
  /** POSTs raw bytes to a files.getUploadURLExternal `upload_url` (a delivery). */
  upload(url: string, content: Buffer): Promise<void>;
  readonly policies: Readonly<Record<CallKind, CallPolicy>>;
}

export function createSlackWebApi(options: SlackWebApiOptions): SlackWebApi {
  const policies = Object.fromEntries(
    (Object.keys(CALL_POLICIES) as CallKind[]).map((k) => [
      k,
      { ...CALL_POLICIES[k], ...options.policies?.[k] },
    ]),
  ) as Record<CallKind, CallPolicy>;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5000;
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const log = options.logger?.child({ module: 'slack-web-api' });

  const once = (method: string, args: Json, timeoutMs: number, ignoreBody: boolean): Promise<Json> => {
    const url = new URL(method, options.apiUrl);
    const form = FORM_METHODS.has(method);
    const body = form ? formBody(args) : JSON.stringify(args);
    const contentType = form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8';
    return send(agents, url, body, timeoutMs, {
      authorization: `Bearer ${options.token}`,
      'content-type': contentType,
    }).then(({ status, text, retryAfter }) => answerOf(method, status, text, retryAfter, ignoreBody));
  };

  return {
    policies,
    async call(method, args, kind, callOptions = {}) {
      const policy = policies[kind];
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(method, args, policy.timeoutMs, callOptions.ignoreBody === true);
        } catch (err) {
          const wait = attempt < policy.attempts ? retryWait(err, attempt, maxRetryAfterMs) : undefined;
          if (wait === undefined) throw err;
          log?.warn(
            { method, attempt, reason: (err as Error).message, retryInMs: wait },
            'retrying a Slack read',
          );
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    },
    async upload(url, content) {
      const { status, text } = await send(agents, new URL(url), content, policies.delivery.timeoutMs, {
        'content-type': 'application/octet-stream',
      });
      if (status !== 200)
        throw new SlackCallError(
          'slack_webapi_http_error',
          'file upload',
          `HTTP ${status}: ${text.slice(0, 200)}`,
          {
            statusCode: status,
          },
        );
    },
  };
}

/** How long to wait before trying a read again, or undefined when trying again cannot help. */
function retryWait(err: unknown, attempt: number, maxRetryAfterMs: number): number | undefined {
  if (!(err instanceof SlackCallError) || !err.transient) return undefined;
  if (err.code === 'slack_webapi_rate_limited_error') {
    const ms = (err.retryAfter ?? 1) * 1000;
    return ms <= maxRetryAfterMs ? ms : undefined;
  }
  return 250 * 4 ** (attempt - 1);
}
