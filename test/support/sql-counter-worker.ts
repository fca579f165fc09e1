/**
 * A second process for the query-layer tests: opens the same store, says `ready`, waits for a line
 * on stdin, then increments a counter N times by read-then-write inside write transactions (the
 * update is lost unless write transactions exclude each other across processes), says `done`.
 * Usage: SQL_TARGET=<file|url> node --import tsx test/support/sql-counter-worker.ts <sqlite|postgres> <n>
 * (the URL carries a password: it goes in the environment, not on a command line others can read).
 */
import { openPostgres } from '../../src/store/sql/postgres.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import type { Database } from '../../src/store/sql/types.js';

export async function incrementCounter(db: Database, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await db.transaction('write', async (tx) => {
      const row = await tx.get<{ value: number }>('SELECT value FROM counter WHERE id = 1');
      await tx.run('UPDATE counter SET value = ? WHERE id = 1', [row!.value + 1]);
    });
  }
}

async function main(): Promise<void> {
  const [dialect, times] = process.argv.slice(2);
  const target = process.env.SQL_TARGET;
  const db = dialect === 'postgres' ? openPostgres(target!) : openSqlite(target!);
  await db.get('SELECT value FROM counter WHERE id = 1'); // connected before the race starts
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  await incrementCounter(db, Number(times));
  await db.close();
  process.stdout.write('done\n');
  process.exit(0);
}

if (process.argv[1]?.endsWith('sql-counter-worker.ts')) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
