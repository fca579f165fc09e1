/**
 * Canary secrets in every place a secret lives: the Slack tokens and signing secret, the SSH key
 * passphrase (an encrypted key really used for the run), a variable of the bot's own environment,
 * and `secret: true` params the bot reads from its environment (`from: env:…`) and steps echo
 * (whole, to stderr, split across output chunks, then in a failing step's tail). None may reach
 * the logs, the SQLite files, the step logs, anything sent to Slack, or the RCA draft. Slack never
 * asks for a secret: the form has no field for one, and a value typed into the slash command or
 * forged into the form is refused without being echoed.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import {
  type Json,
  type SlashCommandInput,
  slashCommand,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';
import { runAsTestUser, sh } from '../support/host-user.js';
import {
  type Harness,
  hasButton,
  resolveVia,
  startHarness,
  submitModal,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

const exec = promisify(execFile);

const CANARY = {
  botToken: 'xoxb-CANARYbot-1f2e3d4c5b6a',
  signingSecret: 'CANARYsign-9a8b7c6d5e4f',
  appToken: 'xapp-CANARYapp-0a1b2c3d4e5f',
  passphrase: 'CANARYpass-7e6d5c4b3a',
  dbPassword: 'CANARYdbpw-2b3c4d5e6f',
  param: 'CANARYparam-6f5e4d3c2b1a',
  // A password with the characters quoting and encoding rewrite: its pieces must not show either.
  password: `PWone1'PWtwo2"PWthree3\\PWfour4 PWfive5/PWsix6%PWseven7`,
};
const PASSWORD_PIECES = CANARY.password.split(/[^A-Za-z0-9]+/);
const ALL = [...Object.values(CANARY), ...PASSWORD_PIECES];
const ADDRESSES = ['127.0.0.33', '127.0.0.34'];
/** A run's deadline: five steps on two hosts over an encrypted key, on a machine other suites share. */
const RUN_MS = 60_000;

let sshd: SshdHandle;
let keyDir: string;
let hostDir: string;
const saved = { ...process.env };

/** Steps that use the secret every way a careless runbook might, over SSH or on the bot host. */
function vaultRunbook(): string {
  const hosts = ADDRESSES.map(
    (a, i) => `      - { name: vault-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`,
  );
  const split = `sh -c 'printf "%s" "$(printf "%s" "$1" | cut -c1-9)"; sleep 0.3; printf "%s\\n" "$(printf "%s" "$1" | cut -c10-)"' split {{token}}`;
  return `service: vault
approvers: [U0BOB]
environments:
  production:
    hosts:
${hosts.join('\n')}
    strategy: { canary: 1, parallel: 5 }
  bot:
    hosts: [ { name: bot, local: true } ]
params:
  token: { description: API token, pattern: '^[A-Za-z0-9_-]{8,64}$', secret: true, from: 'env:VAULT_TOKEN' }
  password: { description: DB password, pattern: '[\\s\\S]{8,200}', secret: true, from: 'env:VAULT_PASSWORD' }
levels:
  1:
    name: Use the token
    target: 2m
    approvals: 0
    steps:
      - name: Echo {{token}}
        run: echo "token is" {{token}}; echo {{token}} >&2; mkdir -p ${hostDir}/{{run.id}} && printf '%s' {{token}} > ${hostDir}/{{run.id}}/{{host.name}}
      - name: Use the password
        run: printf '%s\\n' {{password}}; printf '%s' {{password}} > ${hostDir}/{{run.id}}/{{host.name}}.pw
      - name: Split across output chunks
        run: ${split}
      - name: Environment of the step
        run: env; echo "db=$DB_PASSWORD"
      - name: Argv with the token
        local: [printf, '%s|%s\\n', '{{token}}', '{{host.name}}']
  2:
    name: Fail with the token in the output
    target: 2m
    approvals: 0
    steps:
      - name: Print and fail
        run: echo "failing with" {{token}} >&2; echo token={{token}}; exit 3
`;
}

