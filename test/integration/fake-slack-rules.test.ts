// The fake Slack's rules a real workspace enforces: installed scopes, channel membership, which
// events reach the app, message metadata on read, Home tabs, JSON bodies only where Slack takes them.
import { App, LogLevel } from '@slack/bolt';
import { type Logger, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, manifestInstallation, startFakeSlack } from '../support/fake-slack/index.js';
import { freePort, waitFor } from '../support/rollbot-harness.js';

const BOT = 'xoxb-rules';
const SECRET = 'rules-secret';
const PRIVATE = { id: 'G0SECRET', name: 'secret-incidents', isPrivate: true };
const fakes: FakeSlack[] = [];
const apps: App[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
  for (const fake of fakes.splice(0)) await fake.stop();
});

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

async function fake(options: Partial<Parameters<typeof startFakeSlack>[0]> = {}) {
  const slack = await startFakeSlack({
    botToken: BOT,
    signingSecret: SECRET,
    channels: ['#engineering-incidents', PRIVATE],
    ...options,
  });
  fakes.push(slack);
  const web = new WebClient(BOT, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  return { slack, web };
}

describe('installed scopes', () => {
  it('are manifest.yml by default, and a method without its scope answers missing_scope', async () => {
    const { slack } = await fake();
    expect(slack.scopes).toEqual(manifestInstallation().scopes);
    const { web } = await fake({ scopes: ['chat:write'] });
    await expect(web.files.getUploadURLExternal({ filename: 'rca.md', length: 3 })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'files:write', provided: 'chat:write' },
    });
    await expect(web.usergroups.users.list({ usergroup: 'S1' })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'usergroups:read' },
    });
    // Methods that need no scope work with any.
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('reading history needs the scope of the channel kind: channels:history or groups:history', async () => {
    const { slack, web } = await fake({ scopes: ['chat:write', 'chat:write.public', 'channels:history'] });
    slack.invite('#engineering-incidents');
    slack.invite(PRIVATE.id);
    await web.chat.postMessage({ channel: '#engineering-incidents', text: 'x' });
    await expect(web.conversations.history({ channel: 'C0INCIDENTS' })).resolves.toMatchObject({ ok: true });
    await expect(web.conversations.history({ channel: PRIVATE.id })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'groups:history' },
    });
  });
});

