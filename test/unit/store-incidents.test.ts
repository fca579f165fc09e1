import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../src/store/db.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { NewIncident } from '../../src/store/types.js';
import { useTempStores } from '../support/temp-store.js';

const tempStore = useTempStores();

function setup(start = Date.UTC(2026, 2, 14, 9, 30)) {
  const clock = { t: start, now: () => clock.t };
  const { store, file } = tempStore(clock, join('nested', 'rollbot.db'));
  return { store, clock, file };
}

const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  kind: 'incident',
  service: 'mimo',
  env: 'production',
  severity: 'critical',
  level: 2,
  reason: 'error rate 8%',
  requestedBy: 'U0ALICE',
  ...over,
});

describe('database', () => {
  it('creates the parent directory, uses WAL and records the schema version', () => {
    const { file } = setup();
    const db = openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('applies only the migrations a file has not seen yet', () => {
    const { file } = setup();
    const extra = [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER) STRICT;'];
    const db = openDatabase(file, extra);
    db.close();
    const again = openDatabase(file, extra);
    try {
      expect(schemaVersion(again)).toBe(MIGRATIONS.length + 1);
      expect(again.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 0 });
    } finally {
      again.close();
    }
  });

  it('refuses a file written by a newer rollbot', () => {
    const { file } = setup();
    const db = openDatabase(file, [...MIGRATIONS, 'SELECT 1;']);
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer than this rollbot/);
  });
});

describe('incidents', () => {
  it('numbers incidents per year from the clock', () => {
    const { store } = setup();
    const first = store.createIncident(incident());
    const second = store.createIncident(incident({ service: 'other' }));
    expect(first.id).toBe('INC-2026-0001');
    expect(second.id).toBe('INC-2026-0002');
    expect(first).toMatchObject({
      status: 'open',
      openedAt: Date.UTC(2026, 2, 14, 9, 30),
      resolvedAt: null,
      slackChannel: null,
      slackTs: null,
      requestedBy: 'U0ALICE',
      severity: 'critical',
    });
  });

  it('restarts numbering in a new UTC year', () => {
    const { store, clock } = setup(Date.UTC(2026, 11, 31, 23, 59));
    expect(store.createIncident(incident()).id).toBe('INC-2026-0001');
    clock.t = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(store.createIncident(incident()).id).toBe('INC-2027-0001');
    expect(store.createIncident(incident()).id).toBe('INC-2027-0002');
  });

  it('numbers drills separately with a DRL prefix', () => {
    const { store } = setup();
    store.createIncident(incident());
    expect(store.createIncident(incident({ kind: 'drill', env: 'staging' })).id).toBe('DRL-2026-0001');
    expect(store.createIncident(incident()).id).toBe('INC-2026-0002');
  });

  it('records incident.opened on the timeline', () => {
    const { store } = setup();
    const inc = store.createIncident(incident());
    const events = store.timeline(inc.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'incident.opened',
      actor: 'U0ALICE',
      incidentId: inc.id,
      data: { service: 'mimo', env: 'production', level: 2, severity: 'critical', kind: 'incident' },
    });
  });

  it('binds the Slack thread and resolves once', () => {
    const { store, clock } = setup();
    const inc = store.createIncident(incident());
    expect(store.setIncidentSlack(inc.id, 'C0INC', '1700000000.000100')).toBe(true);
    expect(store.setIncidentSlack('INC-2026-9999', 'C0INC', '1')).toBe(false);
    clock.t += 60_000;
    expect(store.resolveIncident(inc.id, 'U0BOB')).toBe(true);
    expect(store.resolveIncident(inc.id, 'U0BOB')).toBe(false);
    expect(store.getIncident(inc.id)).toMatchObject({
      status: 'resolved',
      resolvedAt: clock.t,
      slackChannel: 'C0INC',
      slackTs: '1700000000.000100',
    });
    expect(store.timeline(inc.id).map((e) => e.type)).toEqual(['incident.opened', 'incident.resolved']);
    expect(store.getIncident('nope')).toBeUndefined();
  });
});
