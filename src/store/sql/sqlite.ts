/** The query layer over one better-sqlite3 connection (synchronous underneath, serialised on top). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type Database,
  type SqlRunner,
  type SqlValue,
  type TransactionMode,
  UniqueViolation,
} from './types.js';

export type SqliteHandle = BetterSqlite3.Database;

/**
 * Opens (creating if needed) the file in WAL mode. One connection per process: every call goes
 * through one queue, so an open transaction never has another caller's statements slip into it.
 */
export function openSqlite(file: string): Database & { raw: SqliteHandle } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    // busy_timeout first: every later statement may meet another process holding the lock.
    db.pragma('busy_timeout = 5000');
    enableWal(db);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
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
        db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED');
        try {
          const result = await fn(direct);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    async notify(channel, payload) {
      for (const fn of listeners.get(channel) ?? []) queueMicrotask(() => fn(payload));
    },
    async listen(channel, onNotify) {
      const set = listeners.get(channel) ?? new Set();
      set.add(onNotify);
      listeners.set(channel, set);
      return async () => {
        set.delete(onNotify);
      };
    },
    close: () =>
      queue(async () => {
        listeners.clear();
        db.close();
      }),
  };
}

/** Runs one synchronous statement; a unique violation becomes the dialect-neutral error. */
function attempt<T>(statement: () => T): Promise<T> {
  try {
    return Promise.resolve(statement());
  } catch (err) {
    return Promise.reject(isUniqueViolation(err) ? new UniqueViolation(err) : err);
  }
}

/** Runs tasks one after another, in call order. */
function createQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = tail.then(task, task);
    tail = next.catch(() => undefined);
    return next;
  };
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

function isUniqueViolation(err: unknown): boolean {
  return err instanceof BetterSqlite3.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
