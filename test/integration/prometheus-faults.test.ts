/**
 * The Prometheus client and the query step against a fake HTTP API: every way an answer can be
 * unusable is a failed sample with its reason, never a pass.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCondition } from '../../src/domain/condition.js';
import { QUERY_TARGET_HOST, type QueryTarget } from '../../src/domain/plan.js';
import { createPrometheusClient } from '../../src/exec/prometheus.js';
import { abortableSleep } from '../../src/services/health-steps.js';
import { runQuery } from '../../src/services/query-steps.js';
import { startFakePrometheusApi, vectorBody } from '../support/prometheus.js';
import { freePort } from '../support/rollbot-harness.js';

const client = createPrometheusClient();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function fakeApi(answer: (query: string, res: ServerResponse) => void) {
  const api = await startFakePrometheusApi(answer);
  closers.push(api.close);
  return api;
}
const json = (status: number, body: string) => (_q: string, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
};
const ask = (url: string, timeoutMs = 2000, signal = new AbortController().signal) =>
  client.query({ url, query: 'up', timeoutMs, signal });

describe('Prometheus client', () => {
  it('reads the first element of a vector and a scalar; sends the query URL-encoded', async () => {
    const api = await fakeApi(json(200, vectorBody(['0.0042', '7'])));
    expect(await ask(api.url)).toEqual({ ok: true, value: 0.0042 });
    const weird = 'sum(rate(x{code=~"5.."}[1m])) / 2 # & ?';
    await client.query({
      url: `${api.url}/`,
      query: weird,
      timeoutMs: 2000,
      signal: new AbortController().signal,
    });
    expect(api.queries.at(-1)).toBe(weird);
    const scalar = await fakeApi(
      json(200, '{"status":"success","data":{"resultType":"scalar","result":[1,"-3.5e-2"]}}'),
    );
    expect(await ask(scalar.url)).toEqual({ ok: true, value: -0.035 });
  });

  it.each([
    ['an empty vector', json(200, vectorBody([])), /empty result/],
    ['NaN', json(200, vectorBody(['NaN'])), /^NaN/],
    ['+Inf', json(200, vectorBody(['+Inf'])), /^\+Inf$/],
    ['-Inf', json(200, vectorBody(['-Inf'])), /^-Inf$/],
    ['a non-numeric value', json(200, vectorBody(['lots'])), /not a number: "lots"/],
    ['an empty string value', json(200, vectorBody([''])), /not a number/],
    ['HTTP 500 with a plain body', json(500, 'internal error'), /HTTP 500 from Prometheus/],
    [
      'status error',
      json(400, '{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}'),
      /Prometheus error \(bad_data\): 1:5: parse error/,
    ],
    [
      'a matrix',
      json(200, '{"status":"success","data":{"resultType":"matrix","result":[]}}'),
      /result type matrix/,
    ],
    ['a body that is not JSON', json(200, '<html>login</html>'), /not a Prometheus API answer/],
    ['a redirect (a login page)', json(302, ''), /HTTP 302/],
  ])('fails a sample on %s, with the reason', async (_what, answer, reason) => {
    const api = await fakeApi(answer);
    const result = await ask(api.url);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('fails a sample on a server that does not answer in time, and on one nobody listens on', async () => {
    const stalled = await fakeApi(() => {});
    const started = Date.now();
    expect(await ask(stalled.url, 300)).toEqual({
      ok: false,
      reason: 'no answer from Prometheus within 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const port = await freePort();
    const refused = await ask(`http://127.0.0.1:${port}`);
    expect(refused).toEqual({ ok: false, reason: 'Prometheus unreachable: ECONNREFUSED' });
  });

  it('stops waiting when the run is aborted', async () => {
    const stalled = await fakeApi(() => {});
    const abort = new AbortController();
    const answer = ask(stalled.url, 30_000, abort.signal);
    abort.abort();
    expect(await answer).toEqual({ ok: false, reason: 'aborted' });
  });
});

function target(url: string, over: Partial<QueryTarget> = {}): QueryTarget {
  return {
    host: QUERY_TARGET_HOST,
    kind: 'query',
    prometheus: url,
    query: 'error_ratio',
    expect: parseCondition('< 0.01')!,
    everyMs: 20,
    samples: 3,
    failureLimit: 0,
    requestTimeoutMs: 500,
    ...over,
  };
}
const deps = { prometheus: client, clock: { now: () => Date.now() }, sleep: abortableSleep };

/** Answers the n-th request with `values[n]` ("stall" never answers). */
function sequence(values: string[]) {
  let n = 0;
  return (_q: string, res: ServerResponse) => {
    const value = values[Math.min(n++, values.length - 1)]!;
    if (value === 'stall') return;
    if (value === '500') res.writeHead(500).end();
    else res.writeHead(200).end(vectorBody(value === 'empty' ? [] : [value]));
  };
}

