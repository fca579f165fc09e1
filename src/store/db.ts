/** Opens the SQLite file with the pragmas rollbot relies on and brings the schema up to date. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** Opens (creating if needed) the database; safe when several processes open the same file at once. */
export function openDatabase(file: string, migrations: readonly string[] = MIGRATIONS): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // busy_timeout first: every later statement may meet another process holding the lock.
    db.pragma('busy_timeout = 5000');
    enableWal(db);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Switching to WAL needs a moment of exclusive access, which a concurrent opener may hold. */
function enableWal(db: Db): void {
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!isBusy(err) || attempt >= 50) throw err;
      sleepMs(20 + attempt * 10);
    }
  }
}

/** BEGIN IMMEDIATE serialises concurrent openers; each re-reads the version under the write lock. */
function migrate(db: Db, migrations: readonly string[]): void {
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
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

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY');
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
