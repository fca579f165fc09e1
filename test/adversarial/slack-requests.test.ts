/**
 * DESIGN §7 under hostile HTTP: forged, unsigned, stale, future-dated, replayed, mistyped, malformed
 * and oversized requests get a 4xx from the edge and execute nothing; edited private_metadata and
 * button values are refused by the listeners; clicks from another workspace or for another plan are
 * refused and on the timeline. "Nothing executed" is read from the bot's SQLite file and the fake.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/records.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../src/slack/envelope.js';
import { createReplayCache } from '../../src/slack/replay-cache.js';
import type { Store } from '../../src/store/store.js';
import * as ids from '../../views/ids.js';
import {
  blockAction,
  type Json,
  type SendOptions,
  type StoredMessage,
  type StoredView,
  signRequest,
  slashCommand,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';
import {
  findButtonValue,
  type Harness,
  hasButton,
  SIGNING_SECRET,
  startHarness,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { FORM, formOf, nowSeconds, openCounts, payloadForm, slackEffects, sleep } from './support.js';

const CHANNEL = '#engineering-incidents';
const JSON_TYPE = 'application/json';

let sshd: SshdHandle;
let h: Harness;
let db: ReturnType<typeof openCounts>;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.51', '127.0.0.52'] });
  h = await startHarness({ mode: 'http', sshd });
  db = openCounts(h);
});
afterAll(async () => {
  db?.close();
  await h?.stop();
  await sshd?.stop();
});

const store = () => h.server.core.store as Store;
const runOf = async (runId: string): Promise<Run> => {
  const run = await store().getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
};
const snapshot = () => ({ db: db.counts(), slack: slackEffects(h) });
/** A little time for anything a request might have set off, then: no row and no Slack call more. */
async function expectNothingExecuted(before: ReturnType<typeof snapshot>) {
  await sleep(150);
  expect(db.counts()).toEqual(before.db);
  expect(slackEffects(h)).toEqual(before.slack);
}

/** A slash command that, if accepted, opens the prefilled modal. */
const modalCommand = (extra: Record<string, string> = {}) =>
  formOf({
    ...slashCommand(
      { user_id: 'U0ALICE', channel_id: h.slack.channelId('#ops')!, text: 'shop level=2 severity=major' },
      h.slack,
    ),
    ...extra,
  });

function post(body: string | Buffer, headers: Record<string, string>) {
  return fetch(`http://127.0.0.1:${h.port}/slack/events`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(5000),
  });
}

