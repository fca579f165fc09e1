/** The engine: runs a plan's steps batch by batch (canary first), host by host, and reports every result. */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { maskDeep } from '../domain/mask.js';
import type { Plan, PlannedStep, StepTarget } from '../domain/plan.js';
import { failedResult, type StepResult } from '../domain/step-result.js';
import { type HealthStepDeps, runCheck, runMonitor } from './health-steps.js';
import type { CommandRunner, Confirmer } from './ports.js';
import { type QueryStepDeps, queryRunsInBatch, runQuery } from './query-steps.js';
import { batchHosts } from './strategy.js';

export interface EngineDeps extends HealthStepDeps, QueryStepDeps {
  ssh: CommandRunner;
  local: CommandRunner;
  confirmer: Confirmer;
}

/**
 * Told about everything as it happens; the service layer persists it and updates the views. The
 * engine waits for each call: a step starts only once its start is recorded.
 */
export interface RunObserver {
  stepStarted(step: PlannedStep, host: string): void | Promise<void>;
  stepFinished(step: PlannedStep, host: string, result: StepResult): void | Promise<void>;
  confirmRequested(step: PlannedStep): void | Promise<void>;
  confirmAnswered(step: PlannedStep, answer: { ok: boolean; by: string }): void | Promise<void>;
}

export interface ExecuteInput {
  /** The executable plan: secrets filled in (services/secrets.ts). */
  plan: Plan;
  /** The secret values in it: masked in every byte of output and in every result the engine returns. */
  secretValues: readonly string[];
  runId: string;
  logDir: string;
  signal: AbortSignal;
  observer: RunObserver;
  /** Work already done by an earlier run (a retry): these step+host pairs are not run again. */
  alreadyDone?: (stepIndex: number, host: string) => boolean;
}

export interface HostFailure {
  step: PlannedStep;
  host: string;
  result: StepResult;
}

export interface ExecuteOutcome {
  status: 'succeeded' | 'failed' | 'aborted';
  failures: HostFailure[];
  /** Hosts never started because an earlier batch failed or the run was aborted. */
  notStarted: string[];
  abortReason?: string;
}

export async function executePlan(deps: EngineDeps, input: ExecuteInput): Promise<ExecuteOutcome> {
  const { plan, signal } = input;
  // Every in-flight step on every host listens for abort: 50 hosts is normal, not a leak.
  setMaxListeners(0, signal);
  const failures: HostFailure[] = [];
  const confirmed = new Set<number>();
  const batches = batchHosts(
    plan.hosts.map((h) => h.name),
    plan.strategy,
  );
  let abortReason: string | undefined;
  // Whether an abort kept a step from running; one that arrives after the last step stops nothing.
  let skipped = false;

  for (const [batchIndex, batch] of batches.entries()) {
    if (signal.aborted || abortReason || failures.length > 0) {
      return finish(failures, batches.slice(batchIndex).flat(), signal.aborted, abortReason);
    }
    const failedHosts = new Set<string>();
    for (const step of plan.steps) {
      if (signal.aborted || abortReason) {
        skipped = true;
        break;
      }
      if (step.kind === 'confirm') {
        // Asked once per run, the first time any batch reaches it.
        if (confirmed.has(step.index)) continue;
        await input.observer.confirmRequested(step);
        const answer = await deps.confirmer.confirm(step.confirm ?? step.name, {
          runId: input.runId,
          stepIndex: step.index,
          signal,
        });
        await input.observer.confirmAnswered(step, answer);
        if (!answer.ok) abortReason = `confirmation "${step.confirm ?? step.name}" declined by ${answer.by}`;
        confirmed.add(step.index);
        continue;
      }
      const inBatch = (t: StepTarget) =>
        t.kind === 'query'
          ? queryRunsInBatch(batchIndex, batches.length, failedHosts)
          : batch.includes(t.host);
      const targets = step.targets.filter(
        (t) => inBatch(t) && !failedHosts.has(t.host) && !input.alreadyDone?.(step.index, t.host),
      );
      const results = await allOrFirstError(
        targets.map(async (target) => {
          await input.observer.stepStarted(step, target.host);
          // The masking boundary: nothing a step returns reaches the store, a view or a log unmasked.
          const result = maskDeep(await runTarget(deps, input, step, target), input.secretValues);
          await input.observer.stepFinished(step, target.host, result);
          return { target, result };
        }),
      );
      for (const { target, result } of results) {
        if (result.ok) continue;
        // continueOnError tolerates a failure, never an unknown outcome or an abort.
        if (step.continueOnError && !result.outcomeUnknown && !result.canceled) continue;
        failedHosts.add(target.host);
        failures.push({ step, host: target.host, result });
      }
    }
  }
  // Abort racing completion: if every step had already finished, the run is what they made it.
  const stopped = signal.aborted && (skipped || failures.some((f) => f.result.canceled));
  return finish(failures, [], stopped, abortReason);
}

/**
 * Like Promise.all, but waits for every host to settle before rethrowing an observer's failure (a
 * store that cannot be written), so no step is left running with nobody waiting for it.
 */
async function allOrFirstError<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function finish(
  failures: HostFailure[],
  notStarted: string[],
  aborted: boolean,
  abortReason: string | undefined,
): ExecuteOutcome {
  if (aborted || abortReason) {
    return { status: 'aborted', failures, notStarted, abortReason: abortReason ?? 'aborted' };
  }
  return { status: failures.length > 0 ? 'failed' : 'succeeded', failures, notStarted };
}

async function runTarget(
  deps: EngineDeps,
  input: ExecuteInput,
  step: PlannedStep,
  target: StepTarget,
): Promise<StepResult> {
  const { plan, signal } = input;
  switch (target.kind) {
    case 'check':
      return runCheck(deps, target, step.timeoutMs, signal);
    case 'monitor':
      return runMonitor(deps, target, signal);
    case 'query':
      return runQuery(deps, target, step.timeoutMs, signal);
    case 'run':
    case 'local': {
      const host = plan.hosts.find((h) => h.name === target.host);
      if (!host) return failedResult(`host ${target.host} is not in the plan`);
      const runner = target.kind === 'local' || host.local ? deps.local : deps.ssh;
      return runner.run({
        runId: input.runId,
        stepIndex: step.index,
        host,
        target,
        timeoutMs: step.timeoutMs,
        logFile: join(input.logDir, stepLogName(step, target.host)),
        secrets: input.secretValues,
        signal,
      });
    }
  }
}

export function stepLogName(step: PlannedStep, host: string): string {
  return `${String(step.index + 1).padStart(2, '0')}-${host.replace(/[^A-Za-z0-9._-]/g, '_')}.log`;
}
