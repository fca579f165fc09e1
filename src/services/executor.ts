/**
 * The runs this bot process executes: one abort handle each, aborts asked for on any process,
 * and the live progress message. Which process executes a run is decided by the store (the
 * first to move it from approved to running); this only keeps track of its own.
 */
import { currentActionOf, type ProgressPhase } from '../domain/display.js';
import type { Logger } from '../logger.js';
import { type ExecuteDeps, executeRun } from './execute.js';
import type { RunObserver } from './execute-plan.js';
import { logStepFailure, runIds } from './lifecycle-log.js';
import type { IncidentNotifier } from './notifier.js';
import { runView, type ViewStore } from './plans.js';
import type { Store } from './store-port.js';
import { createThrottle } from './throttle.js';
import { waitFor } from './wake.js';

/** Slack allows roughly one chat.update per second per message; stay under it and coalesce. */
export const PROGRESS_INTERVAL_MS = 1500;

export interface ExecutorDeps extends ExecuteDeps {
  store: ExecuteDeps['store'] & ViewStore & Pick<Store, 'runHasEvent' | 'listen'>;
  notifier: IncidentNotifier;
  logger: Logger;
  /** How often a running run looks for an abort asked for elsewhere, besides notifications. */
  pollMs: number;
}

export interface RunExecutor {
  /** Executes the run here if this process wins it; resolves when it has ended (or was not ours). */
  start(runId: string, actor: string): Promise<void>;
  /** Signals the steps of a run executing in this process; false when it is not executing here. */
  abortLocal(runId: string): boolean;
  /** Resolves when every run this process executes has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

/**
 * An Abort asked for on any process (a click on another replica, a Ctrl-C) is on the timeline:
 * seeing it, the executing process signals its steps. Abort the returned controller to stop watching.
 */
export function watchAbort(
  store: Pick<Store, 'runHasEvent' | 'listen'>,
  runId: string,
  run: AbortController,
  pollMs: number,
): AbortController {
  const watcher = new AbortController();
  void waitFor(
    store,
    'rollbot_abort',
    async () => ((await store.runHasEvent(runId, 'run.abort_requested')) ? true : undefined),
    { signal: AbortSignal.any([watcher.signal, run.signal]), pollMs },
  ).then((asked) => {
    if (asked) run.abort();
  });
  return watcher;
}

export function createRunExecutor(deps: ExecutorDeps): RunExecutor {
  const controllers = new Map<string, AbortController>();
  const running = new Set<Promise<void>>();

  async function execute(runId: string, actor: string): Promise<void> {
    const view = await runView(deps.store, runId);
    if (!view || controllers.has(runId)) return;
    const controller = new AbortController();
    controllers.set(runId, controller);
    const watcher = watchAbort(deps.store, runId, controller, deps.pollMs);
    let phase: ProgressPhase = { kind: 'running' };
    const publish = async () => {
      const now = await runView(deps.store, runId);
      if (now) await deps.notifier.progress(now, phase);
    };
    const throttle = createThrottle(publish, PROGRESS_INTERVAL_MS);
    const observer: RunObserver = {
      stepStarted: () => throttle.poke(),
      stepFinished: (step, host, result) => {
        logStepFailure(deps.logger, view, step, host, result);
        throttle.poke();
      },
      confirmRequested: (step) => {
        phase = { kind: 'confirm', stepIndex: step.index };
        throttle.poke();
      },
      confirmAnswered: () => {
        phase = { kind: 'running' };
        throttle.poke();
      },
    };
    const previous = view.run.escalatedFrom ? await deps.store.getRun(view.run.escalatedFrom) : undefined;
    const resumeFrom = previous && previous.level === view.run.level ? previous.id : undefined;
    try {
      const result = await executeRun(deps, runId, {
        actor,
        signal: controller.signal,
        observer,
        // The thread says "Rolling back" once this process has the run, not before.
        onStarted: async (run) => {
          deps.logger.info({ ...runIds(view), by: actor, hosts: view.plan.hosts.length }, 'run started');
          await deps.notifier.root({ ...view, run }, currentActionOf(run, false));
          throttle.poke();
        },
        ...(resumeFrom ? { resumeFrom } : {}),
      });
      if (!result.ok) {
        if (result.code !== 'already_decided')
          deps.logger.error({ ...runIds(view), code: result.code }, result.message);
        const after = await runView(deps.store, runId);
        if (after && result.code !== 'already_decided') {
          await deps.notifier.ended(after, 'failed', result.message);
        }
        return;
      }
      const { outcome } = result;
      phase = outcome.status === 'aborted' ? { kind: 'aborted' } : { kind: outcome.status };
      await throttle.flush(true);
      const after = (await runView(deps.store, runId)) ?? view;
      deps.logger.info(
        {
          ...runIds(after),
          state: after.run.state,
          ...(after.run.startedAt && after.run.finishedAt
            ? { durationMs: after.run.finishedAt - after.run.startedAt }
            : {}),
        },
        'run finished',
      );
      if (outcome.status === 'succeeded') {
        await deps.notifier.root(after, currentActionOf(after.run, false));
      } else {
        const first = outcome.failures[0];
        const detail =
          outcome.abortReason ??
          (first ? `${first.step.name} failed on ${first.host}` : (after.run.error ?? outcome.status));
        await deps.notifier.ended(after, outcome.status === 'aborted' ? 'aborted' : 'failed', detail);
      }
    } finally {
      watcher.abort();
      controllers.delete(runId);
    }
  }

  return {
    start(runId, actor) {
      const done = execute(runId, actor).catch((err: unknown) => {
        deps.logger.error({ err, runId }, 'run crashed');
      });
      running.add(done);
      void done.finally(() => running.delete(done));
      return done;
    },
    abortLocal(runId) {
      const controller = controllers.get(runId);
      if (!controller) return false;
      controller.abort();
      return true;
    },
    idle: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
