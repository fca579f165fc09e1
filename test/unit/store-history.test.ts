import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/domain/run-state.js';
import { BACKENDS, testPlan, useTempStores } from '../support/temp-store.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  const T0 = Date.UTC(2026, 0, 5, 8, 0);
  const MIN = 60_000;

  async function setup() {
    const clock = { t: T0, now: () => clock.t };
    const { store } = await tempStore(clock);

    /** Opens a run at `at`, starts it `wait` later, ends it in `end` after `took` (if it ends). */
    const seed = async (
      service: string,
      env: string,
      opts: { drill?: boolean; end?: RunState; at: number; took?: number },
    ) => {
      clock.t = opts.at;
      const drill = opts.drill ?? false;
      const opened = await store.openRun({
        incident: {
          kind: drill ? 'drill' : 'incident',
          service,
          env,
          severity: 'major',
          level: 2,
          reason: 'seed',
          requestedBy: 'U0ALICE',
        },
        level: 2,
        requestedBy: 'U0ALICE',
        approvalsRequired: 0,
        drill,
        render: () => testPlan({ service, env, targetMs: 15 * MIN }),
      });
      if (!opened.ok) throw new Error(opened.message);
      const id = opened.run.id;
      clock.t += MIN;
      await store.startRun(id, { type: 'run.started', actor: 'rollbot' });
      if (opts.end && opts.took !== undefined) {
        clock.t += opts.took;
        await store.transitionRun(id, ['running'], opts.end, { type: 'run.finished', actor: 'rollbot' });
      }
      return id;
    };
    return { store, seed };
  }

  describe('history', () => {
    it('lists runs newest first with durations, filtered by service and drill', async () => {
      const { store, seed } = await setup();
      const a = await seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
      const b = await seed('mimo', 'staging', {
        at: T0 + 60 * MIN,
        drill: true,
        end: 'succeeded',
        took: 12 * MIN,
      });
      const c = await seed('api', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 3 * MIN });
      const d = await seed('mimo', 'production', { at: T0 + 180 * MIN });

      expect((await store.history()).map((r) => r.runId)).toEqual([d, c, b, a]);
      expect((await store.history({ service: 'mimo' })).map((r) => r.runId)).toEqual([d, b, a]);
      expect((await store.history({ drill: true })).map((r) => r.runId)).toEqual([b]);
      expect((await store.history({ drill: false, service: 'mimo' })).map((r) => r.runId)).toEqual([d, a]);
      expect((await store.history({ limit: 2 })).map((r) => r.runId)).toEqual([d, c]);

      const [running, failed] = await store.history();
      expect(failed).toEqual({
        runId: c,
        incidentId: 'INC-2026-0002',
        service: 'api',
        env: 'production',
        level: 2,
        drill: false,
        requestedBy: 'U0ALICE',
        state: 'failed',
        createdAt: T0 + 120 * MIN,
        startedAt: T0 + 121 * MIN,
        finishedAt: T0 + 124 * MIN,
        durationMs: 3 * MIN,
        targetMs: 15 * MIN,
      });
      expect(running).toMatchObject({ runId: d, state: 'running', finishedAt: null, durationMs: null });
    });
  });

  describe('mttr', () => {
    it('averages succeeded non-drill runs per service', async () => {
      const { store, seed } = await setup();
      await seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
      await seed('mimo', 'production', { at: T0 + 60 * MIN, end: 'succeeded', took: 20 * MIN });
      await seed('mimo', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 90 * MIN });
      await seed('mimo', 'staging', { at: T0 + 130 * MIN, drill: true, end: 'succeeded', took: 99 * MIN });
      await seed('api', 'production', { at: T0 + 300 * MIN, end: 'succeeded', took: 4 * MIN });
      await seed('api', 'staging', { at: T0 + 400 * MIN });

      expect(await store.mttr()).toEqual([
        { service: 'api', runs: 1, meanMs: 4 * MIN },
        { service: 'mimo', runs: 2, meanMs: 15 * MIN },
      ]);
      expect(await store.mttr('mimo')).toEqual([{ service: 'mimo', runs: 2, meanMs: 15 * MIN }]);
      expect(await store.mttr('nothing')).toEqual([]);
    });
  });

  describe('blocked versions', () => {
    it('blocks once, lists newest first, and unblocks with timeline events', async () => {
      const { store, seed } = await setup();
      const runId = await seed('mimo', 'production', { at: T0 });
      const incidentId = (await store.getRun(runId))!.incidentId;
      expect(await store.blockVersion('mimo', 'v2.4.0', 'U0ALICE', incidentId)).toBe(true);
      expect(await store.blockVersion('mimo', 'v2.4.0', 'U0BOB', incidentId)).toBe(false);
      await store.blockVersion('mimo', 'v2.4.1', 'U0ALICE', null);
      await store.blockVersion('api', 'v9.0.0', 'U0ALICE', null);
      expect((await store.blockedVersions('mimo')).map((b) => [b.version, b.by, b.incidentId])).toEqual([
        ['v2.4.1', 'U0ALICE', null],
        ['v2.4.0', 'U0ALICE', incidentId],
      ]);
      expect(await store.unblockVersion('mimo', 'v2.4.0', 'U0LEAD')).toBe(true);
      expect(await store.unblockVersion('mimo', 'v2.4.0', 'U0LEAD')).toBe(false);
      expect((await store.blockedVersions('mimo')).map((b) => b.version)).toEqual(['v2.4.1']);
      const events = (await store.timeline(incidentId)).filter((e) => e.type.startsWith('version.'));
      expect(events.map((e) => [e.type, e.actor, e.data])).toEqual([
        ['version.blocked', 'U0ALICE', { service: 'mimo', version: 'v2.4.0' }],
        ['version.unblocked', 'U0LEAD', { service: 'mimo', version: 'v2.4.0' }],
      ]);
      expect((await store.verifyTimeline()).ok).toBe(true);
    });
  });
});
