/** Stores on fresh temporary databases, each closed and deleted after the test that opened it. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Clock } from '../../src/services/ports.js';
import { openPostgres } from '../../src/store/sql/postgres.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import type { Database } from '../../src/store/sql/types.js';
import { createStore, type Instance, type Store } from '../../src/store/store.js';
import { testPlan } from './records.js';
import { usePostgresCluster } from './use-postgres.js';

export { testPlan } from './records.js';

export type Backend = 'sqlite' | 'postgres';

/** The store contract runs on both: the embedded default and the replicas' database. */
export const BACKENDS: Backend[] = ['sqlite', 'postgres'];

export function instance(id = `test-${randomUUID().slice(0, 8)}`): Instance {
  return { id, token: randomUUID(), host: 'test-host', pid: process.pid };
}

export interface TempStore {
  store: Store;
  /** The SQLite file (unused on PostgreSQL). */
  file: string;
  /** The PostgreSQL URL, on that backend. */
  url?: string;
  /** A later process on the same database (what a restart looks like): a new instance unless given. */
  reopen(self?: Instance): Promise<Store>;
  /** Statements straight to the database, as someone with file access would run them. */
  raw(sql: string, params?: (string | number | null)[]): Promise<number>;
}

/**
 * Call at module (or describe) level; the returned function opens a store on a new database: a
 * temp SQLite file, or a new database in this file's throwaway PostgreSQL cluster.
 */
export function useTempStores(backend: Backend = 'sqlite') {
  const cluster = backend === 'postgres' ? usePostgresCluster() : undefined;
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return async (
    clock: Clock,
    options: { self?: Instance; leaseTtlMs?: number; auditKey?: string; name?: string } = {},
  ): Promise<TempStore> => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-store-'));
    dirs.push(dir);
    const file = join(dir, options.name ?? 'rollbot.db');
    const url = cluster ? await cluster().createDatabase() : undefined;
    const open = async (self: Instance) => {
      const store = await createStore({
        file,
        ...(url ? { url } : {}),
        clock,
        self,
        ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
        ...(options.auditKey !== undefined ? { auditKey: options.auditKey } : {}),
      });
      closers.push(() => store.close());
      return store;
    };
    let rawDb: Database | undefined;
    return {
      store: await open(options.self ?? instance()),
      file,
      ...(url ? { url } : {}),
      reopen: (self) => open(self ?? instance()),
      async raw(sql, params = []) {
        if (!rawDb) {
          const db = url ? openPostgres(url) : openSqlite(file);
          rawDb = db;
          closers.push(() => db.close());
        }
        return rawDb.run(sql, params);
      },
    };
  };
}

/** Opens an incident (with a pending run) the way the use cases do. */
export async function openIncident(
  store: Store,
  over: {
    service?: string;
    env?: string;
    kind?: 'incident' | 'drill';
    reason?: string;
    requestedBy?: string;
  } = {},
) {
  const opened = await store.openRun({
    incident: {
      kind: over.kind ?? 'incident',
      service: over.service ?? 'mimo',
      env: over.env ?? 'production',
      severity: 'minor',
      level: 1,
      reason: over.reason ?? 'slow',
      requestedBy: over.requestedBy ?? 'U0ALICE',
    },
    level: 1,
    requestedBy: over.requestedBy ?? 'U0ALICE',
    approvalsRequired: 1,
    drill: over.kind === 'drill',
    render: () => testPlan({ service: over.service ?? 'mimo', env: over.env ?? 'production' }),
  });
  if (!opened.ok) throw new Error(opened.message);
  return opened;
}
