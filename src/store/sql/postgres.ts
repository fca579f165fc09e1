/**
 * The query layer over a node-postgres pool: `?` rewritten to `$n`, integers as numbers, write
 * transactions serialised across replicas by one advisory lock, LISTEN on a dedicated connection.
 * The URL may carry a password: only its redacted form ever appears in an error.
 */
import pg, { type PoolClient, type PoolConfig } from 'pg';
import { assertChannelName } from './channel.js';
import { listenWithReconnect } from './pg-listen.js';
import { PgSession } from './pg-session.js';
import { storeTypes } from './pg-types.js';
import { createQueue } from './queue.js';
import { redactDatabaseUrl } from './redact-url.js';
import { guardTransaction, TransactionAborted } from './tx-guard.js';
import type { Database, SqlRunner, TransactionMode } from './types.js';

/** Advisory lock keys (two int4: rollbot's namespace, then which lock). Other apps sharing the database pick others. */
export const LOCK_NAMESPACE = 0x726f6c6c; // 'roll'
export const WRITE_LOCK = 1;
export const MIGRATION_LOCK = 2;

// BEGIN and the lock go in one round trip (simple protocol, no parameters).
export const BEGIN_WRITE = `BEGIN; SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${WRITE_LOCK})`;
const BEGIN_READ = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Connecting, or waiting for a free pooled connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Server-side limit per statement, waiting for the write lock included (default 15 s). */
  statementTimeoutMs?: number;
  /** Client-side limit per round trip, for a server that stopped answering (default statement + 5 s). */
  queryTimeoutMs?: number;
  /**
   * A session idle inside a transaction this long (its process frozen or gone mid-transaction) is
   * ended by the server, releasing the write lock. Below the statement timeout, so replicas
   * waiting for the lock get it before they give up (default 10 s).
   */
  idleInTransactionTimeoutMs?: number;
  /** Shown in pg_stat_activity (default `rollbot`; listeners add `-listen`). */
  applicationName?: string;
  /** How often a listener checks its connection is alive (default 30 s). */
  listenPingMs?: number;
  /** Errors no caller is waiting for: an idle connection dropped, a listener reconnecting. */
  onError?: (err: Error) => void;
}

export interface PostgresDatabase extends Database {
  /** The URL with its password masked. */
  readonly url: string;
  /**
   * One pooled connection for session-level work (a session advisory lock, then several
   * transactions). `statementTimeoutMs` replaces the pool's limits for this session only.
   */
  withSession<T>(
    fn: (session: SqlRunner) => Promise<T>,
    options?: { statementTimeoutMs?: number },
  ): Promise<T>;
}

export function openPostgres(url: string, options: PostgresOptions = {}): PostgresDatabase {
  let closed = false;
  const shown = redactDatabaseUrl(url);
  assertPostgresUrl(url, shown);
  const onError = options.onError ?? (() => {});
  const statementTimeout = options.statementTimeoutMs ?? 15_000;
  const config: PoolConfig = {
    connectionString: url,
    types: storeTypes,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    statement_timeout: statementTimeout,
    query_timeout: options.queryTimeoutMs ?? statementTimeout + 5_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'rollbot',
    keepAlive: true,
  };
  const pool = new pg.Pool(config);
  // An idle client whose connection drops emits here; without a listener the process would crash.
  pool.on('error', (err) => onError(err));
  const listeners = new Set<() => Promise<void>>();

  const checkout = async <T>(fn: (session: PgSession) => Promise<T>): Promise<T> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new Error(`cannot connect to PostgreSQL at ${shown}: ${messageOf(err)}`, { cause: err });
    }
    const session = new PgSession(client);
    try {
      return await fn(session);
    } finally {
      session.release();
    }
  };

  // Write transactions of this process queue here, before taking a connection: at most one
  // pooled connection waits for (or holds) the advisory lock, the rest stay free for reads.
  const writeQueue = createQueue();
  const transaction = <T>(mode: TransactionMode, fn: (tx: SqlRunner) => Promise<T>): Promise<T> =>
    mode === 'write' ? writeQueue(() => transactionOnce(mode, fn)) : transactionOnce(mode, fn);
  const transactionOnce = <T>(mode: TransactionMode, fn: (tx: SqlRunner) => Promise<T>): Promise<T> =>
    checkout(async (session) => {
      const guard = guardTransaction(session.runner());
      try {
        await session.execute(mode === 'write' ? BEGIN_WRITE : BEGIN_READ);
        const result = await fn(guard.runner);
        const outcome = guard.finish();
        if (outcome.failed) throw new TransactionAborted(outcome.error);
        await session.execute('COMMIT');
        return result;
      } catch (err) {
        guard.finish();
        // The caller gets the first error; a connection that cannot even roll back is not reused.
        if (!session.broken) await session.execute('ROLLBACK').catch((e: Error) => session.fail(e));
        throw err;
      }
    });

  const direct: SqlRunner = {
    dialect: 'postgres',
    all: (text, params) => checkout((session) => session.runner().all(text, params)),
    get: (text, params) => checkout((session) => session.runner().get(text, params)),
    run: (text, params) => checkout((session) => session.runner().run(text, params)),
  };

  return {
    ...direct,
    url: shown,
    transaction,
    withSession: (fn, { statementTimeoutMs } = {}) =>
      checkout(async (session) => {
        if (statementTimeoutMs === undefined) return fn(session.runner());
        const ms = Math.max(1_000, Math.floor(statementTimeoutMs)); // 0 would mean no limit at all
        await session.execute(`SET statement_timeout = ${ms}`);
        try {
          return await fn(session.runner(ms + 5_000));
        } finally {
          // Back to the value the connection started with, or the connection is not reused.
          await session.execute('RESET statement_timeout').catch((e: Error) => session.fail(e));
        }
      }),
    async notify(channel, payload) {
      assertChannelName(channel);
      await direct.run('SELECT pg_notify(?, ?)', [channel, payload]);
    },
    async listen(channel, onNotify) {
      assertChannelName(channel);
      const stop = await listenWithReconnect({
        config: { ...config, application_name: `${config.application_name}-listen` },
        shownUrl: shown,
        channel,
        onNotify,
        onError,
        pingMs: options.listenPingMs ?? 30_000,
      });
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    // Idempotent: a shutdown path and a test's cleanup may both close.
    async close() {
      if (closed) return;
      closed = true;
      const stops = [...listeners];
      listeners.clear();
      await Promise.all(stops.map((stop) => stop()));
      await pool.end();
    },
  };
}

function assertPostgresUrl(url: string, shown: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // The parser's error carries the input (the password): never pass it on as a cause.
    throw new Error(`the database URL ${shown} is not a valid URL`);
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(`the database URL ${shown} must start with postgres:// or postgresql://`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
