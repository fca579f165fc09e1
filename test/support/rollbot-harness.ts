/** Starts the whole bot against a fake Slack and a real sshd, and drives it like Slack would. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSecrets, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Server, startServer } from '../../src/main.js';
import { formatRunbookErrors, loadRunbooks } from '../../src/runbooks/load.js';
import type { Clock } from '../../src/services/ports.js';
import * as ids from '../../views/ids.js';
import {
  blockAction,
  createSlackDriver,
  type FakeChannel,
  type FakeSlack,
  type SlackDriver,
  type StoredMessage,
  type StoredView,
  slashCommand,
  startFakeSlack,
  stateValues,
  viewSubmission,
} from './fake-slack/index.js';
import { freePort } from './free-port.js';
import type { SshdHandle } from './sshd.js';

export { freePort };

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-bot-token';
export const APP_TOKEN = 'xapp-test-app-token';
/** The value the shop runbook's secret `token` is read from (env:SHOP_FLAG_TOKEN). */
export const SHOP_FLAG_TOKEN = 'flag-token-s3cr3t-v4lue';

/** U0ALICE requests; U0BOB is an approver; U0CAROL approves through the S0LEADS group; U0MALLORY is nobody. */
export const USERS = [
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0BOB', name: 'bob' },
  { id: 'U0CAROL', name: 'carol' },
  { id: 'U0MALLORY', name: 'mallory' },
  { id: 'U0ONCALL', name: 'oncall' },
];

/** Runs `attempt` on a free port, and again on another one (up to 5 times) when the port was taken meanwhile. */
async function retryOnPortClash<T>(attempt: (port: number) => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(await freePort());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 5) throw err;
    }
  }
}

/** A runbook for two sshd hosts: writes the release file, then verifies it. */
export function shopRunbook(sshd: SshdHandle, dir: string, healthUrl?: string): string {
  const health = healthUrl
    ? `health:\n  url: "${healthUrl}"\n  expect: { status: 200, json: { status: ok } }\n  timeout: 2s\n`
    : '';
  const verify = healthUrl
    ? `      - name: Health reports {{version}}\n        check: health\n        expect: { json: { version: "{{version}}" } }\n        timeout: 10s\n`
    : '';
  const hosts = sshd.addresses
    .map((a, i) => `      - { name: shop-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`)
    .join('\n');
  return `service: shop
description: Shop API (test fixture)
approvers: [U0BOB, S0LEADS]
escalation:
  - { after: 5m, notify: [U0ONCALL] }
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 1, parallel: 5 }
  staging:
    hosts:
      - { name: shop-stg, address: ${sshd.addresses[0]}, port: ${sshd.port}, user: ${sshd.user} }
    drill: true
params:
  version: { description: Release to roll back to, pattern: '^v\\d+\\.\\d+\\.\\d+$', default: v1.0.0 }
  token: { description: Feature-flag service token, pattern: '^[A-Za-z0-9_-]{8,64}$', secret: true, from: 'env:SHOP_FLAG_TOKEN' }
${health}levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: { critical: 0, major: 1, minor: 1 }
    steps:
      - name: Disable the flag
        run: echo flag off with token {{token}}
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Check out {{version}}
        run: mkdir -p ${dir} && printf '%s\\n' {{version}} > ${dir}/{{host.name}}.release
      - name: Verify
        run: grep -qx -- {{version}} ${dir}/{{host.name}}.release
${verify}  3:
    name: Full restore
    target: 45m
    approvals: 2
    steps:
      - confirm: Writes since the last backup will be lost. Continue?
      - name: Restore
        run: echo restored
`;
}

