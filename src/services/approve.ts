/** Approve / Deny: one approver's click, checked server-side; every refusal is on the timeline. */
import { checkApproval, type PolicyRefusal } from '../domain/policy.js';
import { type Failure, fail, type Result } from '../domain/result.js';
import { type ExecuteDeps, executable } from './execute.js';
import type { Directory, IncidentNotifier, RunView } from './notifier.js';
import { runView, type ViewStore } from './plans.js';
import type { Clock, Metrics } from './ports.js';
import { approvalView, type RequestDeps } from './request.js';
import type { Store } from './store-port.js';

export interface DecisionInput {
  user: string;
  teamId: string;
  runId: string;
  planHash: string;
  decision: 'approve' | 'deny';
}

export interface DecideDeps extends Pick<RequestDeps, 'catalog' | 'approvalTtlMs'>, Pick<ExecuteDeps, 'secrets' | 'typed'> {
  store: ViewStore & Pick<Store, 'recordApproval' | 'transitionRun' | 'approversOf' | 'appendTimeline'>;
  notifier: IncidentNotifier;
  directory: Directory;
  clock: Clock;
  teamId: () => string | undefined;
  metrics?: Metrics;
  /** Starts an approved run; the approving process executes it. */
  start: (runId: string, actor: string) => void;
}

export type Decision = Result<{ approved: boolean; count: number; required: number }>;

export async function decide(deps: DecideDeps, input: DecisionInput): Promise<Decision> {
  const view = await runView(deps.store, input.runId);
  if (!view) return fail('not_found', 'This request no longer exists.');
  const runbook = deps.catalog.get(view.run.service);
  if (!runbook) return fail('unknown_service', `The runbook for ${view.run.service} is not loaded.`);
  const members = await deps.directory.members(runbook.approvers);
  const check = checkApproval(
    view.run,
    { user: input.user, teamId: input.teamId, planHash: input.planHash, now: deps.clock.now() },
    { approvers: { members }, teamId: deps.teamId() ?? input.teamId, ttlMs: deps.approvalTtlMs },
  );
  if (!check.ok) return refuse(deps, view, input, check);
  if (input.decision === 'approve') {
    // Never approve what no process can execute: say why now, not after "starting".
    const can = await executable(deps, view.run);
    if (!can.ok) return unexecutable(deps, view, input, can);
  }
  const recorded = await deps.store.recordApproval(input.runId, input.user, input.planHash, input.decision);
  if (!recorded.ok) {
    const code = recorded.code === 'plan_changed' ? 'plan_changed' : 'already_decided';
    return refuse(deps, view, input, { ok: false, code, message: recordedMessage(recorded.code) });
  }
  const required = view.run.approvalsRequired;
  if (input.decision === 'deny') {
    const denied = await deps.store.transitionRun(input.runId, ['pending_approval'], 'denied', {
      type: 'run.finished',
      actor: input.user,
      runId: input.runId,
      data: { status: 'denied' },
    });
    if (denied) {
      const after = (await runView(deps.store, input.runId))!;
      await deps.notifier.approval(after, await approvalView(deps, after, { kind: 'denied', by: input.user }));
      await deps.notifier.ended(after, 'denied', 'Denied', input.user);
    }
    return { ok: true, approved: false, count: recorded.count, required };
  }
  if (recorded.count < required) {
    await deps.notifier.approval(view, await approvalView(deps, view, { kind: 'pending' }));
    return { ok: true, approved: false, count: recorded.count, required };
  }
  // Two approvers at once: the conditional transition lets exactly one of them start the run.
  const approved = await deps.store.transitionRun(input.runId, ['pending_approval'], 'approved', {
    type: 'run.approved',
    actor: input.user,
    runId: input.runId,
    data: { approvedBy: await deps.store.approversOf(input.runId), planHash: input.planHash },
  });
  if (approved) {
    deps.metrics?.approvalWaited(deps.clock.now() - view.run.createdAt);
    const after = (await runView(deps.store, input.runId))!;
    await deps.notifier.approval(after, await approvalView(deps, after, { kind: 'approved' }));
    deps.start(input.runId, input.user);
  }
  return { ok: true, approved: true, count: recorded.count, required };
}

/** The run cannot be executed: it ends now (the lock is freed), and the approver is told why. */
async function unexecutable(deps: DecideDeps, view: RunView, input: DecisionInput, why: Failure): Promise<Failure> {
  const message = `${why.message} Nothing ran; request the rollback again once that is fixed.`;
  const ended = await deps.store.transitionRun(
    view.run.id,
    ['pending_approval'],
    'interrupted',
    { type: 'run.finished', actor: input.user, runId: view.run.id, data: { status: 'interrupted', error: why.message } },
    { error: why.message },
  );
  if (ended) {
    const after = (await runView(deps.store, view.run.id)) ?? view;
    await deps.notifier.ended(after, 'interrupted', message);
  }
  return fail(why.code, message);
}

function recordedMessage(code: string): string {
  if (code === 'plan_changed') return 'The plan changed since this approval was requested; approve the new plan.';
  if (code === 'already_decided') return 'You already decided on this request; each approver counts once.';
  return 'This request is no longer waiting for approval.';
}

async function refuse(deps: DecideDeps, view: RunView, input: DecisionInput, refusal: PolicyRefusal): Promise<Failure> {
  await deps.store.appendTimeline({
    type: 'approval.refused',
    actor: input.user,
    runId: input.runId,
    data: { decision: input.decision, code: refusal.code, teamId: input.teamId },
  });
  if (refusal.code === 'expired') await expireRequest(deps, view);
  return fail(refusal.code, refusal.message);
}

/** A request nobody approved in time ends as expired, freeing the lock. */
export async function expireRequest(
  deps: Pick<DecideDeps, 'notifier' | 'catalog' | 'approvalTtlMs'> & {
    store: ViewStore & Pick<Store, 'transitionRun' | 'approversOf'>;
  },
  view: RunView,
): Promise<void> {
  const expired = await deps.store.transitionRun(view.run.id, ['pending_approval'], 'expired', {
    type: 'approval.expired',
    actor: 'rollbot',
    runId: view.run.id,
    data: { createdAt: view.run.createdAt },
  });
  if (!expired) return;
  const after = (await runView(deps.store, view.run.id)) ?? view;
  await deps.notifier.approval(after, await approvalView(deps, after, { kind: 'expired' }));
  await deps.notifier.ended(after, 'expired', 'No approval in time');
}
