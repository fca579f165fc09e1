// The fake Slack against the real Bolt App (HTTP and Socket Mode) and the real WebClient.
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { type Logger, type RetryOptions, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  blockAction,
  createSlackDriver,
  eventCallback,
  type FakeSlack,
  manifestInstallation,
  messageEvent,
  slashCommand,
  startFakeSlack,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';

const BOT = 'xoxb-test';
const APP = 'xapp-test';
const SECRET = 'shh';
const INCIDENTS = '#engineering-incidents';

let slack: FakeSlack;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  slack = await startFakeSlack({
    botToken: BOT,
    // This suite also exercises users.info, which rollbot itself never calls.
    scopes: [...manifestInstallation().scopes, 'users:read'],
    appToken: APP,
    signingSecret: SECRET,
    teamId: 'T0TEST',
    usergroups: { S0PLATFORM: ['U1', 'U2'] },
    channels: [INCIDENTS],
  });
});

afterEach(async () => {
  // Apps first: a Socket Mode client whose server vanished keeps trying to reconnect.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await slack.stop();
});

/** WebClient logs Slack's `[ERROR]` response messages; these tests expect them. */
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

const client = (retryConfig: RetryOptions = { retries: 0 }) =>
  new WebClient(BOT, { slackApiUrl: slack.apiUrl, retryConfig, logger: quiet });

const modal = (title = 'Rollback') => ({
  type: 'modal' as const,
  callback_id: 'rollback_modal',
  title: { type: 'plain_text' as const, text: title },
  submit: { type: 'plain_text' as const, text: 'Run' },
  private_metadata: 'run-1',
  blocks: [
    {
      type: 'input' as const,
      block_id: 'service',
      label: { type: 'plain_text' as const, text: 'Service' },
      element: { type: 'plain_text_input' as const, action_id: 'value' },
    },
  ],
});

/** A Bolt app with a /rollback command, a modal, an Approve button and a thread listener. */
function registerListeners(app: App, seen: string[]) {
  app.command('/rollback', async ({ ack, command, client: web, respond, context }) => {
    if (command.text === 'help') return ack({ text: 'usage: /rollback <service>' });
    await ack();
    seen.push(`command:${command.text}:retry=${context.retryNum ?? 0}`);
    if (command.text === 'modal') {
      await web.views.open({ trigger_id: command.trigger_id, view: modal() });
      return;
    }
    const posted = await web.chat.postMessage({
      channel: command.channel_id,
      text: `Rollback requested: ${command.text}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*Rollback* ${command.text}` } },
        {
          type: 'actions',
          block_id: 'approval',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              value: 'INC-1',
              text: { type: 'plain_text', text: 'Approve' },
            },
          ],
        },
      ],
    });
    await web.chat.postMessage({ channel: command.channel_id, thread_ts: posted.ts, text: 'plan follows' });
    await respond({ response_type: 'ephemeral', text: 'on it' });
  });
  app.view('rollback_modal', async ({ ack, view, body }) => {
    await ack();
    const service = view.state.values.service?.value?.value ?? '';
    seen.push(`submit:${body.user.id}:${service}:${view.private_metadata}`);
  });
  app.action('approve', async ({ ack, body, respond }) => {
    await ack();
    seen.push(`approve:${body.user.id}`);
    await respond({ replace_original: true, text: 'Approved by alice' });
  });
  app.message(async ({ message }) => {
    if ('thread_ts' in message) seen.push(`reply:${message.thread_ts}`);
  });
}

