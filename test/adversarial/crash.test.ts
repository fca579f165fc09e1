/**
 * DESIGN §7 "a crash mid-run loses nothing": the bot, as a real process, is SIGKILLed while a step
 * sleeps on a real sshd host. On restart the run is `interrupted`, the thread is told, nothing is
 * re-run, the timeline is complete up to the crash and its hash chain verifies.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import * as ids from '../../views/ids.js';
import { type BotProcess, botEnv, rollbotCli, spawnBot } from '../support/bot-process.js';
import {
  blockAction,
  createSlackDriver,
  type FakeSlack,
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

const CHANNEL = '#engineering-incidents';
const LEASE_TTL_MS = 5_000;
/** `rollbot serve` sweeps (and so notices a lapsed lease) at start and every half lease (at most 15 s). */
const SWEEP_MS = LEASE_TTL_MS / 2;

function crashyRunbook(sshd: SshdHandle, markers: string): string {
  return `service: crashy
description: A step that sleeps long enough to crash the bot under it
approvers: [U0BOB]
environments:
  production:
    hosts:
      - { name: crashy-1, address: ${sshd.addresses[0]}, port: ${sshd.port}, user: ${sshd.user} }
levels:
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Prepare
        run: mkdir -p ${markers} && echo prepared
      - name: Slow swap
        run: printf 'start %s\\n' $$ >> ${markers}/start; sleep 30; printf 'done\\n' >> ${markers}/done
      - name: After
        run: echo after >> ${markers}/after
`;
}

