/**
 * Executing an approved run, in whichever process claims it: Slack's and the terminal's one path.
 * The run's record holds its whole plan; secrets are read here, at execution, and every result
 * crosses the engine's masking boundary before anything stores or shows it.
 */
import { join } from 'node:path';
import { maskSecrets } from '../domain/mask.js';
import type { Run } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import { outcomeOf } from '../domain/step-result.js';
import { type EngineDeps, type ExecuteOutcome, executePlan, type RunObserver } from './execute-plan.js';
import { observeVersions } from './observe-versions.js';
import { type Clock, type Metrics, noMetrics, type SecretReader } from './ports.js';
import { takeBaselines } from './query-steps.js';
import { fillSecrets, readSecrets, type TypedSecrets } from './secrets.js';
import type { Store } from './store-port.js';

export interface ExecuteDeps {
  store: Pick<
    Store,
    | 'getRun'
    | 'startRun'
    | 'stepStarted'
    | 'stepFinished'
    | 'stepResults'
    | 'transitionRun'
    | 'appendTimeline'
  >;
  engine: EngineDeps;
  secrets: SecretReader;
  typed: TypedSecrets;
  clock: Clock;
  /** Step logs go to `<logRoot>/<runId>/`. */
  logRoot: string;
  metrics?: Metrics;
  /** Called when the store cannot be written mid-run (disk full): the run is ended once it can be. */
  onStorageFailure?: (err: unknown, runId: string) => void;
}

export interface ExecuteContext {
  actor: string;
  signal: AbortSignal;
  observer: RunObserver;
  /** A retry: step+host pairs that succeeded in this earlier run are not run again. */
  resumeFrom?: string;
  /** Called once this process has claimed the run, before anything runs. */
  onStarted?: (run: Run) => void | Promise<void>;
}

/** Whether this process could execute the run now: its plan is executable and its secrets readable. */
export async function executable(
  deps: Pick<ExecuteDeps, 'secrets' | 'typed'>,
  run: Run,
): Promise<Result<object>> {
  if (!run.executable) {
    return fail(
      'not_executable',
      `Run ${run.id} was recorded by an older rollbot and cannot be executed: request it again.`,
    );
  }
  const read = await readSecrets(run.plan.secrets, deps.secrets, deps.typed.get(run.id));
  return read.ok ? { ok: true } : read;
}

/** Runs an approved run to a terminal state. The first terminal write wins (abort vs completion). */
export async function executeRun(
  deps: ExecuteDeps,
  runId: string,
  ctx: ExecuteContext,
): Promise<Result<{ outcome: ExecuteOutcome; run: Run }>> {
  const metrics = deps.metrics ?? noMetrics;
  const before = await deps.store.getRun(runId);
  if (!before) return fail('not_found', `No run ${runId}.`);
  const started = await deps.store.startRun(runId, {
    type: 'run.started',
    actor: ctx.actor,
    data: { planHash: before.planHash, hosts: before.plan.hosts.map((h) => h.name) },
  });
  if (!started)
    return fail('already_decided', `Run ${runId} is not approved, or another process started it.`);
  await ctx.onStarted?.(started);
  const secrets = started.executable
    ? await readSecrets(started.plan.secrets, deps.secrets, deps.typed.get(runId))
    : fail('not_executable', 'its plan was recorded by an older rollbot');
  deps.typed.delete(runId);
  if (!secrets.ok) {
    // Nothing ran: say so, end the run, free the lock.
    const error = `not started: ${secrets.message}`;
    await finish(deps, started, { status: 'failed', failures: [], notStarted: [] }, error);
    return fail(secrets.code, `Run ${runId} ${error}`);
  }
  const { plan, values } = fillSecrets(started.plan, secrets.values);
  // What the hosts run now is the version a resolved rollback blocks from being redeployed, and
  // the metrics before anything changes are the "before" of the RCA's figures.
  const [versions, baselines] = await Promise.all([
    observeVersions(deps.engine.probe, plan, ctx.signal),
    takeBaselines(deps.engine, plan, ctx.signal),
  ]);
  if (Object.keys(versions).length > 0) {
    await deps.store.appendTimeline({ type: 'run.observed', actor: 'rollbot', runId, data: { versions } });
  }
  if (baselines.length > 0) {
    await deps.store.appendTimeline({ type: 'run.baseline', actor: 'rollbot', runId, data: { baselines } });
  }
  const done = new Set(
    ctx.resumeFrom
      ? (await deps.store.stepResults(ctx.resumeFrom))
          .filter((row) => row.state === 'ok')
          .map((row) => `${row.stepIndex}\u0000${row.host}`)
      : [],
  );
  const storage = storageGuard(deps, runId);
  let outcome: ExecuteOutcome;
  try {
    outcome = await executePlan(deps.engine, {
      plan,
      secretValues: values,
      runId,
      logDir: join(deps.logRoot, runId),
      signal: storage.signal(ctx.signal),
      observer: persistingObserver(deps, runId, ctx.observer, storage, metrics),
      alreadyDone: (stepIndex, host) => done.has(`${stepIndex}\u0000${host}`),
    });
  } catch (err) {
    if (!storage.failed()) throw err;
    outcome = { status: 'failed', failures: [], notStarted: [] };
  }
  const failure = outcome.failures[0];
  const error = storage.failed()
    ? `the store could not be written during the run (${storage.reason()}); steps that were running have an unknown outcome`
    : (outcome.abortReason ??
      (failure ? `${failure.step.name} on ${failure.host}: ${failure.result.error ?? 'failed'}` : undefined));
  const run = await finish(deps, started, outcome, error && maskSecrets(error, values));
  metrics.runFinished({
    service: run.service,
    level: run.level,
    outcome: run.state,
    kind: run.drill ? 'drill' : 'incident',
    durationMs: (run.finishedAt ?? deps.clock.now()) - (run.startedAt ?? deps.clock.now()),
  });
  return { ok: true, outcome, run };
}

