/**
 * A fleet under fault through the real engine and SSH runner: a down host, refused auth, a changed
 * host key, a connection dropped mid-step and a host slower than the step timeout. Each must give a
 * clear per-host outcome, the canary/batch strategy decides what the other hosts do, the run ends
 * `failed`, and no host gets an `ok` row for a step it did not run.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepResult } from '../../src/domain/step-result.js';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import { createStore, type Store } from '../../src/store/store.js';
import { rollbackServiceFor } from '../support/engine.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { runAsTestUser, sh, sleep, waitForProcessGone } from '../support/host-user.js';
import { newKeyPair, type SshdHandle, startSshd } from '../support/sshd.js';
import { instance } from '../support/temp-store.js';

// 127.0.0.21-26 on the fleet's sshd; 127.0.0.27 on its own sshd (so killSessions drops only it).
const FLEET = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24', '127.0.0.25', '127.0.0.26'];
const DROP_ADDRESS = '127.0.0.27';
const DOWN_ADDRESS = '127.0.0.200';
const SLOW_TIMEOUT_MS = 3000;

type Fault = 'down' | 'auth' | 'hostkey' | 'drop' | 'slow';
const FAULTS: Fault[] = ['down', 'auth', 'hostkey', 'drop', 'slow'];

let fleet: SshdHandle;
let dropSshd: SshdHandle;
let store: Store;
let knownHosts: string;
let base: string;
const work = mkdtempSync(join(tmpdir(), 'rollbot-adv-faults-'));

function faultHost(fault: Fault): string {
  const user = fleet.user;
  switch (fault) {
    case 'down':
      return `{ name: down-1, address: ${DOWN_ADDRESS}, port: ${fleet.port}, user: ${user} }`;
    case 'auth':
      // AllowUsers admits only the test user: "nobody" has no key that sshd accepts.
      return `{ name: auth-1, address: ${FLEET[4]}, port: ${fleet.port}, user: nobody }`;
    case 'hostkey':
      return `{ name: hostkey-1, address: ${FLEET[5]}, port: ${fleet.port}, user: ${user} }`;
    case 'drop':
      return `{ name: drop-1, address: ${DROP_ADDRESS}, port: ${dropSshd.port}, user: ${user} }`;
    case 'slow':
      // A healthy host whose second step sleeps past the step timeout.
      return `{ name: slow-1, address: ${FLEET[0]}, port: ${fleet.port}, user: ${user} }`;
  }
}

const healthy = (i: number) =>
  `{ name: ok-${i}, address: ${FLEET[i - 1]}, port: ${fleet.port}, user: ${fleet.user} }`;

/** `canary-<fault>`: the fault host is the canary; `batch-<fault>`: it is in batch 2 of three. */
function runbookYaml(): string {
  const envs = FAULTS.flatMap((fault) => [
    `  canary-${fault}:`,
    `    hosts: [ ${[faultHost(fault), healthy(2), healthy(3), healthy(4)].join(', ')} ]`,
    '    strategy: { canary: 1, parallel: 3 }',
    `  batch-${fault}:`,
    `    hosts: [ ${[healthy(1), healthy(2), faultHost(fault), healthy(3), healthy(4)].join(', ')} ]`,
    '    strategy: { canary: 1, parallel: 3 }',
  ]);
  const dir = `${base}/{{run.id}}/{{host.name}}`;
  return `service: fleet
approvers: [U0LEAD]
environments:
${envs.join('\n')}
levels:
  1:
    name: Three steps
    target: 5m
    approvals: 0
    steps:
      - name: Prepare
        run: mkdir -p ${dir} && case {{host.name}} in drop-*) touch ${dir}/dropping; sleep 30;; esac && echo ok > ${dir}/1
        timeout: 20s
      - name: Apply
        run: case {{host.name}} in slow-*) sleep 30 & echo $! > ${dir}/sleeping; wait;; esac; echo ok > ${dir}/2
        timeout: ${SLOW_TIMEOUT_MS}ms
      - name: Finish
        run: echo ok > ${dir}/3
`;
}