describe('HTTP mode', () => {
  async function startHttpApp(seen: string[]) {
    const app = new App({
      token: BOT,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    registerListeners(app, seen);
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    if (!(server instanceof Server)) throw new Error('HTTPReceiver did not return a server');
    cleanups.push(() => app.stop());
    const { port } = server.address() as AddressInfo;
    return createSlackDriver({ signingSecret: SECRET, url: `http://127.0.0.1:${port}/slack/events`, slack });
  }

  it('delivers a signed slash command; the posted message, thread and response_url reply land in the fake', async () => {
    const seen: string[] = [];
    const driver = await startHttpApp(seen);
    const res = await driver.slashCommand({ user_id: 'U2', channel_id: INCIDENTS, text: 'checkout level=1' });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(slack.ephemerals).toHaveLength(1));
    const [root, reply] = slack.messages(INCIDENTS);
    expect(root?.text).toBe('Rollback requested: checkout level=1');
    expect(slack.channelId(INCIDENTS)).toBe('C0INCIDENTS');
    expect(slack.thread('C0INCIDENTS', root!.ts).map((m) => m.text)).toEqual([root!.text, 'plan follows']);
    expect(reply?.thread_ts).toBe(root?.ts);
    expect(slack.ephemerals[0]).toMatchObject({ source: 'response_url', user: 'U2', text: 'on it' });
    expect(slack.callsTo('auth.test')[0]?.ok).toBe(true);

    const click = await driver.interaction(
      blockAction({ user: 'U1', actionId: 'approve', value: 'INC-1', message: root! }, slack),
    );
    expect(click.status).toBe(200);
    await vi.waitFor(() => expect(slack.messages(INCIDENTS)[0]?.text).toBe('Approved by alice'));
    expect(seen).toEqual(['command:checkout level=1:retry=0', 'approve:U1']);
  });

  it('opens a modal from the trigger_id and accepts the view_submission', async () => {
    const seen: string[] = [];
    const driver = await startHttpApp(seen);
    await driver.slashCommand({ user_id: 'U2', channel_id: INCIDENTS, text: 'modal' });
    await vi.waitFor(() => expect(slack.views.size).toBe(1));
    const [view] = [...slack.views.values()];
    expect(view).toMatchObject({
      callback_id: 'rollback_modal',
      private_metadata: 'run-1',
      via: 'views.open',
    });
    const state = stateValues({ service: { value: 'checkout' } });
    const res = await driver.interaction(viewSubmission({ user: 'U2', view: view!, state }, slack));
    expect(res.status).toBe(200);
    expect(seen).toContain('submit:U2:checkout:run-1');
  });

  it('refuses bad, missing and stale signatures with 401 and passes retry headers and events through', async () => {
    const seen: string[] = [];
    const driver = await startHttpApp(seen);
    const cmd = { user_id: 'U2', channel_id: INCIDENTS, text: 'x' };
    expect((await driver.slashCommand(cmd, { badSignature: true })).status).toBe(401);
    expect((await driver.slashCommand(cmd, { noHeaders: true })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await driver.slashCommand(cmd, { timestamp: stale })).status).toBe(401);
    expect(seen).toEqual([]);

    const help = await driver.slashCommand({ ...cmd, text: 'help' });
    expect(help.json).toEqual({ text: 'usage: /rollback <service>' });
    expect(slack.ephemerals[0]).toMatchObject({
      source: 'ack',
      user: 'U2',
      text: 'usage: /rollback <service>',
    });

    const retried = await driver.slashCommand(cmd, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retried.status).toBe(200);
    expect(seen).toContain('command:x:retry=1');
    await vi.waitFor(() => expect(slack.ephemerals).toHaveLength(2));

    const challenge = await driver.urlVerification('abc123');
    expect(challenge.json).toEqual({ challenge: 'abc123' });
    const ev = await driver.event(
      messageEvent({ user: 'U3', text: 'any update?', channel: INCIDENTS, thread_ts: '1.000001' }, slack),
    );
    expect(ev.status).toBe(200);
    await vi.waitFor(() => expect(seen).toContain('reply:1.000001'));
  });
});

describe('Socket Mode', () => {
  it('connects, delivers envelopes, and keeps delivering after a disconnect and reconnect', async () => {
    const seen: string[] = [];
    const receiver = new SocketModeReceiver({
      appToken: APP,
      logLevel: LogLevel.ERROR,
      clientPingTimeout: 600, // also the reconnect delay; keeps the test fast
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } },
    });
    const app = new App({
      token: BOT,
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    registerListeners(app, seen);
    await app.start();
    // app.stop() does not wait for the WebSocket to close; the client's disconnect() does.
    cleanups.push(() => receiver.client.disconnect());
    expect(slack.socket.connected).toBe(1);
    expect(slack.callsTo('apps.connections.open')[0]).toMatchObject({ ok: true, token: APP });

    const ack = await slack.socket.send(
      'slash_commands',
      slashCommand({ user_id: 'U2', channel_id: INCIDENTS, text: 'one' }, slack),
    );
    expect(ack.envelope_id).toBe(slack.socket.envelopes[0]?.envelope_id);
    await vi.waitFor(() =>
      expect(slack.messages(INCIDENTS).map((m) => m.text)).toContain('Rollback requested: one'),
    );

    await slack.socket.disconnect('refresh_requested');
    expect(slack.socket.connected).toBe(0);
    await slack.socket.send(
      'slash_commands',
      slashCommand({ user_id: 'U2', channel_id: INCIDENTS, text: 'two' }, slack),
      {
        retryAttempt: 1,
        retryReason: 'timeout',
      },
    );
    expect(slack.socket.connects).toBe(2);
    await vi.waitFor(() =>
      expect(slack.messages(INCIDENTS).map((m) => m.text)).toContain('Rollback requested: two'),
    );

    const help = slashCommand({ user_id: 'U1', channel_id: INCIDENTS, text: 'help' }, slack);
    expect((await slack.socket.send('slash_commands', help)).payload).toEqual({
      text: 'usage: /rollback <service>',
    });
    expect(slack.ephemerals.at(-1)).toMatchObject({ source: 'ack', user: 'U1', channel: 'C0INCIDENTS' });

    const event = eventCallback(
      messageEvent({ user: 'U3', text: 'hi', channel: INCIDENTS, thread_ts: '2.000002' }, slack),
      slack,
    );
    await slack.socket.send('events_api', event);
    await vi.waitFor(() => expect(seen).toContain('reply:2.000002'));
    expect(seen).toContain('command:two:retry=1');
  });

  it('rejects apps.connections.open with the bot token and an unacked envelope times out', async () => {
    const web = client();
    await expect(web.apps.connections.open({})).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });
    await expect(slack.socket.send('events_api', {}, { connectTimeoutMs: 50 })).rejects.toThrow(
      /0 of 1 Socket Mode clients connected within 50 ms/,
    );
  });
});

