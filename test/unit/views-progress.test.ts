import { describe, expect, it } from 'vitest';
import type { Plan, PlannedStep } from '../../src/domain/plan.js';
import type { Run, StepRow } from '../../src/domain/records.js';
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { loadRunbookFile } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import type { MessageContent } from '../../views/blocks.js';
import { ABORT, CONFIRM_CANCEL, CONFIRM_CONTINUE, ESCALATE, RESOLVED, RETRY_STEP } from '../../views/ids.js';
import { type ProgressPhase, progressMessage } from '../../views/progress.js';
import { progressFacts } from '../../views/progress-facts.js';
import { testPlan } from '../support/records.js';

const T0 = Date.UTC(2025, 10, 12, 14, 0);

function mimoPlan(level: number): Plan {
  const { runbook } = loadRunbookFile('test/fixtures/runbooks/valid/mimo.yml');
  const rendered = renderPlan(runbook!, {
    env: 'production',
    level,
    params: { backup: 'b.tar.gz' },
    runId: 'INC-2025-0042-r1',
    incidentId: 'INC-2025-0042',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan;
}
const plan = mimoPlan(2);

function runOf(over: Partial<Run> = {}): Run {
  return {
    id: 'INC-2025-0042-r1',
    incidentId: 'INC-2025-0042',
    service: 'mimo',
    env: 'production',
    level: 2,
    drill: false,
    state: 'running',
    planHash: plan.hash,
    plan: testPlan(),
    executable: true,
    approvalsRequired: 1,
    owner: null,
    requestedBy: 'U0REQ',
    createdAt: T0,
    startedAt: T0,
    finishedAt: null,
    targetMs: 900_000,
    error: null,
    escalatedFrom: null,
    ...over,
  };
}
function rowOf(stepIndex: number, host: string, over: Partial<StepRow> = {}): StepRow {
  return {
    runId: 'INC-2025-0042-r1',
    stepIndex,
    host,
    name: `step ${stepIndex}`,
    kind: 'run',
    state: 'ok',
    exitCode: 0,
    signal: null,
    startedAt: T0 + stepIndex * 10_000,
    finishedAt: T0 + stepIndex * 10_000 + 3000,
    durationMs: 3000,
    tail: '',
    error: null,
    logFile: null,
    ...over,
  };
}
const message = (phase: ProgressPhase, steps: StepRow[] = [], run = runOf(), p = plan, now = T0 + 60_000) =>
  progressMessage({ plan: p, run, steps, now, phase });

type Json = Record<string, unknown>;
function buttons(m: MessageContent): Json[] {
  const out: Json[] = [];
  for (const b of m.blocks) if (b.type === 'actions') out.push(...(b.elements as unknown as Json[]));
  return out;
}
const actionIds = (m: MessageContent) => buttons(m).map((b) => b.action_id);
const all = (m: MessageContent) => JSON.stringify(m);

describe('progress message', () => {
  it('shows a header with the run, level and state, and an Abort button with a confirm dialog while running', () => {
    const m = message({ kind: 'running' }, [
      rowOf(0, 'mimo-1'),
      rowOf(0, 'mimo-2', { state: 'running', finishedAt: null, durationMs: null }),
    ]);
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '🔄 Rolling back: mimo · level 2 · Code rollback' },
    });
    expect(all(m)).toContain('Run `INC-2025-0042-r1`');
    expect(actionIds(m)).toEqual([ABORT]);
    const abort = buttons(m)[0]!;
    expect(abort).toMatchObject({ style: 'danger', confirm: { style: 'danger' } });
    expect(JSON.parse(abort.value as string)).toEqual({ runId: 'INC-2025-0042-r1' });
  });

  it('draws a per-step × per-host grid with times, pending hosts included', () => {
    const m = message({ kind: 'running' }, [
      rowOf(0, 'mimo-1'),
      rowOf(0, 'mimo-2', { durationMs: 4000 }),
      rowOf(1, 'mimo-1', { state: 'running', startedAt: T0 + 55_000, finishedAt: null, durationMs: null }),
    ]);
    const s = all(m);
    expect(s).toContain('✅ *1. Back up current state* · mimo-1 ✅ 3s · mimo-2 ✅ 4s');
    expect(s).toContain('🔄 *2. Check out v2.3.0* · mimo-1 🔄 5s · mimo-2 ⏳');
    expect(s).toContain('⏳ *3. Clean install* · mimo-1 ⏳ · mimo-2 ⏳');
  });

  it('uses the newest row when a step was retried on a host', () => {
    const m = message({ kind: 'running' }, [
      rowOf(0, 'mimo-1', { state: 'failed', startedAt: T0 }),
      rowOf(0, 'mimo-1', { state: 'ok', startedAt: T0 + 20_000 }),
      rowOf(0, 'mimo-2'),
    ]);
    expect(all(m)).toContain('✅ *1. Back up current state* · mimo-1 ✅');
  });

  it('summarises a step per state when there are many hosts', () => {
    const hosts = Array.from({ length: 50 }, (_, i) => `mimo-${i}`);
    const step: PlannedStep = {
      index: 0,
      name: 'Reload',
      kind: 'run',
      timeoutMs: 60_000,
      continueOnError: false,
      targets: hosts.map((host) => ({ kind: 'run', host, script: 'pm2 reload app' })),
    };
    const wide: Plan = {
      ...plan,
      steps: [step],
      hosts: hosts.map((name) => ({ name, address: name, port: 22, user: 'deploy', local: false })),
    };
    const rows = hosts.map((h, i) =>
      rowOf(
        0,
        h,
        i === 7
          ? { state: 'failed', exitCode: 1 }
          : i >= 48
            ? { state: 'running', finishedAt: null, durationMs: null }
            : {},
      ),
    );
    const m = message({ kind: 'running' }, rows, runOf(), wide);
    expect(all(m)).toContain('❌ *1. Reload* · ✅ 47 · 🔄 2 · ❌ 1 (mimo-7)');
  });

  it('on failure shows host, step, exit code and the last 15 lines, with Retry / Escalate / Abort', () => {
    const tail = Array.from({ length: 40 }, (_, i) => `npm ERR! line ${i}`).join('\n');
    const rows = [
      rowOf(0, 'mimo-1'),
      rowOf(0, 'mimo-2'),
      rowOf(2, 'mimo-1', { state: 'failed', exitCode: 1, tail, logFile: '/var/log/rollbot/r1-2.log' }),
    ];
    const m = message({ kind: 'failed' }, rows, runOf({ state: 'failed', finishedAt: T0 + 60_000 }));
    const s = all(m);
    expect(s).toContain('❌ *Step 3 · Clean install* on `mimo-1`: exit code 1');
    expect(s).toContain('npm ERR! line 39');
    expect(s).toContain('npm ERR! line 25');
    expect(s).not.toContain('npm ERR! line 24');
    expect(s).toContain('/var/log/rollbot/r1-2.log');
    expect(actionIds(m)).toEqual([RETRY_STEP, ESCALATE, ABORT]);
    const [retry, escalate] = buttons(m);
    expect(JSON.parse(retry!.value as string)).toEqual({
      runId: 'INC-2025-0042-r1',
      planHash: plan.hash,
      stepIndex: 2,
    });
    expect(retry!.text).toMatchObject({ text: 'Retry step 3' });
    expect(JSON.parse(escalate!.value as string)).toEqual({ runId: 'INC-2025-0042-r1', level: 3 });
    expect(escalate!.text).toMatchObject({ text: 'Escalate to level 3' });
  });

  it('explains timeouts and lost connections, and never offers level 4', () => {
    const timedOut = message({ kind: 'failed' }, [
      rowOf(0, 'mimo-1', { state: 'timed_out', exitCode: null, durationMs: 300_000 }),
    ]);
    expect(all(timedOut)).toContain('timed out after 5m');
    const lost = message({ kind: 'failed' }, [rowOf(0, 'mimo-2', { state: 'unknown', exitCode: null })]);
    expect(all(lost)).toContain('*outcome unknown*');
    const l3 = mimoPlan(3);
    const top = message(
      { kind: 'failed' },
      [rowOf(1, 'mimo-1', { state: 'failed', exitCode: 1 })],
      runOf({ level: 3 }),
      l3,
    );
    expect(actionIds(top)).toEqual([RETRY_STEP, ABORT]);
  });

  it('on success reports the time against the target, with Resolved / Escalate', () => {
    const m = message({ kind: 'succeeded' }, [], runOf({ state: 'succeeded', finishedAt: T0 + 252_000 }));
    expect(all(m)).toContain('Rolled back in 4m 12s* (target 15m)');
    expect(actionIds(m)).toEqual([RESOLVED, ESCALATE]);
    const slow = message(
      { kind: 'succeeded' },
      [],
      runOf({ state: 'succeeded', finishedAt: T0 + 1_000_000 }),
    );
    expect(all(slow)).toContain('1m 40s over target');
    const top = message(
      { kind: 'succeeded' },
      [],
      runOf({ level: 3, state: 'succeeded', finishedAt: T0 + 1000 }),
      mimoPlan(3),
    );
    expect(actionIds(top)).toEqual([RESOLVED]);
  });

  it('asks the confirm step question with Continue and a confirmed Cancel', () => {
    const l3 = mimoPlan(3);
    const m = message({ kind: 'confirm', stepIndex: 0 }, [], runOf({ level: 3 }), l3);
    expect(all(m)).toContain('*Step 1 asks:* Writes since backup b.tar.gz will be lost. Continue?');
    expect(all(m)).toContain('⏸ *1. Confirm* · waiting for an answer');
    expect(actionIds(m)).toEqual([CONFIRM_CONTINUE, CONFIRM_CANCEL]);
    expect(buttons(m)[1]).toMatchObject({ style: 'danger', confirm: { style: 'danger' } });
  });

  it('gives every destructive button a confirm dialog in every phase', () => {
    const phases: ProgressPhase[] = [
      { kind: 'waiting' },
      { kind: 'running' },
      { kind: 'confirm', stepIndex: 0 },
      { kind: 'failed' },
      { kind: 'interrupted' },
      { kind: 'succeeded' },
      { kind: 'aborted', by: 'U1' },
    ];
    for (const phase of phases) {
      for (const b of buttons(message(phase, [rowOf(0, 'mimo-1', { state: 'failed', exitCode: 1 })]))) {
        if (b.action_id === ABORT || b.action_id === CONFIRM_CANCEL) expect(b.confirm).toBeDefined();
        expect(b.value as string).toMatch(
          /^\{"runId":"[A-Za-z0-9-]+"(,"planHash":"[0-9a-f]{64}")?(,"stepIndex":\d+)?(,"level":[23])?\}$/,
        );
      }
    }
  });

  it('offers what makes sense after an abort: retry where it stopped, escalate, resolved', () => {
    const aborted = message({ kind: 'aborted', by: 'U0ONCALL' }, [rowOf(0, 'mimo-1'), rowOf(0, 'mimo-2')]);
    expect(actionIds(aborted)).toEqual([RETRY_STEP, ESCALATE, RESOLVED]);
    expect(JSON.parse(buttons(aborted)[0]!.value as string)).toMatchObject({ stepIndex: 1 });
    // A drill resolves nothing; level 3 has nowhere to escalate.
    const drill = message(
      { kind: 'aborted', by: 'U0ONCALL' },
      [],
      runOf({ drill: true, level: 3 }),
      mimoPlan(3),
    );
    expect(actionIds(drill)).toEqual([RETRY_STEP]);
  });

  it('says who aborted, and tells an interrupted run that nothing re-runs on its own', () => {
    expect(all(message({ kind: 'aborted', by: 'U0ONCALL' }))).toContain('Aborted* by <@U0ONCALL>');
    const m = message({ kind: 'interrupted' }, [rowOf(0, 'mimo-1'), rowOf(0, 'mimo-2')]);
    expect(all(m)).toContain('Nothing is re-run on its own');
    expect(JSON.parse(buttons(m)[0]!.value as string)).toMatchObject({ stepIndex: 1 });
  });
});