beforeAll(async () => {
  sshd = await startSshd({ addresses: ADDRESSES });
  hostDir = `${sshd.home}/adv-secrets-${process.pid}`;
  await runAsTestUser(`mkdir -p ${hostDir}`);
  // An encrypted user key: the run only reaches the hosts if the passphrase is used.
  keyDir = mkdtempSync(join(tmpdir(), 'rollbot-adv-key-'));
  const key = join(keyDir, 'id_ed25519');
  const made = await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', CANARY.passphrase, '-f', key]);
  expect(made.code, made.stderr).toBe(0);
  const authorized = join(sshd.home, '.ssh', 'authorized_keys.d', basename(dirname(sshd.userKeyFile)));
  appendFileSync(authorized, readFileSync(`${key}.pub`));
  // The bot's own environment, as `rollbot serve` would have it.
  process.env.DB_PASSWORD = CANARY.dbPassword;
  process.env.VAULT_TOKEN = CANARY.param;
  process.env.VAULT_PASSWORD = CANARY.password;
  process.env.SLACK_BOT_TOKEN = CANARY.botToken;
  process.env.SLACK_SIGNING_SECRET = CANARY.signingSecret;
  process.env.SLACK_APP_TOKEN = CANARY.appToken;
  process.env.ROLLBOT_SSH_KEY_PASSPHRASE = CANARY.passphrase;
});

afterAll(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  await sshd?.stop();
  await sh('rm', ['-rf', hostDir]);
  rmSync(keyDir, { recursive: true, force: true });
});

function leaks(text: string): string[] {
  return ALL.filter((secret) => text.includes(secret));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Raw bytes of every file under `dir` (db, -wal, -shm, step logs), as latin1 so any byte matches. */
function leaksInFiles(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const file of filesUnder(dir)) {
    const hits = leaks(readFileSync(file).toString('latin1'));
    if (hits.length > 0) found[file] = hits;
  }
  return found;
}

