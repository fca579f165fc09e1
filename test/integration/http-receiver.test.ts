/**
 * rollbot's HTTP receiver keeps the contract of Bolt's HTTPReceiver that listeners rely on: ack()
 * answers the request (empty, text or JSON), a second ack throws, an unacknowledged request gets a
 * 404 after the ack timeout, an error before the ack is a 500, retry headers reach context.retryNum,
 * url_verification is answered, custom routes match with params, and the rest is a 404. A real Bolt
 * App on loopback, signed requests, no Slack API calls (authorize is local).
 */
import { Writable } from 'node:stream';
import { App, LogLevel, type Receiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createGuardedReceiver } from '../../src/slack/guarded-receiver.js';
import { signRequest } from '../support/fake-slack/index.js';
import { freePort } from '../support/rollbot-harness.js';

const SECRET = 'receiver-test-signing-secret';
const UNACKED_MS = 300;

let base: string;
let receiver: Receiver;
const logLines: string[] = [];
const seen: { text: string; retryNum: number | undefined; retryReason: string | undefined }[] = [];
let secondAck: unknown;

beforeAll(async () => {
  const logger = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  receiver = createGuardedReceiver({
    signingSecret: SECRET,
    logger,
    unackedMs: UNACKED_MS,
    customRoutes: [
      { path: '/healthz', method: 'GET', handler: (_req, res) => res.end('ok') },
      {
        path: '/things/:name/parts/:part',
        method: ['GET', 'post'],
        handler: (req, res) => res.end(JSON.stringify(req.params)),
      },
    ],
  });
  const quiet = () => {};
  const app = new App({
    receiver,
    // The failing listeners below are on purpose: keep Bolt's own error lines out of the test output.
    logger: {
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: quiet,
      setLevel: quiet,
      getLevel: () => LogLevel.ERROR,
      setName: quiet,
    },
    authorize: async () => ({ botToken: 'xoxb-test', botId: 'B0TEST', botUserId: 'U0BOT' }),
    convoStore: false,
  });
  app.command('/t', async ({ command, ack, context }) => {
    seen.push({ text: command.text, retryNum: context.retryNum, retryReason: context.retryReason });
    switch (command.text) {
      case 'empty':
        return ack();
      case 'text':
        return ack('plain words');
      case 'json':
        return ack({ response_type: 'ephemeral', text: 'hello' });
      case 'twice':
        await ack();
        secondAck = await ack().then(
          () => 'no error',
          (err: { code?: string }) => err.code,
        );
        return;
      case 'throw':
        throw new Error('listener failed before its ack');
      case 'throw-after':
        await ack();
        throw new Error('listener failed after its ack');
      default:
        return; // never acks
    }
  });
  const port = await freePort();
  await receiver.start(port);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await receiver?.stop();
});

let sent = 0;

async function slash(text: string, headers: Record<string, string> = {}) {
  // A fresh trigger_id each time: the same body signed in the same second would be a replay.
  const body = new URLSearchParams({
    command: '/t',
    text,
    user_id: 'U0ALICE',
    channel_id: 'C0OPS',
    team_id: 'T0',
    trigger_id: `t-${++sent}`,
  });
  const form = body.toString();
  const ts = Math.floor(Date.now() / 1000);
  const started = Date.now();
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signRequest(SECRET, ts, form),
      ...headers,
    },
    body: form,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: await res.text(),
    ms: Date.now() - started,
  };
}

describe('rollbot HTTP receiver', () => {
  it('answers ack() with an empty 200, a string as is, an object as JSON', async () => {
    expect(await slash('empty')).toMatchObject({ status: 200, text: '' });
    expect(await slash('text')).toMatchObject({ status: 200, text: 'plain words' });
    const json = await slash('json');
    expect(json).toMatchObject({ status: 200, type: 'application/json' });
    expect(JSON.parse(json.text)).toEqual({ response_type: 'ephemeral', text: 'hello' });
  });

  it('refuses a second ack without touching the answered request', async () => {
    expect((await slash('twice')).status).toBe(200);
    await expect.poll(() => secondAck).toBe('slack_bolt_receiver_ack_multiple_error');
  });

  it('answers 404 to a request nobody acknowledges, after the ack timeout, and logs it', async () => {
    const res = await slash('silence');
    expect(res.status).toBe(404);
    expect(res.ms).toBeGreaterThanOrEqual(UNACKED_MS - 20);
    expect(logLines.some((l) => l.includes('not acknowledged'))).toBe(true);
  });

  it('answers 500 when the listener fails before its ack; a failure after it only reaches the log', async () => {
    expect((await slash('throw')).status).toBe(500);
    expect((await slash('throw-after')).status).toBe(200);
    await expect.poll(() => logLines.some((l) => l.includes('failed after its ack'))).toBe(true);
  });

  it("passes Slack's retry headers to the listener as context.retryNum and retryReason", async () => {
    await slash('empty', { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' });
    expect(seen.at(-1)).toEqual({ text: 'empty', retryNum: 2, retryReason: 'http_timeout' });
    await slash('empty');
    expect(seen.at(-1)).toEqual({ text: 'empty', retryNum: undefined, retryReason: undefined });
  });

  it('answers the Events API url_verification challenge', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signRequest(SECRET, ts, body),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('matches custom routes by method and path with decoded params; everything else is a 404', async () => {
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect(await (await fetch(`${base}/things/a%20b/parts/7`)).json()).toEqual({ name: 'a b', part: '7' });
    expect((await fetch(`${base}/things/a/parts/7`, { method: 'POST' })).status).toBe(200);
    const missing = [
      fetch(`${base}/healthz`, { method: 'POST' }),
      fetch(`${base}/things/a/parts`),
      fetch(`${base}/things//parts/7`),
      fetch(`${base}/things/%E0%A4%A/parts/7`),
      fetch(`${base}/slack/events`),
      fetch(`${base}/nowhere`),
    ];
    for (const res of await Promise.all(missing)) expect(res.status).toBe(404);
  });
});