/** The session that ran the slow step may outlive the bot: SIGKILL its process group. */
function killRemoteStep(markers: string): void {
  let lines: string[];
  try {
    lines = readFileSync(join(markers, 'start'), 'utf8').trim().split('\n');
  } catch {
    return;
  }
  for (const line of lines) {
    const pid = Number(line.split(' ')[1]);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgid > 1) process.kill(-pgid, 'SIGKILL');
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

describe('the bot is SIGKILLed mid-step', () => {
  let sshd: SshdHandle;
  let slack: FakeSlack;
  let dir: string;
  let markers: string;
  let env: NodeJS.ProcessEnv;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    sshd = await startSshd({ addresses: ['127.0.0.41'] });
    dir = mkdtempSync(join(tmpdir(), 'rollbot-crash-'));
    markers = `${sshd.home}/crash-${process.pid}`;
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(join(dir, 'runbooks', 'crashy.yml'), crashyRunbook(sshd, markers));
    slack = await startFakeSlack({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      channels: [CHANNEL, '#ops'],
      users: USERS,
    });
    // A short lease: the restarted bot (a new instance) may interrupt the dead one's run once it lapses.
    env = { ...botEnv({ apiUrl: slack.apiUrl, dir, sshd }), ROLLBOT_LEASE_TTL: `${LEASE_TTL_MS / 1000}s` };
  });
  afterAll(async () => {
    for (const bot of bots) await bot.kill9();
    if (markers) killRemoteStep(markers);
    await runAsTestUser(`rm -rf ${markers}`);
    await slack?.stop();
    await sshd?.stop();
    if (dir && !process.env.ROLLBOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  it('marks the run interrupted on restart, tells the thread, and re-runs nothing', async () => {
    const first = await spawnBot(env, join(dir, 'bot-1.log'));
    bots.push(first);
    const driver = createSlackDriver({
      signingSecret: SIGNING_SECRET,
      url: `http://127.0.0.1:${first.port}/slack/events`,
      slack,
    });
    const slash = await driver.slashCommand({
      user_id: 'U0ALICE',
      channel_id: slack.channelId('#ops')!,
      text: 'crashy level=2 severity=major',
    });
    expect(slash.status).toBe(200);
    const modal = await waitFor('the request modal', () => [...slack.views.values()].at(-1));
    const submitted = await driver.interaction(
      viewSubmission(
        {
          user: 'U0ALICE',
          view: modal,
          state: stateValues({
            service: { service_select: { type: 'static_select', selected_option: { value: 'crashy' } } },
            env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
            severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'major' } } },
            level: { level_radio: { type: 'radio_buttons', selected_option: { value: '2' } } },
            reason: { reason_input: 'crash test' },
          }),
        },
        slack,
      ),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body).not.toContain('errors');
    const root = await waitFor('the incident root', () =>
      slack.messages(CHANNEL).find((m) => !m.thread_ts && m.text.includes('INCIDENT')),
    );
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)?.[0];
    expect(incidentId).toBeDefined();
    const approval = await waitFor('the approval message', () =>
      slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    );
    const value = findButtonValue(approval.blocks, ids.APPROVE);
    const runId = (JSON.parse(value!) as { runId: string }).runId;
    await driver.interaction(
      blockAction({ user: 'U0BOB', actionId: ids.APPROVE, value, message: approval }, slack),
    );

    const startFile = join(markers, 'start');
    await waitFor('the slow step to start on the host', () => readLines(startFile).length > 0, 30_000);
    await first.kill9();
    expect(await first.exited).toBeNull();

    const second = await spawnBot(env, join(dir, 'bot-2.log'));
    bots.push(second);
    // Told once, in the run's progress message (with what to do), not in a second thread message.
    const progress = await waitFor(
      'the progress message to say the run was interrupted',
      () => slack.thread(CHANNEL, root.ts).find((m) => m.text.startsWith('⚠️ Rollback interrupted')),
      LEASE_TTL_MS + SWEEP_MS + 10_000,
    );
    expect(progress.thread_ts).toBe(root.ts);
    expect(JSON.stringify(progress.blocks)).toContain('Nothing is re-run on its own');
    expect(progress.text).toContain('1 of 3 steps done');
    expect(slack.thread(CHANNEL, root.ts).some((m) => m.text.includes('ROLLBACK INTERRUPTED'))).toBe(false);
    // Long enough for a wrongly resumed run to have started the step again.
    await sleep(1500);
    // Told once, by the one process whose update won: one reply in the thread says so.
    expect(
      slack.thread(CHANNEL, root.ts).filter((m) => m.ts !== root.ts && /interrupted/i.test(m.text)),
    ).toHaveLength(1);
    await second.stop();
    expect(await second.exited).toBe(0);

    expect(readLines(startFile)).toHaveLength(1);
    expect(readLines(join(markers, 'after'))).toHaveLength(0);

    const history = await rollbotCli(['history', 'crashy', '--json'], env);
    expect(history.code).toBe(0);
    const runs = (JSON.parse(history.stdout) as { runs: { runId: string; state: string }[] }).runs;
    expect(runs.map((r) => [r.runId, r.state])).toEqual([[runId, 'interrupted']]);

    const timeline = await rollbotCli(['timeline', incidentId!, '--json'], env);
    expect(timeline.code).toBe(0);
    const events = JSON.parse(timeline.stdout) as StoredTimelineEvent[];
    const types = events.map((e) => e.type);
    for (const type of [
      'incident.opened',
      'plan.rendered',
      'request.submitted',
      'approval.requested',
      'approval.granted',
      'run.approved',
      'run.started',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(types.indexOf('incident.opened')).toBeLessThan(types.indexOf('run.approved'));
    expect(types.indexOf('run.approved')).toBeLessThan(types.indexOf('run.started'));
    const steps = events.filter((e) => e.type === 'step.started' || e.type === 'step.finished');
    expect(steps.map((e) => [e.type, e.data?.step])).toEqual([
      ['step.started', 0],
      ['step.finished', 0],
      ['step.started', 1],
    ]);
    const interrupted = events.filter((e) => e.type === 'run.interrupted');
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toMatchObject({ runId, data: { from: 'running', unknownSteps: 1 } });
    // After the interruption only messages about it: no step, no second start, no finish.
    const after = events.slice(events.indexOf(interrupted[0]!) + 1);
    expect(after.map((e) => e.type).filter((t) => t !== 'message.posted')).toEqual([]);
    expect(types).not.toContain('run.finished');
    expect(types.filter((t) => t === 'run.started')).toHaveLength(1);
    expect(types.indexOf('step.started')).toBeGreaterThan(types.indexOf('run.started'));

    const audit = await rollbotCli(['audit', 'verify'], env);
    expect(audit.stdout + audit.stderr).toContain('Timeline intact');
    expect(audit.code).toBe(0);
  }, 120_000);
});

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