beforeAll(async () => {
  [fleet, dropSshd] = await Promise.all([
    startSshd({ addresses: FLEET }),
    startSshd({ addresses: [DROP_ADDRESS] }),
  ]);
  // The drop host's sshd accepts the fleet's key too, so one runner (one key) reaches every host.
  const dropKeys = join(fleet.home, '.ssh', 'authorized_keys.d', basename(dirname(dropSshd.userKeyFile)));
  appendFileSync(dropKeys, readFileSync(`${fleet.userKeyFile}.pub`));
  // Every host is known, but the hostkey host's entry carries another key: a "changed" host key.
  const wrong = (await newKeyPair()).public;
  knownHosts = join(work, 'known_hosts');
  const fleetLines = readFileSync(fleet.knownHostsFile, 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith(`[${FLEET[5]}]:`));
  writeFileSync(
    knownHosts,
    [
      ...fleetLines,
      `[${FLEET[5]}]:${fleet.port} ${wrong}`,
      readFileSync(dropSshd.knownHostsFile, 'utf8'),
    ].join('\n'),
  );
  base = `${fleet.home}/adv-faults-${process.pid}`;
  await runAsTestUser(`mkdir -p ${base}`);
  store = await createStore({
    file: join(work, 'rollbot.db'),
    clock: { now: () => Date.now() },
    self: instance(),
  });
});

afterAll(async () => {
  await store?.close();
  await Promise.all([fleet?.stop(), dropSshd?.stop()]);
  await sh('rm', ['-rf', base]);
  rmSync(work, { recursive: true, force: true });
});

function service() {
  const ssh = createSshRunner({
    privateKey: readFileSync(fleet.userKeyFile),
    knownHostsFile: knownHosts,
    connectTimeoutMs: 5000,
    killGraceMs: 500,
  });
  const rollback = rollbackServiceFor({ yaml: runbookYaml(), store, ssh, workDir: work });
  return { rollback, ssh };
}

interface Observed {
  host: string;
  step: number;
  result: StepResult;
}

/** Runs level 1 on `env`; for the drop fault, kills the drop host's sessions once its step sleeps. */
async function runFleet(env: string, fault: Fault) {
  const { rollback, ssh } = service();
  const opened = await rollback.open({
    service: 'fleet',
    env,
    level: 1,
    severity: 'critical',
    reason: `fault: ${fault}`,
    requestedBy: 'U0ONCALL',
    params: {},
    drill: false,
  });
  if (!opened.ok) throw new Error(opened.message);
  const runId = opened.run.id;
  const observed: Observed[] = [];
  const started: string[] = [];
  const pending = rollback.execute(runId, {
    actor: 'U0ONCALL',
    signal: new AbortController().signal,
    observer: {
      stepStarted: (step, host) => {
        started.push(`${step.index}:${host}`);
      },
      stepFinished: (step, host, result) => {
        observed.push({ host, step: step.index, result });
      },
      confirmRequested() {},
      confirmAnswered() {},
    },
  });
  if (fault === 'drop') {
    const marker = `${base}/${runId}/drop-1/dropping`;
    for (let i = 0; i < 400 && (await runAsTestUser(`test -e ${marker}`)).code !== 0; i++) await sleep(25);
    await dropSshd.killSessions();
  }
  const result = await pending;
  await ssh.close();
  if (!result.ok) throw new Error(result.message);
  return { ...result, runId, incidentId: opened.incident.id, observed, started };
}

/** Marker files the steps wrote on the hosts: the ground truth of what ran to completion. */
async function markers(runId: string): Promise<string[]> {
  const listed = await runAsTestUser(`cd ${base}/${runId} 2>/dev/null && ls -1 */[123] 2>/dev/null; true`);
  return listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((path) => {
      const [host, step] = path.split('/');
      return `${Number(step) - 1}:${host}`;
    })
    .sort();
}