async function rollbot(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await exec('node', ['bin/rollbot.js', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.each(['http', 'socket'] as const)('secrets over %s', (mode) => {
  let h: Harness;
  let log = '';
  const logTo = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });

  beforeAll(async () => {
    h = await startHarness({
      mode,
      sshd,
      credentials: {
        botToken: CANARY.botToken,
        appToken: CANARY.appToken,
        signingSecret: CANARY.signingSecret,
      },
      runbooks: { 'vault.yml': vaultRunbook() },
      env: {
        LOG_LEVEL: 'debug',
        ROLLBOT_SSH_KEY: join(keyDir, 'id_ed25519'),
        ROLLBOT_SSH_KEY_PASSPHRASE: CANARY.passphrase,
        // Where the runbook's secret params are read (the in-process bot reads the harness env).
        VAULT_TOKEN: CANARY.param,
        VAULT_PASSWORD: CANARY.password,
        // Socket Mode still has a signing secret configured; HTTP mode has no app token (it would switch modes).
        ...(mode === 'socket' ? { SLACK_SIGNING_SECRET: CANARY.signingSecret } : {}),
      },
      logTo,
    });
  });
  afterAll(async () => {
    await h?.stop();
    if (h) rmSync(h.dir, { recursive: true, force: true });
  });

  const channel = '#engineering-incidents';

  /** Requests vault at `level` on `env` through the modal; resolves with the incident's root message. */
  async function request(level: string, env: string, reason: string) {
    const before = h.slack.views.size;
    await h.slash('U0ALICE', `vault level=${level} severity=critical env=${env}`);
    await waitFor('the modal', () => h.slack.views.size > before);
    await submitModal(h, 'U0ALICE', {
      service: 'vault',
      env,
      severity: 'critical',
      level,
      reason,
    });
    return waitFor('the incident root', () =>
      h.slack.messages(channel).find((m) => !m.thread_ts && JSON.stringify(m).includes(reason)),
    );
  }

  /** What the bot answered in its ack, delivered the way the mode delivers it. */
  async function slashAck(input: SlashCommandInput): Promise<unknown> {
    if (mode === 'http') return (await h.driver.slashCommand(input)).json;
    return (await h.slack.socket.send('slash_commands', slashCommand(input, h.slack))).payload;
  }
  async function interactionAck(payload: Json): Promise<unknown> {
    if (mode === 'http') return (await h.driver.interaction(payload)).json;
    return (await h.slack.socket.send('interactive', payload)).payload;
  }

  it('never asks Slack for a secret, and refuses one typed or forged there without echoing it', async () => {
    const incidents = (await h.server.core.store.openIncidents()).length;
    const ops = h.slack.channelId('#ops')!;
    // Typed into the slash command: refused in the ack, which says where the bot reads it.
    const typed = JSON.stringify(
      await slashAck({ user_id: 'U0ALICE', channel_id: ops, text: `vault level=1 token=${CANARY.param}` }),
    );
    expect(typed).toContain('token is a secret: rollbot reads it from env:VAULT_TOKEN, never from Slack');
    expect(leaks(typed)).toEqual([]);
    // The form shows where each secret comes from, and has no field for its value.
    const before = h.slack.views.size;
    await h.slash('U0ALICE', 'vault level=1 severity=critical');
    await waitFor('the modal', () => h.slack.views.size > before);
    const view = [...h.slack.views.values()].at(-1)!;
    const shown = JSON.stringify(view);
    expect(shown).toContain('env:VAULT_TOKEN');
    expect(shown).toContain('env:VAULT_PASSWORD');
    expect(shown).not.toContain('"block_id":"param:token"');
    expect(shown).not.toContain('"block_id":"param:password"');
    // Forged into the submitted form: a field error, nothing opened.
    const forged = await interactionAck(
      viewSubmission(
        {
          user: 'U0ALICE',
          view,
          state: stateValues({
            service: { service_select: { type: 'static_select', selected_option: { value: 'vault' } } },
            env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
            severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'critical' } } },
            level: { level_radio: { type: 'radio_buttons', selected_option: { value: '1' } } },
            reason: { reason_input: 'forged secret' },
            'param:token': { value: CANARY.param },
          } as never),
        },
        h.slack,
      ),
    );
    expect(forged).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(forged)).toContain('token is a secret read from env:VAULT_TOKEN');
    expect(leaks(JSON.stringify(forged))).toEqual([]);
    expect(await h.server.core.store.openIncidents()).toHaveLength(incidents);
  });

  it('never shows a canary in logs, the database, step logs, Slack or the RCA', async () => {
    // 1. Level 1 over SSH (with the encrypted key), then resolved: the RCA is uploaded.
    const ok = await request('1', 'production', `secret run ${mode}`);
    const done = await waitFor(
      'success',
      () => h.slack.thread(channel, ok.ts).find((m) => hasButton(m, ids.RESOLVED)),
      RUN_MS,
    );
    await resolveVia(h, 'U0ALICE', done);
    await waitFor('the RCA upload', () =>
      [...h.slack.files.values()].find((f) => f.filename.startsWith('RCA-')),
    );
    // 2. Level 2 fails with the secret in its output tail.
    const failed = await request('2', 'production', `secret failure ${mode}`);
    const failure = await waitFor(
      'the failure',
      () => h.slack.thread(channel, failed.ts).find((m) => hasButton(m, ids.RETRY_STEP)),
      RUN_MS,
    );
    // The failing step's output tail is shown, masked.
    expect(JSON.stringify(failure)).toContain('token=••••••');
    // 3. Level 1 on the bot's own host: `env` shows what a local step inherits.
    const local = await request('1', 'bot', `secret local ${mode}`);
    await waitFor(
      'local success',
      () => h.slack.thread(channel, local.ts).find((m) => hasButton(m, ids.RESOLVED)),
      RUN_MS,
    );

    const store = h.server.core.store;
    const incidents = [ok, failed, local].map((m) => /INC-\d{4}-\d{4}/.exec(m.text)![0]);
    const runs = await Promise.all(incidents.map(async (id) => (await store.runsOfIncident(id))[0]!));
    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'failed', 'succeeded']);
    // Positive controls: the secret really was used on the hosts, and the local steps really ran.
    for (const host of ['vault-1', 'vault-2']) {
      expect(readFileSync(join(hostDir, runs[0]!.id, host), 'utf8')).toBe(CANARY.param);
      expect(readFileSync(join(hostDir, runs[0]!.id, `${host}.pw`), 'utf8')).toBe(CANARY.password);
    }
    const logs = filesUnder(join(h.dir, 'data', 'logs'));
    const envLog = readFileSync(logs.find((f) => f.includes(runs[2]!.id) && f.includes('04-bot'))!, 'utf8');
    expect(envLog).toContain('PATH=');
    expect(envLog).toContain('db=\n');
    const argvLog = readFileSync(logs.find((f) => f.includes(runs[2]!.id) && f.includes('05-bot'))!, 'utf8');
    expect(argvLog).toBe('••••••|bot\n');
    const splitLog = readFileSync(
      logs.find((f) => f.includes(runs[0]!.id) && f.includes('03-vault-1'))!,
      'utf8',
    );
    expect(splitLog).toBe('••••••\n');
    // An error path that logs an `err`: a slash command whose trigger id Slack refuses.
    const stale = {
      user_id: 'U0ALICE',
      channel_id: h.slack.channelId('#ops')!,
      text: 'vault',
      trigger_id: 'stale.trigger',
    };
    if (mode === 'http') await h.driver.slashCommand(stale);
    else await h.slack.socket.send('slash_commands', slashCommand(stale, h.slack));
    await waitFor('the views.open error in the log', () => log.includes('views.open failed'));
    expect(log).toContain('rollbot is serving');

    // The RCA: uploaded, asked for in Slack, and from the terminal (with the same environment).
    await h.slash('U0BOB', `rca ${incidents[1]}`);
    await waitFor(
      'the second RCA',
      () => [...h.slack.files.values()].filter((f) => f.filename.startsWith('RCA-')).length >= 2,
    );
    const cliEnv = {
      ...process.env,
      ROLLBOT_RUNBOOKS: join(h.dir, 'runbooks'),
      ROLLBOT_DB: join(h.dir, 'data', 'rollbot.db'),
      ROLLBOT_SSH_KEY: join(keyDir, 'id_ed25519'),
      LOG_LEVEL: 'debug',
    };
    const rcaOut = join(h.dir, 'rca.md');
    const cli = [
      await rollbot(['rca', incidents[0]!, '--out', rcaOut], cliEnv),
      await rollbot(['rca', incidents[1]!], cliEnv),
      await rollbot(['timeline', incidents[1]!, '--json'], cliEnv),
      await rollbot(['history', 'vault', '--json'], cliEnv),
    ];
    expect(cli.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(cli[1]!.stdout).toContain('Root Cause Analysis');
    expect(readFileSync(rcaOut, 'utf8')).toContain('Root Cause Analysis');

    const slack = {
      calls: JSON.stringify(h.slack.calls.map((c) => ({ method: c.method, args: c.args }))),
      files: [...h.slack.files.values()]
        .map((f) => f.bytes.toString('utf8') + f.filename + f.title)
        .join('\n'),
      ephemerals: JSON.stringify(h.slack.ephemerals),
      responses: JSON.stringify(h.slack.responses),
      messages: JSON.stringify(['#engineering-incidents', '#ops'].flatMap((c) => h.slack.messages(c))),
      views: JSON.stringify([...h.slack.views.values()]),
    };
    const found: Record<string, string[]> = {};
    const check = (where: string, text: string) => {
      const hits = leaks(text);
      if (hits.length > 0) found[where] = hits;
    };
    for (const [where, text] of Object.entries(slack)) check(`slack ${where}`, text);
    check('log', log);
    for (const [i, r] of cli.entries()) check(`cli ${i}`, r.stdout + r.stderr);
    Object.assign(found, leaksInFiles(h.dir));
    expect(found).toEqual({});
    expect(h.slack.files.size).toBeGreaterThanOrEqual(2);
    // The scope is right: the token is on the wire (Authorization), just never in what is sent.
    expect(h.slack.calls.some((c) => c.token === CANARY.botToken)).toBe(true);
    const failedLog = readFileSync(
      logs.find((f) => f.includes(runs[1]!.id) && f.includes('01-vault-1'))!,
      'utf8',
    );
    expect(failedLog).toContain('token=••••••');
    // Three runs, two uploads and four CLI processes in sequence: minutes on a loaded machine.
  }, 180_000);
});
