/**
 * DESIGN §7 "exactly once" and "one active run per service and environment", under real
 * concurrency: two `rollbot serve` processes share one SQLite file behind one fake Slack. Ten
 * requesters submit at once; Abort races the last step's completion; two approvals land on the
 * two processes at the same moment; a run with a secret opened on one is approved on the other.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/records.js';
import { createStore, type Store } from '../../src/store/store.js';
import * as ids from '../../views/ids.js';
import { type BotProcess, botEnv, spawnBot } from '../support/bot-process.js';
import {
  blockAction,
  createSlackDriver,
  type FakeSlack,
  type SlackDriver,
  type StoredMessage,
  type StoredView,
  startFakeSlack,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';
import { runAsTestUser, sleep } from '../support/host-user.js';
import {
  BOT_TOKEN,
  findButtonValue,
  hasButton,
  SIGNING_SECRET,
  USERS,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { instance } from '../support/temp-store.js';

const CHANNEL = '#engineering-incidents';
/** The `sealed` runbook's secret, which each bot process reads from its own environment. */
const SEALED_TOKEN = 'tok-1234567890';
const REQUESTERS = Array.from({ length: 10 }, (_, i) => `U0REQ${String(i).padStart(2, '0')}`);

function runbook(
  service: string,
  sshd: SshdHandle,
  steps: string,
  hostCount: number,
  params: string,
): string {
  const hosts = sshd.addresses
    .slice(0, hostCount)
    .map(
      (a, i) =>
        `      - { name: ${service}-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`,
    )
    .join('\n');
  return `service: ${service}
description: Concurrency fixture
approvers: [U0BOB, S0LEADS]
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 1, parallel: 5 }
${params}levels:
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
${steps}`;
}

interface Bot {
  driver: SlackDriver;
}

let sshd: SshdHandle;
let slack: FakeSlack;
let dir: string;
let markers: string;
let store: Store;
let env: NodeJS.ProcessEnv;
const procs: BotProcess[] = [];
const bots: Bot[] = [];

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.42', '127.0.0.43'] });
  dir = mkdtempSync(join(tmpdir(), 'rollbot-concurrency-'));
  markers = `${sshd.home}/concurrency-${process.pid}`;
  mkdirSync(join(dir, 'runbooks'));
  const write = (service: string, steps: string, hostCount = 2, params = '') =>
    writeFileSync(join(dir, 'runbooks', `${service}.yml`), runbook(service, sshd, steps, hostCount, params));
  write('racy', '      - name: Swap\n        run: echo swapped\n');
  write(
    'abortive',
    `      - name: Prepare\n        run: mkdir -p ${markers} && echo ready\n      - name: Finish\n        run: sleep 0.3; sleep 0.5 &\n`,
    1,
  );
  write(
    'sealed',
    // The marker holds a digest of what the step got for the secret (the runbook never has the value).
    `      - name: Record\n        run: mkdir -p ${markers} && printf '%s' {{token}} | sha256sum | cut -c1-16 >> ${markers}/sealed\n`,
    1,
    "params:\n  token: { description: API token, pattern: '^[A-Za-z0-9_-]{8,64}$', secret: true, from: 'env:SEALED_TOKEN' }\n",
  );
  write(
    'slowpoke',
    `      - name: Start\n        run: mkdir -p ${markers} && echo started >> ${markers}/slowpoke\n      - name: Long wait\n        run: sleep 30\n`,
    1,
  );
  write(
    'twin',
    `      - name: Record\n        run: mkdir -p ${markers} && echo ran >> ${markers}/twin-{{host.name}}\n      - name: Verify\n        run: test -s ${markers}/twin-{{host.name}}\n`,
  );
  slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    channels: [CHANNEL, '#ops'],
    users: [...USERS, ...REQUESTERS.map((id) => ({ id, name: id.toLowerCase() }))],
    usergroups: { S0LEADS: ['U0CAROL'] },
  });
  env = { ...botEnv({ apiUrl: slack.apiUrl, dir, sshd }), SEALED_TOKEN };
  // Sequentially: each process migrates the shared database on start.
  for (const name of ['a', 'b']) {
    const proc = await spawnBot(env, join(dir, `bot-${name}.log`));
    procs.push(proc);
    bots.push(botOn(proc.port));
  }
  // The test's own view of the shared file (it never holds a lease, so it owns no run).
  store = await createStore({
    file: join(dir, 'data', 'rollbot.db'),
    clock: { now: () => Date.now() },
    self: instance('concurrency-test'),
  });
}, 150_000);

