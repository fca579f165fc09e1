import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, schemaFileText } from '../../scripts/gen-schema.js';
import { formatRunbookErrors, loadRunbooks } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { getLevel, levelNumbers, type Runbook } from '../../src/runbooks/schema.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'runbooks');
const SCHEMA_COMMENT = '# yaml-language-server: $schema=./schema.json';

/** The seed-based examples; demo.yml is the bundled demo and has its own tests. */
const EXAMPLES = readdirSync(DIR)
  .filter((name) => name.endsWith('.yml') && name !== 'demo.yml')
  .sort();

/** Valid values for the params that have no default (backups, revisions): chosen per run. */
const SAMPLES: Record<string, Record<string, string>> = {
  mimo: { db_backup: 'mimo_db_20251126.sqlite' },
  'mimo-k8s': { revision: '7' },
  'node-app': { app_backup: 'backup-20251111-140000.tar.gz', db_backup: 'db-backup-20251111-140000.sql' },
};

const loaded = loadRunbooks(DIR);
const serviceOf = (file: string) => file.replace(/\.yml$/, '');
const runbookOf = (file: string): Runbook => {
  const runbook = loaded.runbooks.get(serviceOf(file));
  if (!runbook) throw new Error(`${file} did not load:\n${formatRunbookErrors(loaded.errors)}`);
  return runbook;
};
const planInput = (env: string, level: number, params: Record<string, string>) => ({
  env,
  level,
  params,
  runId: 'INC-2025-0042-r1',
  incidentId: 'INC-2025-0042',
  prometheusUrl: 'http://prometheus:9090',
});

describe('runbooks/', () => {
  it('has the seed examples', () => {
    expect(EXAMPLES).toEqual(
      expect.arrayContaining(['lightdash.yml', 'mimo.yml', 'mimo-k8s.yml', 'mimo-swarm.yml', 'node-app.yml']),
    );
  });

  it('starts every runbook, the demo included, with the schema comment for editors', () => {
    for (const name of readdirSync(DIR).filter((n) => n.endsWith('.yml'))) {
      expect(readFileSync(`${DIR}/${name}`, 'utf8').split('\n')[0], name).toBe(SCHEMA_COMMENT);
    }
  });

  it('loads every runbook with zero errors', () => {
    expect(formatRunbookErrors(loaded.errors)).toBe('');
    const files = readdirSync(DIR).filter((name) => name.endsWith('.yml'));
    expect([...loaded.runbooks.keys()].sort()).toEqual(files.map(serviceOf).sort());
  });

  it('keeps runbooks/schema.json in step with the zod schema (regenerate: npm run schema)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaFileText());
  });

  it('passes `rollbot validate` with the default runbook folder', () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.ROLLBOT_RUNBOOKS;
    const result = spawnSync(process.execPath, ['bin/rollbot.js', 'validate'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const file of EXAMPLES) expect(result.stdout).toContain(serviceOf(file));
  });
});

describe('node-app', () => {
  it('keeps the canary for levels 1 and 2 and moves all hosts together for the database restore', () => {
    const strategyOf = (level: number) => {
      const rendered = renderPlan(
        runbookOf('node-app.yml'),
        planInput('production', level, SAMPLES['node-app']!),
      );
      if (!rendered.ok) throw new Error(rendered.message);
      return rendered.plan.strategy;
    };
    expect([1, 2, 3].map(strategyOf)).toEqual([
      { canary: 1, parallel: 10 },
      { canary: 1, parallel: 10 },
      { canary: 0, parallel: 10 },
    ]);
  });
});

