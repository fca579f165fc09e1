import { describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../src/domain/plan.js';
import { loadRunbookFile, parseRunbookText } from '../../src/runbooks/load.js';
import {
  approvalsNeeded,
  displaySteps,
  PLACEHOLDER_IDS,
  type PlanInput,
  planToText,
  renderPlan,
} from '../../src/runbooks/plan.js';
import type { Runbook } from '../../src/runbooks/schema.js';
import { fillSecrets } from '../../src/services/secrets.js';

function fixture(name: string): Runbook {
  const { runbook, errors } = loadRunbookFile(`test/fixtures/runbooks/valid/${name}.yml`);
  if (!runbook) throw new Error(JSON.stringify(errors));
  return runbook;
}
const mimo = fixture('mimo');
const ledger = fixture('ledger');
const TOKEN = 's3cr3t-T0KEN';

const base: PlanInput = {
  env: 'production',
  level: 2,
  params: {},
  runId: 'RUN-7',
  incidentId: 'INC-2025-0001',
};
function rendered(runbook: Runbook, input: Partial<PlanInput> = {}) {
  const result = renderPlan(runbook, { ...base, ...input });
  if (!result.ok) throw new Error(result.message);
  return result;
}
const plan = (runbook: Runbook, input: Partial<PlanInput> = {}) => rendered(runbook, input).plan;
/** The token is read from env:LEDGER_DEPLOY_TOKEN at execution; the plan holds only the reference. */
const ledgerPlan = (input: Partial<PlanInput> = {}) =>
  plan(ledger, { ...input, params: { revision: '41', ...input.params } });

/** Production has a database host with its own restore step; staging has no such host. */
const SHOP = `service: shop
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: app-1, address: 10.0.0.1 }, { name: db-1, address: 10.0.0.9 }]
  staging:
    hosts: [{ name: app-stg, address: 10.0.1.1 }]
params:
  version: { pattern: '^v\\d+$', default: v1 }
  dump: { pattern: '^[a-z0-9.-]+$' }
levels:
  3:
    name: Full restore
    target: 45m
    approvals: 1
    steps:
      - confirm: Restore {{version}}?
      - name: Check out {{version}}
        run: git checkout {{version}}
      - name: Restore {{dump}}
        hosts: [db-1]
        run: pg_restore {{dump}}
      - name: Restart
        run: systemctl restart shop
  2:
    name: Database only
    target: 15m
    approvals: 1
    steps:
      - { name: Vacuum, hosts: [db-1], run: vacuumdb --all }
`;
const shopLoaded = parseRunbookText(SHOP, 'shop.yml');
if (!shopLoaded.runbook) throw new Error(JSON.stringify(shopLoaded.errors));
const shop = shopLoaded.runbook;

describe('steps limited to hosts', () => {
  it('are left out where none of their hosts is selected, and so are the params only they use', () => {
    const staging = plan(shop, { env: 'staging', level: 3 });
    expect(staging.steps.map((s) => [s.index, s.name, s.targets.map((t) => t.host)])).toEqual([
      [0, 'Confirm', []],
      [1, 'Check out v1', ['app-stg']],
      [2, 'Restart', ['app-stg']],
    ]);
    const someHosts = plan(shop, { level: 3, hosts: ['app-1'] });
    expect(someHosts.steps.map((s) => s.name)).toEqual(['Confirm', 'Check out v1', 'Restart']);
  });

  it('still need their params where they run', () => {
    expect(renderPlan(shop, { ...base, level: 3 })).toMatchObject({
      ok: false,
      message: 'param dump is required for level 3',
    });
    const production = plan(shop, { level: 3, params: { dump: 'shop.dump' } });
    expect(production.steps.map((s) => [s.name, s.targets.map((t) => t.host)])).toEqual([
      ['Confirm', []],
      ['Check out v1', ['app-1', 'db-1']],
      ['Restore shop.dump', ['db-1']],
      ['Restart', ['app-1', 'db-1']],
    ]);
  });

  it('refuse a level that has nothing to run on the selected hosts', () => {
    expect(renderPlan(shop, { ...base, env: 'staging' })).toEqual({
      ok: false,
      code: 'invalid_input',
      message: 'level 2 has no step that runs on staging',
    });
    expect(renderPlan(shop, { ...base, hosts: ['app-1'] })).toMatchObject({
      ok: false,
      message: 'level 2 has no step that runs on the selected hosts of production',
    });
  });
});

describe('renderPlan', () => {
  it('renders the exact per-host commands of mimo level 2', () => {
    const p = plan(mimo);
    expect(p).toMatchObject({ service: 'mimo', env: 'production', level: 2, levelName: 'Code rollback' });
    expect(p.targetMs).toBe(900_000);
    expect(p.hosts.map((h) => `${h.user}@${h.address}:${h.port}`)).toEqual([
      'deploy@10.0.1.10:22',
      'deploy@10.0.1.11:22',
    ]);
    expect(p.strategy).toEqual({ canary: 1, parallel: 5 });
    expect(p.params).toEqual({ version: 'v2.3.0' });
    const scripts = p.steps.map((s) => s.targets.map((t) => (t.kind === 'run' ? t.script : t.kind)));
    const both = (cmd: string) => [cmd, cmd];
    expect(scripts).toEqual([
      both('tar -czf /var/backups/mimo-RUN-7.tar.gz -C /opt/app .'),
      both('cd /opt/app && git fetch --tags && git checkout v2.3.0'),
      both('cd /opt/app && npm ci --omit=dev'),
      both('pm2 reload app'),
      both('check'),
      both('monitor'),
    ]);
    expect(p.steps.map((s) => [s.index, s.name, s.timeoutMs])).toEqual([
      [0, 'Back up current state', 300_000],
      [1, 'Check out v2.3.0', 300_000],
      [2, 'Clean install', 600_000],
      [3, 'Reload', 300_000],
      [4, 'Verify version', 60_000],
      [5, 'Stability window', 360_000],
    ]);
    expect(p.steps[4]?.targets[1]).toEqual({
      host: 'mimo-2',
      kind: 'check',
      url: 'http://10.0.1.11:4000/health',
      expect: { status: 200, json: { status: 'ok', version: 'v2.3.0' } },
      requestTimeoutMs: 5000,
    });
    expect(p.steps[5]?.targets[0]).toMatchObject({ kind: 'monitor', everyMs: 15_000, forMs: 300_000 });
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('quotes param values in shell, keeps them whole in argv, renders confirm text', () => {
    const p = plan(mimo, { level: 3, params: { backup: 'db-2025.11.11.tar.gz' } });
    expect(p.steps[0]).toMatchObject({
      kind: 'confirm',
      targets: [],
      confirm: 'Writes since backup db-2025.11.11.tar.gz will be lost. Continue?',
    });
    const l = ledgerPlan({ params: { reason: 'x' } });
    expect(l.steps[0]?.targets).toEqual([
      {
        host: 'ledger-a',
        kind: 'local',
        argv: ['kubectl', 'rollout', 'undo', 'deployment/ledger', '--to-revision=41', '--context=production'],
      },
    ]);
    const drain = ledgerPlan({ level: 1, params: { reason: "it's broken; really" } });
    expect(drain.steps[0]?.targets).toEqual([
      { host: 'ledger-a', kind: 'run', script: `echo draining ledger-a for 'it'\\''s broken; really'` },
    ]);
    expect(drain.steps[1]?.targets).toEqual([
      {
        host: 'ledger-b',
        kind: 'check',
        url: 'http://ledger-b.internal:8080/ready',
        expect: { status: 204, json: {} },
        requestTimeoutMs: 5000,
      },
    ]);
  });

  it('narrows to --hosts, in environment order', () => {
    const p = plan(mimo, { hosts: ['mimo-2'] });
    expect(p.hosts.map((h) => h.name)).toEqual(['mimo-2']);
    expect(p.steps.every((s) => s.targets.every((t) => t.host === 'mimo-2'))).toBe(true);
    const l = ledgerPlan({ hosts: ['ledger-c', 'ledger-b'] });
    expect(l.hosts.map((h) => h.name)).toEqual(['ledger-b', 'ledger-c']);
    // The kubectl step is limited to ledger-a: with neither selected it is not in the plan at all.
    expect(l.steps.map((s) => s.name)).toEqual([
      'Notify deploy API',
      'Health check',
      'Monitor health for 2m',
    ]);
    expect(l.steps.map((s) => s.index)).toEqual([0, 1, 2]);
  });

  it("takes a level's strategy over the environment's, key by key, and the hash covers it", () => {
    const edited: Runbook = structuredClone(mimo);
    edited.levels[2]!.strategy = { canary: 0 };
    const p = plan(edited);
    expect(p.strategy).toEqual({ canary: 0, parallel: 5 });
    expect(p.hash).not.toBe(plan(mimo).hash);
    edited.levels[2]!.strategy = { parallel: 1 };
    expect(plan(edited).strategy).toEqual({ canary: 1, parallel: 1 });
    expect(plan(edited, { level: 1 }).strategy).toEqual({ canary: 1, parallel: 5 });
  });

  it('gives a stable hash that changes with any param, host, command or level', () => {
    const hash = plan(mimo).hash;
    expect(plan(mimo).hash).toBe(hash);
    const others = [
      plan(mimo, { params: { version: 'v2.3.1' } }).hash,
      plan(mimo, { params: { backup: 'x.tar.gz' } }).hash,
      plan(mimo, { hosts: ['mimo-1'] }).hash,
      plan(mimo, { level: 1 }).hash,
      plan(mimo, { env: 'staging' }).hash,
    ];
    const edited: Runbook = structuredClone(mimo);
    const step = edited.levels[2]!.steps[3]!;
    if (step.kind === 'run') step.run = 'pm2 reload app --force';
    others.push(plan(edited).hash);
    expect(new Set([hash, ...others]).size).toBe(others.length + 1);
  });

  it('hashes the run and incident ids in placeholder form: the preview and every run share one hash', () => {
    const run = plan(mimo, { runId: 'INC-2026-0007-r1', incidentId: 'INC-2026-0007' });
    const other = plan(mimo, { runId: 'DRL-2026-0002-r3', incidentId: 'DRL-2026-0002' });
    const preview = plan(mimo, { ...PLACEHOLDER_IDS });
    expect(run.hash).toBe(preview.hash);
    expect(other.hash).toBe(preview.hash);
    // The commands themselves still carry the real ids.
    expect(JSON.stringify(run.steps)).toContain('INC-2026-0007-r1');
    expect(JSON.stringify(preview.steps)).not.toContain('INC-2026-0007-r1');
  });

  it('holds a secret by reference only: the script reads a variable, the hash covers the source', () => {
    const p = ledgerPlan();
    expect(p.secrets).toEqual([
      {
        param: 'token',
        from: 'env:LEDGER_DEPLOY_TOKEN',
        variable: 'ROLLBOT_SECRET_TOKEN',
        pattern: '[A-Za-z0-9_-]{8,}',
      },
    ]);
    expect(p.params.token).toBe(SECRET_MASK);
    expect(p.steps[1]?.targets[0]).toEqual({
      host: 'ledger-a',
      kind: 'run',
      script: 'curl -fsS -u deploy:"$ROLLBOT_SECRET_TOKEN" -d run=RUN-7 https://deploy.example/api',
      secretVars: ['ROLLBOT_SECRET_TOKEN'],
    });
    const text = planToText(p);
    expect(text).toContain('-u deploy:"$ROLLBOT_SECRET_TOKEN" -d run=RUN-7');
    expect(text).toContain('Secret: token read from env:LEDGER_DEPLOY_TOKEN');
    expect(text.endsWith(`Plan hash: ${p.hash}`)).toBe(true);
    const moved = structuredClone(ledger);
    moved.params.token!.from = 'file:/run/secrets/ledger';
    expect(plan(moved, { params: { revision: '41' } }).hash).not.toBe(p.hash);
  });

  it('refuses a secret value unless typed at the terminal, and then keeps it out of the plan', () => {
    expect(renderPlan(ledger, { ...base, params: { revision: '41', token: TOKEN } })).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        'param token is a secret read from env:LEDGER_DEPLOY_TOKEN; it cannot be given here',
      ),
    });
    const typed = rendered(ledger, { params: { revision: '41', token: TOKEN }, typedSecrets: true });
    expect(typed.typed).toEqual({ token: TOKEN });
    expect(typed.plan.secrets[0]?.from).toBe('typed');
    expect(JSON.stringify(typed.plan)).not.toContain(TOKEN);
    const other = rendered(ledger, {
      params: { revision: '41', token: 'another-token-42' },
      typedSecrets: true,
    });
    expect(other.plan.hash).toBe(typed.plan.hash);
  });

  it('refuses a secret value from anywhere but the terminal even for a level that does not use it', () => {
    const level1 = { ...base, level: 1, params: { reason: 'drain', token: TOKEN } };
    expect(renderPlan(ledger, level1)).toMatchObject({
      ok: false,
      message: 'param token is a secret read from env:LEDGER_DEPLOY_TOKEN; it cannot be given here',
    });
    const typed = rendered(ledger, { ...level1, typedSecrets: true });
    expect(typed.plan.secrets).toEqual([]);
    expect(typed.typed).toEqual({});
    expect(JSON.stringify(typed.plan)).not.toContain(TOKEN);
  });

  it('marks a secret in a URL, argv or expected value; the executing process fills it in, encoded', () => {
    const edited: Runbook = structuredClone(ledger);
    edited.health!.url = 'https://{{host.address}}/health?t={{token}}';
    const check = edited.levels[2]!.steps.find((st) => st.kind === 'check' || st.kind === 'monitor');
    if (!check) throw new Error('the fixture has a health step');
    const p = plan(edited, { params: { revision: '41' } });
    const url = (steps: typeof p.steps) =>
      steps.flatMap((st) => st.targets).find((t) => t.kind === 'check' || t.kind === 'monitor');
    expect(url(p.steps)).toMatchObject({ url: 'https://ledger-a.internal/health?t=⟦secret:token⟧' });
    expect(url(displaySteps(p.steps))).toMatchObject({
      url: `https://ledger-a.internal/health?t=${SECRET_MASK}`,
    });
    const value = 'a/b c&d=1';
    const filled = fillSecrets(p, { token: value });
    expect(url(filled.plan.steps)).toMatchObject({
      url: `https://ledger-a.internal/health?t=${encodeURIComponent(value)}`,
    });
    expect(filled.plan.steps[1]?.targets[0]).toMatchObject({ env: { ROLLBOT_SECRET_TOKEN: value } });
    expect(filled.values).toEqual([value]);
  });

  it('shows a secret as the mask in step names and confirm questions', () => {
    const edited: Runbook = structuredClone(ledger);
    edited.levels[2]!.steps[1]!.name = 'Notify with {{token}}';
    const p = plan(edited, { params: { revision: '1' } });
    expect(p.steps[1]?.name).toBe(`Notify with ${SECRET_MASK}`);
  });

  it('lists every param problem in one message', () => {
    const rendered = renderPlan(ledger, {
      ...base,
      params: { bogus: '1', region: 'mars', reason: 'a\nb', token: 'short' },
    });
    expect(rendered).toEqual({
      ok: false,
      code: 'invalid_input',
      message: [
        'unknown param "bogus" (declared: revision, reason, region, token)',
        'param revision is required for level 2',
        'param reason contains a newline, which is refused',
        'param region="mars" is not one of: eu, us',
        'param token is a secret read from env:LEDGER_DEPLOY_TOKEN; it cannot be given here',
      ].join('; '),
    });
  });

  it('requires only the params the level uses', () => {
    expect(renderPlan(mimo, { ...base, level: 1 }).ok).toBe(true);
    expect(renderPlan(mimo, { ...base, level: 3 })).toMatchObject({
      ok: false,
      message: 'param backup is required for level 3',
    });
  });

  it.each(['\0', '\r', '\n'])('refuses %j in a param or a built-in', (bad) => {
    expect(renderPlan(mimo, { ...base, params: { version: `v1.0.0${bad}` } })).toMatchObject({
      ok: false,
      code: 'invalid_input',
    });
    const viaRunId = renderPlan(mimo, { ...base, runId: `R${bad}1` });
    expect(viaRunId).toMatchObject({ ok: false, code: 'invalid_input' });
    if (!viaRunId.ok) expect(viaRunId.message).toMatch(/\{\{run\.id\}\} contains .*refused/);
  });

  it('maps unknown env, level and host to their codes', () => {
    expect(renderPlan(mimo, { ...base, env: 'prod' })).toMatchObject({ ok: false, code: 'unknown_env' });
    expect(renderPlan(mimo, { ...base, level: 4 })).toMatchObject({
      ok: false,
      code: 'unknown_level',
      message: 'mimo has no level 4 (levels: 1, 2, 3)',
    });
    expect(renderPlan(mimo, { ...base, hosts: ['mimo-1', 'mimo-9'] })).toMatchObject({
      ok: false,
      code: 'unknown_host',
      message: 'unknown host(s) mimo-9 (hosts: mimo-1, mimo-2)',
    });
    expect(renderPlan(mimo, { ...base, hosts: [] })).toMatchObject({ ok: false, code: 'invalid_input' });
  });
});

