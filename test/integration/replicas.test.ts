/**
 * Issue 13: two `rollbot serve` replicas on one PostgreSQL, behind the fake Slack. Requests land on
 * either replica (HTTP behind a load balancer; Socket Mode with one connection each); a full
 * incident gives one incident message, one progress message, one run and a timeline that verifies;
 * a replica killed mid-step has its run interrupted by the survivor, told once, re-running nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import { type BotProcess, botEnv, rollbotCli, spawnBot } from '../support/bot-process.js';
import {
  blockAction,
  createSlackDriver,
  type FakeSlack,
  type SlackDriver,
  type StoredMessage,
  startFakeSlack,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';
import { runAsTestUser } from '../support/host-user.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  findButtonValue,
  hasButton,
  resolveThrough,
  SIGNING_SECRET,
  USERS,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { usePostgresCluster } from '../support/use-postgres.js';

const CHANNEL = '#engineering-incidents';
const LEASE_TTL_MS = 3000;
const cluster = usePostgresCluster();

function runbook(sshd: SshdHandle, markers: string): string {
  const hosts = sshd.addresses
    .map((a, i) => `      - { name: web-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`)
    .join('\n');
  return `service: web
approvers: [U0BOB, U0CAROL]
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 1, parallel: 5 }
params:
  pause: { pattern: '^[0-9]+$', default: '0' }
levels:
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Swap
        run: mkdir -p ${markers} && printf '%s\\n' {{run.id}} >> ${markers}/{{host.name}}.start && sleep {{pause}} && printf '%s\\n' {{run.id}} >> ${markers}/{{host.name}}.done
`;
}

let sshd: SshdHandle;
let slack: FakeSlack;
let dir: string;
let markers: string;
let url: string;
const bots: BotProcess[] = [];

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.81', '127.0.0.82'] });
  dir = mkdtempSync(join(tmpdir(), 'rollbot-replicas-'));
  markers = `${sshd.home}/replicas-${process.pid}`;
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'web.yml'), runbook(sshd, markers));
  slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: SIGNING_SECRET,
    channels: [CHANNEL, '#ops'],
    users: USERS,
  });
});
afterAll(async () => {
  for (const bot of bots) await bot.kill9();
  await runAsTestUser(`pkill -f ${markers} ; rm -rf ${markers}`);
  await slack?.stop();
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function replicaEnv(instance: string, mode: 'http' | 'socket'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...botEnv({ apiUrl: slack.apiUrl, dir, sshd }),
    ROLLBOT_DATABASE_URL: url,
    ROLLBOT_INSTANCE: instance,
    ROLLBOT_LEASE_TTL: `${LEASE_TTL_MS / 1000}s`,
  };
  if (mode === 'socket') env.SLACK_APP_TOKEN = APP_TOKEN;
  return env;
}

async function startReplicas(mode: 'http' | 'socket'): Promise<{ a: BotProcess; b: BotProcess }> {
  url = await cluster().createDatabase();
  // Both at the same moment on an empty database: the migrations are applied once.
  const [a, b] = await Promise.all([
    spawnBot(replicaEnv(`${mode}-a`, mode), join(dir, `${mode}-a.log`)),
    spawnBot(replicaEnv(`${mode}-b`, mode), join(dir, `${mode}-b.log`)),
  ]);
  bots.push(a!, b!);
  return { a: a!, b: b! };
}

async function query<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const roots = () => slack.messages(CHANNEL).filter((m) => !m.thread_ts && /INCIDENT/.test(m.text));
/** Top-level messages from `root` on, but `except`: one incident message means exactly `[root.ts]`. */
const topLevelSince = (root: StoredMessage, except: string[] = []) =>
  slack
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && Number(m.ts) >= Number(root.ts) && !except.includes(m.ts))
    .map((m) => m.ts);
const threadOf = (root: StoredMessage) => slack.thread(CHANNEL, root.ts).filter((m) => m.ts !== root.ts);
const buttonIn = (root: StoredMessage, action: string) => () =>
  threadOf(root).find((m) => hasButton(m, action));

function formState(pause: string) {
  return stateValues({
    service: { service_select: { type: 'static_select', selected_option: { value: 'web' } } },
    env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
    severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'major' } } },
    level: { level_radio: { type: 'radio_buttons', selected_option: { value: '2' } } },
    reason: { reason_input: 'web is down' },
    'param:pause': { value: pause },
  } as never);
}

