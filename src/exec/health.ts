/** HTTP health probe: one GET, compared against the expected status and top-level JSON fields. */
import type { HealthAnswer, HealthProbe, HealthRequest } from '../services/ports.js';
import { fetchFailure, parseJsonObject } from './json-answer.js';

const MAX_BODY = 64 * 1024;

export function createHealthProbe(): HealthProbe {
  return { probe };
}

async function probe(req: HealthRequest): Promise<HealthAnswer> {
  const timeout = AbortSignal.timeout(req.requestTimeoutMs);
  const signal = AbortSignal.any([timeout, req.signal]);
  let response: Response;
  let body: string;
  try {
    response = await fetch(req.url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
    body = await readBounded(response);
  } catch (err) {
    if (timeout.aborted) return { ok: false, detail: `no answer within ${req.requestTimeoutMs} ms` };
    return { ok: false, detail: `request failed: ${fetchFailure(err)}` };
  }
  const record = parseJsonObject(body);
  const reported = record?.version;
  const version = typeof reported === 'string' || typeof reported === 'number' ? String(reported) : undefined;
  const seen = { status: response.status, ...(version ? { version } : {}) };
  if (response.status !== req.expect.status) {
    return { ok: false, ...seen, detail: `HTTP ${response.status}, expected ${req.expect.status}` };
  }
  const wanted = Object.entries(req.expect.json);
  if (wanted.length === 0) return { ok: true, ...seen, detail: `HTTP ${response.status}` };
  if (!record) return { ok: false, ...seen, detail: 'body is not a JSON object' };
  const mismatches = wanted
    .filter(([key, value]) => String(record[key]) !== String(value))
    .map(([key, value]) => `${key}=${JSON.stringify(record[key] ?? null)} (want ${JSON.stringify(value)})`);
  if (mismatches.length > 0) return { ok: false, ...seen, detail: mismatches.join(', ') };
  const summary = wanted.map(([key, value]) => `${key}=${value}`).join(', ');
  return { ok: true, ...seen, detail: `HTTP ${response.status}, ${summary}` };
}

/** A health endpoint has no business sending megabytes: read at most MAX_BODY bytes. */
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}
