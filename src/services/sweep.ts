/**
 * What every bot process does on a timer: interrupt runs whose process died (told once, nothing
 * re-run), start approved runs whose approving process died before starting them, expire requests
 * nobody approved in time, and ping the runbook's escalation list while a request waits.
 */
import { approvalExpiresAt } from '../domain/policy.js';
import type { Run } from '../domain/records.js';
import type { Logger } from '../logger.js';
import { type DecideDeps, expireRequest } from './approve.js';
import type { IncidentNotifier, RunView } from './notifier.js';
import { runView, type ViewStore } from './plans.js';
import { type Metrics, noMetrics } from './ports.js';
import type { Store } from './store-port.js';

export interface SweepDeps extends Pick<DecideDeps, 'catalog' | 'approvalTtlMs' | 'clock'> {
  store: ViewStore &
    Pick<
      Store,
      | 'activeRuns'
      | 'transitionRun'
      | 'approversOf'
      | 'appendTimeline'
      | 'timeline'
      | 'interruptOrphans'
      | 'adoptableRuns'
      | 'stepResults'
      | 'claimKey'
      | 'releaseDeadClaims'
    >;
  notifier: IncidentNotifier;
  logger: Logger;
  start: (runId: string, actor: string) => void;
  metrics?: Pick<Metrics, 'runInterrupted'>;
}

export const INTERRUPTED_MESSAGE =
  'The bot process running this rollback stopped. Steps that were running have an unknown outcome; nothing was re-run. Check the hosts, then retry or escalate.';

export async function sweep(deps: SweepDeps): Promise<{ interrupted: number; adopted: number }> {
  const interrupted = await deps.store.interruptOrphans();
  for (const run of interrupted) await tellInterrupted(deps, run);
  const adopted = await adoptApproved(deps);
  await expireAndRemind(deps);
  // Messages a dead process had taken for delivery go out from here.
  await deps.store.releaseDeadClaims();
  return { interrupted: interrupted.length, adopted };
}

async function tellInterrupted(deps: SweepDeps, run: Run): Promise<void> {
  countInterrupted(deps, run);
  const view = await runView(deps.store, run.id);
  if (!view) return;
  await deps.notifier.progress(view, { kind: 'interrupted' });
  await deps.notifier.ended(view, 'interrupted', INTERRUPTED_MESSAGE);
}

/**
 * An approved run whose owner died before starting it is started by a live process, as approved;
 * one approved longer ago than an approval lasts is ended instead: what was approved may be stale.
 */
async function adoptApproved(deps: SweepDeps): Promise<number> {
  let adopted = 0;
  for (const run of await deps.store.adoptableRuns()) {
    if (deps.clock.now() > approvalExpiresAt(run, deps.approvalTtlMs) || !run.executable) {
      const ended = await deps.store.transitionRun(
        run.id,
        ['approved'],
        'interrupted',
        { type: 'run.interrupted', actor: 'rollbot', runId: run.id, data: { from: 'approved' } },
        { error: 'approved, but its bot process stopped before starting it' },
      );
      if (ended) countInterrupted(deps, run);
      const view = ended ? await runView(deps.store, run.id) : undefined;
      if (view) {
        await deps.notifier.ended(
          view,
          'interrupted',
          'Approved, but the bot process stopped before starting it, too long ago to start it now. Nothing ran; request it again.',
        );
      }
      continue;
    }
    await deps.store.appendTimeline({
      type: 'run.adopted',
      actor: 'rollbot',
      runId: run.id,
      data: { from: run.owner },
    });
    deps.start(run.id, (await deps.store.approversOf(run.id)).at(-1) ?? 'rollbot');
    adopted++;
  }
  return adopted;
}

/** rollbot_rollbacks_total{outcome="interrupted"}: the alert on failed rollbacks counts these too. */
function countInterrupted(deps: SweepDeps, run: Run): void {
  (deps.metrics ?? noMetrics).runInterrupted({
    service: run.service,
    level: run.level,
    kind: run.drill ? 'drill' : 'incident',
  });
}

/** A request no process could execute (recorded by an older rollbot) is never left holding the lock. */
async function endUnexecutable(deps: SweepDeps, view: RunView): Promise<void> {
  const error = 'its plan was recorded by an older rollbot and cannot be executed';
  const ended = await deps.store.transitionRun(
    view.run.id,
    ['pending_approval'],
    'interrupted',
    { type: 'run.finished', actor: 'rollbot', runId: view.run.id, data: { status: 'interrupted', error } },
    { error },
  );
  const after = ended ? await runView(deps.store, view.run.id) : undefined;
  if (after)
    await deps.notifier.ended(
      after,
      'interrupted',
      `This request cannot run: ${error}. Nothing ran; request it again.`,
    );
}

async function expireAndRemind(deps: SweepDeps): Promise<void> {
  const now = deps.clock.now();
  for (const run of await deps.store.activeRuns()) {
    if (run.state !== 'pending_approval') continue;
    const view = await runView(deps.store, run.id);
    if (!view) continue;
    if (!run.executable) {
      await endUnexecutable(deps, view);
      continue;
    }
    const expiresAt = approvalExpiresAt(run, deps.approvalTtlMs);
    if (now > expiresAt) {
      await expireRequest(deps, view);
      continue;
    }
    const runbook = deps.catalog.get(run.service);
    const pinged = new Set(
      (await deps.store.timeline(run.incidentId))
        .filter((e) => e.type === 'escalation.pinged' && e.runId === run.id)
        .map((e) => Number(e.data?.after)),
    );
    for (const entry of runbook?.escalation ?? []) {
      if (now - run.createdAt < entry.after || pinged.has(entry.after)) continue;
      // Every replica sweeps: the first to claim the ping sends it.
      if (!(await deps.store.claimKey(`ping:${run.id}:${entry.after}`))) continue;
      await deps.store.appendTimeline({
        type: 'escalation.pinged',
        actor: 'rollbot',
        runId: run.id,
        data: { after: entry.after, notify: entry.notify },
      });
      await deps.notifier.reminder(view, {
        waitedMs: now - run.createdAt,
        notify: entry.notify,
        expiresInMs: expiresAt - now,
      });
    }
  }
}
