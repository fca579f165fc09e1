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
  it('averages succeeded non-drill runs per service', () => {
    const { store, seed } = setup();
    seed('mimo', 'production', { at: T0, end: 'succeeded', took: 10 * MIN });
    seed('mimo', 'production', { at: T0 + 60 * MIN, end: 'succeeded', took: 20 * MIN });
    seed('mimo', 'production', { at: T0 + 120 * MIN, end: 'failed', took: 90 * MIN });
    seed('mimo', 'staging', { at: T0 + 130 * MIN, drill: true, end: 'succeeded', took: 99 * MIN });
    seed('api', 'production', { at: T0 + 300 * MIN, end: 'succeeded', took: 4 * MIN });
    seed('api', 'staging', { at: T0 + 400 * MIN });

    expect(store.mttr()).toEqual([
      { service: 'api', runs: 1, meanMs: 4 * MIN },
      { service: 'mimo', runs: 2, meanMs: 15 * MIN },
    ]);
    expect(store.mttr('mimo')).toEqual([{ service: 'mimo', runs: 2, meanMs: 15 * MIN }]);
    expect(store.mttr('nothing')).toEqual([]);
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
