/**
 * Issue 10 through Slack: a drill on production needs a real run's approvals; an approval that no
 * process could execute is refused with why, and frees the lock; a form refused as "locked" can be
 * submitted again once the lock is free.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { viewSubmission } from '../support/fake-slack/index.js';
import { runAsTestUser } from '../support/host-user.js';
import {
  click,
  type Harness,
  INCIDENT_CHANNEL,
  requestFormState,
  requestRollback,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let h: Harness | undefined;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.61', '127.0.0.62'] });
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
});
afterAll(async () => {
  await sshd?.stop();
});

const store = (): Store => h!.server.core.store;
const releaseDir = () => `${sshd.home}/slack-safety-${process.pid}`;
const released = async (host: string) =>
  (await runAsTestUser(`cat ${releaseDir()}/${host}.release 2>/dev/null`)).stdout.trim();

async function drillRoot(text: string, user: string) {
  const before = h!.slack.messages(INCIDENT_CHANNEL).length;
  await h!.slash(user, text);
  return waitFor('the drill thread', () =>
    h!.slack
      .messages(INCIDENT_CHANNEL)
      .slice(before)
      .find((m) => !m.thread_ts && /DRILL/.test(m.text)),
  );
}

describe('drills from Slack', () => {
  it('on production need the approvals a real run needs: nothing runs for a non-approver alone', async () => {
    h = await startHarness({ mode: 'http', sshd, releaseDir: releaseDir() });
    const root = await drillRoot('drill shop level=2 env=production', 'U0MALLORY');
    const approval = await waitForButton(h, root, 'approve');
    const [run] = await store().activeRuns();
    expect(run).toMatchObject({
      drill: true,
      env: 'production',
      state: 'pending_approval',
      approvalsRequired: 1,
    });
    expect(await store().stepResults(run!.id)).toEqual([]);
    expect(await released('shop-1')).toBe('');
    // The requester cannot approve it; an approver can, and then it runs.
    await click(h, 'U0MALLORY', approval, 'approve');
    await click(h, 'U0BOB', approval, 'approve');
    await waitFor(
      'the approved drill to finish',
      async () => (await store().getRun(run!.id))?.state === 'succeeded',
    );
    expect(await released('shop-1')).toBe('v1.0.0');
  });

  it('on a drill environment run at once, without approvals', async () => {
    h = await startHarness({ mode: 'http', sshd, releaseDir: releaseDir() });
    await drillRoot('drill shop level=2', 'U0MALLORY');
    const run = await waitFor('the drill run', async () => (await store().history({ drill: true }))[0]);
    expect(run).toMatchObject({ env: 'staging' });
    await waitFor(
      'the drill to succeed',
      async () => (await store().getRun(run.runId))?.state === 'succeeded',
    );
  });
});

describe('an approval nobody could execute', () => {
  it('is refused with why, ends the run in the thread, and frees the lock', async () => {
    // The bot cannot read the secret the level needs: approving must not say "starting".
    h = await startHarness({ mode: 'http', sshd, releaseDir: releaseDir(), env: { SHOP_FLAG_TOKEN: '' } });
    const { root, incidentId } = await requestRollback(h, 'U0ALICE', {
      level: 1,
      severity: 'major',
      reason: 'flag stuck on',
    });
    const approval = await waitForButton(h, root, 'approve');
    await click(h, 'U0BOB', approval, 'approve');
    const answer = await waitFor('the answer to the approver', () =>
      h!.slack.ephemerals.find((e) => e.user === 'U0BOB' && /SHOP_FLAG_TOKEN/.test(e.text)),
    );
    expect(answer.text).toContain('Nothing ran');
    expect(answer.text).not.toMatch(/starting/i);
    const [run] = await store().runsOfIncident(incidentId);
    expect(run).toMatchObject({ state: 'interrupted' });
    await waitFor('the thread to say so', () =>
      h!.slack.thread(INCIDENT_CHANNEL, root.ts).some((m) => /SHOP_FLAG_TOKEN/.test(m.text)),
    );
    // The lock is free: the next request opens.
    const next = await requestRollback(h, 'U0ALICE', {
      level: 2,
      severity: 'major',
      reason: 'try the code rollback',
    });
    expect(next.incidentId).not.toBe(incidentId);
  });

  it('an unexecutable request left pending by an older rollbot is ended by the sweep', async () => {
    h = await startHarness({ mode: 'http', sshd, releaseDir: releaseDir() });
    const { incidentId } = await requestRollback(h, 'U0ALICE', {
      level: 2,
      severity: 'major',
      reason: 'old plan',
    });
    const [run] = await store().runsOfIncident(incidentId);
    // What a pending run recorded before durable runs looks like: a plan no process may execute.
    await legacy(run!.id);
    await h.server.core.services.sweep();
    expect((await store().getRun(run!.id))?.state).toBe('interrupted');
    expect((await store().activeRuns()).map((r) => r.id)).toEqual([]);
  });
});

describe('a form refused as locked', () => {
  it('can be submitted again once the lock is free, and then opens the incident', async () => {
    h = await startHarness({ mode: 'http', sshd, releaseDir: releaseDir() });
    const first = await requestRollback(h, 'U0ALICE', { level: 2, severity: 'major', reason: 'holder' });
    // Carol's form for the same service is refused: the lock is held.
    const viewsBefore = h.slack.views.size;
    await h.slash('U0CAROL', 'shop level=2 severity=major');
    await waitFor("Carol's form", () => h!.slack.views.size > viewsBefore);
    const form = [...h.slack.views.values()].at(-1)!;
    const submit = () =>
      h!.driver.interaction(
        viewSubmission(
          {
            user: 'U0CAROL',
            view: form,
            state: requestFormState({
              service: 'shop',
              severity: 'major',
              level: '2',
              reason: 'second opinion',
            }),
          },
          h!.slack,
        ),
      );
    const refused = await submit();
    expect(JSON.stringify(refused.json)).toMatch(/locked by run/);
    expect(await store().activeRuns()).toHaveLength(1);
    // The holder is denied; Carol presses Submit again on the same form.
    const approval = await waitForButton(h, first.root, 'deny');
    await click(h, 'U0BOB', approval, 'deny');
    await waitFor('the denial', async () => (await store().activeRuns()).length === 0);
    const accepted = await submit();
    expect(accepted.status).toBe(200);
    expect(accepted.body).toBe('');
    const opened = await waitFor("Carol's incident", async () => (await store().activeRuns())[0]);
    expect(opened).toMatchObject({ requestedBy: 'U0CAROL' });
    // And the same submission once more is a duplicate: it opens nothing else.
    await submit();
    expect(await store().activeRuns()).toHaveLength(1);
    expect((await store().history()).filter((r) => r.requestedBy === 'U0CAROL')).toHaveLength(1);
  });
});

/** A plan recorded by a rollbot that stored only the display form (before durable runs). */
async function legacy(runId: string): Promise<void> {
  const { openSqlite } = await import('../../src/store/sql/sqlite.js');
  const db = openSqlite(`${h!.dir}/data/rollbot.db`);
  try {
    await db.run('UPDATE runs SET plan_version = 1 WHERE id = ?', [runId]);
  } finally {
    await db.close();
  }
}
