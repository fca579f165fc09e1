/**
 * One checked-out pool connection: its statements (`?` → `$n`, unique violations translated) and
 * whether it can go back to the pool. A connection that stopped answering or was ended by the
 * server is destroyed on release; one that merely ran a failing statement is reused.
 */
import pg, { type PoolClient } from 'pg';
import { toNumberedPlaceholders } from './placeholders.js';
import { type SqlRunner, type SqlValue, UniqueViolation } from './types.js';

export class PgSession {
  private brokenBy: Error | undefined;
  private readonly onClientError = (err: Error) => this.fail(err);

  constructor(readonly client: PoolClient) {
    // A connection error between two statements is emitted, not thrown: without a listener it
    // would crash the process (pg-pool only listens while the client is idle).
    client.on('error', this.onClientError);
  }

  get broken(): boolean {
    return this.brokenBy !== undefined;
  }

  fail(err: Error): void {
    this.brokenBy ??= err;
  }

  /** Back to the pool, or destroyed if broken. */
  release(): void {
    this.client.off('error', this.onClientError);
    this.client.release(this.brokenBy);
  }

  /**
   * One statement with `?` placeholders. Without parameters pg uses the simple protocol, which
   * also takes several `;`-separated statements (migrations); with them, exactly one statement.
   */
  async execute(text: string, params: readonly SqlValue[] = [], queryTimeoutMs?: number): Promise<Outcome> {
    const numbered = toNumberedPlaceholders(text);
    if (numbered.count !== params.length) {
      throw new RangeError(
        `statement has ${numbered.count} placeholders but ${params.length} values: ${text.trim().slice(0, 200)}`,
      );
    }
    try {
      const query = { text: numbered.text, values: params as SqlValue[], query_timeout: queryTimeoutMs };
      return (await this.client.query(query as pg.QueryConfig)) as Outcome;
    } catch (err) {
      if (isConnectionError(err)) this.fail(err as Error);
      throw err instanceof pg.DatabaseError && err.code === '23505' ? new UniqueViolation(err) : err;
    }
  }

  /** `queryTimeoutMs` overrides the pool's client-side limit for these statements. */
  runner(queryTimeoutMs?: number): SqlRunner {
    const exec = (text: string, params?: readonly SqlValue[]) => this.execute(text, params, queryTimeoutMs);
    return {
      dialect: 'postgres',
      all: async <T>(text: string, params?: readonly SqlValue[]) => rowsOf(await exec(text, params)) as T[],
      get: async <T>(text: string, params?: readonly SqlValue[]) =>
        rowsOf(await exec(text, params))[0] as T | undefined,
      run: async (text: string, params?: readonly SqlValue[]) =>
        resultsOf(await exec(text, params)).reduce((sum, r) => sum + (r.rowCount ?? 0), 0),
    };
  }
}

type Outcome = pg.QueryResult | pg.QueryResult[];

function resultsOf(outcome: Outcome): pg.QueryResult[] {
  return Array.isArray(outcome) ? outcome : [outcome];
}

/** With several statements, the rows of the last one that returns rows. */
function rowsOf(outcome: Outcome): unknown[] {
  return (
    resultsOf(outcome)
      .filter((r) => r.fields.length > 0)
      .at(-1)?.rows ?? []
  );
}

/**
 * For an error from `client.query`: true when the connection may be unusable, i.e. no answer
 * (a timeout, a socket error) or the server ending the session (SQLSTATE class 08, 57P0x). An
 * answer from the server (any other SQLSTATE) or a value our type parsers refused is not.
 */
function isConnectionError(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    return code.startsWith('08') || code.startsWith('57P');
  }
  return !(err instanceof RangeError);
}
