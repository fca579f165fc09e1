import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import type { RunObserver } from '../../src/services/execute-plan.js';
import { createStore, type Store } from '../../src/store/store.js';
import { rollbackServiceFor } from '../support/engine.js';
import { runAsTestUser, sh } from '../support/host-user.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { instance } from '../support/temp-store.js';

const HOSTS = [
  { name: 'web-1', address: '127.0.0.5' },
  { name: 'web-2', address: '127.0.0.6' },
  { name: 'web-3', address: '127.0.0.7' },
];
const HTTP_PORT = 20_000 + (process.pid % 20_000);

let sshd: SshdHandle;
let store: Store;
let base: string;
const work = mkdtempSync(join(tmpdir(), 'rollbot-rollback-'));

function runbookYaml(port: number): string {
  const hosts = HOSTS.map(
    (h) => `      - { name: ${h.name}, address: ${h.address}, port: ${port}, user: rollbot-test }`,
  );
  return `service: fixture
approvers: [U0LEAD]
environments:
  production:
    hosts:
${hosts.join('\n')}
    strategy: { canary: 1, parallel: 2 }
params:
  version: { pattern: '^v\\d+\\.\\d+\\.\\d+$', default: v1.0.0 }
health:
  url: http://{{host.address}}:${HTTP_PORT}/health
  expect: { status: 200, json: { status: ok } }
  timeout: 2s
levels:
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Back up current release
        run: mkdir -p ${base}/{{host.name}}/backups && cp ${base}/{{host.name}}/release ${base}/{{host.name}}/backups/{{run.id}}
      - name: Check out {{version}}
        run: printf '%s\\n' {{version}} > ${base}/{{host.name}}/release
      - name: Reload
        run: sh ${base}/{{host.name}}/ctl.sh restart {{host.address}} ${HTTP_PORT}
      - name: Verify version
        check: health
        expect: { json: { version: "{{version}}" } }
        timeout: 6s
`;
}

async function health(address: string): Promise<{ code: number; version?: string }> {
  const res = await fetch(`http://${address}:${HTTP_PORT}/health`);
  const body = (await res.json()) as { version?: string };
  return { code: res.status, version: body.version };
}

const quiet: RunObserver = {
  stepStarted() {},
  stepFinished() {},
  confirmRequested() {},
  confirmAnswered() {},
};

beforeAll(async () => {
  sshd = await startSshd({ addresses: HOSTS.map((h) => h.address) });
  base = `${sshd.home}/fixture-${process.pid}`;
  for (const host of HOSTS) {
    const dir = `${base}/${host.name}`;
    await sh('mkdir', ['-p', dir]);
    cpSync('test/fixtures/service/app.mjs', `${dir}/app.mjs`);
    cpSync('test/fixtures/service/ctl.sh', `${dir}/ctl.sh`);
    writeFileSync(`${dir}/release`, 'v9.9.9\n');
  }
  await sh('chown', ['-R', 'rollbot-test:', base]);
  for (const host of HOSTS) {
    const started = await runAsTestUser(
      `sh ${base}/${host.name}/ctl.sh restart ${host.address} ${HTTP_PORT}`,
    );
    expect(started.code, started.stderr).toBe(0);
  }
  store = await createStore({
    file: join(work, 'rollbot.db'),
    clock: { now: () => Date.now() },
    self: instance(),
  });
});

afterAll(async () => {
  for (const host of HOSTS) await runAsTestUser(`kill $(cat ${base}/${host.name}/pid) 2>/dev/null; true`);
  await store?.close();
  await sshd?.stop();
  await sh('rm', ['-rf', base]);
});

function service() {
  const ssh = createSshRunner({
    privateKey: readFileSync(sshd.userKeyFile),
    knownHostsFile: sshd.knownHostsFile,
  });
  const rollback = rollbackServiceFor({ yaml: runbookYaml(sshd.port), store, ssh, workDir: work });
  return { rollback, ssh };
}

/** Opens a pre-approved level-2 run of the fixture and executes it to the end. */
async function rollBack(severity: 'critical' | 'major', reason: string, params: Record<string, string>) {
  const { rollback, ssh } = service();
  const request = { service: 'fixture', env: 'production', level: 2, severity, reason, params, drill: false };
  const opened = await rollback.open({ ...request, requestedBy: 'U0ONCALL' }, { preApprovedBy: 'U0LEAD' });
  if (!opened.ok) throw new Error(opened.message);
  const signal = new AbortController().signal;
  const result = await rollback.execute(opened.run.id, { actor: 'U0LEAD', signal, observer: quiet });
  await ssh.close();
  if (!result.ok) throw new Error(result.message);
  return { opened, result };
}

describe('level-2 rollback over real SSH on 3 hosts', () => {
  it('takes every host from the broken release to the good one, canary first, verified by health', async () => {
    for (const host of HOSTS) expect((await health(host.address)).code).toBe(503);
    const { opened, result } = await rollBack('critical', 'v9.9.9 returns 503 on /health', {});
    expect(result.outcome.failures).toEqual([]);
    expect(result.run.state).toBe('succeeded');
    for (const host of HOSTS) expect(await health(host.address)).toEqual({ code: 200, version: 'v1.0.0' });

    // Canary: web-1 finished every step before web-2 or web-3 started anything.
    const events = (await store.timeline(opened.incident.id)).filter((e) => e.type.startsWith('step.'));
    const lastCanary = Math.max(...events.filter((e) => e.data?.host === 'web-1').map((e) => e.seq));
    const firstOther = Math.min(...events.filter((e) => e.data?.host !== 'web-1').map((e) => e.seq));
    expect(lastCanary).toBeLessThan(firstOther);
    expect((await store.stepResults(opened.run.id)).filter((s) => s.state === 'ok')).toHaveLength(12);
    // The backup step really ran on each host, with the run id in the file name.
    const backup = await runAsTestUser(`cat ${base}/web-3/backups/${opened.run.id}`);
    expect(backup.stdout.trim()).toBe('v9.9.9');
  });

  it('stops at a failed canary and leaves the other hosts untouched', async () => {
    const { opened, result } = await rollBack('major', 'try a release that does not exist', {
      version: 'v9.9.9',
    });
    expect(result.run.state).toBe('failed');
    expect(result.outcome.failures.map((f) => [f.host, f.step.name])).toEqual([['web-1', 'Verify version']]);
    expect(result.outcome.notStarted).toEqual(['web-2', 'web-3']);
    expect((await runAsTestUser(`cat ${base}/web-2/release`)).stdout.trim()).toBe('v1.0.0');
    expect((await store.stepResults(opened.run.id)).every((s) => s.host === 'web-1')).toBe(true);
  });
});
