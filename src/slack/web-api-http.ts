/** One Web API exchange over keep-alive HTTP(S): the body as Slack takes it, a deadline, the answer read. */
import type { Agent as HttpAgent } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { SlackCallError, type SlackCallErrorCode } from './web-api-errors.js';

export type Json = Record<string, unknown>;

export const USER_AGENT = 'rollbot-web-api/1';

/** Form bodies carry nested arguments as JSON strings, as Slack documents. */
export function formBody(args: Json): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}

/** A successful answer starts `{"ok":true`; only when it does not is the whole body parsed. */
const OK_PREFIX = /^\s*\{\s*"ok"\s*:\s*true\s*[,}]/;

export function answerOf(
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

export interface RawAnswer {
  status: number;
  text: string;
  retryAfter?: number;
}

/** One POST with a deadline on the whole exchange (not just socket idleness). */
export function send(
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