afterAll(async () => {
  await store?.close();
  await Promise.all(procs.map((p) => p.stop()));
  await runAsTestUser(`rm -rf ${markers}`);
  await slack?.stop();
  await sshd?.stop();
  if (dir && !process.env.ROLLBOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

function botOn(port: number): Bot {
  const url = `http://127.0.0.1:${port}/slack/events`;
  return { driver: createSlackDriver({ signingSecret: SIGNING_SECRET, url, slack }) };
}

const botA = () => bots[0]!;
const botB = () => bots[1]!;

/** `/rollback <service>` as `user` through `bot`; returns the modal it opened for that user. */
async function openModal(bot: Bot, user: string, service: string): Promise<StoredView> {
  const before = new Set(slack.views.keys());
  const res = await bot.driver.slashCommand({
    user_id: user,
    channel_id: slack.channelId('#ops')!,
    text: `${service} level=2 severity=major`,
  });
  expect(res.status).toBe(200);
  return waitFor(`${user}'s modal`, () => [...slack.views.values()].find((v) => !before.has(v.id)));
}

function submit(
  bot: Bot,
  user: string,
  view: StoredView,
  service: string,
  params: Record<string, string> = {},
) {
  const fields = Object.fromEntries(Object.entries(params).map(([k, v]) => [`param:${k}`, { value: v }]));
  const state = stateValues({
    ...fields,
    service: { service_select: { type: 'static_select', selected_option: { value: service } } },
    env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
    severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'major' } } },
    level: { level_radio: { type: 'radio_buttons', selected_option: { value: '2' } } },
    reason: { reason_input: `concurrency test by ${user}` },
  });
  return bot.driver.interaction(viewSubmission({ user, view, state }, slack));
}

function clickAs(bot: Bot, user: string, message: StoredMessage, actionId: string) {
  const value = findButtonValue(message.blocks, actionId);
  if (!value) throw new Error(`no ${actionId} button`);
  return bot.driver.interaction(blockAction({ user, actionId, value, message }, slack));
}

const rootsOf = (service: string) =>
  slack.messages(CHANNEL).filter((m) => !m.thread_ts && m.text.includes(`INCIDENT: ${service} `));

/** Opens a request for `service` as U0ALICE through `bot`; returns its run and approval message. */
async function request(bot: Bot, service: string, params: Record<string, string> = {}) {
  const before = rootsOf(service).length;
  const view = await openModal(bot, 'U0ALICE', service);
  const res = await submit(bot, 'U0ALICE', view, service, params);
  expect(res.body).not.toContain('errors');
  const root = await waitFor(`the ${service} incident root`, () => rootsOf(service)[before]);
  const approval = structuredClone(
    await waitFor('the approval message', () =>
      slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    ),
  );
  const runId = (JSON.parse(findButtonValue(approval.blocks, ids.APPROVE)!) as { runId: string }).runId;
  return { root, approval, runId };
}

const runOf = async (runId: string): Promise<Run> => {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
};
const isDone = async (runId: string) =>
  !['pending_approval', 'approved', 'running'].includes((await runOf(runId)).state);
const eventsOf = async (runId: string) =>
  (await store.timeline((await runOf(runId)).incidentId)).filter((e) => e.runId === runId);
