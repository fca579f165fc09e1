/**
 * The shipped alert rules, checked by Prometheus's own `promtool` (Debian's `prometheus` package):
 * syntax, the hand-written unit tests beside the rules, and one test built from what rollbot's
 * /metrics really says before and after a failed rollback, so a renamed metric or a series that
 * only appears with the first failure (which `increase()` cannot see) fails here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { loadRunbooks } from '../../src/runbooks/load.js';

const exec = promisify(execFile);
const RULES = resolve('deploy/prometheus/rollbot-alerts.yml');
const RULE_TESTS = resolve('deploy/prometheus/rollbot-alerts.test.yml');

async function promtool(...args: string[]) {
  try {
    const { stdout, stderr } = await exec('promtool', args, { timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is missing: apt-get install -y prometheus');
    return { code: e.code, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** `name{labels} value` samples of one metric from the text exposition format. */
function samples(exposition: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    const match = new RegExp(`^(${name}\\{[^}]*\\}) (\\S+)$`).exec(line);
    if (match) found.set(match[1]!, Number(match[2]));
  }
  return found;
}

const RUNBOOK = `service: shop
description: For the alert test
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: localhost, local: true } ]
levels:
  1: { name: Toggle, target: 2m, approvals: 0, steps: [ { run: "exit 0" } ] }
  2: { name: Code rollback, target: 15m, approvals: 1, steps: [ { run: "exit 0" } ] }
`;

const FAILED_DESCRIPTION =
  'A production rollback of shop ended failed in the last 15 minutes. The incident is still open and the service may be half rolled back: read the incident thread, or `rollbot history shop` and `rollbot timeline <incident>` on the bot host.';

describe('alert rules (deploy/prometheus/rollbot-alerts.yml)', () => {
  it('pass promtool check rules and the unit tests beside them', async () => {
    const check = await promtool('check', 'rules', RULES);
    expect(check.output).toContain('SUCCESS: 8 rules found');
    const tests = await promtool('test', 'rules', RULE_TESTS);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toContain('SUCCESS');
  });

  it('fire on the first failed rollback as /metrics reports it, and resolve after the window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-alerts-'));
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(join(dir, 'runbooks', 'shop.yml'), RUNBOOK);
    const { runbooks, errors } = loadRunbooks(join(dir, 'runbooks'));
    expect(errors).toEqual([]);
    const metrics = createMetrics();
    metrics.watch({
      catalog: { names: () => [...runbooks.keys()], get: (s) => runbooks.get(s) },
      activeRuns: () => [],
      now: () => Date.now(),
    });
    const before = samples(await metrics.render(), 'rollbot_rollbacks_total');
    metrics.runFinished({ service: 'shop', level: 2, outcome: 'failed', kind: 'incident', durationMs: 4000 });
    const after = samples(await metrics.render(), 'rollbot_rollbacks_total');
    expect(after.size).toBeGreaterThan(0);

    // Ten minutes of scrapes before the failure, forty after; absent series are `_`.
    const series = [...after].map(([labels, value]) => {
      const first = before.has(labels) ? `${before.get(labels)}x10` : '_x10';
      const withJob = labels.replace('{', '{job="rollbot",instance="bot-1",');
      return `      - series: '${withJob}'\n        values: '${first} ${value}x40'`;
    });
    const test = `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${series.join('\n')}
    alert_rule_test:
      - eval_time: 12m
        alertname: RollbotRollbackFailed
        exp_alerts:
          - exp_labels: { severity: critical, service: shop, level: "2", outcome: failed }
            exp_annotations:
              summary: A shop level 2 rollback failed
              description: ${JSON.stringify(FAILED_DESCRIPTION)}
      - eval_time: 30m
        alertname: RollbotRollbackFailed
        exp_alerts: []
`;
    const file = join(dir, 'from-metrics.test.yml');
    writeFileSync(file, test);
    const result = await promtool('test', 'rules', file);
    expect(result.code, `${result.output}\n${test}`).toBe(0);
  });
});
