import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { failedResult, type StepResult } from '../../src/domain/step-result.js';
import type { Store } from '../../src/store/store.js';
import type { NewIncident, OpenRunInput } from '../../src/store/types.js';
import { useTempStores } from '../support/temp-store.js';

const tempStore = useTempStores();

function setup() {
  const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t };
  const { store, file, reopen: restart } = tempStore(clock);
  const raw = (sql: string, ...params: unknown[]) => {
    const db = new Database(file);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
  return { store, clock, restart, raw };
}

const newIncident = (over: Partial<NewIncident> = {}): NewIncident => ({
  kind: 'incident',
  service: 'mimo',
  env: 'production',
  severity: 'major',
  level: 2,
  reason: 'memory leak',
  requestedBy: 'U0ALICE',
  ...over,
});

const request = (over: Partial<NewIncident> = {}, rest: Partial<OpenRunInput> = {}): OpenRunInput =>
  ({
    incident: newIncident(over),
    level: 2,
    planHash: 'hash-1',
    planJson: '{"steps":[]}',
    paramsJson: '{"version":"v2.3.0"}',
    targetMs: 900_000,
    requestedBy: 'U0ALICE',
    state: 'pending_approval',
    drill: false,
    ...rest,
  }) as OpenRunInput;

function opened(store: Store, input: OpenRunInput) {
  const result = store.openRun(input);
  if (!result.ok) throw new Error(`expected the run to open: ${result.message}`);
  return result;
}

const okResult = (over: Partial<StepResult> = {}): StepResult => ({
  ok: true,
  exitCode: 0,
  signal: null,
  timedOut: false,
  canceled: false,
  outcomeUnknown: false,
  durationMs: 1234,
  tail: 'done\n',
  ...over,
});

