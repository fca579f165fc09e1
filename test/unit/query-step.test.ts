/** Query steps in the runbook: the condition grammar, load-time checks, plan rendering, hash and text. */
import { describe, expect, it } from 'vitest';
import { conditionHolds, formatMeasure, parseCondition } from '../../src/domain/condition.js';
import { QUERY_TARGET_HOST } from '../../src/domain/plan.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { type PlanInput, planToText, renderPlan } from '../../src/runbooks/plan.js';
import type { Runbook } from '../../src/runbooks/schema.js';

describe('condition', () => {
  it.each([
    ['< 0.01', { op: '<', value: 0.01 }],
    ['<=0.5', { op: '<=', value: 0.5 }],
    ['  >   99.5 ', { op: '>', value: 99.5 }],
    ['>= -1', { op: '>=', value: -1 }],
    ['== 0', { op: '==', value: 0 }],
    ['!= 1e3', { op: '!=', value: 1000 }],
    ['< .5', { op: '<', value: 0.5 }],
  ])('parses %j', (text, condition) => {
    expect(parseCondition(text)).toEqual(condition);
  });

  it.each([
    '',
    '0.01',
    '<',
    '< abc',
    '=< 1',
    '<> 1',
    '< 1%',
    '< 1 ms',
    '< NaN',
    '< Infinity',
    '< 1e999',
    '<< 1',
    '< 0x10',
  ])('refuses %j', (text) => {
    expect(parseCondition(text)).toBeUndefined();
  });

  it('compares', () => {
    const holds = (text: string, value: number) => conditionHolds(parseCondition(text)!, value);
    expect([holds('< 0.01', 0.009), holds('< 0.01', 0.01), holds('<= 0.01', 0.01)]).toEqual([
      true,
      false,
      true,
    ]);
    expect([holds('> 5', 5), holds('>= 5', 5), holds('== 0', 0), holds('!= 0', 0)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('formats measured values for people', () => {
    expect([0.004123456, 0.082, 1234.5678, 0, 1e-7, 2.5e12].map(formatMeasure)).toEqual([
      '0.004123',
      '0.082',
      '1235',
      '0',
      '1.000e-7',
      '2.500e+12',
    ]);
  });
});

const RUNBOOK = `service: shop
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: a, address: 10.0.0.1 }, { name: b, address: 10.0.0.2 }]
  staging:
    hosts: [{ name: s, address: 10.0.1.1 }]
    drill: true
params:
  job: { pattern: '^[a-z"\\\\]+$', default: shop }
  port: { pattern: '^[0-9]+$', default: '9090' }
  token: { pattern: '^[a-z]+$', secret: true, from: 'env:SHOP_TOKEN' }
levels:
  1:
    name: Restart
    target: 2m
    approvals: 0
    steps:
      - run: systemctl restart shop
      - name: Error rate below 1%
        query: sum(rate(http_requests_total{job="{{job}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="{{job}}"}[1m]))
        prometheus: "http://prom-{{env}}:{{port}}"
        expect: "< 0.01"
        every: 15s
        for: 5m
        failureLimit: 1
      - name: p95 below 500 ms
        query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="{{service}}"}[5m])))
        expect: "< 0.5"
        every: 10s
        count: 3
`;

function load(text: string): Runbook {
  const { runbook, errors } = parseRunbookText(text, 'shop.yml');
  if (!runbook) throw new Error(JSON.stringify(errors));
  return runbook;
}
const errorsOf = (text: string) =>
  parseRunbookText(text, 'shop.yml').errors.map((e) => `${e.path}: ${e.message}`);
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  env: 'production',
  level: 1,
  params: {},
  runId: 'INC-1-r1',
  incidentId: 'INC-1',
  prometheusUrl: 'http://default-prom:9090',
  ...over,
});

describe('query step in a runbook', () => {
  it('loads with its sampling normalised, and exposes drill targets', () => {
    const runbook = load(RUNBOOK);
    expect(runbook.environments.staging?.drill).toBe(true);
    expect(runbook.environments.production?.drill).toBe(false);
    const [, error, p95] = runbook.levels[1]!.steps;
    expect(error).toMatchObject({
      kind: 'query',
      every: 15_000,
      samples: 21,
      failureLimit: 1,
      timeout: 360_000,
    });
    expect(p95).toMatchObject({ kind: 'query', samples: 3, failureLimit: 0, prometheus: undefined });
  });

  it('renders one target per run with values escaped into the label strings and the URL encoded', () => {
    const rendered = renderPlan(load(RUNBOOK), input({ params: { job: 'we"ird\\' } }));
    if (!rendered.ok) throw new Error(rendered.message);
    const [, error, p95] = rendered.plan.steps;
    expect(error?.targets).toEqual([
      {
        host: QUERY_TARGET_HOST,
        kind: 'query',
        prometheus: 'http://prom-production:9090',
        query:
          'sum(rate(http_requests_total{job="we\\"ird\\\\",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="we\\"ird\\\\"}[1m]))',
        expect: { op: '<', value: 0.01 },
        everyMs: 15_000,
        samples: 21,
        failureLimit: 1,
        requestTimeoutMs: 10_000,
      },
    ]);
    // No prometheus on the step: ROLLBOT_PROMETHEUS_URL.
    expect(p95?.targets[0]).toMatchObject({ prometheus: 'http://default-prom:9090', samples: 3 });
    const text = planToText(rendered.plan);
    expect(text).toContain('(prometheus) PromQL on http://prom-production:9090:');
    expect(text).toContain('each sample < 0.01 · every 15s, 21 samples over 5m · 1 failed tolerated');
  });

  it('covers the query, the condition and the URL with the plan hash', () => {
    const hash = (text: string, over: Partial<PlanInput> = {}) => {
      const rendered = renderPlan(load(text), input(over));
      if (!rendered.ok) throw new Error(rendered.message);
      return rendered.plan.hash;
    };
    const base = hash(RUNBOOK);
    expect(hash(RUNBOOK)).toBe(base);
    const others = [
      hash(RUNBOOK.replace('"< 0.01"', '"< 0.02"')),
      hash(RUNBOOK.replace('[1m])) / sum', '[2m])) / sum')),
      hash(RUNBOOK.replace('count: 3', 'count: 4')),
      hash(RUNBOOK, { params: { port: '9091' } }),
      hash(RUNBOOK, { prometheusUrl: 'http://other:9090' }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('refuses a query step with no Prometheus to ask, before anything runs', () => {
    const rendered = renderPlan(load(RUNBOOK), input({ prometheusUrl: undefined }));
    expect(rendered.ok).toBe(false);
    if (!rendered.ok) {
      expect(rendered.message).toContain('step 3 (p95 below 500 ms): no Prometheus to query');
      expect(rendered.message).toContain('ROLLBOT_PROMETHEUS_URL');
    }
  });

  it('refuses a param value that breaks its pattern, as everywhere', () => {
    const rendered = renderPlan(load(RUNBOOK), input({ params: { job: 'shop"} or vector(0) #' } }));
    expect(rendered.ok).toBe(false);
  });

  it.each([
    ['outside a string', 'query: rate(x[{{port}}m])', /stands in the query itself, outside any string/],
    ["in a 'single-quoted' string", "query: x{job='{{job}}'}", /stands in a 'single-quoted' string/],
    ['in a `raw` string', 'query: x{job=`{{job}}`}', /stands in a `raw` string/],
    ['a host placeholder', 'query: x{instance="{{host.address}}"}', /runs once per run, not per host/],
    ['a secret param', 'query: x{t="{{token}}"}', /is a secret param/],
    ['a host placeholder in the URL', 'prometheus: "http://{{host.name}}:9090"', /runs once per run/],
    ['a secret param in the URL', 'prometheus: "http://prom:9090/{{token}}"', /is a secret param/],
    ['an unknown param', 'query: x{job="{{jobb}}"}', /Unknown param \{\{jobb\}\}/],
  ])('refuses a placeholder %s at load time', (_what, line, message) => {
    const key = line.split(':')[0];
    const original = key === 'query' ? /query: sum\(rate.*\n/ : /prometheus: .*\n/;
    const text = RUNBOOK.replace(original, () => `${line}\n`);
    const errors = errorsOf(text);
    expect(
      errors.some((e) => message.test(e)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('refuses a failure limit that lets every sample fail, and `every` longer than `for`', () => {
    expect(errorsOf(RUNBOOK.replace('count: 3', 'count: 3\n        failureLimit: 3'))).toContain(
      'levels.1.steps.2.failureLimit: "failureLimit" must be below the number of samples (3), or no sample needs to pass',
    );
    expect(errorsOf(RUNBOOK.replace('every: 15s', 'every: 10m'))).toContain(
      'levels.1.steps.1.every: "every" is longer than "for"',
    );
  });
});
