/**
 * What the terminal shows when something around rollbot is wrong: a reader that stops early, an empty
 * PORT, a token Slack refuses, a database path that cannot be used, a `.env` file. Each is one clear
 * line and the documented exit code (DESIGN §6: 2 for bad input or configuration), never a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/store.js';
import { rollbotCli } from '../support/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack/index.js';
import { instance } from '../support/temp-store.js';

const exec = promisify(execFile);
const BIN = resolve('bin/rollbot.js');

const RUNBOOK = `service: quick
description: One local step
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: localhost, local: true } ]
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 0
    steps:
      - name: Say hello
        run: echo hello
`;

function workspace(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-clierr-'));
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'quick.yml'), RUNBOOK);
  return {
    dir,
    env: {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      LOG_LEVEL: 'silent',
    },
  };
}

/** One line of text, no stack frames. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack({
    botToken: 'xoxb-the-right-one',
    appToken: 'xapp-the-right-one',
    channels: ['#engineering-incidents'],
  });
});
afterAll(async () => {
  await slack?.stop();
});

describe('rollbot in a pipeline', () => {
  it('`rollbot timeline … | head -1` ends quietly with exit 0 when the reader stops early', async () => {
    const { dir, env } = workspace();
    const run = await rollbotCli(
      ['run', 'quick', '--level', '1', '--severity', 'minor', '--reason', 'pipe test', '--yes'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const incidentId = /INC-\d{4}-\d{4}/.exec(run.stdout)![0];
    // Far more than a pipe holds (64 KiB), so rollbot is still writing when `head` has gone.
    const store = await createStore({
      file: env.ROLLBOT_DB!,
      clock: { now: () => Date.now() },
      self: instance(),
    });
    for (let i = 0; i < 2000; i++)
      await store.appendTimeline({
        type: 'note.added',
        actor: 'U0NOTER',
        incidentId,
        data: { text: `note ${i} ${'x'.repeat(300)}`, via: 'command' },
      });
    await store.close();
    const errFile = join(dir, 'stderr.txt');
    const script = `node "$BIN" timeline "$ID" 2>"$ERR" | head -1; echo "rollbot exit \${PIPESTATUS[0]}"; cat "$ERR"`;
    const { stdout } = await exec('bash', ['-c', script], {
      env: { ...env, BIN, ID: incidentId, ERR: errFile },
      timeout: 60_000,
    });
    const [first, status, ...rest] = stdout.split('\n');
    expect(first).toMatch(/request\.submitted|incident\.opened|run\./);
    expect(status).toBe('rollbot exit 0');
    expect(rest.join('\n').trim()).toBe('');
  });
});

describe('configuration problems are one line and exit 2', () => {
  it('PORT= (empty) is refused, naming the variable', async () => {
    const { env } = workspace();
    const r = await rollbotCli(['serve'], {
      ...env,
      PORT: '',
      SLACK_BOT_TOKEN: 'xoxb-the-right-one',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^ {2}PORT: is empty: set a port number, or remove the variable for the default$/m,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a bot token Slack refuses', async () => {
    const { env } = workspace();
    const r = await rollbotCli(['serve'], {
      ...env,
      SLACK_BOT_TOKEN: 'xoxb-a-wrong-one',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
    });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /^rollbot: SLACK_BOT_TOKEN: Slack refused the bot token \(invalid_auth\)/);
    expect(r.stderr).not.toContain('xoxb-a-wrong-one');
  });

  it('an app-level token Slack refuses (Socket Mode)', async () => {
    const { env } = workspace();
    const r = await rollbotCli(['serve'], {
      ...env,
      SLACK_BOT_TOKEN: 'xoxb-the-right-one',
      SLACK_APP_TOKEN: 'xapp-a-wrong-one',
      SLACK_API_URL: slack.apiUrl,
    });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /^rollbot: SLACK_APP_TOKEN: Slack refused the app-level token \(invalid_auth\)/);
  });

  it('a database path that cannot be used', async () => {
    const { env } = workspace();
    // A path through a regular file fails for root too (a permission test would not).
    const blocked = await rollbotCli(['history'], { ...env, ROLLBOT_DB: '/etc/passwd/rollbot.db' });
    expect(blocked.code).toBe(2);
    expectOneLine(blocked.stderr, /^rollbot: ROLLBOT_DB: cannot use \/etc\/passwd/);
    const directory = await rollbotCli(['history'], { ...env, ROLLBOT_DB: tmpdir() });
    expect(directory.code).toBe(2);
    const escaped = tmpdir().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expectOneLine(
      directory.stderr,
      new RegExp(`^rollbot: ROLLBOT_DB: cannot use the database ${escaped} \\(SQLITE_CANTOPEN`),
    );
  });
});

describe('.env', () => {
  it('is read from the working directory without overriding the environment', async () => {
    const { dir, env } = workspace();
    const other = join(dir, 'other-runbooks');
    mkdirSync(other);
    writeFileSync(join(other, 'envy.yml'), RUNBOOK.replace('service: quick', 'service: envy'));
    const { ROLLBOT_RUNBOOKS: _, ...withoutRunbooks } = env;
    writeFileSync(join(dir, '.env'), `# settings for this folder\nROLLBOT_RUNBOOKS=${other}\n`);
    const cli = async (extra: NodeJS.ProcessEnv) => {
      try {
        const { stdout } = await exec('node', [BIN, 'validate'], {
          cwd: dir,
          env: { ...withoutRunbooks, ...extra },
        });
        return stdout;
      } catch (err) {
        return String((err as { stderr?: string }).stderr);
      }
    };
    expect(await cli({})).toMatch(/^1 runbook\(s\) valid in .*other-runbooks: envy$/m);
    expect(await cli({ ROLLBOT_RUNBOOKS: join(dir, 'runbooks') })).toContain(': quick');
  });

  it('a .env that cannot be read is one line and exit 2', async () => {
    const { dir, env } = workspace();
    mkdirSync(join(dir, '.env'));
    const r = await exec('node', [BIN, 'history'], { cwd: dir, env }).catch((err) => err);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /^rollbot: .*\.env is not a file/);
  });
});