describe('openRun', () => {
  it('opens the incident and its first run with plan.rendered in one go', () => {
    const { store, clock } = setup();
    const { run, incident } = opened(store, request());
    expect(incident.id).toBe('INC-2026-0001');
    expect(run).toMatchObject({
      id: 'INC-2026-0001-r1',
      incidentId: 'INC-2026-0001',
      service: 'mimo',
      env: 'production',
      level: 2,
      drill: false,
      state: 'pending_approval',
      planHash: 'hash-1',
      paramsJson: '{"version":"v2.3.0"}',
      createdAt: clock.t,
      startedAt: null,
      finishedAt: null,
      targetMs: 900_000,
      escalatedFrom: null,
    });
    expect(store.timeline(incident.id).map((e) => [e.type, e.runId ?? null, e.data])).toEqual([
      ['incident.opened', null, expect.any(Object)],
      ['plan.rendered', 'INC-2026-0001-r1', { hash: 'hash-1', level: 2 }],
    ]);
  });

  it('refuses a second active run on the same service and env, naming the holder', () => {
    const { store, clock } = setup();
    const first = opened(store, request());
    const createdAt = clock.t;
    clock.t += 1000;
    const second = store.openRun(request({ requestedBy: 'U0BOB' }, { requestedBy: 'U0BOB' }));
    expect(second).toEqual({
      ok: false,
      code: 'locked',
      message: expect.stringContaining(first.run.id),
      holder: {
        runId: first.run.id,
        incidentId: first.incident.id,
        requestedBy: 'U0ALICE',
        state: 'pending_approval',
        createdAt,
      },
    });
    // The refused request left no orphan incident behind.
    expect(store.getIncident('INC-2026-0002')).toBeUndefined();
    expect(store.activeRuns().map((r) => r.id)).toEqual([first.run.id]);
  });

  it('allows another environment or service at the same time', () => {
    const { store } = setup();
    opened(store, request());
    expect(store.openRun(request({ env: 'staging' })).ok).toBe(true);
    expect(store.openRun(request({ service: 'other' })).ok).toBe(true);
    expect(store.activeRuns()).toHaveLength(3);
  });

  it('releases the lock once the run reaches a terminal state', () => {
    const { store } = setup();
    const first = opened(store, request());
    expect(store.openRun(request()).ok).toBe(false);
    const denied = store.transitionRun(first.run.id, ['pending_approval'], 'denied', {
      type: 'approval.denied',
      actor: 'U0BOB',
    });
    expect(denied).toBe(true);
    expect(opened(store, request()).run.id).toBe('INC-2026-0002-r1');
  });

  it('numbers escalation runs within the incident and keeps the lock', () => {
    const { store } = setup();
    const first = opened(store, request({}, { state: 'approved' }));
    const incidentId = first.incident.id;
    const escalate = request({}, { incident: { incidentId }, level: 3, escalatedFrom: first.run.id });
    expect(store.openRun(escalate)).toMatchObject({ ok: false, code: 'locked' });
    store.transitionRun(first.run.id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' });
    store.transitionRun(first.run.id, ['running'], 'failed', { type: 'run.finished', actor: 'rollbot' });
    const second = opened(store, escalate);
    expect(second.run).toMatchObject({ id: `${incidentId}-r2`, level: 3, escalatedFrom: first.run.id });
    expect(store.runsOfIncident(incidentId).map((r) => r.id)).toEqual([first.run.id, second.run.id]);
    expect(store.timeline(incidentId).filter((e) => e.type === 'incident.opened')).toHaveLength(1);
  });

  it('reports an unknown incident id as not_found', () => {
    const { store } = setup();
    expect(store.openRun(request({}, { incident: { incidentId: 'INC-2026-0042' } }))).toMatchObject({
      ok: false,
      code: 'not_found',
    });
  });

  it('renders the plan with the allocated ids, and writes nothing when rendering throws', () => {
    const { store } = setup();
    const rest = {
      incident: newIncident(),
      level: 2,
      targetMs: 900_000,
      requestedBy: 'U0ALICE',
      state: 'pending_approval' as const,
      drill: false,
    };
    const render = (ids: { runId: string; incidentId: string }) => ({
      planHash: `hash-of-${ids.runId}`,
      planJson: JSON.stringify({ backup: `/var/backups/mimo-${ids.runId}.tar.gz` }),
      paramsJson: '{}',
    });
    const { run } = opened(store, { ...rest, render });
    expect(run.planHash).toBe('hash-of-INC-2026-0001-r1');
    expect(run.planJson).toContain('mimo-INC-2026-0001-r1.tar.gz');

    const failing: OpenRunInput = {
      ...rest,
      incident: newIncident({ env: 'staging' }),
      render: () => {
        throw new Error('bad template');
      },
    };
    expect(() => store.openRun(failing)).toThrow('bad template');
    expect(store.getIncident('INC-2026-0002')).toBeUndefined();
    expect(store.activeRuns()).toHaveLength(1);
  });
});

describe('transitionRun', () => {
  it('sets started_at and finished_at, and the first terminal write wins', () => {
    const { store, clock } = setup();
    const { run } = opened(store, request({}, { state: 'approved' }));
    clock.t += 5_000;
    expect(
      store.transitionRun(run.id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' }),
    ).toBe(true);
    const startedAt = clock.t;
    clock.t += 60_000;
    const abort = store.transitionRun(run.id, ['running'], 'aborted', {
      type: 'run.abort_requested',
      actor: 'U0BOB',
    });
    clock.t += 1;
    const succeed = store.transitionRun(
      run.id,
      ['running'],
      'succeeded',
      { type: 'run.finished', actor: 'rollbot' },
      { error: 'should not be written' },
    );
    expect([abort, succeed]).toEqual([true, false]);
    expect(store.getRun(run.id)).toMatchObject({
      state: 'aborted',
      startedAt,
      finishedAt: startedAt + 60_000,
      error: null,
    });
    const types = store.timeline(run.incidentId).map((e) => e.type);
    expect(types.filter((t) => t === 'run.abort_requested' || t === 'run.finished')).toEqual([
      'run.abort_requested',
    ]);
  });

  it('records an error and fills the run id of the event', () => {
    const { store } = setup();
    const { run } = opened(store, request({}, { state: 'approved' }));
    store.transitionRun(run.id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' });
    store.transitionRun(
      run.id,
      ['running'],
      'failed',
      { type: 'run.finished', actor: 'rollbot' },
      { error: 'exit 2' },
    );
    expect(store.getRun(run.id)?.error).toBe('exit 2');
    const last = store.timeline(run.incidentId).at(-1);
    expect(last).toMatchObject({ type: 'run.finished', runId: run.id, incidentId: run.incidentId });
  });

  it('throws on a transition the state machine forbids', () => {
    const { store } = setup();
    const { run } = opened(store, request());
    expect(() =>
      store.transitionRun(run.id, ['pending_approval'], 'succeeded', {
        type: 'run.finished',
        actor: 'rollbot',
      }),
    ).toThrow(/forbids pending_approval -> succeeded/);
    expect(store.getRun(run.id)?.state).toBe('pending_approval');
  });
});

describe('steps', () => {
  it('records start and outcome with timeline events that never carry the tail', () => {
    const { store, clock } = setup();
    const { run } = opened(store, request({}, { state: 'approved' }));
    store.stepStarted(run.id, 0, 'mimo-1', 'Back up', 'run');
    clock.t += 2_000;
    expect(store.stepFinished(run.id, 0, 'mimo-1', okResult({ tail: 'SECRET-LOOKING OUTPUT' }))).toBe(true);
    store.stepStarted(run.id, 1, 'mimo-1', 'Check out', 'run');
    const failure = failedResult('exit 128', 300, { exitCode: 128, tail: 'fatal: tag' });
    expect(store.stepFinished(run.id, 1, 'mimo-1', failure)).toBe(true);
    expect(store.stepFinished(run.id, 1, 'mimo-1', okResult())).toBe(false);

    const steps = store.stepResults(run.id);
    expect(steps.map((s) => [s.stepIndex, s.state, s.exitCode, s.tail])).toEqual([
      [0, 'ok', 0, 'SECRET-LOOKING OUTPUT'],
      [1, 'failed', 128, 'fatal: tag'],
    ]);
    expect(steps[0]).toMatchObject({ name: 'Back up', kind: 'run', durationMs: 1234, finishedAt: clock.t });
    const events = store.timeline(run.incidentId).filter((e) => e.type.startsWith('step.'));
    expect(events.map((e) => e.type)).toEqual([
      'step.started',
      'step.finished',
      'step.started',
      'step.finished',
    ]);
    expect(events[3]?.data).toEqual({
      step: 1,
      host: 'mimo-1',
      name: 'Check out',
      outcome: 'failed',
      exitCode: 128,
      durationMs: 300,
      error: 'exit 128',
    });
    expect(JSON.stringify(events)).not.toContain('fatal: tag');
  });

  it('maps unknown, canceled and timed-out results', () => {
    const { store } = setup();
    const { run } = opened(store, request({}, { state: 'approved' }));
    const results: StepResult[] = [
      failedResult('connection lost', 10, { outcomeUnknown: true }),
      failedResult('aborted', 10, { canceled: true, signal: 'SIGTERM' }),
      failedResult('timed out', 10, { timedOut: true }),
    ];
    results.forEach((result, i) => {
      store.stepStarted(run.id, i, 'h', `s${i}`, 'run');
      store.stepFinished(run.id, i, 'h', result);
    });
    expect(store.stepResults(run.id).map((s) => s.state)).toEqual(['unknown', 'canceled', 'timed_out']);
  });

  it('restarts a retried step on the same row', () => {
    const { store } = setup();
    const { run } = opened(store, request({}, { state: 'approved' }));
    store.stepStarted(run.id, 0, 'h', 'Reload', 'run');
    store.stepFinished(run.id, 0, 'h', failedResult('exit 1', 5, { exitCode: 1 }));
    store.stepStarted(run.id, 0, 'h', 'Reload', 'run');
    expect(store.stepResults(run.id)).toMatchObject([{ state: 'running', exitCode: null, error: null }]);
    store.stepFinished(run.id, 0, 'h', okResult());
    expect(store.stepResults(run.id)).toMatchObject([{ state: 'ok', exitCode: 0 }]);
  });
});

describe('interruptStaleRuns', () => {
  it('interrupts running and approved runs, marks running steps unknown, and re-runs nothing', () => {
    const { store: before, clock, restart } = setup();
    const store = before;
    const running = opened(store, request({}, { state: 'approved' })).run;
    store.transitionRun(running.id, ['approved'], 'running', { type: 'run.started', actor: 'rollbot' });
    store.stepStarted(running.id, 0, 'mimo-1', 'Back up', 'run');
    store.stepFinished(running.id, 0, 'mimo-1', okResult());
    store.stepStarted(running.id, 1, 'mimo-1', 'Reload', 'run');
    const approved = opened(store, request({ env: 'staging' }, { state: 'approved' })).run;
    const pending = opened(store, request({ service: 'other' })).run;
    clock.t += 10_000;

    // The process that drives these runs is still this one: nothing is stale yet.
    expect(store.interruptStaleRuns()).toEqual([]);
    const after = restart();
    const interrupted = after.interruptStaleRuns();
    expect(interrupted.map((r) => [r.id, r.state, r.finishedAt])).toEqual([
      [running.id, 'interrupted', clock.t],
      [approved.id, 'interrupted', clock.t],
    ]);
    expect(store.getRun(pending.id)?.state).toBe('pending_approval');
    expect(store.stepResults(running.id).map((s) => s.state)).toEqual(['ok', 'unknown']);
    const event = store.timeline(running.incidentId).at(-1);
    expect(event).toMatchObject({
      type: 'run.interrupted',
      actor: 'rollbot',
      data: { from: 'running', unknownSteps: 1 },
    });
    expect(after.interruptStaleRuns('U0OPS')).toEqual([]);
    // The locks are free again.
    expect(after.openRun(request()).ok).toBe(true);
  });

  it('leaves runs of another live process alone and interrupts those of a dead one', () => {
    const { store, restart, raw } = setup();
    const live = opened(store, request({}, { state: 'approved' })).run;
    const dead = opened(store, request({ env: 'staging' }, { state: 'approved' })).run;
    const foreign = opened(store, request({ service: 'other' }, { state: 'approved' })).run;
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    raw('UPDATE runs SET owner_pid = ? WHERE id = ?', process.ppid, live.id);
    raw('UPDATE runs SET owner_pid = ? WHERE id = ?', exited, dead.id);
    raw("UPDATE runs SET owner_host = 'replaced-container' WHERE id = ?", foreign.id);

    const interrupted = restart().interruptStaleRuns();
    expect(interrupted.map((r) => r.id).sort()).toEqual([dead.id, foreign.id].sort());
    expect(store.getRun(live.id)?.state).toBe('approved');
  });
});