const EXPECTED_ERROR: Record<Fault, (port: number) => RegExp> = {
  down: (port) =>
    new RegExp(`^connection refused by rollbot-test@127\\.0\\.0\\.200:${port}: is sshd running`),
  auth: (port) =>
    new RegExp(`^authentication refused by nobody@127\\.0\\.0\\.25:${port}: the SSH key is not accepted`),
  hostkey: (port) => new RegExp(`^HOST KEY CHANGED for \\[127\\.0\\.0\\.26\\]:${port}!.*Nothing was run`),
  drop: (port) =>
    new RegExp(
      `^connection lost before the command finished: outcome unknown on rollbot-test@127\\.0\\.0\\.27:${port}`,
    ),
  slow: (port) =>
    new RegExp(
      `^timed out after ${SLOW_TIMEOUT_MS} ms on rollbot-test@127\\.0\\.0\\.21:${port}: the remote process was sent TERM`,
    ),
};

/** The step the fault shows up in, and the outcome it is stored as. */
const FAULT_STEP: Record<Fault, { step: number; state: string }> = {
  down: { step: 0, state: 'failed' },
  auth: { step: 0, state: 'failed' },
  hostkey: { step: 0, state: 'failed' },
  drop: { step: 0, state: 'unknown' },
  slow: { step: 1, state: 'timed_out' },
};

const STEP_NAMES = ['Prepare', 'Apply', 'Finish'];
const faultName = (fault: Fault) => `${fault}-1`;

async function checkFaultResult(fault: Fault, run: Awaited<ReturnType<typeof runFleet>>): Promise<void> {
  const port = fault === 'drop' ? dropSshd.port : fleet.port;
  const hostName = faultName(fault);
  const { step, state } = FAULT_STEP[fault];
  const failed = run.observed.filter((o) => !o.result.ok);
  expect(failed.map((o) => [o.host, o.step])).toEqual([[hostName, step]]);
  const result = failed[0]!.result;
  expect(result.error).toMatch(EXPECTED_ERROR[fault](port));
  // outcomeUnknown only for the dropped connection, timedOut only for the slow host.
  expect(result.outcomeUnknown).toBe(fault === 'drop');
  expect(result.timedOut).toBe(fault === 'slow');
  expect(result.exitCode === 0).toBe(false);
  for (const o of run.observed) {
    if (o.host !== hostName)
      expect(o.result).toMatchObject({ ok: true, outcomeUnknown: false, timedOut: false });
  }
  // The run names the step, the host and the reason, and ends failed.
  expect(run.run.state).toBe('failed');
  expect(run.outcome.status).toBe('failed');
  expect(run.run.error).toBe(`${STEP_NAMES[step]} on ${hostName}: ${result.error}`);
  const row = (await store.stepResults(run.runId)).find((r) => r.host === hostName && r.stepIndex === step);
  expect(row).toMatchObject({ state, error: result.error });
}

/** A timed-out step is stopped, not left running on the host. */
async function checkSlowStepStopped(runId: string): Promise<void> {
  const pid = Number((await runAsTestUser(`cat ${base}/${runId}/slow-1/sleeping`)).stdout);
  expect(pid).toBeGreaterThan(0);
  expect(await waitForProcessGone(pid, 5000)).toBe(true);
}

