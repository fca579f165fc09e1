/** The query layer over one better-sqlite3 connection (synchronous underneath, serialised on top). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { assertChannelName } from './channel.js';
import { createQueue } from './queue.js';
import { guardTransaction, TransactionAborted } from './tx-guard.js';
import {
  type Database,
  type SqlRunner,
  type SqlValue,
  type TransactionMode,
  UniqueViolation,
} from './types.js';

export type SqliteHandle = BetterSqlite3.Database;

/** How long a statement waits for another connection's write lock before SQLITE_BUSY is thrown. */
const BUSY_WAIT_MS = 5000;

/**
 * Opens (creating if needed) the file in WAL mode. One connection per process: every call goes
 * through one queue, so an open transaction never has another caller's statements slip into it.
 */
export function openSqlite(file: string): Database & { raw: SqliteHandle } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    // busy_timeout first: opening may meet another process holding the lock.
    db.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
    enableWal(db);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // From here on a busy lock is waited for asynchronously (see `attempt`): SQLite's own busy
    // handler sleeps the thread, which would stall the event loop, and the holder of the lock
    // too when it is another handle in this process.
    db.pragma('busy_timeout = 0');
  } catch (err) {
    db.close();
    throw err;
  }
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string) => {
    let stmt = statements.get(text);
    if (!stmt) {
      stmt = db.prepare(text);
      statements.set(text, stmt);
    }
    return stmt;
  };
  const direct: SqlRunner = {
    dialect: 'sqlite',
    all: <T>(text: string, params: readonly SqlValue[] = []) =>
      attempt(() => prepare(text).all(...params) as T[]),
    get: <T>(text: string, params: readonly SqlValue[] = []) =>
      attempt(() => prepare(text).get(...params) as T | undefined),
    run: (text: string, params: readonly SqlValue[] = []) =>
      attempt(() => prepare(text).run(...params).changes),
  };
  const queue = createQueue();
  const listeners = new Map<string, Set<(payload: string) => void>>();

  return {
    dialect: 'sqlite',
    raw: db,
    all: (text, params) => queue(() => direct.all(text, params)),
    get: (text, params) => queue(() => direct.get(text, params)),
    run: (text, params) => queue(() => direct.run(text, params)),
    transaction: <T>(mode: TransactionMode, fn: (tx: SqlRunner) => Promise<T>) =>
      queue(async () => {
        // A read transaction refuses writes, as PostgreSQL's READ ONLY does.
        if (mode === 'read') db.pragma('query_only = ON');
        const guard = guardTransaction(direct);
        try {
          await attempt(() => db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED'));
          const result = await fn(guard.runner);
          const outcome = guard.finish();
          if (outcome.failed) throw new TransactionAborted(outcome.error);
          await attempt(() => db.exec('COMMIT'));
          return result;
        } catch (err) {
          guard.finish();
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        } finally {
          if (mode === 'read') db.pragma('query_only = OFF');
        }
      }),
    async notify(channel, payload) {
      assertChannelName(channel);
      for (const fn of listeners.get(channel) ?? []) queueMicrotask(() => fn(payload));
    },
    async listen(channel, onNotify) {
      assertChannelName(channel);
      const set = listeners.get(channel) ?? new Set();
      set.add(onNotify);
      listeners.set(channel, set);
      return async () => {
        set.delete(onNotify);
      };
    },
    // Idempotent: a shutdown path and a test's cleanup may both close.
    close: () =>
      queue(async () => {
        listeners.clear();
        if (db.open) db.close();
      }),
  };
}

/**
 * Runs one synchronous statement, retrying while another connection holds the lock it needs
 * (without blocking the thread); a unique violation becomes the dialect-neutral error.
 */
async function attempt<T>(statement: () => T): Promise<T> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let tries = 0; ; tries++) {
    try {
      return statement();
    } catch (err) {
      if (isRetriableBusy(err) && Date.now() < deadline) {
        await delay(Math.min(1 + tries, 20));
        continue;
      }
      throw isUniqueViolation(err) ? new UniqueViolation(err) : err;
    }
  }
}

/** SQLITE_BUSY_SNAPSHOT is not retriable: the transaction's snapshot itself is stale. */
function isRetriableBusy(err: unknown): boolean {
  return isBusy(err) && (err as { code: string }).code !== 'SQLITE_BUSY_SNAPSHOT';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Switching to WAL needs a moment of exclusive access, which a concurrent opener may hold. */
function enableWal(db: SqliteHandle): void {
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

export function isBusy(err: unknown): boolean {
  return err instanceof BetterSqlite3.SqliteError && err.code.startsWith('SQLITE_BUSY');
}

/** A duplicate primary key is reported apart from other unique constraints; PostgreSQL has one code (23505) for both. */
function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof BetterSqlite3.SqliteError &&
    (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