describe('progress message counts that add up', () => {
  const stagingPlan = (level: number): Plan => {
    const { runbook } = loadRunbookFile('test/fixtures/runbooks/valid/mimo.yml');
    const rendered = renderPlan(runbook!, {
      env: 'staging',
      level,
      params: { backup: 'b.tar.gz' },
      runId: 'INC-2025-0042-r2',
      incidentId: 'INC-2025-0042',
    });
    if (!rendered.ok) throw new Error(rendered.message);
    return rendered.plan;
  };
  const counter = (m: MessageContent) => {
    const meta = m.blocks[1] as { elements: { text: string }[] };
    return meta.elements[0]!.text;
  };

  it('shows what a retried run skipped as done earlier, and reaches the total', () => {
    // The earlier run did steps 1-2 on both hosts and step 3 on mimo-1; mimo-2 failed step 3.
    const skipped = [0, 1].flatMap((stepIndex) => ['mimo-1', 'mimo-2'].map((host) => ({ stepIndex, host })));
    skipped.push({ stepIndex: 2, host: 'mimo-1' });
    const rows = [rowOf(2, 'mimo-2'), ...[3, 4, 5].flatMap((i) => [rowOf(i, 'mimo-1'), rowOf(i, 'mimo-2')])];
    const done = runOf({ state: 'succeeded', finishedAt: T0 + 60_000 });
    const m = progressMessage({
      plan,
      run: done,
      steps: rows,
      now: T0 + 60_000,
      phase: { kind: 'succeeded' },
      skipped,
    });
    expect(counter(m)).toBe('*12 of 12 done (6 steps × 2 hosts)*');
    expect(m.text).toContain('12 of 12 done');
    expect(all(m)).toContain('☑️ *1. Back up current state* · mimo-1 ☑️ · mimo-2 ☑️');
    expect(all(m)).toContain('✅ *3. Clean install* · mimo-1 ☑️ · mimo-2 ✅ 3s');
    expect(all(m)).toContain('☑️ done by an earlier run');
    expect(all(m)).not.toContain('⏳');

    // One host: counted in steps.
    const single = stagingPlan(1);
    const retry = progressMessage({
      plan: single,
      run: done,
      steps: [rowOf(2, 'mimo-stg')],
      now: T0 + 60_000,
      phase: { kind: 'succeeded' },
      skipped: [
        { stepIndex: 0, host: 'mimo-stg' },
        { stepIndex: 1, host: 'mimo-stg' },
      ],
    });
    expect(counter(retry)).toBe('*3 of 3 steps done*');
  });

  it('counts an answered confirm step, so a level 3 run reaches 7 of 7', () => {
    const l3 = stagingPlan(3);
    const rows = [1, 2, 3, 4, 5, 6].map((i) => rowOf(i, 'mimo-stg'));
    const done = runOf({ level: 3, state: 'succeeded', finishedAt: T0 + 60_000 });
    const input = {
      plan: l3,
      run: done,
      steps: rows,
      now: T0 + 60_000,
      phase: { kind: 'succeeded' } as const,
    };
    expect(counter(progressMessage({ ...input, confirmed: [0] }))).toBe('*7 of 7 steps done*');
    // While waiting for the answer, the confirmation is still to go.
    const waiting = progressMessage({
      ...input,
      steps: [],
      run: runOf({ level: 3 }),
      phase: { kind: 'confirm', stepIndex: 0 },
    });
    expect(counter(waiting)).toBe('*0 of 7 steps done · 7 to go*');
  });

  it('counts the canary per step, never "0 of" while the canary host is on its last step', () => {
    const rows = [
      ...[0, 1, 2, 3, 4].map((i) => rowOf(i, 'mimo-1')),
      rowOf(5, 'mimo-1', { state: 'running', finishedAt: null, durationMs: null }),
    ];
    const m = message({ kind: 'running' }, rows);
    expect(counter(m)).toBe(
      '*5 of 12 done (6 steps × 2 hosts) · 1 running · 6 to go · canary mimo-1: 5 of 6 steps*',
    );
    expect(m.text).not.toMatch(/\b0 of/);
  });

  it('shows hosts a failed canary kept from running as not started, not pending', () => {
    const rows = [
      rowOf(0, 'mimo-1'),
      rowOf(1, 'mimo-1'),
      rowOf(2, 'mimo-1', { state: 'failed', exitCode: 1 }),
    ];
    const m = progressMessage({
      plan,
      run: runOf({ state: 'failed', finishedAt: T0 + 60_000 }),
      steps: rows,
      now: T0 + 60_000,
      phase: { kind: 'failed' },
      notStarted: ['mimo-2'],
    });
    expect(counter(m)).toBe(
      '*2 of 12 done (6 steps × 2 hosts) · 1 failed · 9 not started · canary mimo-1: 2 of 6 steps*',
    );
    expect(all(m)).toContain('*1. Back up current state* · mimo-1 ✅ 3s · mimo-2 ▫️');
    expect(all(m)).toContain('▫️ not started');
    expect(all(m)).not.toContain('⏳');
  });
});

