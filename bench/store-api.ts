/**
 * The store's own operations, through the Store both backends implement, one caller at a time:
 * what a request, an approval, a step on a host and a note cost, and how many whole runs of 50
 * hosts × 5 steps one replica's store sustains per minute (the store's share of a run: open,
 * approve, start, a started and a finished row per step and host, the end; no SSH).
 */
import { randomUUID } from 'node:crypto';
import type { Plan, PlannedStep } from '../src/domain/plan.js';
import { createStore, type Store } from '../src/store/store.js';
import { okResult } from '../test/support/records.js';

const HOSTS = 50;
const STEPS = 5;

const clock = { now: () => Date.now() };

export async function openBenchStore(target: { file?: string; url?: string }): Promise<Store> {
  return createStore({
    file: target.file ?? '',
    ...(target.url ? { url: target.url } : {}),
    clock,
    self: { id: `bench-${randomUUID().slice(0, 8)}`, token: randomUUID(), host: 'bench', pid: process.pid },
  });
}

function plan(service: string, hosts: number): Plan {
  const refs = Array.from({ length: hosts }, (_, i) => ({
    name: `${service}-${i + 1}`,
    address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    port: 22,
    user: 'deploy',
    local: false,
  }));
  const steps: PlannedStep[] = Array.from({ length: STEPS }, (_, index) => ({
    index,
    name: `Step ${index + 1}`,
    kind: 'run',
    timeoutMs: 300_000,
    continueOnError: false,
    targets: refs.map((h) => ({ kind: 'run', host: h.name, script: `echo step ${index + 1} on ${h.name}` })),
  }));
  return {
    service,
    env: 'production',
    level: 2,
    levelName: 'Code rollback',
    targetMs: 900_000,
    hosts: refs,
    strategy: { canary: 1, parallel: 10 },
    params: { version: 'v1.0.0' },
    steps,
    hash: `hash-${service}`,
    secrets: [],
  };
}

const OK = okResult({ durationMs: 120 });

/** A request: the incident, its run, the service lock and their timeline events, as /rollback writes them. */
export async function openRun(store: Store, service: string, hosts = 1): Promise<string> {
  const opened = await store.openRun({
    incident: {
      kind: 'incident',
      service,
      env: 'production',
      severity: 'major',
      level: 2,
      reason: 'benchmark',
      requestedBy: 'U0ALICE',
    },
    level: 2,
    requestedBy: 'U0ALICE',
    approvalsRequired: 1,
    drill: false,
    render: () => plan(service, hosts),
  });
  if (!opened.ok) throw new Error(opened.message);
  return opened.run.id;
}

/** An approval that completes the request: the approval row, then the run approved, as approve.ts does. */
export async function approve(store: Store, runId: string, service: string): Promise<void> {
  await store.recordApproval(runId, 'U0BOB', `hash-${service}`, 'approve');
  await store.transitionRun(runId, ['pending_approval'], 'approved', {
    type: 'run.approved',
    actor: 'U0BOB',
    runId,
    data: { approvedBy: ['U0BOB'] },
  });
}

/** One step on one host: its started row, then its result with the timeline event. */
export async function stepOnHost(store: Store, runId: string, step: number, host: string): Promise<void> {
  await store.stepStarted(runId, step, host, `Step ${step + 1}`, 'run');
  await store.stepFinished(runId, step, host, OK);
}

export async function note(store: Store, incidentId: string, i: number): Promise<void> {
  await store.appendTimeline({
    type: 'note.added',
    actor: 'U0BOB',
    incidentId,
    data: { text: `note ${i}` },
  });
}

/** A whole run of HOSTS × STEPS, as the store sees it; resolves with its duration in ms. */
export async function wholeRun(store: Store, service: string): Promise<number> {
  const start = performance.now();
  const runId = await openRun(store, service, HOSTS);
  await approve(store, runId, service);
  await store.startRun(runId, { type: 'run.started', actor: 'U0BOB', runId });
  for (let step = 0; step < STEPS; step++) {
    for (let h = 0; h < HOSTS; h++) await stepOnHost(store, runId, step, `${service}-${h + 1}`);
  }
  await store.transitionRun(runId, ['running'], 'succeeded', {
    type: 'run.finished',
    actor: 'rollbot',
    runId,
    data: { status: 'succeeded' },
  });
  return performance.now() - start;
}

export const RUN_SHAPE = { hosts: HOSTS, steps: STEPS };