const markerLines = (name: string) => {
  try {
    return readFileSync(`${markers}/${name}`, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

describe('ten requesters submit for the same service at once', () => {
  it('opens exactly one incident and tells the other nine who holds the lock', async () => {
    const views: StoredView[] = [];
    for (const [i, user] of REQUESTERS.entries()) views.push(await openModal(bots[i % 2]!, user, 'racy'));
    const responses = await Promise.all(
      REQUESTERS.map((user, i) => submit(bots[i % 2]!, user, views[i]!, 'racy')),
    );
    expect(responses.map((r) => r.status)).toEqual(REQUESTERS.map(() => 200));
    const accepted = responses.filter((r) => !r.body.includes('response_action'));
    const refused = responses.filter((r) => r.body.includes('response_action'));
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(9);

    const active = (await store.activeRuns()).filter((r) => r.service === 'racy');
    expect(active).toHaveLength(1);
    const holder = active[0]!;
    expect(await store.runsOfIncident(holder.incidentId)).toHaveLength(1);
    expect(REQUESTERS).toContain(holder.requestedBy);
    for (const r of refused) {
      const body = r.json as { response_action: string; errors: Record<string, string> };
      expect(body.response_action).toBe('errors');
      expect(body.errors[ids.SERVICE_BLOCK]).toContain(`locked by run ${holder.id}`);
      expect(body.errors[ids.SERVICE_BLOCK]).toContain(holder.requestedBy);
    }
    await waitFor('the one incident root', () => rootsOf('racy').length === 1);
    await sleep(300);
    expect(rootsOf('racy')).toHaveLength(1);
    const abort = await botA().driver.interaction(
      blockAction(
        { user: holder.requestedBy, actionId: ids.ABORT, value: JSON.stringify({ runId: holder.id }) },
        slack,
      ),
    );
    expect(abort.status).toBe(200);
    await waitFor('the racy request cancelled', () => isDone(holder.id));
  });
});

describe('Abort clicked as the last step finishes', () => {
  // The last step exits after 0.3 s but leaves a background process holding its output open for
  // 0.5 s more (a daemon started with `&`): clicks land before the exit, between the exit and the
  // end of the output, and after. Jittered so repeated runs probe different moments.
  const delays = [150, 250, 320, 400, 500, 600, 700, 1000].map((ms) => ms + Math.floor(Math.random() * 60));

  it('ends every run in exactly one terminal state that the timeline and Slack agree on', async () => {
    const outcomes: string[] = [];
    for (const delay of delays) {
      const { root, approval, runId } = await request(botA(), 'abortive');
      await clickAs(botA(), 'U0BOB', approval, ids.APPROVE);
      // A copy as first shown: the fake edits messages in place, and the Abort button goes away.
      const progress = structuredClone(
        await waitFor('the progress message', () =>
          slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.ABORT)),
        ),
      );
      await waitFor('the last step to start', async () =>
        (await store.stepResults(runId)).some((s) => s.stepIndex === 1 && s.state === 'running'),
      );
      await sleep(delay);
      const repliesBefore = slack.ephemerals.length;
      await clickAs(botA(), 'U0ALICE', progress, ids.ABORT);
      await waitFor(`run ${runId} to end`, () => isDone(runId));
      const run = await runOf(runId);
      outcomes.push(`${delay}ms:${run.state}`);
      expect(['succeeded', 'aborted']).toContain(run.state);

      const finished = (await eventsOf(runId)).filter((e) => e.type === 'run.finished');
      expect(finished).toHaveLength(1);
      expect(finished[0]?.data?.status).toBe(run.state);
      if (run.state === 'aborted') {
        // An abort that stopped nothing is not an abort: something must have been cut short.
        const steps = await store.stepResults(runId);
        expect(steps.length < 2 || steps.some((s) => s.state !== 'ok'), JSON.stringify(steps)).toBe(true);
      }

      const thread = () => slack.thread(CHANNEL, root.ts);
      const heading = run.state === 'succeeded' ? '✅ Rolled back' : '⛔ Rollback aborted';
      await waitFor(`the progress message to show ${run.state}`, () =>
        thread().find((m) => m.ts === progress.ts && m.text.startsWith(heading)),
      );
      if (run.state === 'aborted') {
        await waitFor('the aborted message', () => thread().find((m) => m.text.includes('ROLLBACK ABORTED')));
      } else {
        expect(
          hasButton(
            thread().find((m) => m.ts === progress.ts),
            ids.RESOLVED,
          ),
        ).toBe(true);
      }
      // The clicker is told the abort is under way, or the run's actual final state.
      const reply = await waitFor('the reply to the Abort click', () =>
        slack.ephemerals.slice(repliesBefore).find((e) => e.user === 'U0ALICE'),
      );
      expect(reply.text).toMatch(new RegExp(`^Aborting|is ${run.state}; there is nothing to abort`));
      await sleep(200);
      const texts = thread().map((m) => m.text);
      expect(texts.filter((t) => t.includes('ROLLBACK ABORTED'))).toHaveLength(
        run.state === 'aborted' ? 1 : 0,
      );
      expect(texts.some((t) => t.startsWith(run.state === 'succeeded' ? '⛔' : '✅'))).toBe(false);
    }
    console.info(`abort race outcomes: ${outcomes.join(', ')}`);
  });
});

describe('two processes receive approvals for the same run at once', () => {
  it.each([
    ['Bob on A, Carol on B', [botA, botB]],
    ['Bob on B, Carol on A', [botB, botA]],
    ['only the process that did not open the request', [botB, botB]],
  ] as const)('runs once: %s', async (_name, [bobBot, carolBot]) => {
    const before = ['twin-twin-1', 'twin-twin-2'].map(markerLines);
    const { approval, runId } = await request(botA(), 'twin');
    const clicks = [clickAs(bobBot(), 'U0BOB', approval, ids.APPROVE)];
    clicks.push(clickAs(carolBot(), 'U0CAROL', approval, ids.APPROVE));
    expect((await Promise.all(clicks)).map((r) => r.status)).toEqual([200, 200]);
    await waitFor(`run ${runId} to end`, () => isDone(runId), 20_000);
    expect((await runOf(runId)).state).toBe('succeeded');
    const types = (await eventsOf(runId)).map((e) => e.type);
    expect(types.filter((t) => t === 'run.approved')).toHaveLength(1);
    expect(types.filter((t) => t === 'run.started')).toHaveLength(1);
    expect(types.filter((t) => t === 'step.started')).toHaveLength(4);
    expect(types.filter((t) => t === 'run.finished')).toHaveLength(1);
    expect(['twin-twin-1', 'twin-twin-2'].map(markerLines)).toEqual(before.map((n) => n + 1));
  });
});

describe('Abort clicked on the process that is not running the run', () => {
  it('stops the steps on the process that is', async () => {
    const { root, approval, runId } = await request(botA(), 'slowpoke');
    await clickAs(botA(), 'U0BOB', approval, ids.APPROVE);
    await waitFor(
      'the long step to start',
      async () => markerLines('slowpoke') > 0 && (await runOf(runId)).state === 'running',
    );
    const progress = await waitFor('the Abort button', () =>
      slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.ABORT)),
    );
    await waitFor('the long step', async () =>
      (await eventsOf(runId)).some((e) => e.type === 'step.started' && e.data?.step === 1),
    );
    const clicked = Date.now();
    expect((await clickAs(botB(), 'U0ALICE', progress, ids.ABORT)).status).toBe(200);
    await waitFor(`run ${runId} to end`, () => isDone(runId), 15_000);
    expect(Date.now() - clicked).toBeLessThan(10_000);
    expect((await runOf(runId)).state).toBe('aborted');
    const finished = (await eventsOf(runId)).filter((e) => e.type === 'step.finished' && e.data?.step === 1);
    expect(finished.map((e) => e.data?.outcome)).toEqual(['canceled']);
  });
});

