/**
 * The query layer over a node-postgres pool: `?` rewritten to `$n`, integers as numbers, write
 * transactions serialised across replicas by one advisory lock, LISTEN on a dedicated connection.
 * The URL may carry a password: only its redacted form ever appears in an error.
 */
import pg, { type PoolClient, type PoolConfig } from 'pg';
import { assertChannelName } from './channel.js';
import { listenWithReconnect } from './pg-listen.js';
import { storeTypes } from './pg-types.js';
import { toNumberedPlaceholders } from './placeholders.js';
import { redactDatabaseUrl } from './redact-url.js';
import { guardTransaction, TransactionAborted } from './tx-guard.js';
import {
  type Database,
  type SqlRunner,
  type SqlValue,
  type TransactionMode,
  UniqueViolation,
} from './types.js';

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
  /** A session idle inside a transaction this long is ended by the server, releasing its locks (default 60 s). */
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
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    application_name: options.applicationName ?? 'rollbot',
    keepAlive: true,
  };
  const pool = new pg.Pool(config);
  // An idle client whose connection drops emits here; without a listener the process would crash.
  pool.on('error', (err) => onError(err));
  const listeners = new Set<() => Promise<void>>();

  /** `fail(err)` marks the connection unusable: it is destroyed instead of going back to the pool. */
  const checkout = async <T>(
    fn: (client: PoolClient, fail: (err: Error) => void) => Promise<T>,
  ): Promise<T> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new Error(`cannot connect to PostgreSQL at ${shown}: ${messageOf(err)}`, { cause: err });
    }
    let broken: Error | undefined;
    const fail = (err: Error) => {
      broken ??= err;
    };
    // A connection error between two statements is emitted, not thrown: catch it here.
    client.on('error', fail);
    try {
      return await fn(client, fail);
    } catch (err) {
      if (isConnectionError(err)) fail(err as Error);
      throw err;
    } finally {
      client.off('error', fail);
      client.release(broken);
    }
  };

  const transaction = <T>(mode: TransactionMode, fn: (tx: SqlRunner) => Promise<T>): Promise<T> =>
    checkout(async (client, fail) => {
      const guard = guardTransaction(clientRunner(client));
      try {
        await execute(client, mode === 'write' ? BEGIN_WRITE : BEGIN_READ, []);
        const result = await fn(guard.runner);
        const outcome = guard.finish();
        if (outcome.failed) throw new TransactionAborted(outcome.error);
        await execute(client, 'COMMIT', []);
        return result;
      } catch (err) {
        guard.finish();
        if (!isConnectionError(err)) {
          // The caller gets the first error; a connection that cannot even roll back is not reused.
          await execute(client, 'ROLLBACK', []).catch(fail);
        }
        throw err;
      }
    });

  const direct: SqlRunner = {
    dialect: 'postgres',
    all: (text, params) => checkout((client) => clientRunner(client).all(text, params)),
    get: (text, params) => checkout((client) => clientRunner(client).get(text, params)),
    run: (text, params) => checkout((client) => clientRunner(client).run(text, params)),
  };

  return {
    ...direct,
    url: shown,
    transaction,
    withSession: (fn, { statementTimeoutMs } = {}) =>
      checkout(async (client, fail) => {
        if (statementTimeoutMs === undefined) return fn(clientRunner(client));
        const ms = Math.max(0, Math.floor(statementTimeoutMs));
        await execute(client, `SET statement_timeout = ${ms}`, []);
        try {
          return await fn(clientRunner(client, ms + 5_000));
        } finally {
          // Back to the value the connection started with, or the connection is not reused.
          await execute(client, 'RESET statement_timeout', []).catch(fail);
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
    async close() {
      const stops = [...listeners];
      listeners.clear();
      await Promise.all(stops.map((stop) => stop()));
      await pool.end();
    },
  };
}

/** Statements on one checked-out connection; `queryTimeoutMs` overrides the pool's client-side limit. */
function clientRunner(client: PoolClient, queryTimeoutMs?: number): SqlRunner {
  const exec = (text: string, params: readonly SqlValue[]) => execute(client, text, params, queryTimeoutMs);
  return {
    dialect: 'postgres',
    all: async <T>(text: string, params: readonly SqlValue[] = []) => rowsOf(await exec(text, params)) as T[],
    get: async <T>(text: string, params: readonly SqlValue[] = []) =>
      rowsOf(await exec(text, params))[0] as T | undefined,
    run: async (text: string, params: readonly SqlValue[] = []) =>
      resultsOf(await exec(text, params)).reduce((sum, r) => sum + (r.rowCount ?? 0), 0),
  };
}

type Outcome = pg.QueryResult | pg.QueryResult[];

/**
 * One statement with `?` placeholders. Without parameters pg uses the simple protocol, which also
 * takes several `;`-separated statements (migrations); with them, exactly one statement.
 */
async function execute(
  client: PoolClient,
  text: string,
  params: readonly SqlValue[],
  queryTimeoutMs?: number,
): Promise<Outcome> {
  const numbered = toNumberedPlaceholders(text);
  if (numbered.count !== params.length) {
    throw new RangeError(
      `statement has ${numbered.count} placeholders but ${params.length} values: ${text.trim().slice(0, 200)}`,
    );
  }
  try {
    const query = { text: numbered.text, values: params as SqlValue[], query_timeout: queryTimeoutMs };
    return (await client.query(query as pg.QueryConfig)) as Outcome;
  } catch (err) {
    throw err instanceof pg.DatabaseError && err.code === '23505' ? new UniqueViolation(err) : err;
  }
}

function resultsOf(outcome: Outcome): pg.QueryResult[] {
  return Array.isArray(outcome) ? outcome : [outcome];
}

/** With several statements, the rows of the last one that returns rows. */
function rowsOf(outcome: Outcome): unknown[] {
  const withRows = resultsOf(outcome).filter((r) => r.fields.length > 0);
  return withRows.at(-1)?.rows ?? [];
}

/**
 * True when the connection may be unusable: no answer from the server (a timeout, a socket error),
 * or the server ending the session (class 08, 57P0x). Such a connection is destroyed, not reused.
 */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof UniqueViolation || err instanceof TransactionAborted || err instanceof RangeError)
    return false;
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    return code.startsWith('08') || code.startsWith('57P');
  }
  return true;
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
