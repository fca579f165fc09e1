/**
 * Issue 10 item 8: the timeline cannot be rewritten or cut short without `audit verify` noticing.
 * With ROLLBOT_AUDIT_KEY each row is an HMAC: someone who can write the database but lacks the key
 * cannot recompute the chain; and a head published outside the database proves nothing up to it was
 * removed, even when the newest rows are deleted and the head row is lowered to match.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, rowHash } from '../../src/store/chain.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import { rollbotCli } from '../support/bot-process.js';

const KEY = 'k3y-for-the-audit-chain-0123456789';
const RUNBOOK = `service: ledger
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
      - name: Toggle
        run: "true"
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function workspace(key?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-audit-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'ledger.yml'), RUNBOOK);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
    ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
    ...(key ? { ROLLBOT_AUDIT_KEY: key } : {}),
  };
  return { dir, env, db: join(dir, 'data', 'rollbot.db') };
}

async function rollBack(env: NodeJS.ProcessEnv) {
  const run = await rollbotCli(
    ['run', 'ledger', '--level', '1', '--severity', 'major', '--reason', 'toggle', '--yes'],
    env,
  );
  expect(run.code, run.stderr).toBe(0);
  return {
    incidentId: /INC-\d{4}-\d{4}/.exec(run.stdout)![0],
    head: /Audit head: ([0-9a-f]{64})/.exec(run.stdout)![1]!,
  };
}

interface Row {
  seq: number;
  at: number;
  type: string;
  actor: string;
  incident_id: string | null;
  run_id: string | null;
  data_json: string;
  prev_hash: string;
  hash: string;
}

/** What someone with write access but no key does: edit a row and recompute every hash after it. */
async function rewriteAndRechain(file: string, edit: (row: Row) => Row): Promise<void> {
  const db = openSqlite(file);
  try {
    const rows = await db.all<Row>('SELECT * FROM timeline ORDER BY seq');
    let prev = '0'.repeat(64);
    for (const original of rows) {
      const row = edit(original);
      const content = {
        seq: row.seq,
        at: row.at,
        type: row.type,
        actor: row.actor,
        incidentId: row.incident_id,
        runId: row.run_id,
        data: JSON.parse(row.data_json) as unknown,
      };
      const hash = rowHash(prev, content);
      await db.run(
        'UPDATE timeline SET actor = ?, data_json = ?, prev_hash = ?, hash = ?, keyed = 0 WHERE seq = ?',
        [row.actor, canonicalJson(content.data), prev, hash, row.seq],
      );
      prev = hash;
    }
    await db.run('UPDATE timeline_head SET hash = ? WHERE id = 1', [prev]);
  } finally {
    await db.close();
  }
}

describe('audit verify', () => {
  it('without a key says the chain is unkeyed; an unknown incident exits 2', async () => {
    const { env } = workspace();
    const { incidentId } = await rollBack(env);
    const verified = await rollbotCli(['audit', 'verify', incidentId], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('ROLLBOT_AUDIT_KEY is not set');
    const unknown = await rollbotCli(['audit', 'verify', 'INC-2026-9999'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No incident INC-2026-9999');
  });

  it('with a key, catches an approver rewritten and the whole chain recomputed by someone without it', async () => {
    const { env, db } = workspace(KEY);
    await rollBack(env);
    expect((await rollbotCli(['audit', 'verify'], env)).code).toBe(0);
    await rewriteAndRechain(db, (row) =>
      row.type === 'approval.granted' ? { ...row, actor: 'cli:mallory' } : row,
    );
    const verified = await rollbotCli(['audit', 'verify'], env);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toMatch(/Timeline broken at seq 1 \(downgraded|edited|unknown_key/);
  });

  it('catches the newest rows deleted and the head lowered, given a head published earlier', async () => {
    const { env, db } = workspace(KEY);
    const first = await rollBack(env);
    const second = await rollBack(env);
    // Cut the second incident out and lower the head row to match: the chain alone looks intact.
    const sqlite = openSqlite(db);
    try {
      const last = await sqlite.get<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM timeline WHERE seq < (SELECT MIN(seq) FROM timeline WHERE incident_id = ?) ORDER BY seq DESC LIMIT 1',
        [second.incidentId],
      );
      await sqlite.run('DELETE FROM timeline WHERE seq > ?', [last!.seq]);
      await sqlite.run('UPDATE timeline_head SET seq = ?, hash = ? WHERE id = 1', [last!.seq, last!.hash]);
    } finally {
      await sqlite.close();
    }
    expect((await rollbotCli(['audit', 'verify'], env)).code).toBe(0);
    // The head the second run printed (and the log, the resolution message and the RCA carry) is gone.
    const anchored = await rollbotCli(['audit', 'verify', '--head', second.head.slice(0, 16)], env);
    expect(anchored.code).toBe(1);
    expect(anchored.stderr).toContain('head_missing');
    // An older head still stands.
    expect((await rollbotCli(['audit', 'verify', '--head', first.head.slice(0, 16)], env)).code).toBe(0);
  });

  it('refuses a malformed --head with exit 2', async () => {
    const { env } = workspace();
    const bad = await rollbotCli(['audit', 'verify', '--head', 'not-a-hash'], env);
    expect(bad.code).toBe(2);
  });
});
