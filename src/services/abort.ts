/** Abort: signals the running steps (TERM, then KILL) on whichever process runs them, or cancels a waiting request. */
import { fail, type Result } from '../domain/result.js';
import type { IncidentNotifier } from './notifier.js';
import { type OperatorDeps, operatorCheck, type RunAction } from './operator.js';
import { runView } from './plans.js';
import type { Store } from './store-port.js';

export interface AbortDeps extends OperatorDeps {
  store: OperatorDeps['store'] & Pick<Store, 'transitionRun' | 'notify'>;
  notifier: IncidentNotifier;
  /** Signals a run executing in this process (false when it runs elsewhere, or nowhere). */
  abortLocal: (runId: string) => boolean;
  /** Skips the requester/approver check: the terminal's own Ctrl-C on the run it started. */
  trusted?: boolean;
}

export async function abortRun(deps: AbortDeps, action: RunAction): Promise<Result<{ message: string }>> {
  const allowed = deps.trusted ? await trustedView(deps, action.runId) : await operatorCheck(deps, action);
  if (!allowed.ok) return allowed;
  const { view } = allowed;
  if (view.run.state === 'running') {
    // Recorded first: the process running it (this one or another) stops its steps on seeing it.
    await deps.store.appendTimeline({ type: 'run.abort_requested', actor: action.user, runId: action.runId });
    if (deps.abortLocal(action.runId))
      return { ok: true, message: 'Aborting: the running steps are being stopped.' };
    await deps.store.notify('rollbot_abort', action.runId);
    return { ok: true, message: 'Aborting: the bot process running it is stopping the steps.' };
  }
  const cancelled = await deps.store.transitionRun(
    action.runId,
    ['pending_approval', 'approved'],
    'aborted',
    {
      type: 'run.finished',
      actor: action.user,
      runId: action.runId,
      data: { status: 'aborted' },
    },
  );
  if (!cancelled) {
    // Read again: the run may have started or finished while the approvers were being looked up.
    const now = await deps.store.getRun(action.runId);
    if (now?.state === 'running') return abortRun({ ...deps, trusted: true }, action);
    return fail(
      'already_decided',
      `Run ${action.runId} is ${now?.state ?? view.run.state}; there is nothing to abort.`,
    );
  }
  await deps.notifier.ended(
    (await runView(deps.store, action.runId)) ?? view,
    'aborted',
    'Aborted',
    action.user,
  );
  return { ok: true, message: 'Aborted before anything ran.' };
}

async function trustedView(deps: AbortDeps, runId: string) {
  const view = await runView(deps.store, runId);
  return view ? { ok: true as const, view } : fail('not_found', 'This run no longer exists.');
}
