/**
 * The one path from rollbot to Slack's Web API. Every call has a timeout, and its kind fixes its
 * retry policy (CALL_POLICIES). Plain keep-alive HTTP(S): a trigger_id lives 3 s, and the acks still
 * in flight on a busy bot share the event loop with this client, so it does no more than a call needs.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '../logger.js';
import { SlackCallError, type SlackCallErrorCode } from './web-api-errors.js';

export { SlackCallError } from './web-api-errors.js';

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

export type Json = Record<string, unknown>;

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

export const USER_AGENT = 'rollbot-web-api/1';

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

/** Form bodies carry nested arguments as JSON strings, as Slack documents. */
function formBody(args: Json): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}

/** A successful answer starts `{"ok":true`; only when it does not is the whole body parsed. */
const OK_PREFIX = /^\s*\{\s*"ok"\s*:\s*true\s*[,}]/;

function answerOf(
  method: string,
  status: number,
  text: string,
  retryAfter: number | undefined,
  ignoreBody: boolean,
): Json {
  if (status === 429) {
    throw new SlackCallError('slack_webapi_rate_limited_error', method, 'rate limited', {
      statusCode: 429,
      retryAfter: retryAfter ?? 1,
    });
  }
  if (status === 200 && ignoreBody && OK_PREFIX.test(text)) return { ok: true };
  let body: Json | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    body = typeof parsed === 'object' && parsed !== null ? (parsed as Json) : undefined;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (status === 200 && body?.ok === true) return body;
  if (status === 200 && typeof body?.error === 'string') {
    throw new SlackCallError('slack_webapi_platform_error', method, body.error, { data: body });
  }
  throw new SlackCallError('slack_webapi_http_error', method, `HTTP ${status}`, { statusCode: status });
}

interface RawAnswer {
  status: number;
  text: string;
  retryAfter?: number;
}

/** One POST with a deadline on the whole exchange (not just socket idleness). */
function send(
  agents: { http: HttpAgent; https: HttpsAgent },
  url: URL,
  body: string | Buffer,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const method = url.pathname.split('/').pop() ?? url.pathname;
  return new Promise<RawAnswer>((resolve, reject) => {
    let sent = false;
    let timer: NodeJS.Timeout | undefined;
    const req = request(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, 'user-agent': USER_AGENT, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => fail('slack_webapi_request_error', err.message));
        res.on('end', () => {
          clearTimeout(timer);
          const retryAfter = Number(res.headers['retry-after']);
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
          });
        });
      },
    );
    const fail = (code: SlackCallErrorCode, message: string, outcomeUnknown = false) => {
      clearTimeout(timer);
      req.destroy();
      reject(new SlackCallError(code, method, message, { outcomeUnknown }));
    };
    timer = setTimeout(
      // Once the request was sent, Slack may have acted on it: the caller must not assume it did not.
      () => fail('slack_webapi_timeout_error', `no answer within ${timeoutMs} ms`, sent),
      timeoutMs,
    );
    req.on('error', (err) => fail('slack_webapi_request_error', err.message, sent));
    req.end(body, () => {
      sent = true;
    });
  });
}