describe('channel membership', () => {
  it('posting: a public channel needs membership or chat:write.public; a private one the bot is not in does not exist for it', async () => {
    const { slack, web } = await fake({
      scopes: ['chat:write', 'channels:join', 'channels:read', 'groups:read'],
    });
    await expect(
      web.chat.postMessage({ channel: '#engineering-incidents', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(web.chat.postMessage({ channel: PRIVATE.id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    // The bot sees public channels and only the private ones it is in.
    const names = async () =>
      ((await web.conversations.list({ types: 'public_channel,private_channel' })).channels ?? []).map(
        (c) => [c.name, c.is_member],
      );
    expect(await names()).toEqual([['engineering-incidents', false]]);
    await expect(web.conversations.join({ channel: PRIVATE.id })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    const joined = await web.conversations.join({ channel: 'C0INCIDENTS' });
    expect(joined.channel?.is_member).toBe(true);
    expect((await web.conversations.join({ channel: 'C0INCIDENTS' })).warning).toBe('already_in_channel');
    await web.chat.postMessage({ channel: '#engineering-incidents', text: 'now a member' });
    slack.invite(PRIVATE.id);
    expect(await names()).toEqual([
      ['engineering-incidents', true],
      ['secret-incidents', true],
    ]);
    await web.chat.postMessage({ channel: PRIVATE.id, text: 'invited' });
    expect(slack.messages(PRIVATE.id).map((m) => m.text)).toEqual(['invited']);
  });

  it('message events reach the app only from channels its bot is in', async () => {
    const port = await freePort();
    const { slack, web } = await fake({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
    const heard: string[] = [];
    const app = new App({
      token: BOT,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    app.message(async ({ message }) => {
      if ('text' in message) heard.push(message.text ?? '');
    });
    await app.start(port);
    apps.push(app);

    const before = await slack.userPosts({ user: 'U1', channel: '#engineering-incidents', text: 'anyone?' });
    expect(before).toMatchObject({
      delivered: false,
      reason: 'the bot is not a member of #engineering-incidents',
    });
    await web.conversations.join({ channel: 'C0INCIDENTS' });
    const after = await slack.userPosts({ user: 'U1', channel: '#engineering-incidents', text: 'a & b < c' });
    expect(after.delivered).toBe(true);
    await waitFor('the message event', () => heard.length > 0);
    expect(heard).toEqual(['a &amp; b &lt; c']);
    const secret = await slack.userPosts({ user: 'U1', channel: PRIVATE.id, text: 'psst' });
    expect(secret.delivered).toBe(false);
  });

  it('events the app does not subscribe to are not sent', async () => {
    const { slack } = await fake({ botEvents: ['message.channels'], scopes: ['channels:history'] });
    expect(await slack.openHome('U1')).toEqual({
      delivered: false,
      reason: 'the app does not subscribe to app_home_opened',
    });
  });
});

describe('message metadata', () => {
  it('is stored on post and returned by history and replies only with include_all_metadata', async () => {
    const { slack, web } = await fake();
    slack.invite('#engineering-incidents');
    const metadata = { event_type: 'rollbot_outbox', event_payload: { outbox_id: 42 } };
    const root = await web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'root', metadata });
    await web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'reply', thread_ts: root.ts ?? '', metadata });
    const plain = await web.conversations.history({ channel: 'C0INCIDENTS' });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const full = await web.conversations.history({ channel: 'C0INCIDENTS', include_all_metadata: true });
    expect(full.messages?.[0]?.metadata).toEqual(metadata);
    const thread = await web.conversations.replies({
      channel: 'C0INCIDENTS',
      ts: root.ts ?? '',
      include_all_metadata: true,
    });
    expect(thread.messages?.map((m) => m.metadata?.event_payload)).toEqual([
      { outbox_id: 42 },
      { outbox_id: 42 },
    ]);
    await expect(
      web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', metadata: { event_type: 'x' } as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
  });

  it('history is read with a form body: a JSON body reaches Slack as no arguments', async () => {
    const { slack } = await fake();
    slack.invite('#engineering-incidents');
    const asJson = await fetch(`${slack.apiUrl}conversations.history`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0INCIDENTS' }),
    });
    expect(await asJson.json()).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const asForm = await fetch(`${slack.apiUrl}conversations.history`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'C0INCIDENTS' }).toString(),
    });
    expect(await asForm.json()).toMatchObject({ ok: true, messages: [] });
  });
});

describe('Home tabs', () => {
  it('views.publish stores a home view per user, checks its hash and its 100 blocks', async () => {
    const { slack, web } = await fake();
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    const first = await web.views.publish({
      user_id: 'U1',
      view: { type: 'home', blocks: [section('one')] },
    });
    expect(slack.home('U1')?.blocks).toEqual([section('one')]);
    await web.views.publish({
      user_id: 'U1',
      hash: first.view?.hash ?? '',
      view: { type: 'home', blocks: [section('two')] },
    });
    await expect(
      web.views.publish({ user_id: 'U1', hash: first.view?.hash ?? '', view: { type: 'home', blocks: [] } }),
    ).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    const tooMany = Array.from({ length: 101 }, (_, i) => section(`row ${i}`));
    await expect(
      web.views.publish({ user_id: 'U1', view: { type: 'home', blocks: tooMany as never } }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    await expect(
      web.views.publish({
        user_id: 'U1',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    expect(slack.home('U1')?.blocks).toEqual([section('two')]);
    expect(slack.views.size).toBe(0);
  });
});