/** Store rows, timeline and the hosts' own marker files tell the same story; nothing is `ok` that did not run. */
async function checkNothingFalselyOk(run: Awaited<ReturnType<typeof runFleet>>): Promise<void> {
  const rows = await store.stepResults(run.runId);
  const okRows = rows
    .filter((r) => r.state === 'ok')
    .map((r) => `${r.stepIndex}:${r.host}`)
    .sort();
  expect(okRows).toEqual(await markers(run.runId));
  expect(rows.every((r) => r.state !== 'running')).toBe(true);
  const events = (await store.timeline(run.incidentId)).filter((e) => e.runId === run.runId);
  const finished = events
    .filter((e) => e.type === 'step.finished')
    .map((e) => `${e.data?.step}:${e.data?.host}:${e.data?.outcome}`)
    .sort();
  expect(finished).toEqual(rows.map((r) => `${r.stepIndex}:${r.host}:${r.state}`).sort());
  const startedEvents = events
    .filter((e) => e.type === 'step.started')
    .map((e) => `${e.data?.step}:${e.data?.host}`)
    .sort();
  expect(startedEvents).toEqual([...run.started].sort());
  const runFinished = events.find((e) => e.type === 'run.finished');
  expect(runFinished?.data).toMatchObject({ status: 'failed', notStarted: run.outcome.notStarted });
  expect(events.some((e) => e.type === 'run.finished' && e.data?.status === 'succeeded')).toBe(false);
}

describe.each(FAULTS)('fault: %s', (fault) => {
  it('as the canary: the canary fails clearly and no other host starts', async () => {
    const run = await runFleet(`canary-${fault}`, fault);
    await checkFaultResult(fault, run);
    expect(run.outcome.notStarted).toEqual(['ok-2', 'ok-3', 'ok-4']);
    expect(new Set(run.started.map((s) => s.split(':')[1]))).toEqual(new Set([faultName(fault)]));
    await checkNothingFalselyOk(run);
    if (fault === 'slow') {
      expect(await markers(run.runId)).toEqual(['0:slow-1']);
      await checkSlowStepStopped(run.runId);
    } else {
      expect(await markers(run.runId)).toEqual([]);
    }
  });

  it('in batch 2: its batch peers finish every step, batch 3 never starts', async () => {
    const run = await runFleet(`batch-${fault}`, fault);
    await checkFaultResult(fault, run);
    expect(run.outcome.notStarted).toEqual(['ok-4']);
    const startedHosts = new Set(run.started.map((s) => s.split(':')[1]));
    expect(startedHosts).toEqual(new Set(['ok-1', 'ok-2', faultName(fault), 'ok-3']));
    const done = await markers(run.runId);
    for (const host of ['ok-1', 'ok-2', 'ok-3']) {
      expect(done.filter((m) => m.endsWith(`:${host}`))).toEqual([`0:${host}`, `1:${host}`, `2:${host}`]);
    }
    expect(done.filter((m) => m.endsWith(`:${faultName(fault)}`))).toEqual(
      fault === 'slow' ? ['0:slow-1'] : [],
    );
    if (fault === 'slow') await checkSlowStepStopped(run.runId);
    await checkNothingFalselyOk(run);
  });
});

describe('a command too long for the remote shell', () => {
  it('is refused before sending, and does not take down the steps sharing its connection', async () => {
    const ssh = createSshRunner({ privateKey: readFileSync(fleet.userKeyFile), knownHostsFile: knownHosts });
    const host = sshHost(FLEET[1]!, fleet.port, fleet.user);
    const dir = `${base}/long-${process.pid}`;
    const neighbour = ssh.run(runRequest(host, `mkdir -p ${dir} && sleep 1 && echo done > ${dir}/ok`, work));
    await sleep(300);
    // sshd drops a connection (every channel on it) for a request over its 256 KiB packet limit.
    const huge = await ssh.run(runRequest(host, `echo ${'x'.repeat(300_000)}`, work));
    const small = await ssh.run(runRequest(host, 'echo still here', work));
    const done = await neighbour;
    await ssh.close();
    expect(huge).toMatchObject({ ok: false, outcomeUnknown: false, exitCode: null });
    expect(huge.error).toMatch(
      new RegExp(
        `^refusing to send a \\d+-byte command to rollbot-test@${FLEET[1]}:${fleet.port}: .*nothing was sent`,
      ),
    );
    expect(done).toMatchObject({ ok: true, outcomeUnknown: false });
    expect(small).toMatchObject({ ok: true, tail: 'still here\n' });
    expect((await runAsTestUser(`cat ${dir}/ok`)).stdout).toBe('done\n');
  });
});
