/**
 * What only the PostgreSQL adapter has to get right, against a real throwaway cluster: migrations
 * raced by two replicas, the schema translation, a password that never shows, timeouts instead of
 * hangs, connections dropped under the pool and under a listener.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations-postgres.js';
import { migratePostgres } from '../../src/store/sql/migrate-postgres.js';
import { openPostgres, type PostgresDatabase, type PostgresOptions } from '../../src/store/sql/postgres.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import { UniqueViolation } from '../../src/store/sql/types.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/rollbot-harness.js';
import { usePostgresCluster } from '../support/use-postgres.js';

const cluster = usePostgresCluster();
const handles: PostgresDatabase[] = [];
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((db) => db.close().catch(() => {})));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function open(url: string, options?: PostgresOptions): PostgresDatabase {
  const db = openPostgres(url, options);
  handles.push(db);
  return db;
}

/** Each migration logs itself, and the second would fail if it ran twice (no IF NOT EXISTS). */
const TEST_MIGRATIONS = [
  'CREATE TABLE applied (version INTEGER NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now()); INSERT INTO applied (version) VALUES (1)',
  'CREATE TABLE things (id TEXT PRIMARY KEY); INSERT INTO applied (version) VALUES (2)',
  "ALTER TABLE things ADD COLUMN note TEXT NOT NULL DEFAULT '?'; INSERT INTO applied (version) VALUES (3)",
];

