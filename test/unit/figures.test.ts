import { describe, expect, it } from 'vitest';
import { dataLossOf } from '../../src/domain/data-loss.js';
import { estimateEta, median, type StepSample, stepEstimates } from '../../src/domain/estimates.js';
import {
  meanTimeToRestore,
  restoredAt,
  runDurationMs,
  targetVerdict,
  timeToAcknowledgeMs,
  timeToRestoreMs,
} from '../../src/domain/figures.js';

const T0 = Date.UTC(2026, 0, 5, 8, 0);
const S = 1000;

describe('figures', () => {
  it('time to acknowledge is the request → the first approval or run start, whichever came first', () => {
    expect(timeToAcknowledgeMs({ openedAt: T0, approvalsAt: [T0 + 90 * S], startsAt: [T0 + 91 * S] })).toBe(
      90 * S,
    );
    // No approval needed: the run start acknowledges.
    expect(timeToAcknowledgeMs({ openedAt: T0, approvalsAt: [], startsAt: [T0 + 2 * S] })).toBe(2 * S);
    expect(timeToAcknowledgeMs({ openedAt: T0, approvalsAt: [], startsAt: [] })).toBeNull();
  });

  it('time to restore runs from the incident opening to the first run that succeeded, not a run duration', () => {
    // The case: a failed run, then a retry that ran 11 s and succeeded 50 s after the request.
    const runs = [
      { state: 'failed' as const, startedAt: T0 + 5 * S, finishedAt: T0 + 30 * S },
      { state: 'succeeded' as const, startedAt: T0 + 39 * S, finishedAt: T0 + 50 * S },
    ];
    expect(timeToRestoreMs({ openedAt: T0, runs })).toBe(50 * S);
    expect(runDurationMs(runs[1]!)).toBe(11 * S);
    expect(restoredAt(runs.slice(0, 1))).toBeNull();
    expect(runDurationMs({ startedAt: T0, finishedAt: null })).toBeNull();
  });

  it('judges only a restore against its target: a quick failed run is never "within target"', () => {
    const quick = { startedAt: T0, finishedAt: T0 + 10 * S, targetMs: 60 * S };
    expect(targetVerdict({ ...quick, state: 'succeeded' })).toBe('within');
    expect(targetVerdict({ ...quick, state: 'succeeded', finishedAt: T0 + 61 * S })).toBe('over');
    expect(targetVerdict({ ...quick, state: 'failed' })).toBe('not_restored');
    expect(targetVerdict({ ...quick, state: 'aborted' })).toBe('not_restored');
    expect(targetVerdict({ ...quick, state: 'running', finishedAt: null })).toBe('running');
    expect(targetVerdict({ ...quick, state: 'denied', startedAt: null, finishedAt: null })).toBe('not_run');
  });

  it('averages time to restore per service over restored incidents only', () => {
    expect(
      meanTimeToRestore([
        { service: 'shop', openedAt: T0, restoredAt: T0 + 50 * S },
        { service: 'shop', openedAt: T0, restoredAt: T0 + 70 * S },
        { service: 'shop', openedAt: T0, restoredAt: null },
        { service: 'api', openedAt: T0, restoredAt: T0 + S },
      ]),
    ).toEqual([
      { service: 'api', incidents: 1, meanMs: S },
      { service: 'shop', incidents: 2, meanMs: 60 * S },
    ]);
  });
});

describe('step estimates and the ETA', () => {
  const samples: StepSample[] = [
    { runId: 'a', stepIndex: 0, durationMs: 10 * S },
    { runId: 'a', stepIndex: 0, durationMs: 14 * S },
    { runId: 'b', stepIndex: 0, durationMs: 20 * S },
    { runId: 'c', stepIndex: 0, durationMs: 12 * S },
    { runId: 'a', stepIndex: 1, durationMs: 60 * S },
  ];

  it('takes the median over runs of each step’s slowest host', () => {
    expect(median([])).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(3);
    const estimates = stepEstimates(samples);
    expect(estimates.get(0)).toEqual({ medianMs: 14 * S, runs: 3 });
    expect(estimates.get(1)).toEqual({ medianMs: 60 * S, runs: 1 });
    expect(estimates.get(2)).toBeUndefined();
  });

  const steps = [
    { index: 0, kind: 'run', hosts: ['h1', 'h2'] },
    { index: 1, kind: 'confirm', hosts: [] },
    { index: 2, kind: 'run', hosts: ['h1', 'h2'] },
  ];
  const batches = [['h1'], ['h2']];

  it('adds the median of every (batch, step) still to do to the time elapsed', () => {
    const estimates = new Map([
      [0, { medianMs: 10 * S, runs: 4 }],
      [2, { medianMs: 30 * S, runs: 2 }],
    ]);
    const done = new Set(['0/h1']);
    const eta = estimateEta({
      elapsedMs: 15 * S,
      targetMs: 900 * S,
      estimates,
      work: { steps, batches, finished: (i, h) => done.has(`${i}/${h}`) },
    });
    // Canary h1 still has step 3; h2 has steps 1 and 3 — confirm steps add nothing.
    expect(eta).toEqual({ elapsedMs: 15 * S, remainingMs: 70 * S, basis: 'history', runs: 2 });
  });

  it('falls back to the level target minus elapsed when a step still to do has no history', () => {
    const eta = estimateEta({
      elapsedMs: 100 * S,
      targetMs: 900 * S,
      estimates: new Map([[0, { medianMs: 10 * S, runs: 4 }]]),
      work: { steps, batches, finished: () => false },
    });
    expect(eta).toEqual({ elapsedMs: 100 * S, remainingMs: 800 * S, basis: 'target', runs: 0 });
    const late = estimateEta({
      elapsedMs: 1000 * S,
      targetMs: 900 * S,
      estimates: new Map(),
      work: { steps, batches, finished: () => false },
    });
    expect(late.remainingMs).toBe(0);
  });
});

describe('data loss', () => {
  it('defaults by level and keeps what the runbook says', () => {
    expect(dataLossOf(1)).toEqual({ text: 'None expected', losesData: false });
    expect(dataLossOf(2)).toEqual({ text: 'None expected', losesData: false });
    expect(dataLossOf(3)).toEqual({ text: 'Writes since the backup are lost', losesData: true });
    expect(dataLossOf(2, 'In-memory sessions are dropped')).toEqual({
      text: 'In-memory sessions are dropped',
      losesData: true,
    });
    expect(dataLossOf(3, 'None: the database is not touched').losesData).toBe(false);
  });
});
