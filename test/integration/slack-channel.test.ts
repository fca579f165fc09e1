// The incident channel as in a real workspace: Slack sends a channel's messages only to a bot that is
// in it. rollbot joins a public one at start; a private one needs an invitation, and it says so.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import {
  type Harness,
  INCIDENT_CHANNEL,
  requestRollback,
  resolveVia,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let h: Harness | undefined;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.14'] });
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
});
afterAll(async () => {
  await sshd?.stop();
});

const notesOf = async (harness: Harness, incidentId: string) =>
  (await harness.server.core.store.timeline(incidentId))
    .filter((e) => e.type === 'note.added')
    .map((e) => e.data?.text);

/** The last ephemeral answer `user` got, as text and blocks. */
async function statusFor(harness: Harness, user: string): Promise<string> {
  const before = harness.slack.ephemerals.length;
  await harness.slash(user, 'status');
  const reply = await waitFor('the status answer', () => harness.slack.ephemerals.slice(before)[0]);
  return reply.text + JSON.stringify(reply.blocks ?? []);
}

describe('the incident channel', () => {
  it('public: rollbot joins it at start, without anyone inviting it', async () => {
    h = await startHarness({ mode: 'http', sshd });
    expect(await h.server.incidentChannel).toMatchObject({ state: 'member', joined: true });
    expect(h.slack.callsTo('conversations.join').map((c) => c.ok)).toEqual([true]);
    expect(h.slack.isMember(INCIDENT_CHANNEL)).toBe(true);
    expect(await statusFor(h, 'U0BOB')).not.toContain('not a member');
  });

  it('private and not invited: says so in the log and in /rollback status, and hears the thread once invited', async () => {
    let log = '';
    const logTo = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk);
        done();
      },
    });
    h = await startHarness({
      mode: 'socket',
      sshd,
      channels: [{ id: 'G0INCIDENTS', name: 'engineering-incidents', isPrivate: true }, '#ops'],
      env: { LOG_LEVEL: 'info' },
      logTo,
      channelRecheckMs: 100,
    });
    expect(await h.server.incidentChannel).toEqual({ state: 'not_visible', name: 'engineering-incidents' });
    expect(log).toContain('rollbot is not a member of #engineering-incidents');
    expect(log).toContain('/invite @rollbot');
    const status = await statusFor(h, 'U0BOB');
    expect(status).toContain('rollbot is not a member of #engineering-incidents');
    expect(status).toContain('invites @rollbot');
    // Slack would not send the bot this channel's messages.
    const unheard = await h.slack.userPosts({ user: 'U0BOB', channel: 'G0INCIDENTS', text: 'hello?' });
    expect(unheard).toMatchObject({ delivered: false });

    // Someone invites @rollbot: it notices without a restart, and replies reach the timeline.
    h.slack.invite('G0INCIDENTS');
    const harness = h;
    await waitFor('rollbot to notice the invitation', async () => {
      const text = await statusFor(harness, 'U0BOB');
      return !text.includes('not a member');
    });
    expect(h.slack.callsTo('conversations.join')).toEqual([]);
    const { root, incidentId } = await requestRollback(h, 'U0ALICE', {
      level: 1,
      severity: 'critical',
      reason: 'flag meltdown',
    });
    await waitForButton(h, root, ids.RESOLVED);
    const reply = await h.slack.userPosts({
      user: 'U0BOB',
      channel: 'G0INCIDENTS',
      thread_ts: root.ts,
      text: 'cache flushed too',
    });
    expect(reply.delivered).toBe(true);
    await waitFor('the reply on the timeline', async () => (await notesOf(harness, incidentId)).length > 0);
    expect(await notesOf(h, incidentId)).toEqual(['cache flushed too']);
    const done = await waitForButton(h, root, ids.RESOLVED);
    await resolveVia(h, 'U0ALICE', done);
  });
});
