/** Prometheus HTTP API client: one instant query (`GET /api/v1/query`), its first value or why there is none. */
import type { PrometheusAnswer, PrometheusClient, PrometheusRequest } from '../services/query-steps.js';
import { fetchFailure, parseJsonObject } from './json-answer.js';

/** An aggregated query answers in bytes; a query that returns megabytes of series is a mistake. */
const MAX_BODY = 4 * 1024 * 1024;
const MAX_REASON = 300;
// Prometheus writes sample values with strconv.FormatFloat, plus NaN, +Inf and -Inf.
const NUMBER_RE = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function createPrometheusClient(): PrometheusClient {
  return { query };
}

async function query(req: PrometheusRequest): Promise<PrometheusAnswer> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([timeout, req.signal]);
  const url = new URL('api/v1/query', req.url.endsWith('/') ? req.url : `${req.url}/`);
  url.searchParams.set('query', req.query);
  let status: number;
  let body: string;
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    status = response.status;
    body = await readBounded(response);
  } catch (err) {
    if (req.signal.aborted) return fail('aborted');
    if (timeout.aborted) return fail(`no answer from Prometheus within ${req.timeoutMs} ms`);
    if (err instanceof RangeError) return fail(err.message);
    return fail(`Prometheus unreachable: ${fetchFailure(err)}`);
  }
  return answerOf(status, body);
}

/** Reads the API's JSON envelope; exported for the unit tests of each shape. */
export function answerOf(status: number, body: string): PrometheusAnswer {
  const json = parseJsonObject(body);
  if (json?.status === 'error') {
    const type = typeof json.errorType === 'string' ? ` (${json.errorType})` : '';
    return fail(`Prometheus error${type}: ${String(json.error ?? 'no message')}`);
  }
  if (status < 200 || status > 299) return fail(`HTTP ${status} from Prometheus`);
  if (json?.status !== 'success') return fail(`not a Prometheus API answer (HTTP ${status})`);
  const data = json.data as { resultType?: unknown; result?: unknown } | undefined;
  switch (data?.resultType) {
    case 'vector': {
      const first = Array.isArray(data.result)
        ? (data.result[0] as { value?: unknown } | undefined)
        : undefined;
      if (first === undefined) return fail('empty result: no series matched');
      return sampleValue(Array.isArray(first.value) ? first.value[1] : undefined);
    }
    case 'scalar':
      return sampleValue(Array.isArray(data.result) ? data.result[1] : undefined);
    default:
      return fail(
        `result type ${String(data?.resultType)}: write a query that returns an instant vector or a scalar`,
      );
  }
}

function sampleValue(raw: unknown): PrometheusAnswer {
  if (typeof raw !== 'string') return fail('the result has no sample value');
  if (raw === 'NaN') return fail('NaN (no data to divide, e.g. no requests in the window)');
  if (/^[-+]?Inf$/.test(raw)) return fail(`${raw.startsWith('-') ? '-' : '+'}Inf`);
  if (!NUMBER_RE.test(raw)) return fail(`not a number: ${JSON.stringify(raw.slice(0, 40))}`);
  const value = Number(raw);
  return Number.isFinite(value) ? { ok: true, value } : fail(`not a finite number: ${raw.slice(0, 40)}`);
}

function fail(reason: string): PrometheusAnswer {
  const oneLine = reason.replace(/\s+/g, ' ');
  return {
    ok: false,
    reason: oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine,
  };
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      await reader.cancel().catch(() => {});
      throw new RangeError(`answer larger than ${MAX_BODY / 1024 / 1024} MiB: aggregate the query`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
