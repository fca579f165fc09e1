/**
 * Issue 12: the outbox keeps order within an incident, not across incidents, so a Slack call that
 * never answers for one incident never delays another; and a post whose answer was lost (a crash
 * between Slack's answer and rollbot reading it) is found again by its metadata, not posted twice.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, botEnv, spawnBot } from '../support/bot-process.js';
import {
  createSlackDriver,
  type FakeSlack,
  type Json,
  startFakeSlack,
  viewSubmission,
} from '../support/fake-slack/index.js';
import {
  BOT_TOKEN,
  click,
  type Harness,
  INCIDENT_CHANNEL,
  requestFormState,
  requestRollback,
  SIGNING_SECRET,
  shopRunbook,
  startHarness,
  USERS,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.71', '127.0.0.72'] });
});
afterAll(async () => {
  await sshd?.stop();
});

/** A second service (its own lock), so two incidents are open at once. */
const cartRunbook = (dir: string) => shopRunbook(sshd, dir).replace('service: shop', 'service: cart');

describe('one stuck incident', () => {
  let h: Harness;
  afterAll(async () => {
    h?.slack.clearFaults();
    await h?.stop();
  });

  it('does not delay another incident: its messages arrive while the stuck call still hangs', async () => {
    const releaseDir = `${sshd.home}/delivery-${process.pid}`;
    h = await startHarness({
      mode: 'http',
      sshd,
      releaseDir,
      runbooks: { 'cart.yml': cartRunbook(releaseDir) },
    });
    const x = await requestRollback(h, 'U0ALICE', { level: 2, severity: 'major', reason: 'shop is down' });
    const approval = await waitForButton(h, x.root, 'approve');
    // From now on every call about incident X's thread is read by Slack and never answered.
    const inThread = (args: Json) =>
      args.thread_ts === x.root.ts ||
      args.ts === x.root.ts ||
      h.slack.thread(INCIDENT_CHANNEL, x.root.ts).some((m) => m.ts === args.ts);
    h.slack.failWhen('*', inThread, { status: 'hang' });
    await click(h, 'U0BOB', approval, 'approve');
    const hung = await waitFor('a call about X to hang', () =>
      h.slack.calls.find((c) => c.status === 0 && inThread(c.args)),
    );
    // Incident Y, on another service: its thread fills in at once.
    const before = h.slack.views.size;
    await h.slash('U0CAROL', 'cart level=2 severity=major');
    await waitFor('the cart form', () => h.slack.views.size > before);
    const form = [...h.slack.views.values()].at(-1)!;
    await h.interact(
      viewSubmission(
        {
          user: 'U0CAROL',
          view: form,
          state: requestFormState({
            service: 'cart',
            severity: 'major',
            level: '2',
            reason: 'cart is down too',
          }),
        },
        h.slack,
      ),
    );
    const y = await waitFor('incident Y’s root', () =>
      h.slack.messages(INCIDENT_CHANNEL).find((m) => !m.thread_ts && m.text.includes('cart')),
    );
    await waitForButton(h, y, 'approve');
    // Y's thread (root, plan, approval) arrived while X's call was still hanging: rollbot had not
    // given up on it (a delivery waits 10 s), so nothing of Y waited for X.
    expect(hung.abandonedAt).toBeUndefined();
    const pendingX = (await h.server.core.store.outboxPending()).find((p) => p.incidentId === x.incidentId);
    expect(pendingX?.pending).toBeGreaterThan(0);
  });
});

describe('a post whose answer was lost in a crash', () => {
  let slack: FakeSlack;
  let dir: string;
  const bots: BotProcess[] = [];
  afterAll(async () => {
    for (const bot of bots) await bot.kill9();
    await slack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is found by its outbox id after the restart: one incident message, not two', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollbot-lost-answer-'));
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(join(dir, 'runbooks', 'shop.yml'), shopRunbook(sshd, `${sshd.home}/lost-${process.pid}`));
    slack = await startFakeSlack({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      channels: [INCIDENT_CHANNEL, '#ops'],
      users: USERS,
      usergroups: { S0LEADS: ['U0CAROL'] },
    });
    // A fixed instance id: the restarted process knows at once that the claims it finds are its dead self's.
    const env = {
      ...botEnv({ apiUrl: slack.apiUrl, dir, sshd }),
      ROLLBOT_INSTANCE: 'rollbot-0',
      SHOP_FLAG_TOKEN: 'flag-token-1234',
    };
    const first = await spawnBot(env, join(dir, 'bot-1.log'));
    bots.push(first);
    // The incident message is posted, but its answer never comes back.
    slack.failWhen(
      'chat.postMessage',
      (args) => typeof args.text === 'string' && args.text.includes('INCIDENT') && !args.thread_ts,
      { status: 'lost-answer' },
    );
    const driver = createSlackDriver({
      signingSecret: SIGNING_SECRET,
      url: `http://127.0.0.1:${first.port}/slack/events`,
      slack,
    });
    await driver.slashCommand({
      user_id: 'U0ALICE',
      channel_id: slack.channelId('#ops')!,
      text: 'shop level=2 severity=major',
    });
    const form = await waitFor('the form', () => [...slack.views.values()].at(-1));
    await driver.interaction(
      viewSubmission(
        {
          user: 'U0ALICE',
          view: form,
          state: requestFormState({
            service: 'shop',
            severity: 'major',
            level: '2',
            reason: 'checkout is down',
          }),
        },
        slack,
      ),
    );
    const roots = () =>
      slack.messages(INCIDENT_CHANNEL).filter((m) => !m.thread_ts && m.text.includes('INCIDENT'));
    await waitFor('the incident message in Slack', () => roots().length === 1);
    // Crash while rollbot still waits for Slack's answer.
    await first.kill9();
    slack.clearFaults();
    const second = await spawnBot(env, join(dir, 'bot-2.log'));
    bots.push(second);
    // The plan is queued behind the incident message in the same incident: it arrives only once the
    // root is settled, and in its thread.
    const plan = await waitFor('the plan in the thread', () =>
      slack.messages(INCIDENT_CHANNEL).find((m) => m.thread_ts === roots()[0]?.ts && m.text.includes('Plan')),
    );
    expect(plan.thread_ts).toBe(roots()[0]!.ts);
    expect(roots()).toHaveLength(1);
    expect(
      slack.calls.filter(
        (c) => c.method === 'conversations.history' && c.args.include_all_metadata !== undefined,
      ),
    ).not.toHaveLength(0);
  });
});
