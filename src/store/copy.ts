/**
 * `rollbot db copy --from <sqlite file> --to <postgres url>`: moves everything an embedded rollbot
 * recorded onto the PostgreSQL its replicas will share. Rows are copied as they are (the timeline's
 * sequence numbers and hashes included), so the chain still verifies. It refuses a target that holds
 * anything: a copy never merges two histories.
 */

import { openStoreDatabase } from './db.js';
import { openPostgresStore } from './postgres-store.js';
import type { Database, SqlRunner, SqlValue } from './sql/types.js';

/** In dependency order: what a row points at is copied before the row. */
const TABLES = [
  'counters',
  'incidents',
  'runs',
  'step_results',
  'approvals',
  'timeline',
  'timeline_head',
  'blocked_versions',
  'run_messages',
  'request_keys',
  'outbox',
  'deploys',
] as const;

/** Tables whose primary key PostgreSQL numbers itself: moved past the copied numbers afterwards. */
const IDENTITIES: Record<string, string> = { timeline: 'seq', outbox: 'seq', deploys: 'id' };

export type CopyResult = { ok: true; rows: Record<string, number> } | { ok: false; message: string };

export async function copySqliteToPostgres(from: string, to: string): Promise<CopyResult> {
  const source = await openStoreDatabase({ file: from });
  let target: Database | undefined;
  try {
    target = await openPostgresStore(to);
    const busy = await firstNonEmpty(target);
    if (busy)
      return {
        ok: false,
        message: `the target database is not empty (table ${busy} has rows): refusing to merge two histories`,
      };
    const rows: Record<string, number> = {};
    await target.transaction('write', async (tx) => {
      // The empty target's own head row (from its migrations) gives way to the source's.
      await tx.run('DELETE FROM timeline_head');
      for (const table of TABLES) rows[table] = await copyTable(source, tx, table);
      for (const [table, column] of Object.entries(IDENTITIES)) {
        await tx.run(
          `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), GREATEST((SELECT COALESCE(MAX(${column}), 0) FROM ${table}), 1), (SELECT COUNT(*) > 0 FROM ${table}))`,
        );
      }
    });
    return { ok: true, rows };
  } finally {
    await source.close();
    await target?.close();
  }
}

async function firstNonEmpty(db: Database): Promise<string | undefined> {
  for (const table of TABLES) {
    if (table === 'timeline_head') continue;
    if (await db.get(`SELECT 1 AS one FROM ${table} LIMIT 1`)) return table;
  }
  return undefined;
}

const BATCH = 200;

async function copyTable(source: Database, tx: SqlRunner, table: string): Promise<number> {
  const rows = await source.all<Record<string, SqlValue>>(`SELECT * FROM ${table}`);
  if (rows.length === 0) return 0;
  // The columns both sides have (the SQLite schema keeps a few columns PostgreSQL's never had).
  const targetColumns = new Set(
    (
      await tx.all<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
        [table],
      )
    ).map((r) => r.column_name),
  );
  const columns = Object.keys(rows[0]!).filter((c) => targetColumns.has(c));
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await tx.run(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => one).join(', ')}`,
      batch.flatMap((row) => columns.map((c) => row[c] ?? null)),
    );
  }
  return rows.length;
}
