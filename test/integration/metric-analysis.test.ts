/**
 * Metric analysis end to end against a real Prometheus (Debian's binary) scraping a fixture service
 * every second: the rollback's own step changes what the service reports, and the query steps
 * decide from what Prometheus measured, with the baseline before the first step on the timeline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSample } from '../../src/domain/step-result.js';
import type { RunObserver } from '../../src/services/execute-plan.js';
import { createStore, type Store } from '../../src/store/store.js';
import { metricLines } from '../../views/rca/metrics.js';
import { rollbackServiceFor } from '../support/engine.js';
import {
  type FixtureExporter,
  type PrometheusHandle,
  startFixtureExporter,
  startPrometheus,
  waitFor,
} from '../support/prometheus.js';
import { instance } from '../support/temp-store.js';

const ERROR_RATE =
  'sum(irate(http_requests_total{job="fixture",code=~"5.."}[10s])) / sum(irate(http_requests_total{job="fixture"}[10s]))';
const P95 =
  'histogram_quantile(0.95, sum by (le) (irate(http_request_duration_seconds_bucket{job="fixture"}[10s])))';

let exporter: FixtureExporter;
let prometheus: PrometheusHandle;
let dir: string;
let store: Store;

beforeAll(async () => {
  exporter = await startFixtureExporter({ errorRatio: 0.2, latencySeconds: 0.3 });
  prometheus = await startPrometheus([exporter.target]);
  // Ready when Prometheus has scraped the fixture enough for the rate to exist.
  await waitFor('the error rate in Prometheus', async () => {
    const [first] = await prometheus.query(ERROR_RATE);
    return first && Number(first.value[1]) === 0.2 ? true : undefined;
  });
  dir = mkdtempSync(join(tmpdir(), 'rollbot-metrics-'));
  store = await createStore({
    file: join(dir, 'rollbot.db'),
    clock: { now: () => Date.now() },
    self: instance(),
  });
}, 90_000);

afterAll(async () => {
  await store?.close();
  await prometheus?.stop();
  await exporter?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A local-host runbook whose "rollback" tells the fixture how it now behaves, then verifies. */
function runbook(set: string, prometheusLine = ''): string {
  const post = `fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return `service: shop
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: localhost, local: true }]
params:
  port: { pattern: '^[0-9]+$', default: '1' }
levels:
  2:
    name: Code rollback
    target: 5m
    approvals: 0
    steps:
      - name: Roll back the release
        local: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(post)}, ${JSON.stringify(`${exporter.setUrl}?${set}`)}]
      - name: Error rate below 1%
        query: ${ERROR_RATE}
${prometheusLine}        expect: "< 0.01"
        every: 1s
        count: 3
      - name: p95 latency below 500 ms
        query: ${P95}
${prometheusLine}        expect: "< 0.5"
        every: 1s
        count: 2
`;
}

const quiet: RunObserver = {
  stepStarted() {},
  stepFinished() {},
  confirmRequested() {},
  confirmAnswered() {},
};

async function rollBack(yaml: string, params: Record<string, string> = {}, prometheusUrl?: string) {
  const rollback = rollbackServiceFor({
    yaml,
    store,
    ssh: { run: async () => Promise.reject(new Error('no SSH here')), close: async () => {} },
    workDir: dir,
    ...(prometheusUrl ? { prometheusUrl } : {}),
  });
  const request = {
    service: 'shop',
    env: 'production',
    level: 2,
    severity: 'critical' as const,
    reason: 'error rate 20% since v9',
    requestedBy: 'U0ONCALL',
    params,
    drill: false,
  };
  const opened = await rollback.open(request);
  if (!opened.ok) throw new Error(opened.message);
  const result = await rollback.execute(opened.run.id, {
    actor: 'U0ONCALL',
    signal: new AbortController().signal,
    observer: quiet,
  });
  if (!result.ok) throw new Error(result.message);
  const events = await store.timeline(opened.incident.id);
  return { opened, result, events, rows: await store.stepResults(opened.run.id) };
}

const valuesOf = (samples: MetricSample[] | undefined) => samples?.map((s) => [s.value, s.ok]);

describe('query steps against a real Prometheus', () => {
  it('pass when the rollback brings the error rate down, with the baseline before and the samples after', async () => {
    const { result, events, rows } = await rollBack(
      runbook('errors=0&latency=0.2'),
      {},
      prometheus.url, // ROLLBOT_PROMETHEUS_URL: the steps name no Prometheus.
    );
    expect(result.outcome.failures).toEqual([]);
    expect(result.run.state).toBe('succeeded');
    const [, errorRate, p95] = rows;
    expect(valuesOf(errorRate?.samples)).toEqual([
      [0, true],
      [0, true],
      [0, true],
    ]);
    expect(p95?.samples?.every((s) => s.ok && s.value! > 0.2 && s.value! < 0.25)).toBe(true);

    // The baseline was taken before the first step, while the service still failed.
    const baseline = events.find((e) => e.type === 'run.baseline');
    const firstStep = events.find((e) => e.type === 'step.started');
    expect(baseline!.seq).toBeLessThan(firstStep!.seq);
    const [before] = baseline!.data!.baselines as { name: string; sample: MetricSample }[];
    expect(before).toMatchObject({ name: 'Error rate below 1%', sample: { value: 0.2, ok: false } });
    const finished = events.filter(
      (e) => e.type === 'step.finished' && e.data?.name === 'Error rate below 1%',
    );
    expect((finished[0]!.data!.samples as MetricSample[]).map((s) => s.value)).toEqual([0, 0, 0]);
    expect(metricLines(events)).toContain('| Error rate below 1% | < 0.01 | 0.2 → 0 | 3/3 |');
  }, 90_000);

  it('fail, with the measured value, when the error rate stays up (Prometheus named by a templated URL)', async () => {
    exporter.set({ errorRatio: 0.25 });
    await exporter.scraped(3);
    const port = new URL(prometheus.url).port;
    const { result, rows } = await rollBack(
      runbook('latency=0.3', '        prometheus: "http://127.0.0.1:{{port}}"\n'),
      { port },
    );
    expect(result.run.state).toBe('failed');
    const [failure] = result.outcome.failures;
    expect(failure?.step.name).toBe('Error rate below 1%');
    expect(failure?.host).toBe('(prometheus)');
    expect(failure?.result.error).toBe('analysis failed: 0.25 is not < 0.01 (1 failed sample, 0 tolerated)');
    expect(valuesOf(rows[1]?.samples)).toEqual([[0.25, false]]);
    expect(result.run.error).toContain('0.25 is not < 0.01');
    // The p95 step never ran: the run stopped at the failed analysis.
    expect(rows).toHaveLength(2);
  }, 90_000);

  it('fail a query that matches no series: an empty result is never a pass', async () => {
    const yaml = runbook('latency=0.3').replace(
      ERROR_RATE,
      'sum(rate(http_requests_total{job="nope"}[10s]))',
    );
    const { result } = await rollBack(yaml, {}, prometheus.url);
    expect(result.run.state).toBe('failed');
    expect(result.outcome.failures[0]?.result.error).toContain('empty result: no series matched');
  }, 90_000);
});
