/** Opens the store's database (SQLite file or PostgreSQL URL) and brings its schema up to date. */
import { MIGRATIONS } from './migrations.js';
import { isBusy, openSqlite, type SqliteHandle } from './sql/sqlite.js';
import type { Database } from './sql/types.js';

export interface DatabaseTarget {
  /** `postgres://…` (ROLLBOT_DATABASE_URL); when absent, the SQLite file. */
  url?: string;
  file: string;
}

export async function openStoreDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.url !== undefined) {
    // Loaded only here: the embedded default needs no PostgreSQL driver.
    const { openPostgresStore } = await import('./postgres-store.js');
    return openPostgresStore(target.url);
  }
  const db = openSqlite(target.file);
  try {
    await migrateWhenFree(db.raw, MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** How long an opener waits for another process's write lock (its migration, a long write). */
const MIGRATION_WAIT_MS = 30_000;

/**
 * The connection waits for no lock by itself (busy_timeout 0, see sql/sqlite.ts), so a process
 * starting while another migrates or writes would fail with "database is locked": retry the
 * migration's BEGIN IMMEDIATE until the lock is free, without blocking the thread.
 */
async function migrateWhenFree(db: SqliteHandle, migrations: readonly string[]): Promise<void> {
  const deadline = Date.now() + MIGRATION_WAIT_MS;
  for (let tries = 0; ; tries++) {
    try {
      migrateSqlite(db, migrations);
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 + tries * 5, 50)));
    }
  }
}

/** BEGIN IMMEDIATE serialises concurrent openers; each re-reads the version under the write lock. */
export function migrateSqlite(db: SqliteHandle, migrations: readonly string[]): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new Error(`database schema version ${current} is newer than this rollbot (${migrations.length})`);
    }
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  apply.immediate();
}