export interface Harness {
  slack: FakeSlack;
  server: Server;
  driver: SlackDriver;
  mode: 'http' | 'socket';
  dir: string;
  /** The bot's HTTP port (events in HTTP mode, /healthz and /blocked in both). */
  port: number;
  /** Sends a slash command the way the mode delivers it. */
  slash(user: string, text: string): Promise<void>;
  /** Delivers an interaction the way the mode does; resolves with the app's ack body, if any. */
  interact(payload: Record<string, unknown>): Promise<unknown>;
  /** Delivers an Events API body (e.g. a message in a thread). */
  interactEvent(body: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(opts: {
  mode: 'http' | 'socket';
  sshd: SshdHandle;
  clock?: Clock;
  tickMs?: number;
  /** Adds a health check (and a version check step at level 2) against this URL. */
  healthUrl?: string;
  /** Where the shop runbook's steps write the release files (default: in the test user's home). */
  releaseDir?: string;
  /** More runbooks beside shop.yml: file name → YAML. */
  runbooks?: Record<string, string>;
  /** Slack credentials (default: the BOT_TOKEN, APP_TOKEN and SIGNING_SECRET constants). */
  credentials?: { botToken: string; appToken: string; signingSecret: string };
  /** Extra or overriding environment variables for the bot's config. */
  env?: NodeJS.ProcessEnv;
  /** Where the bot logs, built as `rollbot serve` builds it (LOG_LEVEL, config secrets masked); default silent. */
  logTo?: NodeJS.WritableStream;
  /** The workspace's channels (default: public #engineering-incidents and #ops). */
  channels?: Array<string | FakeChannel>;
  /** The bot scopes the app was installed with (default: manifest.yml's). */
  scopes?: string[];
  /** How often the bot checks the incident channel again while it is not a member. */
  channelRecheckMs?: number;
}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-e2e-'));
  const runbooks = join(dir, 'runbooks');
  mkdirSync(runbooks);
  const releaseDir = opts.releaseDir ?? `${opts.sshd.home}/e2e-${process.pid}-${opts.mode}`;
  writeFileSync(join(runbooks, 'shop.yml'), shopRunbook(opts.sshd, releaseDir, opts.healthUrl));
  for (const [file, yaml] of Object.entries(opts.runbooks ?? {})) writeFileSync(join(runbooks, file), yaml);
  const creds = opts.credentials ?? {
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: SIGNING_SECRET,
  };
  // A port free a moment ago can be taken before the bot listens (another test's outgoing
  // connection, on a loaded machine): start again on another one.
  const attempt = async (port: number) => {
    const slack = await startFakeSlack({
      botToken: creds.botToken,
      appToken: creds.appToken,
      signingSecret: creds.signingSecret,
      channels: opts.channels ?? ['#engineering-incidents', '#ops'],
      users: USERS,
      usergroups: { S0LEADS: ['U0CAROL'] },
      ...(opts.scopes ? { scopes: opts.scopes } : {}),
      // Where Slack sends events in HTTP mode (the manifest's event_subscriptions.request_url).
      ...(opts.mode === 'http' ? { requestUrl: `http://127.0.0.1:${port}/slack/events` } : {}),
    });
    const env: NodeJS.ProcessEnv = {
      SLACK_BOT_TOKEN: creds.botToken,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      ROLLBOT_RUNBOOKS: runbooks,
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      ROLLBOT_SSH_KEY: opts.sshd.userKeyFile,
      ROLLBOT_KNOWN_HOSTS: opts.sshd.knownHostsFile,
      LOG_LEVEL: 'silent',
      SHOP_FLAG_TOKEN: SHOP_FLAG_TOKEN,
      ...(opts.mode === 'socket'
        ? { SLACK_APP_TOKEN: creds.appToken }
        : { SLACK_SIGNING_SECRET: creds.signingSecret }),
      ...opts.env,
    };
    const check = loadRunbooks(runbooks);
    if (check.errors.length > 0) throw new Error(formatRunbookErrors(check.errors));
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new Error(loaded.message);
    const server = await startServer(loaded.config, {
      logger: opts.logTo
        ? createLogger({
            level: loaded.config.logLevel,
            secrets: configSecrets(loaded.config),
            destination: opts.logTo,
          })
        : createLogger({ level: 'silent' }),
      ...(opts.clock ? { clock: opts.clock } : {}),
      tickMs: opts.tickMs ?? 50,
      // `from: env:NAME` secrets come from the bot's environment: here, the harness's.
      secretEnv: (name) => env[name],
      ...(opts.channelRecheckMs ? { channelRecheckMs: opts.channelRecheckMs } : {}),
    }).catch(async (err: unknown) => {
      await slack.stop();
      throw err;
    });
    return { port, slack, server };
  };
  const started = await retryOnPortClash(attempt);
  const { port, slack, server } = started;
  if (opts.mode === 'socket') await slack.socket.waitForConnection(10_000);
  // The bot joins the incident channel at start; tests begin once it has (or has said why not).
  await server.incidentChannel;
  const driver = createSlackDriver({
    signingSecret: creds.signingSecret,
    url: `http://127.0.0.1:${port}/slack/events`,
    slack,
  });
  const expectOk = (status: number, what: string) => {
    if (status !== 200) throw new Error(`${what}: HTTP ${status}`);
  };
  return {
    slack,
    server,
    driver,
    mode: opts.mode,
    dir,
    port,
    async slash(user, text) {
      if (opts.mode === 'http') {
        expectOk(
          (await driver.slashCommand({ user_id: user, channel_id: slack.channelId('#ops')!, text })).status,
          'slash',
        );
      } else {
        await slack.socket.send(
          'slash_commands',
          slashCommand({ user_id: user, channel_id: slack.channelId('#ops')!, text }, slack),
        );
      }
    },
    async interact(payload) {
      if (opts.mode === 'http') {
        const res = await driver.interaction(payload);
        expectOk(res.status, 'interaction');
        return res.json;
      }
      return (await slack.socket.send('interactive', payload)).payload;
    },
    async interactEvent(body) {
      if (opts.mode === 'http') expectOk((await driver.event(body)).status, 'event');
      else await slack.socket.send('events_api', body);
    },
    async stop() {
      await server.stop();
      await slack.stop();
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Fills and submits the request modal that the last views.open showed. */
/**
 * The request form's state as Slack submits it: `service`, `env` (default production), `severity`,
 * `level`, `reason`, `impact`, `param:<name>` fields, and the hosts picked.
 */
export function requestFormState(fields: Record<string, string>, hosts?: string[]) {
  const spec: Record<string, Record<string, unknown>> = {
    service: { service_select: { type: 'static_select', selected_option: { value: fields.service } } },
    env: { env_select: { type: 'static_select', selected_option: { value: fields.env ?? 'production' } } },
    severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: fields.severity } } },
    level: { level_radio: { type: 'radio_buttons', selected_option: { value: fields.level } } },
    reason: { reason_input: fields.reason ?? '' },
  };
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('param:')) spec[key] = { value };
  }
  if (hosts) {
    spec[`hosts:${fields.env ?? 'production'}`] = {
      hosts_select: { type: 'multi_static_select', selected_options: hosts.map((value) => ({ value })) },
    };
  }
  if (fields.impact !== undefined) spec.impact = { impact_input: fields.impact };
  return stateValues(spec as never);
}