describe('a run on a live process, seen from another host', () => {
  it("is not interrupted by that host's sweep while its owner's lease is fresh", async () => {
    const { root, approval, runId } = await request(botA(), 'slowpoke');
    await clickAs(botB(), 'U0BOB', approval, ids.APPROVE);
    await waitFor('the long step', async () =>
      (await eventsOf(runId)).some((e) => e.type === 'step.started' && e.data?.step === 1),
    );
    const owner = (await runOf(runId)).owner;
    expect(owner).toBeTruthy();
    // The test's own store is another process on another host (instance host 'test-host'): its
    // sweep finds nothing to interrupt or adopt, because the owner keeps renewing its lease.
    expect(store.self.host).not.toBe(hostname());
    expect(await store.interruptOrphans('another-host')).toEqual([]);
    expect(await store.adoptableRuns()).toEqual([]);
    const run = await runOf(runId);
    expect([run.state, run.owner]).toEqual(['running', owner]);
    expect((await eventsOf(runId)).map((e) => e.type)).not.toContain('run.interrupted');
    // Done looking: abort it through the process that opened it.
    const progress = await waitFor('the Abort button', () =>
      slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.ABORT)),
    );
    expect((await clickAs(botA(), 'U0ALICE', progress, ids.ABORT)).status).toBe(200);
    await waitFor(`run ${runId} to end`, () => isDone(runId), 15_000);
    expect((await runOf(runId)).state).toBe('aborted');
  });
});

describe('a run with a secret param, opened on one process and approved on the other', () => {
  // Nothing of the secret is held in the memory of the process that opened the request: the run's
  // record names where the value is read, and whichever process executes it reads it there.
  it.each([
    ['approved through B', botB],
    ['approved through A', botA],
  ] as const)('runs once, on either, with the exact value: %s', async (_name, approver) => {
    const before = markerLines('sealed');
    const { approval, runId } = await request(botA(), 'sealed');
    expect(JSON.stringify(await runOf(runId))).not.toContain(SEALED_TOKEN);
    const approved = await clickAs(approver(), 'U0BOB', approval, ids.APPROVE);
    expect(approved.status).toBe(200);
    await waitFor(`run ${runId} to end`, () => isDone(runId));
    expect((await runOf(runId)).state).toBe('succeeded');
    const events = await eventsOf(runId);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'run.started')).toHaveLength(1);
    expect(types.filter((t) => t === 'step.started')).toHaveLength(1);
    expect(markerLines('sealed')).toBe(before + 1);
    const digest = createHash('sha256').update(SEALED_TOKEN).digest('hex').slice(0, 16);
    expect(readFileSync(`${markers}/sealed`, 'utf8').trim().split('\n').at(-1)).toBe(digest);
    expect(JSON.stringify([events, await store.stepResults(runId)])).not.toContain(SEALED_TOKEN);
  });
});
