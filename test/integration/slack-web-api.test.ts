// rollbot's one Web API client against the fake Slack: timeouts, each kind's retry policy, errors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackSurface } from '../../src/slack/surface.js';
import {
  CALL_POLICIES,
  type CallPolicy,
  createSlackWebApi,
  SlackCallError,
  USER_AGENT,
} from '../../src/slack/web-api.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/index.js';

const BOT = 'xoxb-web-api';
const fakes: FakeSlack[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function setup(
  policies: Partial<Record<keyof typeof CALL_POLICIES, Partial<CallPolicy>>> = {},
  scopes?: string[],
) {
  const slack = await startFakeSlack({
    botToken: BOT,
    channels: ['#engineering-incidents'],
    usergroups: { S0LEADS: ['U1', 'U2'] },
    ...(scopes ? { scopes } : {}),
  });
  fakes.push(slack);
  const api = createSlackWebApi({ apiUrl: slack.apiUrl, token: BOT, policies });
  return { slack, api, surface: createSlackSurface(api) };
}

const modal = {
  type: 'modal',
  callback_id: 'm',
  title: { type: 'plain_text', text: 'Rollback' },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
};

/** Resolves with what `promise` rejected with (fails the test if it resolved). */
async function failure(promise: Promise<unknown>): Promise<SlackCallError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SlackCallError);
  return err as SlackCallError;
}

describe('the Web API client', () => {
  it('gives every call a timeout, and says the outcome is unknown once the request was sent', async () => {
    const { slack, surface } = await setup({ delivery: { timeoutMs: 300 } });
    slack.failNext('chat.postMessage', { status: 'hang' });
    const started = Date.now();
    const err = await failure(surface.post('#engineering-incidents', { text: 'hello' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'slack_webapi_timeout_error', outcomeUnknown: true, transient: true });
    // A delivery is not retried here: the outbox decides.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(Object.values(CALL_POLICIES).every((p) => p.timeoutMs > 0 && p.timeoutMs <= 10_000)).toBe(true);
  });

  it('never retries a trigger-bound views.open, whatever the failure', async () => {
    const { slack, surface } = await setup();
    slack.failNext('views.open', { status: 503 });
    const outage = await failure(surface.openView(slack.issueTriggerId(), modal));
    expect(outage).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 503, transient: true });
    const used = slack.issueTriggerId();
    await surface.openView(used, modal);
    const again = await failure(surface.openView(used, modal));
    expect(again).toMatchObject({ code: 'slack_webapi_platform_error', reason: 'invalid_trigger_id' });
    expect(again.transient).toBe(false);
    expect(slack.callsTo('views.open').map((c) => c.status)).toEqual([503, 200, 200]);
  });

  it('retries reads through an outage and a rate limit, and gives up after its attempts', async () => {
    const { slack, surface } = await setup();
    slack.failNext('usergroups.users.list', { status: 503 }, 2);
    expect(await surface.usergroupMembers('S0LEADS')).toEqual(['U1', 'U2']);
    expect(slack.callsTo('usergroups.users.list').map((c) => c.status)).toEqual([503, 503, 200]);

    const { slack: limited, api } = await setup();
    limited.failNext('auth.test', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await expect(api.call('auth.test', {}, 'read')).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(limited.callsTo('auth.test').map((c) => c.status)).toEqual([429, 200]);

    const impatient = createSlackWebApi({
      apiUrl: limited.apiUrl,
      token: BOT,
      policies: { read: { timeoutMs: 200 } },
    });
    limited.failNext('auth.test', { status: 'hang' }, 3);
    const hung = await failure(impatient.call('auth.test', {}, 'read'));
    expect(hung.code).toBe('slack_webapi_timeout_error');
    expect(limited.callsTo('auth.test').filter((c) => c.status === 0)).toHaveLength(3);
  });

  it('does not wait out a rate limit on a delivery: the error carries Retry-After for the outbox', async () => {
    const { slack, surface } = await setup();
    slack.failNext('chat.update', { status: 429, retryAfter: 7 });
    const err = await failure(surface.update('C0INCIDENTS', '1.000001', { text: 'x' }));
    expect(err).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7, transient: true });
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it("reports Slack's error with the scope it needed, as permanent", async () => {
    const { surface } = await setup({}, ['chat:write', 'chat:write.public']);
    const err = await failure(
      surface.uploadFile('C0INCIDENTS', '1.000001', { filename: 'rca.md', title: 'RCA', content: '# RCA' }),
    );
    expect(err.reason).toBe('missing_scope (needs files:write)');
    expect(err.data).toMatchObject({ needed: 'files:write', provided: 'chat:write,chat:write.public' });
    expect(err.transient).toBe(false);
  });

  it('uploads a file into a thread in three steps, and reads metadata back', async () => {
    const { slack, surface } = await setup();
    slack.invite('#engineering-incidents');
    const metadata = { event_type: 'rollbot_outbox', event_payload: { outbox_id: 7 } };
    const root = await surface.post('#engineering-incidents', { text: 'INC-2026-0001', metadata });
    await surface.uploadFile(root.channel, root.ts, {
      filename: 'rca.md',
      title: 'RCA draft',
      content: '# RCA ✓',
      comment: 'draft',
    });
    const [file] = [...slack.files.values()];
    expect(file?.bytes.toString('utf8')).toBe('# RCA ✓');
    expect(file).toMatchObject({ channel: root.channel, thread_ts: root.ts, initial_comment: 'draft' });
    const top = await surface.readMessages(root.channel);
    expect(top.map((m) => m.metadata)).toEqual([metadata]);
    const thread = await surface.readMessages(root.channel, { threadTs: root.ts });
    expect(thread.map((m) => m.text)).toEqual(['INC-2026-0001', 'draft']);
    // The reads above went as forms (the fake, like Slack, ignores a JSON body there); all say who calls.
    for (const call of slack.calls) expect(call.userAgent).toBe(USER_AGENT);
  });

  it("takes an answer that is not Slack's JSON as an HTTP error: 5xx transient, anything else not", async () => {
    const server = createServer((req, res) => {
      if (req.url?.endsWith('auth.test')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>captive portal</html>');
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const api = createSlackWebApi({ apiUrl: `http://127.0.0.1:${port}/api/`, token: BOT });
    const gateway = await failure(api.call('auth.test', {}, 'view'));
    expect(gateway).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 502, transient: true });
    const portal = await failure(api.call('chat.postMessage', { channel: 'C1', text: 'x' }, 'delivery'));
    expect(portal).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 200, transient: false });
  });
});
