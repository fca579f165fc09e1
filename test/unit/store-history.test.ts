import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/domain/run-state.js';
import { useTempStores } from '../support/temp-store.js';

const tempStore = useTempStores();

const T0 = Date.UTC(2026, 0, 5, 8, 0);
const MIN = 60_000;

function setup() {
  const clock = { t: T0, now: () => clock.t };
  const { store } = tempStore(clock);

  /** Opens a run at `at`, starts it `wait` later, ends it in `end` after `took` (if it ends). */
  const seed = (
    service: string,
    env: string,
    opts: { drill?: boolean; end?: RunState; at: number; took?: number },
  ) => {
    clock.t = opts.at;
    const drill = opts.drill ?? false;
    const opened = store.openRun({
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
      planHash: 'h',
      planJson: '{}',
      paramsJson: '{}',
      targetMs: 15 * MIN,
      requestedBy: 'U0ALICE',
      state: 'approved',
      drill,
    });
    if (!opened.ok) throw new Error(opened.message);
    const id = opened.run.id;
    clock.t += MIN;
    store.transitionRun(id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' });
    if (opts.end && opts.took !== undefined) {
      clock.t += opts.took;
      store.transitionRun(id, ['running'], opts.end, { type: 'run.finished', actor: 'rollbot' });
    }
    return id;
  };
  return { store, seed };
}

describe('history', () => {
  it('lists runs newest first with durations, filtered by service and drill', () => {
    const { store, seed } = setup();
    const a = seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
    const b = seed('mimo', 'staging', { at: T0 + 60 * MIN, drill: true, end: 'succeeded', took: 12 * MIN });
    const c = seed('api', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 3 * MIN });
    const d = seed('mimo', 'production', { at: T0 + 180 * MIN });

    expect(store.history().map((r) => r.runId)).toEqual([d, c, b, a]);
    expect(store.history({ service: 'mimo' }).map((r) => r.runId)).toEqual([d, b, a]);
    expect(store.history({ drill: true }).map((r) => r.runId)).toEqual([b]);
    expect(store.history({ drill: false, service: 'mimo' }).map((r) => r.runId)).toEqual([d, a]);
    expect(store.history({ limit: 2 }).map((r) => r.runId)).toEqual([d, c]);

    const [running, failed] = store.history();
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
  it('is the mean time to restore: incident opened → its first succeeded run finished, drills excluded', () => {
    const { store, seed } = setup();
    // seed() opens an incident at `at`, starts its run a minute later, and ends it `took` after that.
    seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
    seed('mimo', 'production', { at: T0 + 60 * MIN, end: 'succeeded', took: 20 * MIN });
    seed('mimo', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 90 * MIN });
    seed('mimo', 'staging', { at: T0 + 230 * MIN, drill: true, end: 'succeeded', took: 99 * MIN });
    seed('api', 'production', { at: T0 + 400 * MIN, end: 'succeeded', took: 4 * MIN });
    seed('api', 'staging', { at: T0 + 500 * MIN });

    expect(store.mttr()).toEqual([
      { service: 'api', incidents: 1, meanMs: 5 * MIN },
      { service: 'mimo', incidents: 2, meanMs: 16 * MIN },
    ]);
    expect(store.mttr('mimo')).toEqual([{ service: 'mimo', incidents: 2, meanMs: 16 * MIN }]);
    expect(store.mttr('nothing')).toEqual([]);
  });

  it('counts a failed run and its retry as one incident, restored when the retry succeeded', () => {
    const { store, seed } = setup();
    const first = seed('shop', 'production', { at: T0, end: 'failed', took: 2 * MIN });
    const incidentId = store.getRun(first)!.incidentId;
    const retry = store.openRun({
      incident: { incidentId },
      level: 2,
      planHash: 'h',
      planJson: '{}',
      paramsJson: '{}',
      targetMs: 15 * MIN,
      requestedBy: 'U0ALICE',
      state: 'approved',
      drill: false,
      escalatedFrom: first,
    });
    if (!retry.ok) throw new Error(retry.message);
    store.transitionRun(retry.run.id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' });
    store.transitionRun(retry.run.id, ['running'], 'succeeded', { type: 'run.finished', actor: 'rollbot' });
    // Opened at T0; the retry finished at T0 + 1 min (start) + 2 min (failed run): 3 minutes, one incident.
    expect(store.mttr('shop')).toEqual([{ service: 'shop', incidents: 1, meanMs: 3 * MIN }]);
  });
});

describe('step samples', () => {
  it('returns the ok step durations of earlier succeeded runs of one service and level, newest runs first', () => {
    const { store, seed } = setup();
    const runs = [0, 1, 2].map((i) =>
      seed('mimo', 'production', { at: T0 + i * 60 * MIN, end: 'succeeded', took: MIN }),
    );
    const failed = seed('mimo', 'production', { at: T0 + 200 * MIN, end: 'failed', took: MIN });
    const other = seed('api', 'production', { at: T0 + 300 * MIN, end: 'succeeded', took: MIN });
    const step = (runId: string, index: number, host: string, durationMs: number, ok = true) => {
      store.stepStarted(runId, index, host, `step ${index}`, 'run');
      store.stepFinished(runId, index, host, {
        ok,
        exitCode: ok ? 0 : 1,
        signal: null,
        timedOut: false,
        canceled: false,
        outcomeUnknown: false,
        durationMs,
        tail: '',
      });
    };
    runs.forEach((runId, i) => {
      step(runId, 0, 'mimo-1', 1000 * (i + 1));
      step(runId, 1, 'mimo-1', 5000);
    });
    step(runs[2]!, 1, 'mimo-2', 7000, false);
    step(failed, 0, 'mimo-1', 99_000);
    step(other, 0, 'api-1', 99_000);

    const samples = store.stepSamples({ service: 'mimo', level: 2, before: T0 + 1000 * MIN });
    expect(samples).toHaveLength(6);
    expect(samples.every((s) => runs.includes(s.runId))).toBe(true);
    expect(samples.find((s) => s.runId === runs[2] && s.stepIndex === 0)?.durationMs).toBe(3000);
    // Only runs finished before `before`, and at most `runs` of the newest.
    const finishedFirst = store.getRun(runs[0]!)!.finishedAt!;
    expect(
      store.stepSamples({ service: 'mimo', level: 2, before: finishedFirst + 1 }).map((s) => s.runId),
    ).toEqual([runs[0], runs[0]]);
    expect(
      new Set(
        store
          .stepSamples({ service: 'mimo', level: 2, before: T0 + 1000 * MIN, runs: 1 })
          .map((s) => s.runId),
      ),
    ).toEqual(new Set([runs[2]]));
    expect(store.stepSamples({ service: 'mimo', level: 3, before: T0 + 1000 * MIN })).toEqual([]);
  });
});

describe('blocked versions', () => {
  it('blocks once, lists newest first, and unblocks with timeline events', () => {
    const { store, seed } = setup();
    const runId = seed('mimo', 'production', { at: T0 });
    const incidentId = store.getRun(runId)!.incidentId;
    expect(store.blockVersion('mimo', 'v2.4.0', 'U0ALICE', incidentId)).toBe(true);
    expect(store.blockVersion('mimo', 'v2.4.0', 'U0BOB', incidentId)).toBe(false);
    store.blockVersion('mimo', 'v2.4.1', 'U0ALICE', null);
    store.blockVersion('api', 'v9.0.0', 'U0ALICE', null);
    expect(store.blockedVersions('mimo').map((b) => [b.version, b.by, b.incidentId])).toEqual([
      ['v2.4.1', 'U0ALICE', null],
      ['v2.4.0', 'U0ALICE', incidentId],
    ]);
    expect(store.unblockVersion('mimo', 'v2.4.0', 'U0LEAD')).toBe(true);
    expect(store.unblockVersion('mimo', 'v2.4.0', 'U0LEAD')).toBe(false);
    expect(store.blockedVersions('mimo').map((b) => b.version)).toEqual(['v2.4.1']);
    const events = store.timeline(incidentId).filter((e) => e.type.startsWith('version.'));
    expect(events.map((e) => [e.type, e.actor, e.data])).toEqual([
      ['version.blocked', 'U0ALICE', { service: 'mimo', version: 'v2.4.0' }],
      ['version.unblocked', 'U0LEAD', { service: 'mimo', version: 'v2.4.0' }],
    ]);
    expect(store.verifyTimeline().ok).toBe(true);
  });
});