describe('approvalsNeeded', () => {
  const q = { env: 'production', drill: false } as const;
  it('reads a number or a per-severity map', () => {
    expect(approvalsNeeded(mimo, { ...q, level: 2, severity: 'critical' })).toBe(1);
    expect(approvalsNeeded(ledger, { ...q, level: 1, severity: 'critical' })).toBe(0);
    expect(approvalsNeeded(ledger, { ...q, level: 1, severity: 'minor' })).toBe(1);
    expect(() => approvalsNeeded(ledger, { ...q, level: 3, severity: 'minor' })).toThrow(/no level 3/);
  });

  it('lets a drill skip approvals only on a drill environment', () => {
    const drills: Runbook = structuredClone(mimo);
    drills.environments.staging!.drill = true;
    expect(approvalsNeeded(drills, { level: 2, severity: 'minor', env: 'staging', drill: true })).toBe(0);
    expect(approvalsNeeded(drills, { level: 2, severity: 'minor', env: 'production', drill: true })).toBe(1);
    expect(approvalsNeeded(drills, { level: 2, severity: 'minor', env: 'staging', drill: false })).toBe(1);
  });
});

describe('planToText', () => {
  it('lists every step and host with exact commands', () => {
    const text = planToText(plan(mimo, { level: 3, params: { backup: 'b.tar.gz' }, hosts: ['mimo-1'] }));
    expect(text).toContain('Plan: mimo · production · level 3 Full restore (target 45m)');
    expect(text).toContain('Hosts: mimo-1 (deploy@10.0.1.10:22)');
    expect(text).toContain(
      '1. Confirm  [confirm, timeout 5m]\n     ? Writes since backup b.tar.gz will be lost. Continue?',
    );
    expect(text).toContain(
      '4. Extract backup  [run, timeout 5m]\n     mimo-1 $ mkdir /opt/app && tar -xzf /var/backups/b.tar.gz -C /opt/app',
    );
    expect(text).toContain(
      'mimo-1 GET http://10.0.1.10:4000/health expect 200 {"status":"ok"} every 30s for 15m',
    );
  });
});
