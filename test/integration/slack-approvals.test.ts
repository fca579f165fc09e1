/**
 * The approval rules of DESIGN §4 and the exactly-once guarantees of §7, driven over the HTTP
 * receiver against the real bot: self-approval, outsiders, double clicks, retried requests, expiry,
 * escalation pings, deny, and escalating to a level that needs other people's approvals.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Run } from '../../src/domain/records.js';
import type { Clock } from '../../src/services/ports.js';
import type { Store } from '../../src/store/store.js';
import * as ids from '../../views/ids.js';
import type { StoredMessage } from '../support/fake-slack/index.js';
import { blockAction, viewSubmission } from '../support/fake-slack/index.js';
import {
  click,
  findButtonValue,
  type Harness,
  hasButton,
  startHarness,
  submitModal,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

const CHANNEL = '#engineering-incidents';
const MINUTE = 60_000;

let sshd: SshdHandle;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.12', '127.0.0.13'] });
});
afterAll(async () => {
  await sshd?.stop();
});

interface Request {
  incidentId: string;
  runId: string;
  root: StoredMessage;
  /** The approval message as first posted, buttons included. */
  approval: StoredMessage;
}

// The flow is typed against a narrow port; the object behind it is the full store.
const store = (h: Harness) => h.server.core.store as Store;
const runOf = async (h: Harness, runId: string): Promise<Run> => {
  const run = await store(h).getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
};
const timelineTypes = async (h: Harness, incidentId: string) =>
  (await store(h).timeline(incidentId)).map((e) => e.type);
const countOf = (types: string[], type: string) => types.filter((t) => t === type).length;
const okViewsOpens = (h: Harness) => h.slack.callsTo('views.open').filter((c) => c.ok).length;
const roots = (h: Harness) =>
  h.slack.messages(CHANNEL).filter((m) => !m.thread_ts && m.text.includes('INCIDENT'));
const runIdOf = (message: StoredMessage, actionId: string): string | undefined => {
  const value = findButtonValue(message.blocks, actionId);
  return value ? (JSON.parse(value) as { runId: string }).runId : undefined;
};
/** The current state of a message in the fake Slack (messages are edited in place). */
const current = (h: Harness, message: StoredMessage) =>
  h.slack.messages(CHANNEL).find((m) => m.ts === message.ts && m.channel === message.channel);

/** New ephemerals for `user` since `since`, once one shows up. */
function ephemeralsFor(h: Harness, user: string, since: number) {
  return waitFor(`an ephemeral reply to ${user}`, () => {
    const mine = h.slack.ephemerals.slice(since).filter((e) => e.user === user);
    return mine.length > 0 ? mine : undefined;
  });
}

/** Slash command → modal → submit, as the requester; waits for the incident and its approval message. */
async function openRequest(
  h: Harness,
  opts: { level: 2 | 3; severity?: string; user?: string },
): Promise<Request> {
  const user = opts.user ?? 'U0ALICE';
  const severity = opts.severity ?? 'major';
  const opensBefore = okViewsOpens(h);
  const rootsBefore = roots(h).length;
  await h.slash(user, `shop level=${opts.level} severity=${severity}`);
  await waitFor('the modal', () => okViewsOpens(h) > opensBefore);
  await submitModal(h, user, {
    service: 'shop',
    severity,
    level: String(opts.level),
    reason: `approval test at level ${opts.level}`,
    'param:version': 'v1.1.0',
  });
  const root = await waitFor('the incident root', () => roots(h)[rootsBefore]);
  // A copy: the fake edits messages in place, and later clicks come from the message as first shown.
  const approval = structuredClone(
    await waitFor('the approval message', () =>
      h.slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    ),
  );
  const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)?.[0];
  const runId = runIdOf(approval, ids.APPROVE);
  if (!incidentId || !runId) throw new Error('incident or run id missing from the thread');
  expect((await runOf(h, runId)).state).toBe('pending_approval');
  return { incidentId, runId, root, approval };
}