export async function submitModal(
  h: Harness,
  user: string,
  fields: Record<string, string>,
  hosts?: string[],
): Promise<unknown> {
  const opened = [...h.slack.views.values()].at(-1);
  if (!opened) throw new Error('no modal open');
  const state = requestFormState(fields, hosts);
  const ack = await h.interact(viewSubmission({ user, view: opened, state }, h.slack));
  // A form that runs at once is shown again when it did not show the plan being submitted (values
  // typed since it was drawn): Slack displays the updated form and the person presses again.
  const update = ack as { response_action?: string; view?: Partial<StoredView> } | undefined;
  if (update?.response_action !== 'update' || !update.view) return ack;
  const shown = { ...opened, ...update.view, id: opened.id };
  return h.interact(viewSubmission({ user, view: shown, state }, h.slack));
}

/** Clicks a button (by action id) on a message, as `user`. */
export function click(h: Harness, user: string, message: StoredMessage, actionId: string) {
  const value = findButtonValue(message.blocks, actionId);
  return h.interact(blockAction({ user, actionId, value, message }, h.slack));
}

/**
 * What Slack submits for a form left as it was shown: every text input's initial value; `values`
 * (block id → text) are what the person typed instead.
 */
export function submittedAsShown(view: StoredView, values: Record<string, string> = {}) {
  const spec: Record<string, Record<string, string>> = {};
  for (const block of view.blocks as {
    type?: string;
    block_id?: string;
    element?: { type?: string; action_id?: string; initial_value?: string };
  }[]) {
    const { block_id: blockId, element } = block;
    if (block.type !== 'input' || !blockId || element?.type !== 'plain_text_input' || !element.action_id)
      continue;
    spec[blockId] = { [element.action_id]: values[blockId] ?? element.initial_value ?? '' };
  }
  return stateValues(spec);
}

