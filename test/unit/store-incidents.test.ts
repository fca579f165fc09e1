import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateSqlite } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openSqlite } from '../../src/store/sql/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, openIncident, useTempStores } from '../support/temp-store.js';

const sqliteStore = useTempStores('sqlite');

async function sqliteSetup() {
  const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t };
  return sqliteStore(clock, { name: join('nested', 'rollbot.db') });
}

describe('database (SQLite)', () => {
  it('creates the parent directory, uses WAL and records the schema version', async () => {
    const { file } = await sqliteSetup();
    const db = openSqlite(file);
    try {
      expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
      // Busy locks are waited for asynchronously (the adapter retries), never by blocking the thread.
      expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(0);
      expect(db.raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      await db.close();
    }
  });

  it('applies only the migrations a file has not seen yet', async () => {
    const { file } = await sqliteSetup();
    const extra = [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER) STRICT;'];
    const db = openSqlite(file);
    migrateSqlite(db.raw, extra);
    migrateSqlite(db.raw, extra);
    try {
      expect(db.raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
      expect(await db.get('SELECT COUNT(*) AS n FROM incidents')).toEqual({ n: 0 });
    } finally {
      await db.close();
    }
  });

  it('refuses a file written by a newer rollbot', async () => {
    const { file } = await sqliteSetup();
    const db = openSqlite(file);
    migrateSqlite(db.raw, [...MIGRATIONS, 'SELECT 1;']);
    expect(() => migrateSqlite(db.raw, MIGRATIONS)).toThrow(/newer than this rollbot/);
    await db.close();
  });
});

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  async function setup(start = Date.UTC(2026, 2, 14, 9, 30)) {
    const clock = { t: start, now: () => clock.t };
    const { store, file } = await tempStore(clock, { name: join('nested', 'rollbot.db') });
    return { store, clock, file };
  }

  /** Opens an incident and ends its run, so the next one may open on the same service. */
  async function incidentOf(store: Store, over: Parameters<typeof openIncident>[1] = {}) {
    const { incident, run } = await openIncident(store, over);
    await store.transitionRun(run.id, ['pending_approval'], 'denied', {
      type: 'run.finished',
      actor: 'U0BOB',
    });
    return incident;
  }

  describe('incidents', () => {
    it('numbers incidents per year from the clock', async () => {
      const { store } = await setup();
      const first = await incidentOf(store);
      const second = await incidentOf(store, { service: 'other' });
      expect(first.id).toBe('INC-2026-0001');
      expect(second.id).toBe('INC-2026-0002');
      expect(first).toMatchObject({
        status: 'open',
        openedAt: Date.UTC(2026, 2, 14, 9, 30),
        resolvedAt: null,
        slackChannel: null,
        slackTs: null,
        requestedBy: 'U0ALICE',
        owner: 'U0ALICE',
        resolution: null,
      });
    });

    it('restarts numbering in a new UTC year', async () => {
      const { store, clock } = await setup(Date.UTC(2026, 11, 31, 23, 59));
      expect((await incidentOf(store)).id).toBe('INC-2026-0001');
      clock.t = Date.UTC(2027, 0, 1, 0, 0, 1);
      expect((await incidentOf(store)).id).toBe('INC-2027-0001');
      expect((await incidentOf(store)).id).toBe('INC-2027-0002');
    });

    it('numbers drills separately with a DRL prefix', async () => {
      const { store } = await setup();
      await incidentOf(store);
      expect((await incidentOf(store, { kind: 'drill', env: 'staging' })).id).toBe('DRL-2026-0001');
      expect((await incidentOf(store)).id).toBe('INC-2026-0002');
    });

    it('records incident.opened on the timeline', async () => {
      const { store } = await setup();
      const inc = await incidentOf(store);
      const events = await store.timeline(inc.id);
      expect(events[0]).toMatchObject({
        type: 'incident.opened',
        actor: 'U0ALICE',
        incidentId: inc.id,
        data: { service: 'mimo', env: 'production', level: 1, severity: 'minor', kind: 'incident' },
      });
    });

    it('binds the Slack thread and resolves once, with what the resolver said', async () => {
      const { store, clock } = await setup();
      const inc = await incidentOf(store);
      expect(await store.setIncidentSlack(inc.id, 'C0INC', '1700000000.000100')).toBe(true);
      expect(await store.setIncidentSlack('INC-2026-9999', 'C0INC', '1')).toBe(false);
      clock.t += 60_000;
      expect(await store.openIncidents()).toMatchObject([{ id: inc.id }]);
      expect(await store.resolveIncident(inc.id, 'U0BOB', { rootCause: 'bad cache config' })).toBe(true);
      expect(await store.resolveIncident(inc.id, 'U0BOB')).toBe(false);
      expect(await store.getIncident(inc.id)).toMatchObject({
        status: 'resolved',
        resolvedAt: clock.t,
        resolvedBy: 'U0BOB',
        resolution: { rootCause: 'bad cache config' },
        slackChannel: 'C0INC',
        slackTs: '1700000000.000100',
      });
      expect(await store.openIncidents()).toEqual([]);
      expect((await store.timeline(inc.id)).at(-1)).toMatchObject({
        type: 'incident.resolved',
        data: { rootCause: 'bad cache config' },
      });
      expect(await store.incidentByThread('C0INC', '1700000000.000100')).toMatchObject({ id: inc.id });
      expect(await store.getIncident('nope')).toBeUndefined();
    });

    it('hands the incident to whoever takes it, once', async () => {
      const { store } = await setup();
      const inc = await incidentOf(store);
      expect(await store.takeIncident(inc.id, 'U0CAROL')).toBe(true);
      expect(await store.takeIncident(inc.id, 'U0CAROL')).toBe(false);
      expect((await store.getIncident(inc.id))?.owner).toBe('U0CAROL');
    });
  });
});
