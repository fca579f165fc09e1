/**
 * Confirm steps: the run waits until the requester or an approver answers, on any bot process.
 * The answer is a timeline event; the executing process waits for it, woken by a notification.
 */
import { fail, type Result } from '../domain/result.js';
import { type OperatorDeps, operatorCheck, type RunAction } from './operator.js';
import type { Confirmer } from './ports.js';
import type { Store } from './store-port.js';
import { waitFor } from './wake.js';

export function storeConfirmer(deps: {
  store: Pick<Store, 'confirmAnswer' | 'listen'>;
  pollMs: number;
}): Confirmer {
  return {
    async confirm(_question, { runId, stepIndex, signal }) {
      const answer = await waitFor(
        deps.store,
        'rollbot_confirm',
        () => deps.store.confirmAnswer(runId, stepIndex),
        {
          signal,
          pollMs: deps.pollMs,
        },
      );
      return answer ?? { ok: false, by: 'abort' };
    },
  };
}

export interface AnswerDeps extends OperatorDeps {
  store: OperatorDeps['store'] & Pick<Store, 'claimKey' | 'notify' | 'timeline'>;
}

/** Continue / Cancel on a confirm step. The first answer counts; the rest are told it was answered. */
export async function answerConfirm(
  deps: AnswerDeps,
  action: RunAction & { ok: boolean },
): Promise<Result<{ message: string }>> {
  const allowed = await operatorCheck(deps, action);
  if (!allowed.ok) return allowed;
  const { run } = allowed.view;
  const events = (await deps.store.timeline(run.incidentId)).filter((e) => e.runId === run.id);
  const asked = events.filter((e) => e.type === 'run.confirm_requested').at(-1);
  const step = asked?.data?.step;
  if (run.state !== 'running' || typeof step !== 'number') {
    return fail('already_decided', 'This run is not waiting for a confirmation.');
  }
  if (!(await deps.store.claimKey(`confirm:${run.id}:${step}`))) {
    return fail('already_decided', 'This confirmation was already answered.');
  }
  await deps.store.appendTimeline({
    type: 'run.confirmed',
    actor: action.user,
    runId: run.id,
    data: { step, question: asked?.data?.question ?? null, confirmed: action.ok },
  });
  await deps.store.notify('rollbot_confirm', run.id);
  return { ok: true, message: action.ok ? 'Continuing.' : 'Cancelled: the run stops here.' };
}
