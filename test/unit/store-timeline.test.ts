import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { canonicalJson, rowHash } from '../../src/store/chain.js';
import { useTempStores } from '../support/temp-store.js';

const tempStore = useTempStores();

function setup() {
  const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t++ };
  const { store, file } = tempStore(clock);
  const incident = store.createIncident({
    kind: 'incident',
    service: 'mimo',
    env: 'production',
    severity: 'minor',
    level: 1,
    reason: 'slow',
    requestedBy: 'U0ALICE',
  });
  for (let i = 0; i < 5; i++) {
    store.appendTimeline({
      type: 'note.added',
      actor: 'U0ALICE',
      incidentId: incident.id,
      data: { text: `note ${i}` },
    });
  }
  /** Tampering as an attacker with write access to the file would: a separate raw connection. */
  const raw = (sql: string, ...params: unknown[]) => {
    const db = new Database(file);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
  return { store, incident, raw };
}

describe('timeline hash chain', () => {
  it('chains each row to the previous one from a zero genesis hash', () => {
    const { store, incident } = setup();
    const events = store.timeline(incident.id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const first = events[0]!;
    const content = canonicalJson({
      seq: 1,
      at: first.at,
      type: first.type,
      actor: first.actor,
      incidentId: incident.id,
      runId: null,
      data: first.data,
    });
    const expected = createHash('sha256')
      .update(`${'0'.repeat(64)}\n${content}`)
      .digest('hex');
    expect(first.hash).toBe(expected);
    expect(store.verifyTimeline()).toEqual({ ok: true, count: 6 });
  });

  it('encodes objects canonically whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('counts only the given incident rows but checks the whole chain', () => {
    const { store, incident, raw } = setup();
    const other = store.createIncident({
      kind: 'drill',
      service: 'other',
      env: 'staging',
      severity: 'minor',
      level: 1,
      reason: 'quarterly drill',
      requestedBy: 'U0BOB',
    });
    expect(store.verifyTimeline(incident.id)).toEqual({ ok: true, count: 6 });
    expect(store.verifyTimeline(other.id)).toEqual({ ok: true, count: 1 });
    raw("UPDATE timeline SET actor = 'U0EVE' WHERE seq = 2");
    expect(store.verifyTimeline(other.id)).toMatchObject({ ok: false, seq: 2, problem: 'edited' });
  });

  it('reports an edited row at its seq', () => {
    const { store, raw } = setup();
    raw(`UPDATE timeline SET data_json = '{"text":"nothing happened"}' WHERE seq = 4`);
    expect(store.verifyTimeline()).toMatchObject({ ok: false, seq: 4, problem: 'edited' });
  });

  it('reports a row edited into invalid JSON as edited', () => {
    const { store, raw } = setup();
    raw(`UPDATE timeline SET data_json = '{oops' WHERE seq = 3`);
    expect(store.verifyTimeline()).toMatchObject({ ok: false, seq: 3, problem: 'edited' });
  });

  it('reports a deleted row at the missing seq', () => {
    const { store, raw } = setup();
    raw('DELETE FROM timeline WHERE seq = 3');
    const result = store.verifyTimeline();
    expect(result).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
    expect(result.ok || result.message).toContain('before seq 4');
  });

  it('reports rows deleted from the end of the chain', () => {
    const { store, raw } = setup();
    raw('DELETE FROM timeline WHERE seq >= 5');
    expect(store.verifyTimeline()).toMatchObject({ ok: false, seq: 5, problem: 'deleted' });
  });

  it('reports a forged row as inserted', () => {
    const { store, raw } = setup();
    raw(
      `INSERT INTO timeline (at, type, actor, incident_id, run_id, data_json, prev_hash, hash)
       VALUES (?, 'approval.granted', 'U0EVE', 'INC-2026-0001', NULL, '{}', ?, ?)`,
      Date.UTC(2026, 2, 14, 10),
      'f'.repeat(64),
      'e'.repeat(64),
    );
    expect(store.verifyTimeline()).toMatchObject({ ok: false, seq: 7, problem: 'inserted' });
  });

  it('reports a row forged into the middle by someone who knows the algorithm as inserted', () => {
    const { store, incident, raw } = setup();
    const third = store.timeline(incident.id)[2]!;
    // Make room after seq 3, then forge a perfectly hashed row that chains onto row 3.
    raw('UPDATE timeline SET seq = -seq WHERE seq >= 4');
    raw('UPDATE timeline SET seq = 1 - seq WHERE seq < 0');
    const forged = {
      seq: 4,
      at: third.at + 1,
      type: 'approval.granted',
      actor: 'U0EVE',
      incidentId: incident.id,
    };
    const content = { ...forged, runId: null, data: {} };
    raw(
      `INSERT INTO timeline (seq, at, type, actor, incident_id, run_id, data_json, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, NULL, '{}', ?, ?)`,
      forged.seq,
      forged.at,
      forged.type,
      forged.actor,
      forged.incidentId,
      third.hash,
      rowHash(third.hash, content),
    );
    expect(store.verifyTimeline()).toMatchObject({ ok: false, seq: 4, problem: 'inserted' });
  });

  it('keeps the chain valid across appends after a clean reopen', () => {
    const { store, incident } = setup();
    store.appendTimeline({ type: 'note.added', actor: 'U0ALICE', incidentId: incident.id });
    expect(store.verifyTimeline()).toEqual({ ok: true, count: 7 });
    expect(store.timeline(incident.id).at(-1)).toMatchObject({ seq: 7, data: {} });
  });
});
