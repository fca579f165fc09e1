/** Query steps in the views: the Slack plan, the progress figure, the RCA's before → after. */

import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.js';
import type { Run, StepRow } from '../../src/domain/records.js';
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { planMessage } from '../../views/plan.js';
import { progressMessage } from '../../views/progress.js';
import { sampleSummary } from '../../views/query-figures.js';
import { metricLines } from '../../views/rca/metrics.js';
import { testPlan } from '../support/records.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);
const RUNBOOK = `service: shop
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: a, address: 10.0.0.1 }]
levels:
  1:
    name: Restart
    target: 2m
    approvals: 0
    steps:
      - run: systemctl restart shop
      - name: Error rate below 1%
        query: sum(rate(http_requests_total{job="shop",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="shop"}[1m]))
        prometheus: "http://prometheus:9090"
        expect: "< 0.01"
        every: 15s
        for: 30s
`;

function shopPlan(): Plan {
  const { runbook, errors } = parseRunbookText(RUNBOOK, 'shop.yml');
  if (!runbook) throw new Error(JSON.stringify(errors));
  const rendered = renderPlan(runbook, {
    env: 'production',
    level: 1,
    params: {},
    runId: 'R',
    incidentId: 'I',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan;
}

const run: Run = {
  id: 'INC-2026-0001-r1',
  incidentId: 'INC-2026-0001',
  service: 'shop',
  env: 'production',
  level: 1,
  drill: false,
  state: 'running',
  planHash: 'h',
  plan: testPlan(),
  executable: true,
  approvalsRequired: 1,
  owner: null,
  requestedBy: 'U0REQ',
  createdAt: T0,
  startedAt: T0,
  finishedAt: null,
  targetMs: 120_000,
  error: null,
  escalatedFrom: null,
};

function queryRow(values: (number | null)[], state: StepRow['state']): StepRow {
  const samples = values.map((value, i) => ({
    at: T0 + i * 15_000,
    value,
    ok: value !== null && value < 0.01,
    ...(value === null ? { reason: 'empty result: no series matched' } : value < 0.01 ? {} : { reason: 'x' }),
  }));
  return {
    runId: run.id,
    stepIndex: 1,
    host: '(prometheus)',
    name: 'Error rate below 1%',
    kind: 'query',
    state,
    exitCode: null,
    signal: null,
    startedAt: T0,
    finishedAt: T0 + 30_000,
    durationMs: 30_000,
    tail: '',
    error: null,
    logFile: null,
    samples,
  };
}

const text = (blocks: unknown) => JSON.stringify(blocks);

describe('query steps in Slack', () => {
  it('shows the PromQL, the Prometheus and the condition in the plan message', () => {
    const body = text(planMessage({ plan: shopPlan() }).blocks);
    expect(body).toContain('PromQL on http://prometheus:9090');
    expect(body).toContain('code=~\\"5..\\"');
    expect(body).toContain('each sample &lt; 0.01 · every 15s, 3 samples over 30s · 0 failed tolerated');
  });

  it('shows the measured value against the condition in the progress message', () => {
    const plan = shopPlan();
    const passed = progressMessage({
      plan,
      run,
      steps: [queryRow([0.004, 0.003, 0.0041], 'ok')],
      now: T0 + 40_000,
      phase: { kind: 'running' },
    });
    expect(text(passed.blocks)).toContain('0.0041 &lt; 0.01 · 3/3 samples');
    const failed = progressMessage({
      plan,
      run,
      steps: [queryRow([0.004, 0.082], 'failed')],
      now: T0 + 40_000,
      phase: { kind: 'running' },
    });
    expect(text(failed.blocks)).toContain('0.082, want &lt; 0.01 · 1/2 samples met it');
  });

  it('names the reason when the last sample had no value', () => {
    const samples = [{ at: T0, value: null, ok: false, reason: 'NaN (no data to divide)' }];
    expect(sampleSummary('< 0.01', samples)).toBe(
      'NaN (no data to divide), want < 0.01 · 0/1 samples met it',
    );
  });
});

describe('query steps in the RCA', () => {
  const event = (seq: number, type: StoredTimelineEvent['type'], data: Record<string, unknown>) => ({
    seq,
    at: T0 + seq,
    hash: `h${seq}`,
    type,
    actor: 'rollbot',
    runId: run.id,
    data,
  });

  it('shows the first baseline before the rollback against the last measurement after it', () => {
    const baseline = (value: number) => ({
      baselines: [
        { step: 1, name: 'Error rate below 1%', condition: '< 0.01', sample: { at: T0, value, ok: false } },
      ],
    });
    const finished = (values: number[]) => ({
      step: 1,
      name: 'Error rate below 1%',
      samples: values.map((value) => ({ at: T0, value, ok: value < 0.01 })),
    });
    const lines = metricLines([
      event(1, 'run.baseline', baseline(0.082)),
      event(2, 'step.finished', finished([0.05])),
      event(3, 'run.baseline', baseline(0.04)),
      event(4, 'step.finished', finished([0.004, 0.0031])),
    ]);
    expect(lines).toContain('| Error rate below 1% | < 0.01 | 0.082 → 0.0031 | 2/2 |');
    expect(metricLines([event(1, 'run.started', {})])).toEqual([]);
  });
});