/** Ends a request still waiting so the next test can take the service (one active run per env). */
async function cancel(h: Harness, runId: string) {
  if ((await runOf(h, runId)).state === 'pending_approval') {
    const aborted = await h.server.core.services.abort({ user: 'U0ALICE', runId });
    expect(aborted.ok).toBe(true);
  }
}

async function refusals(h: Harness, runId: string, actor: string) {
  return (await store(h).timeline((await runOf(h, runId)).incidentId)).filter(
    (e) => e.type === 'approval.refused' && e.runId === runId && e.actor === actor,
  );
}

describe('approvals over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', sshd });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('refuses the requester approving their own request', async () => {
    const req = await openRequest(h, { level: 2 });
    const since = h.slack.ephemerals.length;
    await click(h, 'U0ALICE', req.approval, ids.APPROVE);
    const replies = await ephemeralsFor(h, 'U0ALICE', since);
    expect(replies.map((e) => e.text).join('\n')).toContain('cannot approve');
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');
    expect(await store(h).approversOf(req.runId)).toEqual([]);
    const refused = await refusals(h, req.runId, 'U0ALICE');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.data).toMatchObject({ decision: 'approve', code: 'not_authorized' });
    expect(await timelineTypes(h, req.incidentId)).not.toContain('approval.granted');
    expect(hasButton(current(h, req.approval), ids.APPROVE)).toBe(true);
    await cancel(h, req.runId);
  });

  it('refuses someone who is not an approver', async () => {
    const req = await openRequest(h, { level: 2 });
    const since = h.slack.ephemerals.length;
    await click(h, 'U0MALLORY', req.approval, ids.APPROVE);
    const replies = await ephemeralsFor(h, 'U0MALLORY', since);
    expect(replies.map((e) => e.text).join('\n')).toContain('not an approver');
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');
    expect(await store(h).approversOf(req.runId)).toEqual([]);
    const refused = await refusals(h, req.runId, 'U0MALLORY');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.data).toMatchObject({ decision: 'approve', code: 'not_authorized' });
    // Nor can they deny it.
    await click(h, 'U0MALLORY', req.approval, ids.DENY);
    await waitFor('the deny refusal', async () => (await refusals(h, req.runId, 'U0MALLORY')).length === 2);
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');
    await cancel(h, req.runId);
  });

  it('counts a double-clicked Approve once (level 3 needs two approvers)', async () => {
    const req = await openRequest(h, { level: 3 });
    const since = h.slack.ephemerals.length;
    await Promise.all([
      click(h, 'U0BOB', req.approval, ids.APPROVE),
      click(h, 'U0BOB', req.approval, ids.APPROVE),
    ]);
    // Both clicks are answered: one "recorded", one "already decided".
    const replies = await waitFor('both replies', () => {
      const mine = h.slack.ephemerals.slice(since).filter((e) => e.user === 'U0BOB');
      return mine.length >= 2 ? mine : undefined;
    });
    expect(replies.map((e) => e.text).sort()).toEqual(
      [
        'Approval recorded (1 of 2).',
        'You already decided on this request; each approver counts once.',
      ].sort(),
    );
    expect(await store(h).approversOf(req.runId)).toEqual(['U0BOB']);
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');
    const types = await timelineTypes(h, req.incidentId);
    expect(countOf(types, 'approval.granted')).toBe(1);
    expect(types).not.toContain('run.approved');
    await waitFor('the approval message to show 1 of 2', () =>
      current(h, req.approval)?.text.includes('(1 of 2)'),
    );
    await cancel(h, req.runId);
  });

  it('starts exactly one run when two approvers click Approve twenty times at once', async () => {
    const req = await openRequest(h, { level: 2 });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        click(h, i % 2 === 0 ? 'U0BOB' : 'U0CAROL', req.approval, ids.APPROVE),
      ),
    );
    const done = await waitFor('the run to finish', async () => {
      const state = (await runOf(h, req.runId)).state;
      return state !== 'pending_approval' && state !== 'approved' && state !== 'running' && state;
    });
    expect(done).toBe('succeeded');
    await h.server.core.services.idle();
    const types = await timelineTypes(h, req.incidentId);
    expect(countOf(types, 'run.approved')).toBe(1);
    expect(countOf(types, 'run.started')).toBe(1);
    expect(countOf(types, 'approval.granted')).toBe(1);
    // Two steps on two hosts, each executed once; one run on the incident.
    expect(countOf(types, 'step.finished')).toBe(4);
    expect(await store(h).stepResults(req.runId)).toHaveLength(4);
    expect(await store(h).runsOfIncident(req.incidentId)).toHaveLength(1);
    expect(await store(h).approversOf(req.runId)).toHaveLength(1);
    // One progress message in the thread, not one per start (delivered by the outbox, so wait for it).
    await waitFor('the final progress message', () =>
      h.slack.thread(CHANNEL, req.root.ts).some((m) => hasButton(m, ids.RESOLVED)),
    );
    const thread = h.slack.thread(CHANNEL, req.root.ts);
    expect(thread.filter((m) => hasButton(m, ids.RESOLVED))).toHaveLength(1);
  });

  it('ignores a retried slash command and a view submitted twice', async () => {
    const opensBefore = h.slack.callsTo('views.open').length;
    const activeBefore = (await store(h).activeRuns()).length;
    const rootsBefore = roots(h).length;
    const ops = h.slack.channelId('#ops')!;
    const text = 'shop level=2 severity=major';
    // The retry carries a trigger id Slack would still accept, so a views.open would succeed.
    const retried = await h.driver.slashCommand(
      { user_id: 'U0ALICE', channel_id: ops, text },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(retried.status).toBe(200);
    // A fresh command (retried's ack came first) opens its modal: that is the only views.open.
    const trigger = h.slack.issueTriggerId('U0ALICE');
    expect(
      (await h.driver.slashCommand({ user_id: 'U0ALICE', channel_id: ops, text, trigger_id: trigger }))
        .status,
    ).toBe(200);
    await waitFor('the fresh modal', () =>
      h.slack.callsTo('views.open').find((c) => c.args.trigger_id === trigger && c.ok),
    );
    expect(
      h.slack
        .callsTo('views.open')
        .slice(opensBefore)
        .map((c) => c.args.trigger_id),
    ).toEqual([trigger]);
    expect(await store(h).activeRuns()).toHaveLength(activeBefore);
    expect(roots(h)).toHaveLength(rootsBefore);

    // The same view submitted twice at once (a retried or double-clicked Submit).
    const view = [...h.slack.views.values()].at(-1)!;
    const first = viewSubmission({ user: 'U0ALICE', view }, h.slack);
    const payload = {
      ...first,
      view: {
        ...(first.view as object),
        state: {
          values: {
            service: { service_select: { type: 'static_select', selected_option: { value: 'shop' } } },
            env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
            severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'major' } } },
            level: { level_radio: { type: 'radio_buttons', selected_option: { value: '2' } } },
            reason: { reason_input: { type: 'plain_text_input', value: 'submitted twice' } },
            'param:version': { value: { type: 'plain_text_input', value: 'v1.1.0' } },
          },
        },
      },
    };
    // Two deliveries of the same view: each its own request (a byte-identical replay is refused at
    // the HTTP edge, see test/adversarial/slack-requests.test.ts).
    const responses = await Promise.all([
      h.driver.interaction({ ...payload, trigger_id: h.slack.issueTriggerId('U0ALICE') }),
      h.driver.interaction({ ...payload, trigger_id: h.slack.issueTriggerId('U0ALICE') }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    // Neither answer is a field error: the duplicate is acknowledged and closes the modal.
    for (const r of responses) expect(r.body).not.toContain('errors');
    const root = await waitFor('the incident root', () => roots(h)[rootsBefore]);
    await waitFor('the approval message', () =>
      h.slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    );
    expect(roots(h)).toHaveLength(rootsBefore + 1);
    const incidentId = /INC-(\d{4})-(\d{4})/.exec(root.text)!;
    const types = await timelineTypes(h, incidentId[0]);
    expect(countOf(types, 'incident.opened')).toBe(1);
    const next = `INC-${incidentId[1]}-${String(Number(incidentId[2]) + 1).padStart(4, '0')}`;
    expect(await store(h).getIncident(next)).toBeUndefined();
    const runs = await store(h).runsOfIncident(incidentId[0]);
    expect(runs).toHaveLength(1);
    expect(await store(h).activeRuns()).toHaveLength(activeBefore + 1);
    await cancel(h, runs[0]!.id);
  });

  it('denies: the run ends denied, nothing runs, and the thread says so', async () => {
    const req = await openRequest(h, { level: 2 });
    await click(h, 'U0BOB', req.approval, ids.DENY);
    await waitFor('the run to be denied', async () => (await runOf(h, req.runId)).state === 'denied');
    const said = await waitFor('the denial in the thread', () =>
      h.slack.thread(CHANNEL, req.root.ts).find((m) => m.text.includes('ROLLBACK DENIED')),
    );
    // Who denied it is a real mention, not escaped text.
    expect(JSON.stringify(said.blocks)).toContain('Denied by <@U0BOB>');
    const approval = await waitFor('the approval message to show Denied', () => {
      const m = current(h, req.approval);
      return m?.text.startsWith('Denied') ? m : undefined;
    });
    expect(hasButton(approval, ids.APPROVE)).toBe(false);
    expect(hasButton(approval, ids.DENY)).toBe(false);
    const types = await timelineTypes(h, req.incidentId);
    expect(types).toContain('approval.denied');
    expect(types).not.toContain('run.started');
    expect(types).not.toContain('step.started');
    expect(await store(h).stepResults(req.runId)).toHaveLength(0);
    // A late Approve on the denied request is refused.
    await click(h, 'U0CAROL', req.approval, ids.APPROVE);
    await waitFor(
      'the late approval refused',
      async () => (await refusals(h, req.runId, 'U0CAROL')).length === 1,
    );
    expect((await runOf(h, req.runId)).state).toBe('denied');
  });

  it('an escalation requested by the requester needs two other approvers', async () => {
    const req = await openRequest(h, { level: 2 });
    await click(h, 'U0BOB', req.approval, ids.APPROVE);
    const done = await waitFor('the Resolved / Escalate prompt', () =>
      h.slack.thread(CHANNEL, req.root.ts).find((m) => hasButton(m, ids.ESCALATE)),
    );
    expect((await runOf(h, req.runId)).state).toBe('succeeded');
    await h.server.core.services.idle();

    // Escalate opens the request form for the next level, prefilled; the requester submits it.
    const opensBefore = okViewsOpens(h);
    await click(h, 'U0ALICE', done, ids.ESCALATE);
    await waitFor('the escalation form', () => okViewsOpens(h) > opensBefore);
    const form = [...h.slack.views.values()].at(-1)!;
    expect(JSON.parse(form.private_metadata)).toMatchObject({ user: 'U0ALICE', reopen: req.runId });
    await submitModal(h, 'U0ALICE', {
      service: 'shop',
      severity: 'major',
      level: '3',
      reason: 'approval test at level 2',
      'param:version': 'v1.1.0',
    });
    const approval = await waitFor('the level 3 approval message', () =>
      h.slack
        .thread(CHANNEL, req.root.ts)
        .find((m) => hasButton(m, ids.APPROVE) && runIdOf(m, ids.APPROVE) !== req.runId),
    );
    const runId = runIdOf(approval, ids.APPROVE)!;
    const escalated = await runOf(h, runId);
    expect(escalated).toMatchObject({
      incidentId: req.incidentId,
      state: 'pending_approval',
      level: 3,
      escalatedFrom: req.runId,
      requestedBy: 'U0ALICE',
    });
    expect(await timelineTypes(h, req.incidentId)).toContain('level.escalated');

    // The requester of the escalation cannot approve it.
    await click(h, 'U0ALICE', approval, ids.APPROVE);
    await waitFor(
      'the self-approval refusal',
      async () => (await refusals(h, runId, 'U0ALICE')).length === 1,
    );
    expect(await store(h).approversOf(runId)).toEqual([]);
    // One other approver is not enough at level 3...
    await click(h, 'U0BOB', approval, ids.APPROVE);
    await waitFor('Bob counted', async () => (await store(h).approversOf(runId)).length === 1);
    expect((await runOf(h, runId)).state).toBe('pending_approval');
    // ...the second one starts it.
    await click(h, 'U0CAROL', approval, ids.APPROVE);
    await waitFor(
      'the escalated run to start',
      async () => (await runOf(h, runId)).state !== 'pending_approval',
    );
    expect(await store(h).approversOf(runId)).toEqual(['U0BOB', 'U0CAROL']);
    const types = (await store(h).timeline(req.incidentId))
      .filter((e) => e.runId === runId)
      .map((e) => e.type);
    expect(countOf(types, 'run.started')).toBe(1);
    // Level 3 opens with a confirm step: cancel it so nothing is restored.
    const progress = await waitFor('the confirm prompt', () =>
      h.slack
        .thread(CHANNEL, req.root.ts)
        .find((m) => hasButton(m, ids.CONFIRM_CANCEL) && runIdOf(m, ids.CONFIRM_CANCEL) === runId),
    );
    await click(h, 'U0ALICE', progress, ids.CONFIRM_CANCEL);
    await waitFor('the escalated run to end', async () =>
      ['aborted', 'failed'].includes((await runOf(h, runId)).state),
    );
    await h.server.core.services.idle();
    expect((await store(h).stepResults(runId)).filter((s) => s.stepIndex > 0)).toHaveLength(0);
  });

  // Runs last: it checks the buttons every earlier test made the bot render.
  it('answers every slash command in manifest.yml and every button the bot rendered', async () => {
    const manifest = parse(readFileSync('manifest.yml', 'utf8')) as {
      features: { slash_commands?: { command: string }[]; shortcuts?: { callback_id: string }[] };
    };
    const commands = (manifest.features.slash_commands ?? []).map((c) => c.command);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const res = await h.driver.slashCommand(
        { command, user_id: 'U0MALLORY', channel_id: h.slack.channelId('#ops')!, text: 'help' },
        { timeoutMs: 2500 },
      );
      expect(res.status, command).toBe(200);
      expect(JSON.stringify(res.json), command).toContain(command);
    }
    // The manifest declares no shortcuts today; if one is added it must be a modal rollbot handles.
    for (const s of manifest.features.shortcuts ?? []) expect(s.callback_id).toBe(ids.REQUEST_MODAL);

    // Every action_id the bot ever put on a message (posted or edited in) gets an answer from a
    // listener (about an unknown run here), not Bolt's unhandled-request path.
    const rendered = new Set<string>();
    for (const call of h.slack.calls) {
      if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') continue;
      const raw = call.args.blocks;
      const blocks = (typeof raw === 'string' ? JSON.parse(raw) : raw) as
        | { elements?: { action_id?: string }[] }[]
        | undefined;
      for (const b of blocks ?? [])
        for (const e of b.elements ?? []) if (e.action_id) rendered.add(e.action_id);
    }
    expect([...rendered]).toEqual(
      expect.arrayContaining([ids.APPROVE, ids.DENY, ids.ABORT, ids.RESOLVED, ids.ESCALATE]),
    );
    const value = JSON.stringify({ runId: 'INC-2000-9999-r1' });
    const message = h.slack.messages(CHANNEL)[0]!;
    for (const actionId of [...rendered, ids.RETRY_STEP, ids.CONFIRM_CONTINUE, ids.CONFIRM_CANCEL]) {
      const since = h.slack.ephemerals.length;
      const payload = blockAction({ user: 'U0BOB', actionId, value, message }, h.slack);
      const res = await h.driver.interaction(payload, { timeoutMs: 2500 });
      expect(res.status, actionId).toBe(200);
      const reply = await ephemeralsFor(h, 'U0BOB', since);
      expect(reply[0]?.text, actionId).toMatch(/no longer exists|could not be read/);
    }

    // The request modal's callback_id: a form it cannot read gets inline errors, not a timeout.
    const res = await h.driver.interaction(
      viewSubmission({ user: 'U0BOB', view: { callback_id: ids.REQUEST_MODAL } }, h.slack),
      { timeoutMs: 2500 },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'errors' });
  });
});

