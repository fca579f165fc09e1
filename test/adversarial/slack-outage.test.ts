import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import type { StoredMessage } from '../support/fake-slack/index.js';
import {
  click,
  type Harness,
  hasButton,
  requestRollback,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

const OUTAGE_MS = 60_000;
let sshd: SshdHandle;
let h: Harness;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.17', '127.0.0.18'] });
  h = await startHarness({ mode: 'http', sshd });
});
afterAll(async () => {
  await h?.stop();
  await sshd?.stop();
});

const CHANNEL = '#engineering-incidents';

describe('Slack outage during a run', () => {
  it(
    'the run finishes, the timeline is complete, and afterwards every message is delivered once, in order',
    async () => {
      const { root, incidentId } = await requestRollback(h, 'U0ALICE', {
        level: 2,
        severity: 'major',
        reason: 'checkout errors',
        params: { version: 'v1.4.2' },
      });
      const approval = await waitForButton(h, root, ids.APPROVE);

      // Slack's Web API goes down (500s, then 429s) just as the approval arrives.
      const outageStart = Date.now();
      h.slack.failFor(OUTAGE_MS / 2, '*', { status: 500 });
      h.slack.failFor(OUTAGE_MS, '*', { status: 429, retryAfter: 1 });
      await click(h, 'U0BOB', approval, ids.APPROVE);
      const store = h.server.core.store;
      const run = (await store.runsOfIncident(incidentId))[0]!;
      await waitFor(
        'the run to finish without Slack',
        async () => (await store.getRun(run.id))?.state === 'succeeded',
        30_000,
      );
      expect(Date.now() - outageStart).toBeLessThan(OUTAGE_MS);
      const types = (await store.timeline(incidentId)).map((e) => e.type);
      expect(types.filter((t) => t === 'step.finished')).toHaveLength(4);
      expect(types).toEqual(expect.arrayContaining(['run.approved', 'run.started', 'run.finished']));
      const failedCalls = h.slack.calls.filter((c) => c.status === 500 || c.status === 429);
      expect(failedCalls.length).toBeGreaterThan(0);

      // After the outage: the progress message appears exactly once, with the final state.
      const progress = await waitFor(
        'delivery after the outage',
        () => h.slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.RESOLVED)),
        OUTAGE_MS + 30_000,
      );
      expect(Date.now() - outageStart).toBeGreaterThanOrEqual(OUTAGE_MS - 1000);
      const thread = h.slack.thread(CHANNEL, root.ts).filter((m) => m.ts !== root.ts);
      // The fake stores a post before the bot reads Slack's answer and records it: wait for the record.
      const postedEvents = await waitFor('the progress post on the timeline', async () => {
        const events = (await store.timeline(incidentId)).filter((e) => e.type === 'message.posted');
        return events.some((e) => e.data?.what === 'progress') ? events : undefined;
      });
      const whatAt = new Map(postedEvents.map((e) => [String(e.data?.ts), String(e.data?.what)]));
      const inThreadOrder = [...thread]
        .sort((a, b) => Number(a.ts) - Number(b.ts))
        .map((m: StoredMessage) => whatAt.get(m.ts));
      expect(inThreadOrder).toEqual(['plan', 'approval', 'progress']);
      expect(progress.text + JSON.stringify(progress.blocks)).toMatch(/Rolled back/);
      // Each message was posted once: no duplicates from retries.
      const posted = h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.ok);
      expect(posted).toHaveLength(1 + thread.length);
      expect(postedEvents.map((e) => e.data?.what)).toEqual(['incident', 'plan', 'approval', 'progress']);
      // The approval message was edited to its approved state once Slack was back.
      await waitFor('the approval edit', () =>
        h.slack.thread(CHANNEL, root.ts).find((m) => m.ts === approval.ts && !hasButton(m, ids.APPROVE)),
      );
    },
    OUTAGE_MS * 2 + 30_000,
  );
});