describe('query step', () => {
  it('passes when every sample meets the condition, and carries the samples', async () => {
    const api = await fakeApi(sequence(['0.004', '0.003', '0.002']));
    const result = await runQuery(deps, target(api.url), 10_000, new AbortController().signal);
    expect(result.ok).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.samples?.map((s) => [s.value, s.ok])).toEqual([
      [0.004, true],
      [0.003, true],
      [0.002, true],
    ]);
    expect(result.tail).toContain('sample 3');
  });

  it('fails at the first failed sample beyond the limit, with the measured value', async () => {
    const api = await fakeApi(sequence(['0.004', '0.082', '0.001']));
    const result = await runQuery(deps, target(api.url), 10_000, new AbortController().signal);
    expect(result.ok).toBe(false);
    expect(result.error).toBe('analysis failed: 0.082 is not < 0.01 (1 failed sample, 0 tolerated)');
    expect(api.queries).toHaveLength(2);
    expect(result.samples?.at(-1)).toMatchObject({ value: 0.082, ok: false, reason: '0.082 is not < 0.01' });
  });

  it('tolerates failureLimit failed samples of any kind, and no more', async () => {
    const tolerant = await fakeApi(sequence(['empty', 'NaN', '0.001']));
    const passed = await runQuery(
      deps,
      target(tolerant.url, { failureLimit: 2 }),
      10_000,
      new AbortController().signal,
    );
    expect(passed.ok).toBe(true);
    expect(passed.samples?.map((s) => s.ok)).toEqual([false, false, true]);
    const strict = await fakeApi(sequence(['500', 'stall']));
    const failed = await runQuery(
      deps,
      target(strict.url, { failureLimit: 1 }),
      10_000,
      new AbortController().signal,
    );
    expect(failed.ok).toBe(false);
    expect(failed.samples?.map((s) => s.reason)).toEqual([
      'HTTP 500 from Prometheus',
      'no answer from Prometheus within 500 ms',
    ]);
    expect(failed.error).toContain('2 failed samples, 1 tolerated');
  });

  it('is canceled, not failed or passed, when the run is aborted mid-window', async () => {
    const api = await fakeApi(sequence(['0.001']));
    const abort = new AbortController();
    // Abort once the step waits for its second sample, i.e. the first one is taken.
    let waiting!: () => void;
    const asleep = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const sleep = (ms: number, signal: AbortSignal) => {
      waiting();
      return abortableSleep(ms, signal);
    };
    const running = runQuery(
      { ...deps, sleep },
      target(api.url, { everyMs: 60_000, samples: 5 }),
      600_000,
      abort.signal,
    );
    await asleep;
    abort.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, canceled: true });
    expect(result.samples?.map((s) => s.value)).toEqual([0.001]);
  });

  it('times out with what it has when the window outlasts the step timeout', async () => {
    const api = await fakeApi(sequence(['0.001']));
    const result = await runQuery(
      deps,
      target(api.url, { everyMs: 300, samples: 5 }),
      500,
      new AbortController().signal,
    );
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.error).toMatch(/samples taken/);
  });
});