describe.each(['mimo.yml', 'lightdash.yml', 'node-app.yml'])('%s verifies from metrics', (file) => {
  it("gates levels 2 and up on seed 004's error rate below 1% and p95 below 500 ms", () => {
    const runbook = runbookOf(file);
    for (const level of levelNumbers(runbook).filter((n) => n >= 2)) {
      const queries = getLevel(runbook, level)!.steps.flatMap((s) => (s.kind === 'query' ? [s] : []));
      const gate = (metric: RegExp) => queries.find((q) => metric.test(q.query));
      expect(gate(/http_requests_total\{[^}]*code=~"5\.\."/)?.expect, `level ${level}`).toEqual({
        op: '<',
        value: 0.01,
      });
      expect(gate(/histogram_quantile\(0\.95,/)?.expect, `level ${level}`).toEqual({ op: '<', value: 0.5 });
    }
  });
});

describe.each(EXAMPLES)('example %s', (file) => {
  it('opens with the editor schema comment', () => {
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text.split('\n')[0]).toBe(SCHEMA_COMMENT);
  });

  it('has a staging environment for drills, approvers and an escalation path', () => {
    const runbook = runbookOf(file);
    expect(Object.keys(runbook.environments)).toContain('staging');
    expect(runbook.environments.staging?.drill).toBe(true);
    expect(runbook.environments.production?.drill).toBe(false);
    expect(runbook.approvers.length).toBeGreaterThan(0);
    expect(runbook.escalation.length).toBeGreaterThan(0);
  });

  it('gives every param without a default a sample here, and a strict rule', () => {
    const runbook = runbookOf(file);
    for (const [name, param] of Object.entries(runbook.params)) {
      if (param.default === undefined) expect(SAMPLES[runbook.service], name).toHaveProperty(name);
      if (param.pattern !== undefined) expect(param.pattern, name).toMatch(/^\^.*\$$/);
    }
  });

  it('renders a plan for every level and environment, with a target on every step', () => {
    const runbook = runbookOf(file);
    const params = SAMPLES[runbook.service] ?? {};
    for (const env of Object.keys(runbook.environments)) {
      for (const level of levelNumbers(runbook)) {
        const result = renderPlan(runbook, planInput(env, level, params));
        if (!result.ok) throw new Error(`${env} level ${level}: ${result.message}`);
        const { plan } = result;
        expect(plan.hosts.length).toBeGreaterThan(0);
        expect(JSON.stringify(plan.steps)).not.toContain('{{');
        for (const step of plan.steps) {
          // A step narrowed with `hosts:` must still reach a host in every environment.
          if (step.kind !== 'confirm')
            expect(step.targets.length, `${env} ${level} ${step.name}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('refuses shell metacharacters in every param', () => {
    const runbook = runbookOf(file);
    const env = Object.keys(runbook.environments)[0]!;
    const level = levelNumbers(runbook)[0]!;
    for (const name of Object.keys(runbook.params)) {
      const params = { ...SAMPLES[runbook.service], [name]: '1.0.0;reboot' };
      const result = renderPlan(runbook, planInput(env, level, params));
      expect(result.ok, name).toBe(false);
    }
  });

  it('verifies the version after a code rollback and watches it (seed 002: 5 min, full restore 15 min)', () => {
    const runbook = runbookOf(file);
    const two = getLevel(runbook, 2);
    expect(two).toBeDefined();
    const checksVersion = two!.steps.some(
      (s) => s.kind === 'check' && s.expect?.json?.version === '{{version}}',
    );
    expect(checksVersion).toBe(true);
    const window = (steps: NonNullable<typeof two>['steps']) =>
      Math.max(0, ...steps.map((s) => (s.kind === 'monitor' ? s.for : 0)));
    expect(window(two!.steps)).toBeGreaterThanOrEqual(5 * 60_000);
    const three = getLevel(runbook, 3);
    if (three) {
      expect(window(three.steps)).toBeGreaterThanOrEqual(15 * 60_000);
      // Data loss since the backup: a person confirms before the restore starts.
      const confirmAt = three.steps.findIndex((s) => s.kind === 'confirm');
      const stopAt = three.steps.findIndex((s) => s.kind === 'run' && /\bstop\b/.test(s.run));
      expect(confirmAt).toBeGreaterThanOrEqual(0);
      expect(confirmAt).toBeLessThan(stopAt);
    }
  });
});
