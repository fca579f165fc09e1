/** Who may operate a run (abort, retry, escalate, resolve, confirm): checked on every click, refusals recorded. */
import { checkOperator } from '../domain/policy.js';
import { fail, type Result } from '../domain/result.js';
import type { Directory, RunView } from './notifier.js';
import { type RunbookCatalog, runView, type ViewStore } from './plans.js';
import type { Store } from './store-port.js';

export interface RunAction {
  user: string;
  runId: string;
  /** The clicking user's workspace; a click from another one is refused (and on the timeline). */
  teamId?: string;
}

export interface OperatorDeps {
  store: ViewStore & Pick<Store, 'appendTimeline'>;
  catalog: RunbookCatalog;
  directory: Directory;
  /** The workspace this bot serves. */
  teamId: () => string | undefined;
}

/** The requester or an approver, from this workspace; anyone else is refused and recorded. */
export async function operatorCheck(deps: OperatorDeps, action: RunAction): Promise<Result<{ view: RunView }>> {
  const view = await runView(deps.store, action.runId);
  if (!view) return fail('not_found', 'This run no longer exists.');
  const runbook = deps.catalog.get(view.run.service);
  const members = await deps.directory.members(runbook?.approvers ?? []);
  const teamId = deps.teamId();
  const check = checkOperator(
    view.run,
    { user: action.user, ...(action.teamId ? { teamId: action.teamId } : {}) },
    { approvers: { members }, ...(teamId ? { teamId } : {}) },
  );
  if (!check.ok) {
    await deps.store.appendTimeline({
      type: 'approval.refused',
      actor: action.user,
      runId: action.runId,
      data: { code: check.code, action: 'operate', ...(action.teamId ? { teamId: action.teamId } : {}) },
    });
    return fail(check.code, check.message);
  }
  return { ok: true, view };
}