describe('Web API checks and Block Kit limits', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('answers auth and argument errors the way Slack does', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(client().apiCall('chat.nope')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    await expect(client().chat.postMessage({ channel: '', text: 'x' })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
    await expect(client().chat.postMessage({ channel: '#nowhere', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(
      client().chat.update({ channel: INCIDENTS, ts: '1.000000', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    const json = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0INCIDENTS', text: 'sent as JSON', blocks: [section('json')] }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: 'C0INCIDENTS' });
    expect(slack.messages(INCIDENTS)[0]?.blocks).toEqual([section('json')]);
    const auth = await client().auth.test();
    expect(auth).toMatchObject({ team_id: 'T0TEST', user_id: slack.botUserId, bot_id: slack.botId });
    expect((await client().usergroups.users.list({ usergroup: 'S0PLATFORM' })).users).toEqual(['U1', 'U2']);
    expect((await client().users.info({ user: 'U1' })).user?.name).toBe('alice');
    expect((await client().conversations.info({ channel: INCIDENTS })).channel?.id).toBe('C0INCIDENTS');
    expect(slack.calls.map((c) => c.ok)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('refuses 51 blocks, oversize text fields and messages', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`row ${i}`));
    await expect(client().chat.postMessage({ channel: INCIDENTS, text: 'x', blocks })).rejects.toMatchObject({
      data: { error: 'invalid_blocks', errors: ['must be less than 51 items [json-pointer:/blocks]'] },
    });
    const long = [section('a'.repeat(3001))];
    await expect(
      client().chat.postMessage({ channel: INCIDENTS, text: 'x', blocks: long }),
    ).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    });
    const header = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    await expect(
      client().chat.postMessage({ channel: INCIDENTS, text: 'x', blocks: header }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const button = {
      type: 'button',
      action_id: 'a',
      value: 'v'.repeat(2001),
      text: { type: 'plain_text', text: 'Go' },
    };
    const actions = [{ type: 'actions', elements: [button] }];
    await expect(
      client().chat.postMessage({ channel: INCIDENTS, text: 'x', blocks: actions }),
    ).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]'],
      },
    });
    await expect(
      client().chat.postMessage({ channel: INCIDENTS, text: 'x'.repeat(40_001) }),
    ).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    const ok = await client().chat.postMessage({
      channel: INCIDENTS,
      text: 'x',
      blocks: blocks.slice(0, 50),
    });
    expect(ok.channel).toBe('C0INCIDENTS');
    expect(slack.messages(INCIDENTS)).toHaveLength(1);
  });

  it('checks modals: title length, one-shot triggers, hashes', async () => {
    const web = client();
    const trigger = slack.issueTriggerId();
    await expect(web.views.open({ trigger_id: trigger, view: modal('x'.repeat(25)) })).rejects.toMatchObject({
      data: {
        error: 'invalid_arguments',
        errors: ['must be less than 25 characters [json-pointer:/view/title/text]'],
      },
    });
    const opened = await web.views.open({ trigger_id: trigger, view: modal('y'.repeat(24)) });
    const id = opened.view?.id ?? '';
    expect(slack.views.get(id)?.hash).toBe(opened.view?.hash);
    await expect(web.views.open({ trigger_id: trigger, view: modal() })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    await expect(web.views.open({ trigger_id: 'made.up.trigger', view: modal() })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    const updated = await web.views.update({
      view_id: id,
      hash: opened.view?.hash ?? '',
      view: modal('Step 2'),
    });
    expect(slack.views.get(id)).toMatchObject({ via: 'views.update', updates: 1, hash: updated.view?.hash });
    await expect(
      web.views.update({ view_id: id, hash: opened.view?.hash ?? '', view: modal() }),
    ).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
    const tooMuchMetadata = { ...modal(), private_metadata: 'm'.repeat(3001) };
    await expect(web.views.update({ view_id: id, view: tooMuchMetadata })).rejects.toMatchObject({
      data: { error: 'invalid_arguments' },
    });
  });

  it('expires trigger ids after 3 s (shortened here)', async () => {
    const quick = await startFakeSlack({ botToken: BOT, triggerTtlMs: 30 });
    cleanups.push(() => quick.stop());
    const trigger = quick.issueTriggerId();
    await new Promise((r) => setTimeout(r, 60));
    const web = new WebClient(BOT, { slackApiUrl: quick.apiUrl, retryConfig: { retries: 0 } });
    await expect(web.views.open({ trigger_id: trigger, view: modal() })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
  });
});

describe('rate limits and outages', () => {
  it('429 with Retry-After: WebClient waits, retries, and the message is posted once', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const web = client({ retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 });
    const started = Date.now();
    await web.chat.postMessage({ channel: INCIDENTS, text: 'after the storm' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
    expect(slack.messages(INCIDENTS).map((m) => m.text)).toEqual(['after the storm']);
  });

  it('500s and outage windows fail until they pass; per-channel tier limits answer 429', async () => {
    slack.failNext('auth.test', { status: 500 }, 2);
    await expect(client().auth.test()).rejects.toMatchObject({
      code: 'slack_webapi_http_error',
      statusCode: 500,
    });
    const patient = client({ retries: 3, factor: 1, minTimeout: 10, maxTimeout: 20 });
    await expect(patient.auth.test()).resolves.toMatchObject({ ok: true });
    expect(slack.callsTo('auth.test').map((c) => c.status)).toEqual([500, 500, 200]);

    slack.failFor(150, '*', { status: 503 });
    await expect(client().users.info({ user: 'U1' })).rejects.toMatchObject({ statusCode: 503 });
    await new Promise((r) => setTimeout(r, 200));
    await expect(client().users.info({ user: 'U1' })).resolves.toMatchObject({ ok: true });

    const limited = await startFakeSlack({
      botToken: BOT,
      channels: [INCIDENTS],
      tierLimits: { 'chat.update': 1 },
    });
    cleanups.push(() => limited.stop());
    const web = new WebClient(BOT, {
      slackApiUrl: limited.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    const { ts } = await web.chat.postMessage({ channel: INCIDENTS, text: 'progress 0%' });
    await web.chat.update({ channel: 'C0INCIDENTS', ts: ts ?? '', text: 'progress 10%' });
    await expect(
      web.chat.update({ channel: 'C0INCIDENTS', ts: ts ?? '', text: 'progress 20%' }),
    ).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 1,
    });
    expect(limited.messages(INCIDENTS)[0]).toMatchObject({ text: 'progress 10%', edits: 1 });
  });
});

describe('file uploads', () => {
  it('files.uploadV2 uploads the bytes and shares them into the thread', async () => {
    const web = client();
    const root = await web.chat.postMessage({ channel: INCIDENTS, text: 'INC-2025-0001' });
    const bytes = Buffer.from('step 1 ok\nstep 2 failed: exit 3\n');
    const res = await web.files.uploadV2({
      channel_id: 'C0INCIDENTS',
      thread_ts: root.ts ?? '',
      file: bytes,
      filename: 'rollback.log',
      title: 'Rollback output',
      initial_comment: 'Full output',
    });
    expect(res.ok).toBe(true);
    const [file] = [...slack.files.values()];
    expect(file).toMatchObject({
      filename: 'rollback.log',
      title: 'Rollback output',
      channel: 'C0INCIDENTS',
    });
    expect(file?.thread_ts).toBe(root.ts);
    expect(file?.bytes.equals(bytes)).toBe(true);
    const share = slack.thread(INCIDENTS, root.ts ?? '')[1];
    expect(share).toMatchObject({ text: 'Full output', via: 'file_share' });
    expect(share?.files?.[0]?.id).toBe(file?.id);
  });

  it('the two raw calls with a raw-bytes POST in between; completing before uploading fails', async () => {
    const web = client();
    const got = await web.files.getUploadURLExternal({ filename: 'plan.txt', length: 5 });
    const early = web.files.completeUploadExternal({
      files: [{ id: got.file_id ?? '' }],
      channel_id: 'C0INCIDENTS',
    });
    await expect(early).rejects.toMatchObject({ data: { error: 'file_not_found' } });
    const posted = await fetch(got.upload_url ?? '', { method: 'POST', body: 'hello' });
    expect(posted.status).toBe(200);
    await web.files.completeUploadExternal({
      files: [{ id: got.file_id ?? '', title: 'Plan' }],
      channel_id: INCIDENTS,
    });
    expect(slack.files.get(got.file_id ?? '')?.bytes.toString()).toBe('hello');
    expect(slack.messages(INCIDENTS)[0]?.files?.[0]?.title).toBe('Plan');
  });
});