describe('the HTTP edge', () => {
  it('refuses forged and unsigned requests, and timestamps more than five minutes away either way', async () => {
    const before = snapshot();
    const cases: [string, SendOptions][] = [
      ['forged signature', { badSignature: true }],
      ['no signature headers', { noHeaders: true }],
      ['six minutes old', { timestamp: nowSeconds() - 360 }],
      ['six minutes ahead', { timestamp: nowSeconds() + 360 }],
      ['a year ahead', { timestamp: nowSeconds() + 365 * 86_400 }],
    ];
    for (const [name, opts] of cases) {
      const res = await h.driver.raw(modalCommand(), FORM, opts);
      expect(res.status, name).toBe(401);
    }
    // A real signature for another body: the body was edited after Slack signed it.
    const ts = nowSeconds();
    const signed = modalCommand();
    const edited = modalCommand({ user_id: 'U0MALLORY' });
    const headers = { 'content-type': FORM, 'x-slack-request-timestamp': String(ts) };
    const mismatched = await post(edited, {
      ...headers,
      'x-slack-signature': signRequest(SIGNING_SECRET, ts, signed),
    });
    expect(mismatched.status).toBe(401);
    for (const signature of ['v0=', `v0=${'0'.repeat(64)}`, `v1=${'a'.repeat(64)}`, 'garbage', '']) {
      expect((await post(modalCommand(), { ...headers, 'x-slack-signature': signature })).status).toBe(401);
    }
    expect((await post(modalCommand(), { ...headers, 'x-slack-request-timestamp': 'soon' })).status).toBe(
      401,
    );
    await expectNothingExecuted(before);

    // Clock skew inside the window is tolerated in both directions: the form opens.
    for (const skew of [-240, 240]) {
      const opened = h.slack.callsTo('views.open').length;
      const res = await h.driver.raw(modalCommand(), FORM, { timestamp: nowSeconds() + skew });
      expect(res.status, `skew ${skew}`).toBe(200);
      await waitFor('the modal', () => h.slack.callsTo('views.open').length > opened);
    }
  });

  it('refuses a replayed request: the same body, timestamp and signature are accepted once', async () => {
    const body = modalCommand();
    const ts = nowSeconds();
    const opened = h.slack.callsTo('views.open').length;
    expect((await h.driver.raw(body, FORM, { timestamp: ts })).status).toBe(200);
    await waitFor('the modal', () => h.slack.callsTo('views.open').length === opened + 1);
    const before = snapshot();
    const replay = await h.driver.raw(body, FORM, { timestamp: ts });
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({ error: 'replayed request' });
    await expectNothingExecuted(before);

    // Ten copies at once: exactly one gets through.
    const burst = modalCommand();
    const at = nowSeconds();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => h.driver.raw(burst, FORM, { timestamp: at }).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([200, ...Array(9).fill(401)]);
    await waitFor('one modal', () => h.slack.callsTo('views.open').length === opened + 2);
    await sleep(150);
    expect(h.slack.callsTo('views.open')).toHaveLength(opened + 2);
  });

  it('refuses content types Bolt would misread', async () => {
    const before = snapshot();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded; charset=utf-8',
      'multipart/form-data; boundary=x',
      'application/xml',
    ]) {
      const res = await h.driver.raw(modalCommand(), FORM, { contentType: type });
      expect(res.status, type).toBe(415);
    }
    // A form body declared as JSON is not JSON.
    expect((await h.driver.raw(modalCommand(), JSON_TYPE)).status).toBe(400);
    // No content type at all.
    const missing = await new Promise<number>((resolve, reject) => {
      const body = modalCommand();
      const ts = nowSeconds();
      const req = request(
        {
          host: '127.0.0.1',
          port: h.port,
          path: '/slack/events',
          method: 'POST',
          headers: {
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': signRequest(SIGNING_SECRET, ts, body),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(missing).toBe(415);
    await expectNothingExecuted(before);
  });

  it('answers malformed bodies with a 400 at once (no 3 s wait, no crash) and keeps serving', async () => {
    const before = snapshot();
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const approve = { type: 'block_actions', user: { id: 'U0BOB' }, actions: [{ action_id: ids.APPROVE }] };
    const bodies: [string, string, string][] = [
      ['broken form encoding', '%%%=&&=%zz&text=%E0%A4%A', FORM],
      ['payload= with broken JSON', 'payload=%7B%22type%22%3A', FORM],
      ['payload=null', 'payload=null', FORM],
      ['payload is a JSON string', payloadForm('block_actions'), FORM],
      ['payload is a JSON array', payloadForm([approve]), FORM],
      ['JSON null', 'null', JSON_TYPE],
      ['JSON array', JSON.stringify([{ type: 'event_callback', event: { type: 'message' } }]), JSON_TYPE],
      ['JSON number', '42', JSON_TYPE],
      ['100,000 nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, JSON_TYPE],
      ['20,000 nested objects in an event', `{"type":"event_callback","event":${nested(20_000)}}`, JSON_TYPE],
      [
        'nesting inside a button payload',
        `payload=${encodeURIComponent(`{"type":"block_actions","user":{"id":"U0BOB"},"actions":[{"action_id":"approve","value":${nested(5000)}}]}`)}`,
        FORM,
      ],
      ['payload twice', `${payloadForm(approve)}&${payloadForm(approve)}`, FORM],
      ['command twice', `${modalCommand()}&command=%2Frollback`, FORM],
      ['block_actions without actions', payloadForm({ type: 'block_actions', user: { id: 'U0BOB' } }), FORM],
      ['block_actions with no action', payloadForm({ ...approve, actions: [] }), FORM],
      [
        'view_submission without a view',
        payloadForm({ type: 'view_submission', user: { id: 'U0ALICE' } }),
        FORM,
      ],
      ['an interaction type rollbot does not serve', payloadForm({ ...approve, type: 'shortcut' }), FORM],
      ['event without a type', '{"event":{"type":"message"}}', JSON_TYPE],
      ['event_callback without an event', '{"type":"event_callback"}', JSON_TYPE],
      ['empty form', '', FORM],
      ['slash command without a command', formOf({ text: 'help', user_id: 'U0ALICE' }), FORM],
    ];
    for (const [name, body, type] of bodies) {
      const res = await h.driver.raw(body, type, { timeoutMs: 2500 });
      expect(res.status, name).toBe(400);
      expect(res.ms, name).toBeLessThan(1000);
    }
    await expectNothingExecuted(before);
    expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
    const help = await h.driver.slashCommand({
      user_id: 'U0ALICE',
      channel_id: h.slack.channelId('#ops')!,
      text: 'help',
    });
    expect(help.status).toBe(200);
    expect(help.json).toMatchObject({ response_type: 'ephemeral' });
  });

  it('refuses bodies over 1 MB with a 413, without reading them to the end', async () => {
    const before = snapshot();
    const declared = await h.driver.raw(`${modalCommand()}&pad=${'a'.repeat(2 * 1024 * 1024)}`, FORM, {
      timeoutMs: 5000,
    });
    expect(declared.status).toBe(413);
    expect(declared.ms).toBeLessThan(1000);
    // Chunked, no length declared: the bot answers once it has seen too much, long before the end.
    const streamed = await streamUntilAnswered(256 * 1024 * 1024);
    expect(streamed.status).toBe(413);
    expect(streamed.sent).toBeLessThan(32 * 1024 * 1024);
    expect(streamed.ms).toBeLessThan(3000);
    await expectNothingExecuted(before);
    // Just under the limit is still a request: a too-long command gets its ephemeral error.
    const big = await h.driver.slashCommand({
      user_id: 'U0ALICE',
      channel_id: h.slack.channelId('#ops')!,
      text: 'x'.repeat(900 * 1024),
    });
    expect(big.status).toBe(200);
    expect(JSON.stringify(big.json)).toContain('longer than 2000 characters');
  });

  it("answers Slack's unsigned ssl_check and nothing else: a payload smuggled beside it is refused", async () => {
    const before = snapshot();
    const ok = await h.driver.raw('ssl_check=1&token=x', FORM, { noHeaders: true });
    expect(ok.status).toBe(200);
    const smuggled = formOf({
      ssl_check: '1',
      payload: JSON.stringify(
        blockAction({ user: 'U0BOB', actionId: ids.APPROVE, value: '{"runId":"INC-2026-0001-r1"}' }, h.slack),
      ),
    });
    expect((await h.driver.raw(smuggled, FORM, { noHeaders: true })).status).toBe(401);
    const command = `ssl_check=1&${modalCommand()}`;
    expect((await h.driver.raw(command, FORM, { noHeaders: true })).status).toBe(401);
    await expectNothingExecuted(before);
  });

  it('still serves /healthz, /metrics and /blocked on the same port; anything else is a 404', async () => {
    const base = `http://127.0.0.1:${h.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('rollbot_');
    expect(await (await fetch(`${base}/blocked/shop`)).json()).toEqual({ service: 'shop', blocked: [] });
    expect((await fetch(`${base}/blocked/..%2F..`)).status).toBe(400);
    expect((await fetch(`${base}/slack/events`)).status).toBe(404);
    expect((await fetch(`${base}/nope`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});

/** Writes 64 KB chunks until the bot answers (or `max` bytes): what it answered, and how much went out. */
function streamUntilAnswered(max: number): Promise<{ status: number; sent: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let answered = false;
    const ts = nowSeconds();
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        path: '/slack/events',
        method: 'POST',
        headers: {
          'content-type': FORM,
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': `v0=${'0'.repeat(64)}`,
        },
      },
      (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sent, ms: performance.now() - started });
        req.destroy();
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (!answered && sent < max) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

interface Request {
  incidentId: string;
  runId: string;
  planHash: string;
  approval: StoredMessage;
}

const roots = () => h.slack.messages(CHANNEL).filter((m) => !m.thread_ts && m.text.includes('INCIDENT'));

async function openModal(user = 'U0ALICE'): Promise<StoredView> {
  const opened = h.slack.callsTo('views.open').filter((c) => c.ok).length;
  await h.slash(user, 'shop level=2 severity=major');
  await waitFor('the modal', () => h.slack.callsTo('views.open').filter((c) => c.ok).length > opened);
  return structuredClone([...h.slack.views.values()].at(-1)!);
}

function submission(view: StoredView, user: string, privateMetadata: string, version = 'v1.1.0') {
  return viewSubmission(
    {
      user,
      view: { ...view, private_metadata: privateMetadata },
      state: stateValues({
        service: { service_select: { type: 'static_select', selected_option: { value: 'shop' } } },
        env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
        severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'major' } } },
        level: { level_radio: { type: 'radio_buttons', selected_option: { value: '2' } } },
        reason: { reason_input: 'adversarial test' },
        'param:version': { value: version },
      }),
    },
    h.slack,
  );
}

/** Submits a modal with its metadata intact and waits for the approval message. */
async function openRequest(view: StoredView, version: string): Promise<Request> {
  const before = roots().length;
  const res = await h.driver.interaction(submission(view, 'U0ALICE', view.private_metadata, version));
  expect(res.status).toBe(200);
  expect(res.body).toBe('');
  const root = await waitFor('the incident root', () => roots()[before]);
  const approval = structuredClone(
    await waitFor('the approval message', () =>
      h.slack.thread(CHANNEL, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    ),
  );
  const value = JSON.parse(findButtonValue(approval.blocks, ids.APPROVE)!) as { runId: string };
  const run = await runOf(value.runId);
  expect(run.state).toBe('pending_approval');
  return { incidentId: run.incidentId, runId: run.id, planHash: run.planHash, approval };
}

function click(
  req: Request,
  user: string,
  actionId: string,
  value: string | undefined,
  teams: { user?: string; team?: string } = {},
): Json {
  const payload = blockAction({ user, actionId, value, message: req.approval }, h.slack);
  if (teams.user) (payload.user as Json).team_id = teams.user;
  if (teams.team) (payload.team as Json).id = teams.team;
  return payload;
}

async function replyTo(payload: Json, user: string): Promise<string> {
  const since = h.slack.ephemerals.length;
  expect((await h.driver.interaction(payload)).status).toBe(200);
  const reply = await waitFor(`a reply to ${user}`, () =>
    h.slack.ephemerals.slice(since).find((e) => e.user === user),
  );
  return reply.text;
}

const timelineOf = async (req: Request) =>
  (await store().timeline(req.incidentId)).filter((e) => e.runId === req.runId);

describe('edited modal submissions and button values', () => {
  let first: Request;
  let second: Request;

  it('refuses a submission whose private_metadata was edited, or that another user sends', async () => {
    const view = await openModal('U0ALICE');
    const meta = JSON.parse(view.private_metadata) as Record<string, unknown>;
    expect(meta.user).toBe('U0ALICE');
    const before = snapshot();
    const cases: [string, string, string][] = [
      ['another user id', 'U0ALICE', JSON.stringify({ ...meta, user: 'U0BOB' })],
      ["Bob submits Alice's form", 'U0BOB', view.private_metadata],
      ['Bob submits it with his id in the metadata', 'U0BOB', JSON.stringify({ ...meta, user: 'U0BOB ' })],
      ['broken JSON', 'U0ALICE', view.private_metadata.slice(0, -1)],
      ['JSON null', 'U0ALICE', 'null'],
      ['a JSON array', 'U0ALICE', JSON.stringify([meta])],
      ['no user', 'U0ALICE', JSON.stringify({ channel: meta.channel })],
      ['a user id that is not one', 'U0ALICE', JSON.stringify({ ...meta, user: "U0ALICE' OR 1=1" })],
      ['a negative time', 'U0ALICE', JSON.stringify({ ...meta, at: -1 })],
      ['empty', 'U0ALICE', ''],
      ['oversized', 'U0ALICE', JSON.stringify({ ...meta, pad: 'x'.repeat(5000) })],
    ];
    for (const [name, user, metadata] of cases) {
      const res = await h.driver.interaction(submission(view, user, metadata));
      expect(res.status, name).toBe(200);
      expect(res.json, name).toMatchObject({ response_action: 'errors' });
    }
    await expectNothingExecuted(before);
    // The same form with its metadata intact opens the incident: the refusals were the metadata.
    first = await openRequest(view, 'v1.1.0');
  });

  it('refuses an Approve whose value was edited: another plan, an older plan, another run, garbage', async () => {
    // A second request on a different plan (another version); the first one is cancelled.
    expect((await h.server.core.services.abort({ user: 'U0ALICE', runId: first.runId })).ok).toBe(true);
    second = await openRequest(await openModal('U0ALICE'), 'v1.2.0');
    expect(second.planHash).not.toBe(first.planHash);
    const value = (v: object) => JSON.stringify(v);

    // The previous request's plan hash, and one that matches nothing: refused as plan_changed.
    for (const planHash of [first.planHash, 'f'.repeat(64)]) {
      const text = await replyTo(
        click(second, 'U0BOB', ids.APPROVE, value({ runId: second.runId, planHash })),
        'U0BOB',
      );
      expect(text).toContain('plan changed');
    }
    // Deny with a stale plan is refused too: the request stays pending.
    await replyTo(
      click(second, 'U0BOB', ids.DENY, value({ runId: second.runId, planHash: first.planHash })),
      'U0BOB',
    );
    const refused = (await timelineOf(second)).filter((e) => e.type === 'approval.refused');
    expect(refused.map((e) => [e.actor, e.data?.decision, e.data?.code])).toEqual([
      ['U0BOB', 'approve', 'plan_changed'],
      ['U0BOB', 'approve', 'plan_changed'],
      ['U0BOB', 'deny', 'plan_changed'],
    ]);

    // Another run id (the cancelled one, with this plan's hash): refused there, nothing here.
    const text = await replyTo(
      click(second, 'U0BOB', ids.APPROVE, value({ runId: first.runId, planHash: second.planHash })),
      'U0BOB',
    );
    expect(text).toMatch(/already aborted|no longer waiting/);
    expect(
      (await timelineOf(first)).filter((e) => e.type === 'approval.refused').map((e) => e.data?.code),
    ).toEqual(['already_decided']);

    // Values that are not ours at all: "could not be read", and not a single timeline event.
    const events = (await store().timeline(second.incidentId)).length;
    const garbage = [
      'not json',
      '{"runId":',
      'null',
      '[]',
      value({ runId: second.runId }),
      value({ runId: second.runId, planHash: 'zz' }),
      value({ runId: 42, planHash: second.planHash }),
      value({ runId: `${second.runId}' OR '1'='1`, planHash: second.planHash }),
      value({ runId: second.runId, planHash: second.planHash, pad: 'x'.repeat(2100) }),
      undefined,
    ];
    for (const v of garbage) {
      expect(await replyTo(click(second, 'U0BOB', ids.APPROVE, v), 'U0BOB'), String(v)).toBe(
        'This button could not be read.',
      );
    }
    // An unknown run: nothing to approve.
    expect(
      await replyTo(
        click(second, 'U0BOB', ids.APPROVE, value({ runId: 'INC-2026-9999-r1', planHash: second.planHash })),
        'U0BOB',
      ),
    ).toContain('no longer exists');
    expect(await store().timeline(second.incidentId)).toHaveLength(events);
    expect((await runOf(second.runId)).state).toBe('pending_approval');
    expect(await store().approversOf(second.runId)).toEqual([]);
    expect((await timelineOf(second)).map((e) => e.type)).not.toContain('approval.granted');
  });

  it('refuses clicks from another workspace and records them on the timeline', async () => {
    const ours = h.slack.teamId;
    const good = JSON.stringify({ runId: second.runId, planHash: second.planHash });
    const combos = [
      { user: 'T0OTHER', team: 'T0OTHER' },
      { user: ours, team: 'T0OTHER' },
      { user: 'T0OTHER', team: ours },
    ];
    for (const teams of combos) {
      const text = await replyTo(click(second, 'U0BOB', ids.APPROVE, good, teams), 'U0BOB');
      expect(text, JSON.stringify(teams)).toContain('this workspace');
    }
    const refused = (await timelineOf(second)).filter(
      (e) => e.type === 'approval.refused' && e.data?.code === 'not_authorized',
    );
    expect(refused).toHaveLength(3);
    for (const e of refused) expect(e.data?.teamId).not.toBe(ours);
    // Nor can someone elsewhere abort it, even under the requester's id.
    const abort = blockAction(
      {
        user: 'U0ALICE',
        actionId: ids.ABORT,
        value: JSON.stringify({ runId: second.runId }),
        message: second.approval,
      },
      h.slack,
    );
    (abort.user as Json).team_id = 'T0OTHER';
    (abort.team as Json).id = 'T0OTHER';
    expect(await replyTo(abort, 'U0ALICE')).toContain('this workspace');
    const operate = (await timelineOf(second)).filter(
      (e) => e.type === 'approval.refused' && e.data?.action === 'operate',
    );
    expect(operate.map((e) => [e.actor, e.data?.code, e.data?.teamId])).toEqual([
      ['U0ALICE', 'not_authorized', 'T0OTHER'],
    ]);
    expect((await runOf(second.runId)).state).toBe('pending_approval');
    expect(await store().approversOf(second.runId)).toEqual([]);
  });

  it('counts a replayed approval click once: the copy is refused at the edge', async () => {
    const payload = click(
      second,
      'U0BOB',
      ids.APPROVE,
      JSON.stringify({ runId: second.runId, planHash: second.planHash }),
    );
    const ts = nowSeconds();
    const body = payloadForm(payload);
    expect((await h.driver.raw(body, FORM, { timestamp: ts })).status).toBe(200);
    expect((await h.driver.raw(body, FORM, { timestamp: ts })).status).toBe(401);
    await waitFor('the run to finish', async () => (await runOf(second.runId)).state === 'succeeded');
    await h.server.core.services.idle();
    const types = (await timelineOf(second)).map((e) => e.type);
    expect(types.filter((t) => t === 'approval.granted')).toHaveLength(1);
    expect(types.filter((t) => t === 'run.started')).toHaveLength(1);
    expect(
      (await timelineOf(second)).filter(
        (e) => e.type === 'approval.refused' && e.data?.code === 'already_decided',
      ),
    ).toEqual([]);
    expect(await store().approversOf(second.runId)).toEqual(['U0BOB']);
  });

  it('never started a run without an approval', () => {
    const starts = db.starts();
    expect(starts.map((s) => s.runId)).toEqual([second.runId]);
    for (const s of starts) expect(s.approvedBefore, s.runId).toBe(1);
  });
});

describe('the replay cache and the depth scan behind the edge', () => {
  it('remembers a signature for the window, forgets it after, and refuses rather than forget when full', () => {
    const cache = createReplayCache(2, 1000);
    expect(cache.claim('a', 0, 10)).toBe('fresh');
    expect(cache.claim('a', 0, 999)).toBe('replayed');
    expect(cache.claim('b', 0, 20)).toBe('fresh');
    // Full of live signatures: a third one is refused, not let in by forgetting "a".
    expect(cache.claim('c', 0, 30)).toBe('full');
    expect(cache.claim('a', 0, 40)).toBe('replayed');
    // Once their timestamps are out of the window they are swept and there is room again.
    expect(cache.claim('c', 1500, 1001)).toBe('fresh');
    expect(cache.size).toBe(1);
  });

  it('counts nesting outside strings only', () => {
    expect(jsonDepth('{"a":[{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(jsonDepth(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(
      MAX_JSON_DEPTH + 1,
    );
  });
});
