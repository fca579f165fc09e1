/**
 * The one query layer under the store: SQL text in the subset SQLite and PostgreSQL share, `?`
 * placeholders, and two adapters (better-sqlite3, pg). Repositories are written once against it.
 */

export type Dialect = 'sqlite' | 'postgres';

/** Booleans are stored as 0/1 and timestamps as integer milliseconds in both dialects. */
export type SqlValue = string | number | null;

export interface SqlRunner {
  readonly dialect: Dialect;
  /** Every row. Integer columns come back as numbers in both dialects (BIGINT included). */
  all<T>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(text: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Executes a statement; resolves with the number of rows it changed. */
  run(text: string, params?: readonly SqlValue[]): Promise<number>;
}

/**
 * `write`: takes the store's single write lock before the first statement (SQLite `BEGIN
 * IMMEDIATE`, PostgreSQL a transaction-scoped advisory lock), so state changes and the timeline
 * append they carry are serialised across processes and replicas: a conditional update inside
 * sees every earlier commit. `read`: one consistent snapshot, no lock.
 * The callback must only run statements on `tx` (no network, no timers): it holds the lock.
 */
export type TransactionMode = 'write' | 'read';

export interface Database extends SqlRunner {
  transaction<T>(mode: TransactionMode, fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Wakes other processes sharing the store (PostgreSQL `NOTIFY`; SQLite: this process only, since
   * other processes on one file poll). Payloads are short ids, never secrets.
   */
  notify(channel: string, payload: string): Promise<void>;
  /** Resolves once listening; the returned function stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** `(?, ?, ?)` for an IN list of `n` values (n ≥ 1). */
export function inList(n: number): string {
  if (n < 1) throw new Error('an IN list needs at least one value');
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}

/** Both adapters throw this for a unique-constraint violation, with the driver's error as cause. */
export class UniqueViolation extends Error {
  constructor(cause: unknown) {
    super('unique constraint violated', { cause });
    this.name = 'UniqueViolation';
  }
}
