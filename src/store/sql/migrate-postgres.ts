/**
 * Numbered migrations on PostgreSQL, applied once even when several replicas start together on an
 * empty database: whoever holds the session-level migration lock reads the applied versions and
 * applies the missing ones, each in its own transaction with its version row; the others wait for
 * the lock, then find nothing left to do.
 */
import { BEGIN_WRITE, LOCK_NAMESPACE, MIGRATION_LOCK, type PostgresDatabase } from './postgres.js';
import type { SqlRunner } from './types.js';

export interface MigrateOptions {
  now?: () => number;
  /** Per statement, waiting for another replica's migrations included (default 10 min). */
  timeoutMs?: number;
}

export interface MigrateResult {
  /** Schema version before and after. */
  from: number;
  to: number;
}

/** Entry i of `migrations` brings the schema from version i to i + 1 (as in the SQLite list). Append only. */
export async function migratePostgres(
  db: PostgresDatabase,
  migrations: readonly string[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const now = options.now ?? Date.now;
  return db.withSession(
    async (session) => {
      await session.run('SELECT pg_advisory_lock(?, ?)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
      // Ending the session would release the lock too; unlock now so the connection can be reused.
      const unlock = () => session.run('SELECT pg_advisory_unlock(?, ?)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
      let result: MigrateResult;
      try {
        result = await applyMissing(session, migrations, now);
      } catch (err) {
        await unlock().catch(() => {}); // the first error is the one worth reporting
        throw err;
      }
      await unlock();
      return result;
    },
    { statementTimeoutMs: options.timeoutMs ?? 600_000 },
  );
}

async function applyMissing(
  session: SqlRunner,
  migrations: readonly string[],
  now: () => number,
): Promise<MigrateResult> {
  const from = await appliedVersion(session);
  if (from > migrations.length) {
    throw new Error(`database schema version ${from} is newer than this rollbot (${migrations.length})`);
  }
  for (let version = from + 1; version <= migrations.length; version++) {
    await applyOne(session, version, migrations[version - 1]!, now());
  }
  return { from, to: migrations.length };
}

async function appliedVersion(session: SqlRunner): Promise<number> {
  await session.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
  );
  const rows = await session.all<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  rows.forEach((row, index) => {
    if (row.version !== index + 1) {
      throw new Error(`schema_migrations is not 1…n (found ${rows.map((r) => r.version).join(', ')})`);
    }
  });
  return rows.length;
}

/** The store's write lock too, so a migration never interleaves with a replica already serving. */
async function applyOne(session: SqlRunner, version: number, ddl: string, at: number): Promise<void> {
  await session.run(BEGIN_WRITE);
  try {
    await session.run(ddl);
    await session.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [version, at]);
    await session.run('COMMIT');
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {});
    throw new Error(`migration ${version} failed: ${(err as Error).message}`, { cause: err });
  }
}
