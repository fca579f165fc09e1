/** PostgreSQL for the store (replicas): the adapter and its migrations. Filled in with the pg adapter. */
import type { Database } from './sql/types.js';

export async function openPostgresStore(_url: string): Promise<Database> {
  throw new Error('PostgreSQL support is not built yet');
}
