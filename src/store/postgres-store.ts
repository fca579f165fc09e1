/** PostgreSQL for the store (replicas): the adapter, brought up to date by whichever replica starts first. */
import { POSTGRES_MIGRATIONS } from './migrations-postgres.js';
import { migratePostgres } from './sql/migrate-postgres.js';
import { openPostgres } from './sql/postgres.js';
import type { Database } from './sql/types.js';

export async function openPostgresStore(url: string): Promise<Database> {
  const db = openPostgres(url);
  try {
    await migratePostgres(db, POSTGRES_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
