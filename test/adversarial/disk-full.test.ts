/**
 * Issue 10 item 6: the disk under the store fills up mid-run (a step's own output, or anything
 * else). The terminal says which run stopped and that the running steps' outcome is unknown; the
 * run is ended (and its lock freed) as soon as a write is possible again; nothing is left `running`.
 * The data directory is a real, small tmpfs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import { rollbotCli } from '../support/bot-process.js';
import { waitFor } from '../support/rollbot-harness.js';

let dir: string;
let data: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rollbot-disk-full-'));
  data = join(dir, 'data');
  mkdirSync(data);
  // A small, real filesystem for the store and the step logs (root in tests, as for sshd).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', data]);
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(
    join(dir, 'runbooks', 'filler.yml'),
    `service: filler
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: here, local: true } ]
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 1
    steps:
      - name: Fill the disk
        run: head -c 8000000 /dev/zero > ${data}/filler || true
      - name: Never reached
        run: touch ${dir}/reached
`,
  );
});

afterAll(() => {
  child?.kill('SIGKILL');
  try {
    execFileSync('umount', [data]);
  } catch {
    // Not mounted.
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the disk fills up mid-run', () => {
  it('says so, ends the run once it can write again, and frees the lock', async () => {
    const env = {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(data, 'rollbot.db'),
    };
    let stderr = '';
    let stdout = '';
    child = spawn(
      'node',
      ['bin/rollbot.js', 'run', 'filler', '--level', '1', '--severity', 'major', '--reason', 'disk', '--yes'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    await waitFor(
      'the terminal to say the store cannot be written',
      () => stderr.includes('cannot write its store'),
      60_000,
    );
    expect(stderr).toMatch(
      /Run INC-\d{4}-\d{4}-r1 stops here: steps that were running have an unknown outcome/,
    );
    // Free the space: the run ends at the next attempt.
    rmSync(join(data, 'filler'), { force: true });
    const code = await exited;
    expect(code).toBe(1);
    expect(stdout).toContain('FAILED');
    const db = openSqlite(join(data, 'rollbot.db'));
    try {
      const run = await db.get<{ state: string; error: string }>('SELECT state, error FROM runs');
      expect(run?.state).toBe('failed');
      expect(run?.error).toContain('could not be written');
      const running = await db.all("SELECT * FROM step_results WHERE state = 'running'");
      expect(running).toEqual([]);
    } finally {
      await db.close();
    }
    // Nothing after the full disk ran, and the lock is free: the next run opens.
    expect(existsSync(join(dir, 'reached'))).toBe(false);
    const next = await rollbotCli(['plan', 'filler', '--level', '1'], env);
    expect(next.code).toBe(0);
    const history = await rollbotCli(['history', '--json'], env);
    expect(JSON.parse(history.stdout).runs.filter((r: { state: string }) => r.state === 'running')).toEqual(
      [],
    );
  });
});