describe('migratePostgres', () => {
  it('applies each migration once when two replicas start at the same moment on an empty database', async () => {
    const url = await cluster().createDatabase();
    const replicas = [open(url), open(url), open(url)];
    const results = await Promise.all(
      replicas.map((db) => migratePostgres(db, TEST_MIGRATIONS, { now: () => 42 })),
    );
    expect(results.map((r) => r.to)).toEqual([3, 3, 3]);
    expect(results.map((r) => r.from).sort()).toEqual([0, 3, 3]); // one did the work, the others found it done
    const db = replicas[0]!;
    expect(await db.all('SELECT version FROM applied ORDER BY version')).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
    expect(await db.all('SELECT version, applied_at FROM schema_migrations ORDER BY version')).toEqual([
      { version: 1, applied_at: 42 },
      { version: 2, applied_at: 42 },
      { version: 3, applied_at: 42 },
    ]);
    // A later start with one more migration applies only that one.
    const more = [...TEST_MIGRATIONS, 'INSERT INTO applied (version) VALUES (4)'];
    expect(await migratePostgres(db, more)).toEqual({ from: 3, to: 4 });
    expect(await db.get('SELECT COUNT(*) AS n FROM applied')).toEqual({ n: 4 });
  });

  it('rolls a failing migration back with its version row, and refuses a schema newer than the code', async () => {
    const url = await cluster().createDatabase();
    const db = open(url);
    const broken = [TEST_MIGRATIONS[0]!, 'CREATE TABLE half (id INTEGER); SELECT no_such_function()'];
    await expect(migratePostgres(db, broken)).rejects.toThrow(/migration 2 failed/);
    expect(await db.all('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    expect(await db.get("SELECT to_regclass('half') AS t")).toEqual({ t: null });
    expect(await migratePostgres(db, TEST_MIGRATIONS)).toEqual({ from: 1, to: 3 });
    await expect(migratePostgres(db, TEST_MIGRATIONS.slice(0, 2))).rejects.toThrow(/version 3 is newer/);
    // The session lock was released each time: another handle migrates without waiting.
    expect(await migratePostgres(open(url), TEST_MIGRATIONS)).toEqual({ from: 3, to: 3 });
  });

  it('gives the PostgreSQL schema the tables, columns, keys and indexes of the SQLite one', async () => {
    expect(POSTGRES_MIGRATIONS).toHaveLength(MIGRATIONS.length);
    const db = open(await cluster().createDatabase());
    await migratePostgres(db, POSTGRES_MIGRATIONS);
    expect(await postgresShape(db)).toEqual(sqliteShape());
  });

  it('keeps the translated constraints: one active run per service, CHECKs, identity seq as numbers', async () => {
    const db = open(await cluster().createDatabase());
    await migratePostgres(db, POSTGRES_MIGRATIONS);
    await db.run(
      `INSERT INTO incidents (id, kind, service, env, severity, level, reason, requested_by, opened_at)
       VALUES ('INC-1', 'incident', 'mimo', 'production', 'major', 2, 'r', 'U1', ?)`,
      [1_735_689_600_123],
    );
    const run = (id: string, state: string) =>
      db.run(
        `INSERT INTO runs (id, incident_id, service, env, level, drill, state, plan_hash, plan_json, params_json,
           requested_by, created_at, target_ms) VALUES (?, 'INC-1', 'mimo', 'production', 2, 0, ?, 'h', '{}', '{}', 'U1', ?, 900000)`,
        [id, state, 1_735_689_600_123],
      );
    await run('r1', 'running');
    await expect(run('r2', 'approved')).rejects.toBeInstanceOf(UniqueViolation);
    await run('r3', 'succeeded');
    await expect(run('r4', 'bogus')).rejects.toThrow(/check constraint/);
    const append =
      "INSERT INTO timeline (at, type, actor, data_json, prev_hash, hash) VALUES (?, 't', 'a', '{}', '', 'h') RETURNING seq";
    const first = await db.get<{ seq: number }>(append, [1]);
    const second = await db.get<{ seq: number }>(append, [2]);
    expect([first, second]).toEqual([{ seq: 1 }, { seq: 2 }]);
  });
});

describe('the URL password', () => {
  it('never appears in errors, their causes, or the handle', async () => {
    const good = await cluster().createDatabase();
    const { password } = cluster();
    const secrets = [password, encodeURIComponent(password)];
    const port = await freePort(); // nothing listens there
    const refused = good.replace(`:${cluster().port}/`, `:${port}/`);
    const wrongPassword = good.replace(encodeURIComponent(password), encodeURIComponent(`${password}x`));
    const errors: unknown[] = [];
    errors.push(
      await open(refused)
        .get('SELECT 1')
        .catch((e: unknown) => e),
    );
    errors.push(
      await open(wrongPassword)
        .get('SELECT 1')
        .catch((e: unknown) => e),
    );
    errors.push(
      await open(refused)
        .listen('wake', () => {})
        .catch((e: unknown) => e),
    );
    errors.push(captureThrow(() => openPostgres(good.replace('127.0.0.1', '127.0.0.1:99999'))));
    errors.push(captureThrow(() => openPostgres(good.replace('postgres://', 'mysql://'))));
    for (const err of errors) {
      expect(err).toBeInstanceOf(Error);
      expectNoSecret(err, secrets);
    }
    expect((errors[0] as Error).message).toMatch(/rollbot:\*\*\*@127\.0\.0\.1/);
    expect((errors[1] as Error).message).toMatch(/password authentication failed/);
    const handle = open(good);
    expect(handle.url).toBe(good.replace(encodeURIComponent(password), '***'));
    expectNoSecret(handle, secrets);
  });
});

describe('a database that stops answering', () => {
  it('a connection that never completes fails after connectionTimeoutMs', async () => {
    const silent = await silentServer();
    const url = `postgres://rollbot:${encodeURIComponent(cluster().password)}@127.0.0.1:${silent.port}/db`;
    const started = Date.now();
    const error = await open(url, { connectionTimeoutMs: 300 })
      .get('SELECT 1')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot connect to PostgreSQL at .*: .*timeout/i);
    expect(Date.now() - started).toBeLessThan(5_000);
    expectNoSecret(error, [cluster().password]);
  });

  it('a slow statement hits statement_timeout; a frozen server hits the client-side query timeout', async () => {
    const url = await cluster().createDatabase();
    const slow = open(url, { statementTimeoutMs: 200 });
    await expect(slow.get('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
    await expect(slow.transaction('write', (tx) => tx.get('SELECT pg_sleep(5)'))).rejects.toThrow(
      /statement timeout/,
    );
    expect(await slow.get('SELECT 1 AS one')).toEqual({ one: 1 });

    const db = open(url, { max: 1, queryTimeoutMs: 500 });
    const { pid } = (await db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
    process.kill(pid, 'SIGSTOP'); // the backend process is frozen: nothing answers
    try {
      await expect(db.get('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The frozen connection was destroyed, not handed out again.
    const next = await db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(next!.pid).not.toBe(pid);
  });
});

describe('dropped connections', () => {
  it('an idle pooled connection killed by the server is reported, not fatal, and replaced', async () => {
    const url = await cluster().createDatabase();
    const errors: Error[] = [];
    const db = open(url, { onError: (err) => errors.push(err), applicationName: 'rollbot-idle' });
    await db.get('SELECT 1');
    await cluster().admin(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rollbot-idle'",
    );
    await waitFor('the pool to report the dropped connection', () => errors.length > 0, 10_000);
    expect(await db.get('SELECT 2 AS two')).toEqual({ two: 2 });
  });

  it('a listener whose connection is killed reconnects and hears later notifications', async () => {
    const url = await cluster().createDatabase();
    const errors: Error[] = [];
    const db = open(url, { onError: (err) => errors.push(err), applicationName: 'rollbot-l' });
    const received: string[] = [];
    await db.listen('outbox_ready', (payload) => received.push(payload));
    await cluster().admin(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rollbot-l-listen'",
    );
    await waitFor('the listener to notice', () => errors.length > 0, 10_000);
    // Notifications sent while it was away are lost by design: keep sending until one arrives.
    const sender = open(url);
    let n = 0;
    await waitFor(
      'a notification after the reconnect',
      async () => {
        await sender.notify('outbox_ready', `after-${++n}`);
        return received.length > 0;
      },
      15_000,
    );
    expect(received[0]).toMatch(/^after-\d+$/);
  });

  it('keeps a connection after an error that was only an answer (a failed statement or callback)', async () => {
    const db = open(await cluster().createDatabase(), { max: 1 });
    const backend = async () => (await db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid;
    const pid = await backend();
    await db.run('CREATE TABLE k (id TEXT PRIMARY KEY)');
    await db.run("INSERT INTO k VALUES ('a')");
    await expect(db.run("INSERT INTO k VALUES ('a')")).rejects.toBeInstanceOf(UniqueViolation);
    await expect(db.get('SELECT no_such_column FROM k')).rejects.toThrow(/does not exist/);
    const callbackError = db.transaction('write', async (tx) => {
      await tx.run("INSERT INTO k VALUES ('b')");
      throw new Error('a domain refusal');
    });
    await expect(callbackError).rejects.toThrow('a domain refusal');
    expect(await backend()).toBe(pid); // rolled back and reused, not reconnected
    expect(await db.all('SELECT id FROM k')).toEqual([{ id: 'a' }]);
  });

  it('queues write transactions in-process, so waiting writers never take every pooled connection', async () => {
    const db = open(await cluster().createDatabase(), { max: 2, connectionTimeoutMs: 2_000 });
    await db.run('CREATE TABLE n (v INTEGER NOT NULL)');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = db.transaction('write', async (tx) => {
      await tx.run('INSERT INTO n (v) VALUES (0)');
      entered();
      await held; // a test-only pause while holding the write lock
    });
    await inside;
    const writers = Array.from({ length: 5 }, (_, i) =>
      db.transaction('write', (tx) => tx.run('INSERT INTO n (v) VALUES (?)', [i + 1])),
    );
    try {
      // Five writers wait for the lock, yet a read still gets the second connection.
      expect(await db.get('SELECT 42 AS answer')).toEqual({ answer: 42 });
    } finally {
      release();
    }
    await Promise.all([first, ...writers]);
    expect(await db.get('SELECT COUNT(*) AS c FROM n')).toEqual({ c: 6 });
  });

  it('close() ends the pool and every listener', async () => {
    const url = await cluster().createDatabase();
    const db = openPostgres(url, { applicationName: 'rollbot-closing' });
    await db.get('SELECT 1');
    await db.listen('a_channel', () => {});
    await db.listen('b_channel', () => {});
    const sessions = () =>
      cluster().admin<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'rollbot-closing%'",
      );
    expect((await sessions())[0]!.n).toBe(3);
    await db.close();
    await waitFor('every session to end', async () => (await sessions())[0]!.n === 0, 10_000);
  });

  it('refuses a BIGINT that a JS number cannot hold exactly', async () => {
    const db = open(await cluster().createDatabase());
    expect(await db.get('SELECT 9007199254740991::bigint AS max')).toEqual({ max: Number.MAX_SAFE_INTEGER });
    await expect(db.get('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/safe range/);
    // The parsers are the pool's own: pg's global ones, which other code may rely on, are untouched.
    const plain = new pg.Client(await cluster().createDatabase());
    await plain.connect();
    try {
      expect((await plain.query('SELECT 5::bigint AS n')).rows).toEqual([{ n: '5' }]);
    } finally {
      await plain.end();
    }
  });
});

function captureThrow(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Every way an error might get printed: message, stack, inspect (causes and all fields), JSON. */
function expectNoSecret(value: unknown, secrets: readonly string[]): void {
  const renderings = [
    inspect(value, { depth: 10, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
  ];
  for (let e: unknown = value; e instanceof Error; e = e.cause) renderings.push(e.message, e.stack ?? '');
  for (const text of renderings) for (const secret of secrets) expect(text).not.toContain(secret);
}

/** Accepts TCP connections and never says a word: a database host that hangs. */
async function silentServer(): Promise<{ port: number }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as { port: number }).port };
}

type Shape = Record<string, { columns: string[]; primaryKey: string[] }>;

/** Tables with their columns (name, type family, nullability) and primary keys; and the index names. */
function sqliteShape(): { tables: Shape; indexes: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-shape-'));
  const db = openSqlite(join(dir, 'shape.db'));
  try {
    for (const m of MIGRATIONS) db.raw.exec(m);
    const tables: Shape = {};
    const names = db.raw
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>;
    for (const { name } of names) {
      const cols = db.raw.prepare(`PRAGMA table_info(${name})`).all() as Array<{
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }>;
      tables[name] = {
        columns: cols.map(
          (c) => `${c.name} ${c.type === 'TEXT' ? 'text' : 'integer'}${c.notnull || c.pk ? ' not null' : ''}`,
        ),
        primaryKey: cols
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
      };
    }
    const indexes = (
      db.raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        .all() as Array<{ name: string }>
    ).map((r) => r.name);
    return { tables, indexes };
  } finally {
    db.raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresShape(db: PostgresDatabase): Promise<{ tables: Shape; indexes: string[] }> {
  const cols = await db.all<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position`,
  );
  const keys = await db.all<{ table_name: string; column_name: string }>(
    `SELECT k.table_name, k.column_name FROM information_schema.table_constraints c
     JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_name = c.table_name
     WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = 'public' ORDER BY k.table_name, k.ordinal_position`,
  );
  const tables: Shape = {};
  for (const c of cols) {
    tables[c.table_name] ??= { columns: [], primaryKey: [] };
    const family = c.data_type === 'text' ? 'text' : 'integer';
    tables[c.table_name]!.columns.push(
      `${c.column_name} ${family}${c.is_nullable === 'NO' ? ' not null' : ''}`,
    );
  }
  for (const k of keys) tables[k.table_name]?.primaryKey.push(k.column_name);
  const indexes = await db.all<{ indexname: string }>(
    `SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
     ORDER BY i.indexname`,
  );
  return { tables, indexes: indexes.map((r) => r.indexname) };
}