/**
 * Clicks Resolved as `user` and submits the form it opens, as prefilled unless `values` (block id →
 * text) say otherwise; resolves with the form's ack (field errors, if any). `interact` delivers a
 * payload: the harness's own, or a driver's (one replica behind a load balancer).
 */
export async function resolveThrough(
  slack: FakeSlack,
  interact: (payload: Record<string, unknown>) => Promise<unknown>,
  user: string,
  message: StoredMessage,
  values: Record<string, string> = {},
): Promise<unknown> {
  const before = new Set(slack.views.keys());
  const value = findButtonValue(message.blocks, ids.RESOLVED);
  await interact(blockAction({ user, actionId: ids.RESOLVED, value, message }, slack));
  const form = await waitFor('the Resolve form', () =>
    [...slack.views.values()].find((v) => !before.has(v.id) && v.callback_id === ids.RESOLVE_MODAL),
  );
  return interact(viewSubmission({ user, view: form, state: submittedAsShown(form, values) }, slack));
}

/** `resolveThrough` on the harness's bot. */
export function resolveVia(
  h: Harness,
  user: string,
  message: StoredMessage,
  values?: Record<string, string>,
) {
  return resolveThrough(h.slack, (payload) => h.interact(payload), user, message, values);
}

export function findButtonValue(blocks: unknown, actionId: string): string | undefined {
  for (const block of (blocks as { elements?: { action_id?: string; value?: string }[] }[]) ?? []) {
    const el = block.elements?.find((e) => e.action_id === actionId);
    if (el) return el.value;
  }
  return undefined;
}

export function hasButton(message: StoredMessage | undefined, actionId: string): boolean {
  return message !== undefined && findButtonValue(message.blocks, actionId) !== undefined;
}

export const INCIDENT_CHANNEL = '#engineering-incidents';

/**
 * Types `/rollback shop level=N severity=S` as `user`, fills and submits the form with `reason`
 * and `params`, and returns the new incident's thread root.
 */
export async function requestRollback(
  h: Harness,
  user: string,
  request: { level: number; severity: string; reason: string; params?: Record<string, string> },
): Promise<{ root: StoredMessage; incidentId: string }> {
  const isRoot = (m: StoredMessage) => !m.thread_ts && /INCIDENT|DRILL/.test(m.text);
  const rootsBefore = new Set(
    h.slack
      .messages(INCIDENT_CHANNEL)
      .filter(isRoot)
      .map((m) => m.ts),
  );
  const viewsBefore = h.slack.views.size;
  await h.slash(user, `shop level=${request.level} severity=${request.severity}`);
  const opensBefore = h.slack.callsTo('views.open').length;
  await waitFor('the modal', () => h.slack.views.size > viewsBefore).catch((err: Error) => {
    // Say what Slack answered (an expired trigger on a loaded machine, a refused view...).
    const calls = h.slack.callsTo('views.open').slice(opensBefore);
    throw new Error(
      `${err.message}; views.open since the command: ${JSON.stringify(calls.map((c) => c.error ?? 'ok'))}`,
    );
  });
  const params = Object.fromEntries(Object.entries(request.params ?? {}).map(([k, v]) => [`param:${k}`, v]));
  await submitModal(h, user, {
    service: 'shop',
    severity: request.severity,
    level: String(request.level),
    reason: request.reason,
    ...params,
  });
  const root = await waitFor('the incident root', () =>
    h.slack.messages(INCIDENT_CHANNEL).find((m) => isRoot(m) && !rootsBefore.has(m.ts)),
  );
  const incidentId = /(INC|DRL)-\d{4}-\d{4}/.exec(root.text)?.[0];
  if (!incidentId) throw new Error(`no incident id in ${root.text}`);
  return { root, incidentId };
}

/** The first message in the incident's thread that carries this button. */
export function waitForButton(h: Harness, root: StoredMessage, actionId: string, timeoutMs?: number) {
  return waitFor(
    `a message with ${actionId}`,
    () => h.slack.thread(INCIDENT_CHANNEL, root.ts).find((m) => hasButton(m, actionId)),
    timeoutMs,
  );
}
