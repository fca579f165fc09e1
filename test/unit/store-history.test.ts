import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/domain/run-state.js';
import { BACKENDS, testPlan, useTempStores } from '../support/temp-store.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  const T0 = Date.UTC(2026, 0, 5, 8, 0);
  const MIN = 60_000;

  async function setup() {
    const clock = { t: T0, now: () => clock.t };
    const { store, raw } = await tempStore(clock);

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
    return { store, seed, raw };
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
    it('is the mean time to restore: incident opened → its first succeeded run finished, drills excluded', async () => {
      const { store, seed } = await setup();
      // seed() opens an incident at `at`, starts its run a minute later, and ends it `took` after that.
      await seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
      await seed('mimo', 'production', { at: T0 + 60 * MIN, end: 'succeeded', took: 20 * MIN });
      await seed('mimo', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 90 * MIN });
      await seed('mimo', 'staging', { at: T0 + 230 * MIN, drill: true, end: 'succeeded', took: 99 * MIN });
      await seed('api', 'production', { at: T0 + 400 * MIN, end: 'succeeded', took: 4 * MIN });
      await seed('api', 'staging', { at: T0 + 500 * MIN });

      expect(await store.mttr()).toEqual([
        { service: 'api', incidents: 1, meanMs: 5 * MIN },
        { service: 'mimo', incidents: 2, meanMs: 16 * MIN },
      ]);
      expect(await store.mttr('mimo')).toEqual([{ service: 'mimo', incidents: 2, meanMs: 16 * MIN }]);
      expect(await store.mttr('nothing')).toEqual([]);
    });

    it('counts a failed run and its retry as one incident, restored when the retry succeeded', async () => {
      const { store, seed } = await setup();
      const first = await seed('shop', 'production', { at: T0, end: 'failed', took: 2 * MIN });
      const incidentId = (await store.getRun(first))!.incidentId;
      const retry = await store.openRun({
        incident: { incidentId },
        level: 2,
        requestedBy: 'U0ALICE',
        approvalsRequired: 0,
        drill: false,
        escalatedFrom: first,
        render: () => testPlan({ service: 'shop', targetMs: 15 * MIN }),
      });
      if (!retry.ok) throw new Error(retry.message);
      await store.startRun(retry.run.id, { type: 'run.started', actor: 'rollbot' });
      await store.transitionRun(retry.run.id, ['running'], 'succeeded', {
        type: 'run.finished',
        actor: 'rollbot',
      });
      // Opened at T0; the retry finished at T0 + 1 min (start) + 2 min (failed run): 3 minutes, one incident.
      expect(await store.mttr('shop')).toEqual([{ service: 'shop', incidents: 1, meanMs: 3 * MIN }]);
    });
  });

  describe('step samples', () => {
    it('returns the ok step durations of earlier succeeded runs of one service and level, newest runs first', async () => {
      const { store, seed, raw } = await setup();
      const runs: string[] = [];
      for (const i of [0, 1, 2]) {
        runs.push(await seed('mimo', 'production', { at: T0 + i * 60 * MIN, end: 'succeeded', took: MIN }));
      }
      const failed = await seed('mimo', 'production', { at: T0 + 200 * MIN, end: 'failed', took: MIN });
      const other = await seed('api', 'production', { at: T0 + 300 * MIN, end: 'succeeded', took: MIN });
      // Rows written after the runs ended, directly: what a finished run left behind.
      const step = async (runId: string, index: number, host: string, durationMs: number, ok = true) => {
        await raw(
          `INSERT INTO step_results (run_id, step_index, host, name, kind, state, exit_code, duration_ms)
           VALUES (?, ?, ?, ?, 'run', ?, ?, ?)`,
          [runId, index, host, `step ${index}`, ok ? 'ok' : 'failed', ok ? 0 : 1, durationMs],
        );
      };
      for (const [i, runId] of runs.entries()) {
        await step(runId, 0, 'mimo-1', 1000 * (i + 1));
        await step(runId, 1, 'mimo-1', 5000);
      }
      await step(runs[2]!, 1, 'mimo-2', 7000, false);
      await step(failed, 0, 'mimo-1', 99_000);
      await step(other, 0, 'api-1', 99_000);

      const samples = await store.stepSamples({ service: 'mimo', level: 2, before: T0 + 1000 * MIN });
      expect(samples).toHaveLength(6);
      expect(samples.every((s) => runs.includes(s.runId))).toBe(true);
      expect(samples.find((s) => s.runId === runs[2] && s.stepIndex === 0)?.durationMs).toBe(3000);
      // Only runs finished before `before`, and at most `runs` of the newest.
      const finishedFirst = (await store.getRun(runs[0]!))!.finishedAt!;
      expect(
        (await store.stepSamples({ service: 'mimo', level: 2, before: finishedFirst + 1 })).map(
          (s) => s.runId,
        ),
      ).toEqual([runs[0], runs[0]]);
      expect(
        new Set(
          (await store.stepSamples({ service: 'mimo', level: 2, before: T0 + 1000 * MIN, runs: 1 })).map(
            (s) => s.runId,
          ),
        ),
      ).toEqual(new Set([runs[2]]));
      expect(await store.stepSamples({ service: 'mimo', level: 3, before: T0 + 1000 * MIN })).toEqual([]);
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