describe('progress facts from the records', () => {
  const event = (
    type: StoredTimelineEvent['type'],
    runId: string,
    data: Record<string, unknown>,
    seq: number,
  ) => ({
    type,
    actor: 'rollbot',
    runId,
    data,
    seq,
    at: T0 + seq,
    hash: `h${seq}`,
  });

  it('skips what the run it retries did, and reads confirmations and hosts never started', () => {
    const retry = { id: 'INC-2025-0042-r2', level: 2, escalatedFrom: 'INC-2025-0042-r1' };
    const earlier = [rowOf(0, 'mimo-1'), rowOf(0, 'mimo-2', { state: 'failed', exitCode: 1 })];
    const facts = progressFacts({
      run: retry,
      previous: { id: 'INC-2025-0042-r1', level: 2 },
      previousRows: earlier,
      steps: mimoPlan(3).steps,
      events: [
        event('run.confirmed', retry.id, { step: 0, confirmed: true }, 1),
        event('run.confirmed', 'INC-2025-0042-r1', { step: 4, confirmed: true }, 2),
        event('run.finished', retry.id, { status: 'failed', notStarted: ['mimo-2'] }, 3),
      ],
    });
    expect(facts).toEqual({
      skipped: [{ stepIndex: 0, host: 'mimo-1' }],
      confirmed: [0],
      notStarted: ['mimo-2'],
    });
    // An escalation to another level runs everything again: nothing is skipped.
    const escalated = progressFacts({
      run: { ...retry, level: 3 },
      previous: { id: 'INC-2025-0042-r1', level: 2 },
      previousRows: earlier,
      steps: [],
      events: [],
    });
    expect(escalated.skipped).toEqual([]);
  });

  it('places a confirmation recorded without a step index by its question', () => {
    const l3 = mimoPlan(3);
    const facts = progressFacts({
      run: { id: 'r', level: 3, escalatedFrom: null },
      steps: l3.steps,
      events: [event('run.confirmed', 'r', { question: l3.steps[0]!.confirm, confirmed: true }, 1)],
    });
    expect(facts.confirmed).toEqual([0]);
  });
});

describe('progress counts after an abort', () => {
  it('counts canceled steps as stopped, not failed, and the rest as not started', () => {
    const rows = [
      rowOf(0, 'mimo-1'),
      rowOf(1, 'mimo-1', { state: 'canceled', exitCode: null, signal: 'SIGTERM' }),
    ];
    const m = progressMessage({
      plan,
      run: runOf({ state: 'aborted', finishedAt: T0 + 60_000 }),
      steps: rows,
      now: T0 + 60_000,
      phase: { kind: 'aborted', by: 'U0ONCALL' },
      notStarted: ['mimo-2'],
    });
    expect(m.text).toContain('1 of 12 done (6 steps × 2 hosts) · 1 stopped · 10 not started');
    expect(m.text).not.toContain('failed');
  });
});