/** Sends every Slack request to a replica in turn, as a load balancer would. */
function roundRobin(drivers: SlackDriver[]) {
  let turn = 0;
  return () => drivers[turn++ % drivers.length]!;
}

async function requestThrough(next: () => SlackDriver, pause: string): Promise<StoredMessage> {
  const before = new Set(roots().map((m) => m.ts));
  const views = slack.views.size;
  await next().slashCommand({
    user_id: 'U0ALICE',
    channel_id: slack.channelId('#ops')!,
    text: 'web level=2 severity=major',
  });
  await waitFor('the form', () => slack.views.size > views);
  const form = [...slack.views.values()].at(-1)!;
  const res = await next().interaction(
    viewSubmission({ user: 'U0ALICE', view: form, state: formState(pause) }, slack),
  );
  expect(res.status).toBe(200);
  return waitFor('the incident root', () => roots().find((m) => !before.has(m.ts)));
}

const clickOn = (driver: SlackDriver, user: string, message: StoredMessage, action: string) =>
  driver.interaction(
    blockAction({ user, actionId: action, value: findButtonValue(message.blocks, action), message }, slack),
  );

describe('two replicas on PostgreSQL, HTTP behind a load balancer', () => {
  let a: BotProcess;
  let b: BotProcess;
  let next: () => SlackDriver;
  let drivers: SlackDriver[];

  beforeAll(async () => {
    ({ a, b } = await startReplicas('http'));
    drivers = [a, b].map((bot) =>
      createSlackDriver({
        signingSecret: SIGNING_SECRET,
        url: `http://127.0.0.1:${bot.port}/slack/events`,
        slack,
      }),
    );
    next = roundRobin(drivers);
  });

  it('applied each migration once although both started together', async () => {
    const rows = await query<{ version: number; n: string }>(
      'SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
  });

  it('runs a full incident once across both: one incident message, one progress message, one run', async () => {
    const root = await requestThrough(next, '0');
    const approval = await waitFor('the approval message', buttonIn(root, ids.APPROVE));
    await clickOn(next(), 'U0BOB', approval, ids.APPROVE);
    const done = await waitFor('success', buttonIn(root, ids.RESOLVED), 30_000);
    await resolveThrough(slack, (payload) => next().interaction(payload), 'U0ALICE', done);
    const resolution = await waitFor('the resolution', () =>
      slack.messages(CHANNEL).find((m) => !m.thread_ts && m.ts !== root.ts && m.text.includes('RESOLVED')),
    );
    // The root now reads RESOLVED too; besides the resolution, it is the only top-level message.
    expect(topLevelSince(root, [resolution.ts])).toEqual([root.ts]);
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];
    const progress = threadOf(root).filter(
      (m) => hasButton(m, ids.RESOLVED) || /Rolled back|Rolling back/.test(m.text),
    );
    expect(progress).toHaveLength(1);
    expect(await query(`SELECT id FROM runs WHERE incident_id = '${incidentId}'`)).toHaveLength(1);
    const verify = await rollbotCli(['audit', 'verify', incidentId], replicaEnv('cli', 'http'));
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('counts one approval and starts one run for 20 simultaneous clicks spread over both', async () => {
    const root = await requestThrough(next, '0');
    const approval = await waitFor('the approval message', buttonIn(root, ids.APPROVE));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => clickOn(drivers[i % 2]!, 'U0BOB', approval, ids.APPROVE)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await waitFor('success', buttonIn(root, ids.RESOLVED), 30_000);
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];
    expect(
      await query(
        `SELECT * FROM approvals a JOIN runs r ON r.id = a.run_id WHERE r.incident_id = '${incidentId}'`,
      ),
    ).toHaveLength(1);
    expect(await query(`SELECT id FROM runs WHERE incident_id = '${incidentId}'`)).toHaveLength(1);
    const started = await query(
      `SELECT seq FROM timeline WHERE type = 'run.started' AND incident_id = '${incidentId}'`,
    );
    expect(started).toHaveLength(1);
    const done = buttonIn(root, ids.RESOLVED)()!;
    await resolveThrough(slack, (payload) => next().interaction(payload), 'U0ALICE', done);
  });

  it('a replica killed mid-step: the survivor interrupts the run within the lease, tells the thread once, re-runs nothing', async () => {
    const root = await requestThrough(next, '30');
    const approval = await waitFor('the approval message', buttonIn(root, ids.APPROVE));
    // Approved through A: A executes it.
    await clickOn(drivers[0]!, 'U0BOB', approval, ids.APPROVE);
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];
    const [run] = await query<{ id: string; owner: string }>(
      `SELECT id, owner FROM runs WHERE incident_id = '${incidentId}'`,
    );
    await waitFor('the step to start on the canary', async () =>
      (await runAsTestUser(`cat ${markers}/web-1.start 2>/dev/null`)).stdout.includes(run!.id),
    );
    const owner = (await query<{ owner: string }>(`SELECT owner FROM runs WHERE id = '${run!.id}'`))[0]!
      .owner;
    const victim = owner === 'http-a' ? a : b;
    const survivor = victim === a ? drivers[1]! : drivers[0]!;
    const killedAt = Date.now();
    await victim.kill9();
    await waitFor(
      'the run interrupted',
      async () =>
        (await query<{ state: string }>(`SELECT state FROM runs WHERE id = '${run!.id}'`))[0]?.state ===
        'interrupted',
    );
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS * 3);
    await waitFor('the thread told', () =>
      threadOf(root).some((m) => /interrupted/i.test(JSON.stringify(m.blocks) + m.text)),
    );
    const told = (
      await query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM timeline WHERE type = 'run.interrupted' AND run_id = '${run!.id}'`,
      )
    )[0]!;
    expect(Number(told.n)).toBe(1);
    // Counted once, by the replica that interrupted it (the failed-rollback alert reads this).
    const survivorBot = victim === a ? b : a;
    const metrics = await (await fetch(`http://127.0.0.1:${survivorBot.port}/metrics`)).text();
    expect(metrics).toMatch(
      /rollbot_rollbacks_total\{[^}]*outcome="interrupted"[^}]*service="web"[^}]*\} 1$|rollbot_rollbacks_total\{[^}]*service="web"[^}]*outcome="interrupted"[^}]*\} 1$/m,
    );
    // Nothing re-ran: the canary started the step once; the second host never started it.
    const starts = await runAsTestUser(`cat ${markers}/web-1.start ${markers}/web-2.start 2>/dev/null`);
    expect(starts.stdout.split('\n').filter((l) => l === run!.id)).toHaveLength(1);
    // The survivor serves a new request end to end.
    const fresh = await requestThrough(() => survivor, '0');
    const freshApproval = await waitFor('the approval message', buttonIn(fresh, ids.APPROVE));
    await clickOn(survivor, 'U0BOB', freshApproval, ids.APPROVE);
    await waitFor('success on the survivor', buttonIn(fresh, ids.RESOLVED), 30_000);
    const verify = await rollbotCli(['audit', 'verify'], replicaEnv('cli', 'http'));
    expect(verify.code, verify.stderr).toBe(0);
  });
});

