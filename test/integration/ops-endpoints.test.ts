/**
 * The operational side of a running bot: where /healthz, /metrics and /blocked listen (one port, or
 * ROLLBOT_OPS_PORT apart from Slack's), what /metrics says before anything happened, and that every
 * line the bot writes is JSON, Bolt's and the Slack clients' included.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botEnv, spawnBot } from '../support/bot-process.js';
import { startFakeSlack } from '../support/fake-slack/index.js';
import { NO_SSHD } from '../support/no-sshd.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  freePort,
  type Harness,
  startHarness,
  submitModal,
  waitFor,
} from '../support/rollbot-harness.js';

const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

/** A request that fails to connect at all, rather than getting an HTTP answer. */
async function refused(port: number, path: string): Promise<boolean> {
  try {
    await get(port, path);
    return false;
  } catch (err) {
    return /ECONNREFUSED/.test(String((err as { cause?: unknown }).cause ?? err));
  }
}

/** Series that must be on /metrics at 0 before the first rollback, so alert rules see the first change. */
const INITIALISED = [
  'rollbot_rollbacks_total{service="shop",level="2",outcome="failed",kind="incident"} 0',
  'rollbot_rollbacks_total{service="shop",level="3",outcome="interrupted",kind="incident"} 0',
  'rollbot_rollbacks_total{service="shop",level="1",outcome="failed",kind="drill"} 0',
  'rollbot_steps_total{outcome="failed"} 0',
  'rollbot_slack_deliveries_total{outcome="failed"} 0',
  'rollbot_runs_active{state="pending_approval"} 0',
  'rollbot_approval_oldest_pending_seconds 0',
  'rollbot_run_longest_overrun_seconds 0',
];

describe('one port (ROLLBOT_OPS_PORT unset, HTTP mode)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'http', sshd: NO_SSHD });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('/metrics shows every labelled series at 0 before any rollback', async () => {
    const res = await get(h.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    for (const line of INITIALISED) expect(body.split('\n'), line).toContain(line);
  });

  it('counts a request waiting for approval, read from the store at the scrape', async () => {
    await h.slash('U0ALICE', 'shop level=2 severity=major');
    await waitFor('the modal', () => h.slack.views.size > 0);
    await submitModal(h, 'U0ALICE', { service: 'shop', severity: 'major', level: '2', reason: 'metrics' });
    const body = await waitFor('the pending run on /metrics', async () => {
      const text = await (await get(h.port, '/metrics')).text();
      return text.includes('rollbot_runs_active{state="pending_approval"} 1') ? text : undefined;
    });
    expect(body).toMatch(/^rollbot_approval_oldest_pending_seconds \d/m);
  });
});

describe.each(['http', 'socket'] as const)('ROLLBOT_OPS_PORT apart from Slack (%s mode)', (mode) => {
  let h: Harness;
  let opsPort: number;
  beforeAll(async () => {
    opsPort = await freePort();
    h = await startHarness({ mode, sshd: NO_SSHD, env: { ROLLBOT_OPS_PORT: String(opsPort) } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('serves /healthz, /metrics and /blocked on the ops port, and Slack there gets a 404', async () => {
    expect(await (await get(opsPort, '/healthz')).json()).toEqual({ status: 'ok' });
    const metrics = await (await get(opsPort, '/metrics')).text();
    expect(metrics.split('\n')).toContain(INITIALISED[0]);
    expect(await (await get(opsPort, '/blocked/shop')).json()).toEqual({ service: 'shop', blocked: [] });
    const slack = await fetch(`http://127.0.0.1:${opsPort}/slack/events`, { method: 'POST', body: '{}' });
    expect(slack.status).toBe(404);
    // POST /deploys is an operational endpoint too; with no ROLLBOT_DEPLOY_TOKEN set it records nothing.
    const report = JSON.stringify({ service: 'shop', environment: 'production', version: 'v1.2.3' });
    const deploy = await fetch(`http://127.0.0.1:${opsPort}/deploys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
      body: report,
    });
    expect(deploy.status).toBe(403);
    expect(await deploy.json()).toEqual({ error: 'deploy recording is off: set ROLLBOT_DEPLOY_TOKEN' });
    expect(await h.server.core.store.deploys({ service: 'shop' })).toEqual([]);
  });

  it('leaves nothing but Slack on PORT', async () => {
    if (mode === 'socket') {
      // Socket Mode needs no inbound port at all: PORT is not even listened on.
      expect(await refused(h.port, '/healthz')).toBe(true);
    } else {
      for (const path of ['/healthz', '/metrics', '/blocked/shop'])
        expect((await get(h.port, path)).status).toBe(404);
      const deploy = await fetch(`http://127.0.0.1:${h.port}/deploys`, { method: 'POST', body: '{}' });
      expect(deploy.status).toBe(404);
    }
    const views = h.slack.views.size;
    await h.slash('U0ALICE', 'shop level=2');
    await waitFor('the modal opened through Slack', () => h.slack.views.size > views);
  });
});

describe('what a running bot writes', () => {
  it('is one JSON object per line, Bolt and the Slack clients included, also when Slack goes away', async () => {
    const slack = await startFakeSlack({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      channels: ['#engineering-incidents'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-logs-'));
    mkdirSync(join(dir, 'runbooks'));
    const logFile = join(dir, 'bot.log');
    const { SLACK_SIGNING_SECRET: _, ...http } = botEnv({ apiUrl: slack.apiUrl, dir, sshd: NO_SSHD });
    const bot = await spawnBot({ ...http, SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'info' }, logFile);
    try {
      await waitFor('the Socket Mode connection', () => slack.socket.connects > 0);
      // Slack unreachable: the socket drops, and reconnecting fails inside the Slack clients.
      await slack.stop();
      await waitFor(
        'the Slack clients to log the outage',
        () => /http request failed|Failed to retrieve a new WSS URL/.test(readFileSync(logFile, 'utf8')),
        30_000,
      );
    } finally {
      await bot.stop();
    }
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { module?: string; msg?: string; level?: number };
      } catch {
        throw new Error(`not JSON: ${line}`);
      }
    });
    expect(entries.some((e) => e.msg === 'rollbot is serving')).toBe(true);
    const fromSlack = entries.filter((e) => e.module === 'slack');
    expect(fromSlack.length, lines.join('\n')).toBeGreaterThan(0);
    expect(fromSlack.every((e) => (e.level ?? 0) >= 40)).toBe(true);
    // SIGTERM: the shutdown is in the log, start and end.
    const messages = entries.map((e) => e.msg);
    expect(messages.indexOf('rollbot stopping')).toBeGreaterThan(messages.indexOf('rollbot is serving'));
    expect(messages.indexOf('rollbot stopped')).toBeGreaterThan(messages.indexOf('rollbot stopping'));
  });
});
