/**
 * `rollbot db copy`: an embedded store's history, timeline (chain intact) and blocked versions move
 * onto PostgreSQL; the replicas read them back as the embedded rollbot did; a non-empty target is
 * refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import { rollbotCli } from '../support/bot-process.js';
import { usePostgresCluster } from '../support/use-postgres.js';

const cluster = usePostgresCluster();
const KEY = 'copy-test-audit-key-0123';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('rollbot db copy', () => {
  it('moves history, timeline and blocked versions; the chain verifies on PostgreSQL; a second copy is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-copy-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(
      join(dir, 'runbooks', 'svc.yml'),
      `service: svc
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
      - run: "true"
`,
    );
    const sqliteEnv = {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      ROLLBOT_AUDIT_KEY: KEY,
    };
    for (const reason of ['first', 'second']) {
      const run = await rollbotCli(
        ['run', 'svc', '--level', '1', '--severity', 'major', '--reason', reason, '--yes'],
        sqliteEnv,
      );
      expect(run.code, run.stderr).toBe(0);
    }
    const db = openSqlite(join(dir, 'data', 'rollbot.db'));
    await db.run(
      "INSERT INTO blocked_versions (service, version, blocked_at, by, incident_id) VALUES ('svc', 'v9', 1, 'U0LEAD', 'INC-2026-0001')",
    );
    await db.close();
    const before = await rollbotCli(['history', '--json'], sqliteEnv);

    const url = await cluster().createDatabase();
    const copy = await rollbotCli(['db', 'copy', '--from', sqliteEnv.ROLLBOT_DB, '--to', url], sqliteEnv);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toContain('timeline');
    // The password in the URL is not printed.
    expect(copy.stdout).not.toContain(new URL(url).password);

    const pgEnv = { ...sqliteEnv, ROLLBOT_DATABASE_URL: url };
    const verified = await rollbotCli(['audit', 'verify'], pgEnv);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).not.toContain('not set');
    expect((await rollbotCli(['history', '--json'], pgEnv)).stdout).toBe(before.stdout);
    // The copied store goes on: the next incident number and the next timeline row follow the old.
    const next = await rollbotCli(
      ['run', 'svc', '--level', '1', '--severity', 'major', '--reason', 'third', '--yes'],
      pgEnv,
    );
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/INC-\d{4}-0003/);
    expect((await rollbotCli(['audit', 'verify'], pgEnv)).code).toBe(0);

    const again = await rollbotCli(['db', 'copy', '--from', sqliteEnv.ROLLBOT_DB, '--to', url], sqliteEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not empty');
  });
});