describe('two replicas on PostgreSQL, Socket Mode with one connection each', () => {
  it('runs a full incident once while Slack hands envelopes to either connection', async () => {
    await startReplicas('socket');
    await slack.socket.waitForConnection(20_000, 2);
    const before = new Set(roots().map((m) => m.ts));
    const views = slack.views.size;
    const { slashCommand } = await import('../support/fake-slack/index.js');
    await slack.socket.send(
      'slash_commands',
      slashCommand(
        { user_id: 'U0ALICE', channel_id: slack.channelId('#ops')!, text: 'web level=2 severity=major' },
        slack,
      ),
    );
    await waitFor('the form', () => slack.views.size > views);
    const form = [...slack.views.values()].at(-1)!;
    await slack.socket.send(
      'interactive',
      viewSubmission({ user: 'U0ALICE', view: form, state: formState('0') }, slack),
    );
    const root = await waitFor('the incident root', () => roots().find((m) => !before.has(m.ts)));
    const approval = await waitFor('the approval message', buttonIn(root, ids.APPROVE));
    await slack.socket.send(
      'interactive',
      blockAction(
        {
          user: 'U0BOB',
          actionId: ids.APPROVE,
          value: findButtonValue(approval.blocks, ids.APPROVE),
          message: approval,
        },
        slack,
      ),
    );
    await waitFor('success', buttonIn(root, ids.RESOLVED), 30_000);
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];
    expect(await query(`SELECT id FROM runs WHERE incident_id = '${incidentId}'`)).toHaveLength(1);
    expect(topLevelSince(root)).toEqual([root.ts]);
    // Slack really handed envelopes to both replicas' connections.
    expect(new Set(slack.socket.deliveredTo.values()).size).toBe(2);
  });
});