const FINISH_RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * Ends the run. When the store cannot be written (disk full), keeps trying: the run must not keep
 * the lock in `running` once a write is possible again.
 */
async function finish(
  deps: ExecuteDeps,
  run: Run,
  outcome: ExecuteOutcome,
  error: string | undefined,
): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.store.transitionRun(
        run.id,
        ['running'],
        outcome.status,
        {
          type: 'run.finished',
          actor: 'rollbot',
          runId: run.id,
          data: { status: outcome.status, error, notStarted: outcome.notStarted },
        },
        error ? { error } : undefined,
      );
      return (await deps.store.getRun(run.id)) ?? run;
    } catch (err) {
      deps.onStorageFailure?.(err, run.id);
      await new Promise((r) => setTimeout(r, FINISH_RETRY_MS[Math.min(attempt, FINISH_RETRY_MS.length - 1)]));
    }
  }
}

/** A failed store write mid-run stops the run's remaining steps: nothing more runs unrecorded. */
function storageGuard(deps: ExecuteDeps, runId: string) {
  const controller = new AbortController();
  let reason: string | undefined;
  return {
    signal: (outer: AbortSignal) => AbortSignal.any([outer, controller.signal]),
    failed: () => reason !== undefined,
    reason: () => reason ?? '',
    trip(err: unknown) {
      if (reason === undefined) reason = err instanceof Error ? err.message : String(err);
      deps.onStorageFailure?.(err, runId);
      controller.abort();
    },
  };
}

function persistingObserver(
  deps: ExecuteDeps,
  runId: string,
  next: RunObserver,
  storage: ReturnType<typeof storageGuard>,
  metrics: Metrics,
): RunObserver {
  const guarded = async (write: () => Promise<unknown>) => {
    try {
      await write();
    } catch (err) {
      storage.trip(err);
      throw err;
    }
  };
  return {
    async stepStarted(step, host) {
      await guarded(() => deps.store.stepStarted(runId, step.index, host, step.name, step.kind));
      await next.stepStarted(step, host);
    },
    async stepFinished(step, host, result) {
      await guarded(() => deps.store.stepFinished(runId, step.index, host, result));
      metrics.stepFinished(outcomeOf(result));
      await next.stepFinished(step, host, result);
    },
    async confirmRequested(step) {
      await guarded(() =>
        deps.store.appendTimeline({
          type: 'run.confirm_requested',
          actor: 'rollbot',
          runId,
          data: { step: step.index, question: step.confirm },
        }),
      );
      await next.confirmRequested(step);
    },
    async confirmAnswered(step, answer) {
      await next.confirmAnswered(step, answer);
    },
  };
}
