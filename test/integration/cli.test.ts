import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const SECRET = 'canary-S3cret-7f3a9c';

const RUNBOOK = `service: locky
description: Local runbook for CLI tests
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: localhost, local: true } ]
  staging:
    hosts: [ { name: localhost, local: true } ]
params:
  token:
    description: API token the step needs
    pattern: '^[A-Za-z0-9-]+$'
    secret: true
    # Read from the bot's environment at execution; the terminal may type it instead (--set).
    from: env:LOCKY_TOKEN
  pause: { pattern: '^[0-9.]+$', default: '0' }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 1
    steps:
      - name: Hold
        run: sleep {{pause}}
      - name: Use the token
        run: echo "token is" {{token}}; echo {{token}} >&2
`;

function workspace(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-cli-'));
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'locky.yml'), RUNBOOK);
  const env = {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
    ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
    LOG_LEVEL: 'debug',
  };
  return { dir, env };
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

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('rollbot CLI', () => {
  it('validate: 0 for the bundled runbooks, 2 with file:line for a broken one', async () => {
    const ok = await rollbot(['validate'], {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('demo');
    const { dir, env } = workspace();
    writeFileSync(join(dir, 'runbooks', 'broken.yml'), 'service: broken\ndescripton: typo\n');
    const bad = await rollbot(['validate'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.yml:2:\d+/);
  });

  it('bad input exits 2 and runs nothing', async () => {
    const { dir, env } = workspace();
    const results = await Promise.all([
      rollbot(['run', 'locky', '--level', '4', '--severity', 'major', '--reason', 'x', '--yes'], env),
      rollbot(['run', 'locky', '--level', '1', '--severity', 'urgent', '--reason', 'x', '--yes'], env),
      rollbot(['run', 'nope', '--level', '1', '--severity', 'major', '--reason', 'x', '--yes'], env),
      rollbot(
        [
          'run',
          'locky',
          '--level',
          '1',
          '--severity',
          'major',
          '--reason',
          'x',
          '--set',
          'token=a;b',
          '--yes',
        ],
        env,
      ),
      rollbot(['frobnicate'], env),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results[2]?.stderr).toContain('Known services: locky');
    expect(results[3]?.stderr).toContain('token');
    expect(() => statSync(join(dir, 'data', 'logs'))).toThrow();
  });

  it('refuses to run without --yes when there is no terminal to ask', async () => {
    const { env } = workspace();
    const r = await rollbot(
      ['run', 'locky', '--level', '1', '--severity', 'major', '--reason', 'x', '--set', 'token=abc'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
  });

  it('on a terminal, redraws the step list in place and asks before running', async () => {
    const { env } = workspace();
    // `script` gives the CLI a pseudo-terminal; typing the service name approves the plan.
    const command =
      'node bin/rollbot.js run locky --level 1 --severity minor --reason tty --set token=abcdef12';
    const child = spawn('script', ['-qec', command, '/dev/null'], { env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('to approve:') && !stdout.includes('typed')) {
        stdout += '(typed)';
        child.stdin.write('locky\n');
      }
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('Type the service name (locky) to approve');
    expect(stdout).toContain('\x1b[');
    expect(stdout).toMatch(/✔ localhost/);
    expect(stdout).toMatch(/SUCCEEDED/);
  });

  it('two runs for the same service and environment at once: exactly one runs', async () => {
    const { env } = workspace();
    const args = ['run', 'locky', '--level', '1', '--severity', 'critical', '--reason', 'race', '--yes'];
    const [a, b] = await Promise.all([
      rollbot([...args, '--set', 'token=one', '--set', 'pause=3'], env),
      rollbot([...args, '--set', 'token=two', '--set', 'pause=3'], env),
    ]);
    expect([a?.code, b?.code].sort()).toEqual([0, 1]);
    const loser = a?.code === 1 ? a : b;
    expect(loser?.stderr).toMatch(/locky production is locked by run INC-\d{4}-\d{4}-r1/);
    const history = await rollbot(['history', 'locky', '--json'], env);
    const runs = JSON.parse(history.stdout).runs as { state: string }[];
    expect(runs.map((r) => r.state)).toEqual(['succeeded']);
  });

  it('a secret param never reaches the output, the database, the step logs or the log lines', async () => {
    const { dir, env } = workspace();
    const r = await rollbot(
      [
        'run',
        'locky',
        '--level',
        '1',
        '--severity',
        'minor',
        '--reason',
        'secret test',
        '--set',
        `token=${SECRET}`,
        '--yes',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const files = filesUnder(join(dir, 'data'));
    expect(files.some((f) => f.endsWith('.log'))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(SECRET), file).toBe(false);
    const stepLog = files.find((f) => f.endsWith('02-localhost.log'))!;
    expect(readFileSync(stepLog, 'utf8')).toContain('token is ••••••');
    const incidentId = /INC-\d{4}-\d{4}/.exec(r.stdout)![0];
    const timeline = await rollbot(['timeline', incidentId, '--json'], env);
    expect(timeline.stdout).not.toContain(SECRET);
    expect(timeline.stdout).toContain('step.finished');
  });

  it('a secret read from the environment (from: env:…) reaches the step and nothing else', async () => {
    const { dir, env } = workspace();
    const r = await rollbot(
      ['run', 'locky', '--level', '1', '--severity', 'minor', '--reason', 'env secret', '--yes'],
      { ...env, LOCKY_TOKEN: SECRET },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const files = filesUnder(join(dir, 'data'));
    for (const file of files) expect(readFileSync(file).includes(SECRET), file).toBe(false);
    // The step got the value (its echo was masked on the way to the log), not an empty variable.
    const stepLog = files.find((f) => f.endsWith('02-localhost.log'))!;
    expect(readFileSync(stepLog, 'utf8')).toContain('token is ••••••');
    const incidentId = /INC-\d{4}-\d{4}/.exec(r.stdout)![0];
    const rca = await rollbot(['rca', incidentId], env);
    expect(rca.code, rca.stderr).toBe(0);
    expect(rca.stdout).toContain('# Root Cause Analysis');
    expect(rca.stdout + rca.stderr).not.toContain(SECRET);
    // Unset, the run is refused before any step runs, and says where the value was looked for.
    const missing = await rollbot(
      ['run', 'locky', '--level', '1', '--severity', 'minor', '--reason', 'no secret', '--yes'],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not started: secret token \(env:LOCKY_TOKEN\)/);
  });

  it('the demo drill rolls the broken release back to the good one on embedded defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-demo-'));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      ROLLBOT_DB: join(dir, 'rollbot.db'),
    };
    await exec('node', ['demo/democtl.mjs', 'break'], { env });
    try {
      const before = await fetch('http://127.0.0.1:4780/health');
      expect(before.status).toBe(503);
      const drill = await rollbot(['drill', 'demo', '--level', '2'], env);
      expect(drill.code, drill.stdout + drill.stderr).toBe(0);
      expect(drill.stdout).toMatch(/DRL-\d{4}-\d{4}-r1: SUCCEEDED/);
      const after = (await (await fetch('http://127.0.0.1:4780/health')).json()) as {
        version: string;
        status: string;
      };
      expect(after).toMatchObject({ status: 'ok', version: 'v1.0.0' });
      const history = await rollbot(['history', 'demo'], env);
      expect(history.stdout).toMatch(/Drills\n.*Within target\n.*demo\s+staging\s+2\s+yes\s+\S+\s+15m\s+yes/);

      const drillId = /DRL-\d{4}-\d{4}/.exec(drill.stdout)![0];
      const rca = await rollbot(['rca', drillId, '--out', join(dir, 'rca.md')], env);
      expect(rca.code, rca.stderr).toBe(0);
      const markdown = readFileSync(join(dir, 'rca.md'), 'utf8');
      expect(markdown).toContain(`# Root Cause Analysis`);
      expect(markdown).toMatch(/Run started/);

      // Tamper evidence: edit, delete and insert timeline rows behind rollbot's back.
      expect((await rollbot(['audit', 'verify'], env)).code).toBe(0);
      const db = new Database(join(dir, 'rollbot.db'));
      db.prepare("UPDATE timeline SET actor = 'someone-else' WHERE seq = 3").run();
      const edited = await rollbot(['audit', 'verify', drillId], env);
      expect([edited.code, edited.stderr]).toEqual([1, expect.stringContaining('seq 3 (edited)')]);
      db.close();
    } finally {
      await exec('node', ['demo/democtl.mjs', 'stop'], { env });
    }
  });
});
