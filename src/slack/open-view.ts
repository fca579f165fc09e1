/**
 * views.open over a plain keep-alive HTTP(S) request. A trigger_id is valid for 3 s and only once,
 * so WebClient's retries cannot help here, and its per-call overhead (as fetch's) competes with the
 * acks still in flight.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Slack forgets a trigger_id after 3 s: no point waiting longer for an answer. */
const TIMEOUT_MS = 3000;

export function createViewOpener(apiUrl: string, token: string) {
  const url = new URL('views.open', apiUrl);
  const secure = url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  return (triggerId: string, view: object): Promise<void> => {
    const body = JSON.stringify({ trigger_id: triggerId, view });
    return new Promise<void>((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          timeout: TIMEOUT_MS,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const error = viewsOpenError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
            if (error) reject(new Error(`views.open failed: ${error}`));
            else resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`views.open: no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** Slack's answer starts `{"ok":true,` and echoes the whole view; only `ok` and `error` matter. */
const OK_PREFIX = /^\s*\{\s*"ok"\s*:\s*true\s*[,}]/;

/** Undefined when Slack opened the view, else why not. */
export function viewsOpenError(status: number, text: string): string | undefined {
  if (status === 200 && OK_PREFIX.test(text)) return undefined;
  let body: { ok?: unknown; error?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (status === 200 && body.ok === true) return undefined;
  return typeof body.error === 'string' ? body.error : `HTTP ${status}`;
}
