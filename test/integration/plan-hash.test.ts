/** One plan, one hash: what `rollbot plan` prints is what `rollbot run` and `rollbot drill` record. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);

// The commands carry the run and incident ids, which a preview cannot know yet.
const RUNBOOK = `service: ids
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: localhost, local: true } ]
  staging:
    hosts: [ { name: localhost, local: true } ]
    drill: true
params:
  tag: { pattern: '^v[0-9]+$', default: v1 }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 0
    steps:
      - name: Note {{tag}} for {{incident.id}}
        run: echo {{run.id}} {{incident.id}} {{tag}}
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-hash-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'ids.yml'), RUNBOOK);
  const env = {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
    ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
    LOG_LEVEL: 'silent',
  };
  return { dir, env };
}

const rollbot = async (args: string[], env: NodeJS.ProcessEnv) =>
  (await exec(process.execPath, ['bin/rollbot.js', ...args], { env, timeout: 60_000 })).stdout;

function recordedHashes(dir: string): { id: string; plan_hash: string; plan_json: string }[] {
  const db = new Database(join(dir, 'data', 'rollbot.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, plan_hash, plan_json FROM runs ORDER BY created_at').all() as {
      id: string;
      plan_hash: string;
      plan_json: string;
    }[];
  } finally {
    db.close();
  }
}

describe('plan hash', () => {
  it('is the same in `rollbot plan` and in the runs `rollbot run` and `rollbot drill` record', async () => {
    const { dir, env } = workspace();
    const plan = (...args: string[]) => rollbot(['plan', 'ids', '--level', '1', ...args], env);
    const [prodJson, stagingJson, text] = await Promise.all([
      plan('--env', 'production', '--json'),
      plan('--env', 'staging', '--json'),
      plan('--env', 'production'),
    ]);
    const prod = JSON.parse(prodJson);
    const staging = JSON.parse(stagingJson);
    expect(text).toContain(`Plan hash: ${prod.hash}`);

    await rollbot(
      ['run', 'ids', '--level', '1', '--severity', 'major', '--reason', 'hash check', '--yes'],
      env,
    );
    await rollbot(['drill', 'ids', '--level', '1'], env);
    const [run, drill] = recordedHashes(dir);
    expect(run?.plan_hash).toBe(prod.hash);
    expect(drill?.plan_hash).toBe(staging.hash);
    expect(staging.hash).not.toBe(prod.hash);
    // The recorded plan still ran the real ids.
    expect(run?.plan_json).toContain(`echo ${run?.id} `);
  }, 120_000);
});
