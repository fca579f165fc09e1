/** HTTP health probe: one GET, compared against the expected status and top-level JSON fields. */
import type { HealthProbe, HealthRequest } from '../services/ports.js';

export function createHealthProbe(): HealthProbe {
  return { probe };
}

async function probe(req: HealthRequest): Promise<{ ok: boolean; detail: string; status?: number }> {
  const timeout = AbortSignal.timeout(req.requestTimeoutMs);
  const signal = AbortSignal.any([timeout, req.signal]);
  let response: Response;
  try {
    response = await fetch(req.url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
  } catch (err) {
    if (timeout.aborted) return { ok: false, detail: `no answer within ${req.requestTimeoutMs} ms` };
    return { ok: false, detail: `request failed: ${describe(err)}` };
  }
  // Bounded read: a health endpoint has no business sending megabytes.
  const body = (await response.text().catch(() => '')).slice(0, 64 * 1024);
  if (response.status !== req.expect.status) {
    return {
      ok: false,
      status: response.status,
      detail: `HTTP ${response.status}, expected ${req.expect.status}`,
    };
  }
  const wanted = Object.entries(req.expect.json);
  if (wanted.length === 0) return { ok: true, status: response.status, detail: `HTTP ${response.status}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, status: response.status, detail: 'body is not JSON' };
  }
  const record = (json ?? {}) as Record<string, unknown>;
  const mismatches = wanted
    .filter(([key, value]) => String(record[key]) !== String(value))
    .map(([key, value]) => `${key}=${JSON.stringify(record[key] ?? null)} (want ${JSON.stringify(value)})`);
  if (mismatches.length > 0) return { ok: false, status: response.status, detail: mismatches.join(', ') };
  const summary = wanted.map(([key, value]) => `${key}=${value}`).join(', ');
  return { ok: true, status: response.status, detail: `HTTP ${response.status}, ${summary}` };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
