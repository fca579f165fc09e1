import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, rowHash } from '../../src/store/chain.js';
import { BACKENDS, instance, openIncident, useTempStores } from '../support/temp-store.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  async function setup() {
    const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t++ };
    const { store, raw: tamper } = await tempStore(clock);
    const { incident } = await openIncident(store);
    // Opening wrote incident.opened and plan.rendered; four notes make six rows.
    for (let i = 0; i < 4; i++) {
      await store.appendTimeline({
        type: 'note.added',
        actor: 'U0ALICE',
        incidentId: incident.id,
        data: { text: `note ${i}` },
      });
    }
    /** Tampering as an attacker with write access to the file would: a separate raw connection. */
    const raw = (sql: string, ...params: (string | number | null)[]) => tamper(sql, params);
    return { store, incident, raw };
  }

  const intact = (count: number) => ({
    ok: true,
    count,
    unkeyed: count,
    head: expect.any(String),
    keyed: false,
  });

  describe('timeline hash chain', () => {
    it('chains each row to the previous one from a zero genesis hash', async () => {
      const { store, incident } = await setup();
      const events = await store.timeline(incident.id);
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
      expect(await store.verifyTimeline()).toEqual(intact(6));
      expect(await store.timelineHead()).toBe(events.at(-1)!.hash);
    });

    it('encodes objects canonically whatever the key order', () => {
      expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
        '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
      );
    });

    it('counts only the given incident rows but checks the whole chain', async () => {
      const { store, incident, raw } = await setup();
      const other = (await openIncident(store, { kind: 'drill', service: 'other', env: 'staging' })).incident;
      expect(await store.verifyTimeline({ incidentId: incident.id })).toMatchObject({ ok: true, count: 6 });
      expect(await store.verifyTimeline({ incidentId: other.id })).toMatchObject({ ok: true, count: 2 });
      await raw("UPDATE timeline SET actor = 'U0EVE' WHERE seq = 2");
      expect(await store.verifyTimeline({ incidentId: other.id })).toMatchObject({
        ok: false,
        seq: 2,
        problem: 'edited',
      });
    });

    it('reports an edited row at its seq', async () => {
      const { store, raw } = await setup();
      await raw(`UPDATE timeline SET data_json = '{"text":"nothing happened"}' WHERE seq = 4`);
      expect(await store.verifyTimeline()).toMatchObject({ ok: false, seq: 4, problem: 'edited' });
    });

    it('reports a row edited into invalid JSON as edited', async () => {
      const { store, raw } = await setup();
      await raw(`UPDATE timeline SET data_json = '{oops' WHERE seq = 3`);
      expect(await store.verifyTimeline()).toMatchObject({ ok: false, seq: 3, problem: 'edited' });
    });

    it('reports a deleted row at the missing seq', async () => {
      const { store, raw } = await setup();
      await raw('DELETE FROM timeline WHERE seq = 3');
      const result = await store.verifyTimeline();
      expect(result).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
      expect(result.ok || result.message).toContain('before seq 4');
    });

    it('reports rows deleted from the end of the chain', async () => {
      const { store, raw } = await setup();
      await raw('DELETE FROM timeline WHERE seq >= 5');
      expect(await store.verifyTimeline()).toMatchObject({ ok: false, seq: 5, problem: 'deleted' });
    });

    it('reports a forged row as inserted', async () => {
      const { store, raw } = await setup();
      await raw(
        `INSERT INTO timeline (seq, at, type, actor, incident_id, run_id, data_json, prev_hash, hash)
       VALUES (7, ?, 'approval.granted', 'U0EVE', 'INC-2026-0001', NULL, '{}', ?, ?)`,
        Date.UTC(2026, 2, 14, 10),
        'f'.repeat(64),
        'e'.repeat(64),
      );
      expect(await store.verifyTimeline()).toMatchObject({ ok: false, seq: 7, problem: 'inserted' });
    });

    it('reports a row forged into the middle by someone who knows the algorithm as inserted', async () => {
      const { store, incident, raw } = await setup();
      const third = (await store.timeline(incident.id))[2]!;
      // Make room after seq 3, then forge a perfectly hashed row that chains onto row 3.
      await raw('UPDATE timeline SET seq = -seq WHERE seq >= 4');
      await raw('UPDATE timeline SET seq = 1 - seq WHERE seq < 0');
      const forged = {
        seq: 4,
        at: third.at + 1,
        type: 'approval.granted',
        actor: 'U0EVE',
        incidentId: incident.id,
      };
      const content = { ...forged, runId: null, data: {} };
      await raw(
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
      expect(await store.verifyTimeline()).toMatchObject({ ok: false, seq: 4, problem: 'inserted' });
    });

    it('keeps the chain valid across appends', async () => {
      const { store, incident } = await setup();
      await store.appendTimeline({ type: 'note.added', actor: 'U0ALICE', incidentId: incident.id });
      expect(await store.verifyTimeline()).toEqual(intact(7));
      expect((await store.timeline(incident.id)).at(-1)).toMatchObject({ seq: 7, data: {} });
    });
  });

  describe('keyed chain (ROLLBOT_AUDIT_KEY)', () => {
    const KEY = 'a-key-of-at-least-16';
    async function keyed(key?: string) {
      const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t++ };
      const temp = await tempStore(clock, key ? { auditKey: key } : {});
      return { ...temp, clock };
    }

    it('verifies only with the key it was written with', async () => {
      const { store, file, url, clock } = await keyed(KEY);
      await openIncident(store);
      expect(await store.verifyTimeline()).toMatchObject({ ok: true, count: 2, unkeyed: 0, keyed: true });
      const { createStore } = await import('../../src/store/store.js');
      for (const auditKey of [undefined, 'another-key-of-16-chars']) {
        const other = await createStore({
          file,
          ...(url ? { url } : {}),
          clock,
          self: instance(),
          ...(auditKey ? { auditKey } : {}),
        });
        try {
          expect(await other.verifyTimeline()).toMatchObject({
            ok: false,
            problem: auditKey ? 'edited' : 'unknown_key',
          });
        } finally {
          await other.close();
        }
      }
    });

    it('counts rows written before the key was set, and holds every later row to the key', async () => {
      const { store, raw, file, url } = await keyed();
      const { incident } = await openIncident(store);
      await store.close();
      const clock = { t: Date.UTC(2026, 2, 14, 10), now: () => clock.t++ };
      const { createStore } = await import('../../src/store/store.js');
      const later = await createStore({
        file,
        ...(url ? { url } : {}),
        clock,
        self: instance(),
        auditKey: KEY,
      });
      try {
        await later.appendTimeline({ type: 'note.added', actor: 'U0ALICE', incidentId: incident.id });
        expect(await later.verifyTimeline()).toMatchObject({ ok: true, count: 3, unkeyed: 2, keyed: true });
        // The mark of where keying began cannot be moved by someone without the key.
        await raw('UPDATE timeline_head SET keyed_since = 1 WHERE id = 1');
        expect(await later.verifyTimeline()).toMatchObject({ ok: false, problem: 'edited' });
      } finally {
        await later.close();
      }
    });
  });
});