/** A clock the test moves by hand; `reads` counts how often the bot looked at it. */
function manualClock(start: number): Clock & { set(ms: number): void; reads: () => number } {
  let now = start;
  let reads = 0;
  return {
    now: () => {
      reads += 1;
      return now;
    },
    set: (ms) => {
      now = ms;
    },
    reads: () => reads,
  };
}

describe('approvals against an injected clock', () => {
  let h: Harness;
  const clock = manualClock(Date.now());
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', sshd, clock, tickMs: 20 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Lets the bot's own ticker run a few more times at the current injected time. */
  const moreTicks = async () => {
    const from = clock.reads();
    await waitFor('the ticker to run', () => clock.reads() >= from + 5);
  };
  const reminders = (req: Request) =>
    h.slack.thread(CHANNEL, req.root.ts).filter((m) => m.text.includes('Still waiting for approval'));
  const pings = async (req: Request) => countOf(await timelineTypes(h, req.incidentId), 'escalation.pinged');

  it('pings the escalation list once, after five minutes', async () => {
    const req = await openRequest(h, { level: 2 });
    const created = (await runOf(h, req.runId)).createdAt;

    clock.set(created + 5 * MINUTE - 1);
    await h.server.core.services.sweep();
    await moreTicks();
    expect(await pings(req)).toBe(0);
    expect(reminders(req)).toHaveLength(0);

    clock.set(created + 5 * MINUTE);
    const reminder = await waitFor('the reminder', () => reminders(req)[0]);
    expect(reminder.thread_ts).toBe(req.root.ts);
    expect(reminder.text).toContain('<@U0ONCALL>');
    expect(reminder.text).toContain('after 5m —');

    clock.set(created + 9 * MINUTE);
    await h.server.core.services.sweep();
    await h.server.core.services.sweep();
    await moreTicks();
    await h.server.core.services.idle();
    expect(await pings(req)).toBe(1);
    expect(reminders(req)).toHaveLength(1);
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');
    await cancel(h, req.runId);
  });

  it('expires a request after fifteen minutes: no buttons, a late Approve is refused, nothing runs', async () => {
    const req = await openRequest(h, { level: 2 });
    const created = (await runOf(h, req.runId)).createdAt;

    clock.set(created + 15 * MINUTE);
    await h.server.core.services.sweep();
    await moreTicks();
    expect((await runOf(h, req.runId)).state).toBe('pending_approval');

    clock.set(created + 15 * MINUTE + 1000);
    await waitFor('the run to expire', async () => (await runOf(h, req.runId)).state === 'expired');
    const approval = await waitFor('the approval message to show expiry', () => {
      const m = current(h, req.approval);
      return m?.text.startsWith('Approval expired') ? m : undefined;
    });
    expect(hasButton(approval, ids.APPROVE)).toBe(false);
    expect(hasButton(approval, ids.DENY)).toBe(false);
    await waitFor('the expiry in the thread', () =>
      h.slack.thread(CHANNEL, req.root.ts).find((m) => m.text.includes('NOT APPROVED IN TIME')),
    );

    // A click on the stale buttons (still on someone's screen) is refused.
    const since = h.slack.ephemerals.length;
    await click(h, 'U0BOB', req.approval, ids.APPROVE);
    const replies = await ephemeralsFor(h, 'U0BOB', since);
    expect(replies.map((e) => e.text).join('\n')).toContain('expired');
    expect(await refusals(h, req.runId, 'U0BOB')).toHaveLength(1);
    expect(await store(h).approversOf(req.runId)).toEqual([]);
    expect((await runOf(h, req.runId)).state).toBe('expired');
    const types = await timelineTypes(h, req.incidentId);
    expect(countOf(types, 'approval.expired')).toBe(1);
    expect(types).not.toContain('approval.granted');
    expect(types).not.toContain('run.started');
    expect(await store(h).stepResults(req.runId)).toHaveLength(0);
  });
});
