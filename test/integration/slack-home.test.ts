// The App Home tab, driven through `rollbot serve` and the fake Slack: app_home_opened → views.publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import {
  type Harness,
  requestRollback,
  resolveVia,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let h: Harness;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.15'] });
  h = await startHarness({ mode: 'http', sshd });
});
afterAll(async () => {
  await h?.stop();
  await sshd?.stop();
});

/** Opens the Home tab as `user` and returns what rollbot published there, as text. */
async function openHome(user: string): Promise<string> {
  const before = h.slack.home(user)?.updates ?? -1;
  const sent = await h.slack.openHome(user);
  expect(sent.delivered).toBe(true);
  const view = await waitFor(`${user}'s Home tab`, () => {
    const home = h.slack.home(user);
    return home && home.updates > before ? home : undefined;
  });
  return JSON.stringify(view.blocks);
}

describe('App Home', () => {
  it('shows open incidents with state and thread link, last rollbacks, and the services with their levels', async () => {
    expect(await openHome('U0BOB')).toContain('No open incidents.');

    // A resolved level-1 rollback, then an open level-2 request waiting for approval.
    const first = await requestRollback(h, 'U0ALICE', {
      level: 1,
      severity: 'critical',
      reason: 'flag meltdown',
    });
    await resolveVia(h, 'U0ALICE', await waitForButton(h, first.root, ids.RESOLVED));
    await waitFor('the first incident resolved', async () =>
      (await h.server.core.store.getIncident(first.incidentId))?.status === 'resolved' ? true : undefined,
    );
    const open = await requestRollback(h, 'U0ALICE', {
      level: 2,
      severity: 'major',
      reason: 'checkout 500s',
      params: { version: 'v1.2.0' },
    });
    await waitForButton(h, open.root, ids.APPROVE);

    // Carol approves through the S0LEADS group; Mallory approves nothing.
    const carol = await openHome('U0CAROL');
    const link = `https://rollbot-test.slack.com/archives/${open.root.channel}/p${open.root.ts.replace('.', '')}`;
    expect(carol).toContain(`<${link}|${open.incidentId}>`);
    expect(carol).toContain('⏳ Awaiting approval');
    expect(carol).toContain('Open incidents (1)');
    expect(carol).not.toContain(`|${first.incidentId}>`);
    expect(carol).toContain(`level 1 on production`);
    expect(carol).toContain(`(${first.incidentId})`);
    expect(carol).toContain('Level 2 · Code rollback · target 15m · 1 approval');
    expect(carol).toContain('Level 3 · Full restore · target 45m · 2 approvals');
    expect(carol).toContain('You are an approver for this service.');
    expect(await openHome('U0MALLORY')).not.toContain('You are an approver');

    // The Messages tab sends the same event with tab=messages: no Home view for it.
    const publishes = h.slack.callsTo('views.publish').length;
    await h.interactEvent({
      type: 'app_home_opened',
      user: 'U0ONCALL',
      channel: 'D0ONCALL',
      tab: 'messages',
    });
    await openHome('U0BOB');
    expect(h.slack.callsTo('views.publish').length).toBe(publishes + 1);
    expect(h.slack.home('U0ONCALL')).toBeUndefined();
  });
});
