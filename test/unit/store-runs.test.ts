import { describe, expect, it } from 'vitest';
import type { NewIncident, OpenRunInput } from '../../src/domain/records.js';
import { failedResult, type StepResult } from '../../src/domain/step-result.js';
import type { Store } from '../../src/store/store.js';
import { okResult } from '../support/records.js';
import { BACKENDS, instance, testPlan, useTempStores } from '../support/temp-store.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  const TTL = 20_000;

  async function setup() {
    const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t };
    const temp = await tempStore(clock, { leaseTtlMs: TTL });
    await temp.store.heartbeat(temp.store.self);
    return { ...temp, clock };
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

  const request = (over: Partial<NewIncident> = {}, rest: Partial<OpenRunInput> = {}): OpenRunInput => ({
    incident: newIncident(over),
    level: 2,
    requestedBy: 'U0ALICE',
    approvalsRequired: 1,
    drill: false,
    render: () => testPlan({ service: over.service ?? 'mimo', env: over.env ?? 'production' }),
    ...rest,
  });

  async function opened(store: Store, input: OpenRunInput) {
    const result = await store.openRun(input);
    if (!result.ok) throw new Error(`expected the run to open: ${result.message}`);
    return result;
  }

  describe('openRun', () => {
    it('opens the incident and its first run with plan.rendered in one go, the plan typed', async () => {
      const { store, clock } = await setup();
      const { run, incident } = await opened(store, request());
      expect(incident.id).toBe('INC-2026-0001');
      expect(incident.owner).toBe('U0ALICE');
      expect(run).toMatchObject({
        id: 'INC-2026-0001-r1',
        incidentId: 'INC-2026-0001',
        service: 'mimo',
        env: 'production',
        level: 2,
        drill: false,
        state: 'pending_approval',
        planHash: 'hash-1',
        approvalsRequired: 1,
        executable: true,
        owner: null,
        createdAt: clock.t,
        startedAt: null,
        finishedAt: null,
        targetMs: 900_000,
        escalatedFrom: null,
      });
      expect(run.plan).toEqual(testPlan());
      expect((await store.timeline(incident.id)).map((e) => [e.type, e.runId ?? null, e.data])).toEqual([
        ['incident.opened', null, expect.any(Object)],
        ['plan.rendered', 'INC-2026-0001-r1', { hash: 'hash-1', level: 2, approvalsRequired: 1 }],
      ]);
    });

    it('opens approved, owned by this process, when no approval is needed or it is pre-approved', async () => {
      const { store } = await setup();
      const none = await opened(store, request({}, { approvalsRequired: 0 }));
      const typed = await opened(store, request({ env: 'staging' }, { preApproved: true }));
      for (const { run } of [none, typed])
        expect(run).toMatchObject({ state: 'approved', owner: store.self.id });
    });

    it('refuses a second active run on the same service and env, naming the holder', async () => {
      const { store, clock } = await setup();
      const first = await opened(store, request());
      const createdAt = clock.t;
      clock.t += 1000;
      const second = await store.openRun(request({ requestedBy: 'U0BOB' }, { requestedBy: 'U0BOB' }));
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
      expect(await store.getIncident('INC-2026-0002')).toBeUndefined();
      expect((await store.activeRuns()).map((r) => r.id)).toEqual([first.run.id]);
    });

    it('a request key makes a repeat a duplicate, but only once the first one opened something', async () => {
      const { store } = await setup();
      const holder = await opened(store, request());
      // Refused while locked: the key is not spent.
      expect(await store.openRun(request({}, { requestKey: 'view:V1' }))).toMatchObject({ code: 'locked' });
      await store.transitionRun(holder.run.id, ['pending_approval'], 'denied', {
        type: 'run.finished',
        actor: 'U0BOB',
      });
      expect((await store.openRun(request({}, { requestKey: 'view:V1' }))).ok).toBe(true);
      expect(await store.openRun(request({ env: 'staging' }, { requestKey: 'view:V1' }))).toMatchObject({
        ok: false,
        code: 'duplicate',
      });
    });

    it('allows another environment or service at the same time', async () => {
      const { store } = await setup();
      await opened(store, request());
      expect((await store.openRun(request({ env: 'staging' }))).ok).toBe(true);
      expect((await store.openRun(request({ service: 'other' }))).ok).toBe(true);
      expect(await store.activeRuns()).toHaveLength(3);
    });

    it('releases the lock once the run reaches a terminal state', async () => {
      const { store } = await setup();
      const first = await opened(store, request());
      expect((await store.openRun(request())).ok).toBe(false);
      const denied = await store.transitionRun(first.run.id, ['pending_approval'], 'denied', {
        type: 'approval.denied',
        actor: 'U0BOB',
      });
      expect(denied).toBe(true);
      expect((await opened(store, request())).run.id).toBe('INC-2026-0002-r1');
    });

    it('numbers escalation runs within the incident and keeps the lock', async () => {
      const { store } = await setup();
      const first = await opened(store, request({}, { approvalsRequired: 0 }));
      const incidentId = first.incident.id;
      const escalate = request({}, { incident: { incidentId }, level: 3, escalatedFrom: first.run.id });
      expect(await store.openRun(escalate)).toMatchObject({ ok: false, code: 'locked' });
      await store.startRun(first.run.id, { type: 'run.started', actor: 'rollbot' });
      await store.transitionRun(first.run.id, ['running'], 'failed', {
        type: 'run.finished',
        actor: 'rollbot',
      });
      const second = await opened(store, escalate);
      expect(second.run).toMatchObject({ id: `${incidentId}-r2`, level: 3, escalatedFrom: first.run.id });
      expect((await store.runsOfIncident(incidentId)).map((r) => r.id)).toEqual([
        first.run.id,
        second.run.id,
      ]);
      expect((await store.timeline(incidentId)).filter((e) => e.type === 'incident.opened')).toHaveLength(1);
    });

    it('reports an unknown incident id as not_found', async () => {
      const { store } = await setup();
      expect(await store.openRun(request({}, { incident: { incidentId: 'INC-2026-0042' } }))).toMatchObject({
        ok: false,
        code: 'not_found',
      });
    });

    it('renders the plan with the allocated ids, and writes nothing when rendering throws', async () => {
      const { store } = await setup();
      const { run } = await opened(
        store,
        request({}, { render: (ids) => testPlan({ hash: `hash-of-${ids.runId}`, levelName: ids.runId }) }),
      );
      expect(run.planHash).toBe('hash-of-INC-2026-0001-r1');
      expect(run.plan.levelName).toBe('INC-2026-0001-r1');
      const failing = request(
        { env: 'staging' },
        {
          render: () => {
            throw new Error('bad template');
          },
        },
      );
      await expect(store.openRun(failing)).rejects.toThrow('bad template');
      expect(await store.getIncident('INC-2026-0002')).toBeUndefined();
      expect(await store.activeRuns()).toHaveLength(1);
    });

    it('a plan stored before durable runs is shown but never executable', async () => {
      const { store, raw } = await setup();
      const { run } = await opened(store, request());
      await raw('UPDATE runs SET plan_version = 1 WHERE id = ?', [run.id]);
      expect(await store.getRun(run.id)).toMatchObject({ executable: false, plan: testPlan() });
    });
  });

  describe('transitionRun and startRun', () => {
    it('sets started_at and finished_at, and the first terminal write wins', async () => {
      const { store, clock } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      clock.t += 5_000;
      expect(await store.startRun(run.id, { type: 'run.started', actor: 'rollbot' })).toMatchObject({
        state: 'running',
        owner: store.self.id,
      });
      const startedAt = clock.t;
      clock.t += 60_000;
      const abort = await store.transitionRun(run.id, ['running'], 'aborted', {
        type: 'run.abort_requested',
        actor: 'U0BOB',
      });
      clock.t += 1;
      const succeed = await store.transitionRun(
        run.id,
        ['running'],
        'succeeded',
        { type: 'run.finished', actor: 'rollbot' },
        { error: 'should not be written' },
      );
      expect([abort, succeed]).toEqual([true, false]);
      expect(await store.getRun(run.id)).toMatchObject({
        state: 'aborted',
        startedAt,
        finishedAt: startedAt + 60_000,
        error: null,
      });
      const types = (await store.timeline(run.incidentId)).map((e) => e.type);
      expect(types.filter((t) => t === 'run.abort_requested' || t === 'run.finished')).toEqual([
        'run.abort_requested',
      ]);
    });

    it('starts a run once, and only in its owner unless the owner is gone', async () => {
      const { store, reopen, clock } = await setup();
      const other = await reopen();
      await other.heartbeat(other.self);
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      // The owner (this process) is alive: another process may not take it.
      expect(await other.startRun(run.id, { type: 'run.started', actor: 'rollbot' })).toBeUndefined();
      expect(await other.adoptableRuns()).toEqual([]);
      clock.t += TTL + 1;
      await other.heartbeat(other.self);
      expect((await other.adoptableRuns()).map((r) => r.id)).toEqual([run.id]);
      expect(await other.startRun(run.id, { type: 'run.started', actor: 'rollbot' })).toMatchObject({
        owner: other.self.id,
      });
      expect(await store.startRun(run.id, { type: 'run.started', actor: 'rollbot' })).toBeUndefined();
    });

    it('records an error, fills the run id of the event, and ends running steps as unknown', async () => {
      const { store } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      await store.startRun(run.id, { type: 'run.started', actor: 'rollbot' });
      await store.stepStarted(run.id, 0, 'mimo-1', 'Back up', 'run');
      await store.transitionRun(
        run.id,
        ['running'],
        'failed',
        { type: 'run.finished', actor: 'rollbot' },
        { error: 'exit 2' },
      );
      expect((await store.getRun(run.id))?.error).toBe('exit 2');
      expect((await store.stepResults(run.id)).map((s) => s.state)).toEqual(['unknown']);
      const last = (await store.timeline(run.incidentId)).at(-1);
      expect(last).toMatchObject({ type: 'run.finished', runId: run.id, incidentId: run.incidentId });
    });

    it('throws on a transition the state machine forbids', async () => {
      const { store } = await setup();
      const { run } = await opened(store, request());
      expect(() =>
        store.transitionRun(run.id, ['pending_approval'], 'succeeded', {
          type: 'run.finished',
          actor: 'rollbot',
        }),
      ).toThrow(/forbids pending_approval -> succeeded/);
      expect((await store.getRun(run.id))?.state).toBe('pending_approval');
    });
  });

  describe('steps', () => {
    it('records start and outcome with timeline events that never carry the tail', async () => {
      const { store, clock } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      await store.stepStarted(run.id, 0, 'mimo-1', 'Back up', 'run');
      clock.t += 2_000;
      expect(await store.stepFinished(run.id, 0, 'mimo-1', okResult({ tail: 'SECRET-LOOKING OUTPUT' }))).toBe(
        true,
      );
      await store.stepStarted(run.id, 1, 'mimo-1', 'Check out', 'run');
      const failure = failedResult('exit 128', 300, { exitCode: 128, tail: 'fatal: tag' });
      expect(await store.stepFinished(run.id, 1, 'mimo-1', failure)).toBe(true);
      expect(await store.stepFinished(run.id, 1, 'mimo-1', okResult())).toBe(false);

      const steps = await store.stepResults(run.id);
      expect(steps.map((s) => [s.stepIndex, s.state, s.exitCode, s.tail])).toEqual([
        [0, 'ok', 0, 'SECRET-LOOKING OUTPUT'],
        [1, 'failed', 128, 'fatal: tag'],
      ]);
      expect(steps[0]).toMatchObject({ name: 'Back up', kind: 'run', durationMs: 1234, finishedAt: clock.t });
      const events = (await store.timeline(run.incidentId)).filter((e) => e.type.startsWith('step.'));
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

    it('maps unknown, canceled and timed-out results', async () => {
      const { store } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      const results: StepResult[] = [
        failedResult('connection lost', 10, { outcomeUnknown: true }),
        failedResult('aborted', 10, { canceled: true, signal: 'SIGTERM' }),
        failedResult('timed out', 10, { timedOut: true }),
      ];
      for (const [i, result] of results.entries()) {
        await store.stepStarted(run.id, i, 'h', `s${i}`, 'run');
        await store.stepFinished(run.id, i, 'h', result);
      }
      expect((await store.stepResults(run.id)).map((s) => s.state)).toEqual([
        'unknown',
        'canceled',
        'timed_out',
      ]);
    });

    it('restarts a retried step on the same row', async () => {
      const { store } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      await store.stepStarted(run.id, 0, 'h', 'Reload', 'run');
      await store.stepFinished(run.id, 0, 'h', failedResult('exit 1', 5, { exitCode: 1 }));
      await store.stepStarted(run.id, 0, 'h', 'Reload', 'run');
      expect(await store.stepResults(run.id)).toMatchObject([
        { state: 'running', exitCode: null, error: null },
      ]);
      await store.stepFinished(run.id, 0, 'h', okResult());
      expect(await store.stepResults(run.id)).toMatchObject([{ state: 'ok', exitCode: 0 }]);
    });
  });

  describe('interruptOrphans (leases)', () => {
    it('interrupts running runs whose owner stopped renewing, marks running steps unknown, re-runs nothing', async () => {
      const { store, clock, reopen } = await setup();
      const running = (await opened(store, request({}, { approvalsRequired: 0 }))).run;
      await store.startRun(running.id, { type: 'run.started', actor: 'rollbot' });
      await store.stepStarted(running.id, 0, 'mimo-1', 'Back up', 'run');
      await store.stepFinished(running.id, 0, 'mimo-1', okResult());
      await store.stepStarted(running.id, 1, 'mimo-1', 'Reload', 'run');
      const pending = (await opened(store, request({ service: 'other' }))).run;
      const survivor = await reopen();
      await survivor.heartbeat(survivor.self);

      // The owner's lease is fresh: nothing is orphaned, whoever looks.
      clock.t += TTL - 1;
      expect(await survivor.interruptOrphans()).toEqual([]);
      clock.t += 2;
      const interrupted = await survivor.interruptOrphans();
      expect(interrupted.map((r) => [r.id, r.state, r.finishedAt])).toEqual([
        [running.id, 'interrupted', clock.t],
      ]);
      // Told once: the second look finds nothing.
      expect(await survivor.interruptOrphans()).toEqual([]);
      expect((await store.getRun(pending.id))?.state).toBe('pending_approval');
      expect((await store.stepResults(running.id)).map((s) => s.state)).toEqual(['ok', 'unknown']);
      expect((await store.timeline(running.incidentId)).at(-1)).toMatchObject({
        type: 'run.interrupted',
        actor: 'rollbot',
        data: { from: 'running', unknownSteps: 1, owner: store.self.id },
      });
      // The lock is free again.
      expect((await survivor.openRun(request())).ok).toBe(true);
    });

    it('a restarted process with the same instance id does not mistake its dead incarnation for itself', async () => {
      const { store, reopen } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      await store.startRun(run.id, { type: 'run.started', actor: 'rollbot' });
      const again = await reopen(instance(store.self.id));
      await again.heartbeat(again.self);
      expect((await again.interruptOrphans()).map((r) => r.id)).toEqual([run.id]);
    });

    it('a clean shutdown gives the lease up at once', async () => {
      const { store, reopen } = await setup();
      const { run } = await opened(store, request({}, { approvalsRequired: 0 }));
      await store.startRun(run.id, { type: 'run.started', actor: 'rollbot' });
      const survivor = await reopen();
      expect(await survivor.interruptOrphans()).toEqual([]);
      await store.retire(store.self);
      expect((await survivor.interruptOrphans()).map((r) => r.id)).toEqual([run.id]);
    });
  });
});
