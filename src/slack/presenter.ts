/**
 * IncidentNotifier over Slack: renders views from the data it is handed (a RunView carries the run,
 * its plan and its thread data) and queues them in the persisted outbox, which delivers them in
 * order per incident. Slack being down delays messages; it never loses them. It never reads the store.
 */
import { approvalMessage } from '../../views/approval.js';
import type { MessageContent } from '../../views/blocks.js';
import { approvalReminder } from '../../views/escalation.js';
import { incidentMessage, statusOfRun } from '../../views/incident.js';
import { impactOf, incidentFacts } from '../../views/incident-facts.js';
import { mention } from '../../views/mrkdwn.js';
import { planMessage } from '../../views/plan.js';
import { progressMessage } from '../../views/progress.js';
import { progressFacts } from '../../views/progress-facts.js';
import { resolutionMessage, rollbackFailedMessage } from '../../views/resolution.js';
import { currentActionOf, FAILED_ACTION } from '../domain/display.js';
import type { IncidentNotifier, RcaFile, RunView } from '../services/notifier.js';
import type { Clock } from '../services/ports.js';
import type { Store } from '../services/store-port.js';
import { batchHosts } from '../services/strategy.js';
import type { Delivery } from './deliveries.js';

export interface PresenterDeps {
  store: Pick<Store, 'enqueueOutbox'>;
  clock: Clock;
  /** Called after every enqueue so delivery starts at once. */
  kick: (incidentId: string) => void;
}

export { FAILED_ACTION };

export function createPresenter(deps: PresenterDeps): IncidentNotifier {
  const { store, clock } = deps;

  const send = async (view: RunView, payload: Delivery, coalesceKey?: string): Promise<void> => {
    await store.enqueueOutbox({
      incidentId: view.incident.id,
      runId: view.run.id,
      payload,
      ...(coalesceKey ? { coalesceKey } : {}),
    });
    deps.kick(view.incident.id);
  };

  /** What progress shows beyond the run's own rows: pairs done earlier, confirmations, hosts never run. */
  const progressOf = (view: RunView) =>
    progressFacts({
      run: view.run,
      previous: view.thread.previous,
      previousRows: view.thread.previousRows,
      events: view.thread.events,
      steps: view.plan.steps,
    });

  const rootMessage = (view: RunView, currentAction: string): MessageContent => {
    const { incident, run } = view;
    const now = clock.now();
    const facts = incidentFacts({
      plan: view.plan,
      run,
      requestedBy: incident.owner,
      rows: view.thread.rows,
      skipped: progressOf(view).skipped,
      batches: batchHosts(
        view.plan.hosts.map((h) => h.name),
        view.plan.strategy,
      ),
      samples: view.thread.samples,
      events: view.thread.events,
      now,
    });
    return incidentMessage({
      incident,
      run,
      levelName: view.plan.levelName,
      targetMs: view.plan.targetMs,
      status: statusOfRun(run.state, incident.status === 'resolved'),
      currentAction,
      now,
      ...facts,
      ...(incident.impact ? { impact: incident.impact } : {}),
      ...(view.thread.deploy
        ? { deploy: { version: view.thread.deploy.version, at: view.thread.deploy.at } }
        : {}),
    });
  };
  // Only the latest state of the root matters; pending edits are replaced, not stacked.
  const updateRoot = (view: RunView, currentAction: string) =>
    send(view, { op: 'root-update', message: rootMessage(view, currentAction) }, `root:${view.incident.id}`);

  const upload = (view: RunView, rca: RcaFile, comment: string) =>
    send(view, {
      op: 'upload',
      what: 'rca',
      file: {
        filename: rca.fileName,
        title: `RCA draft — ${view.incident.id}`,
        content: rca.markdown,
        comment,
      },
    });

  return {
    async opened(view, firstRun) {
      if (firstRun) await send(view, { op: 'root', message: rootMessage(view, 'Reviewing the plan') });
      else await updateRoot(view, `Level ${view.run.level} requested`);
      await send(view, { op: 'thread', what: 'plan', message: planMessage({ plan: view.plan }) });
    },
    approval(view, approval) {
      const impact = view.incident.impact ?? impactOf(view.thread.events);
      const message = approvalMessage({
        runId: view.run.id,
        plan: view.plan,
        requestedBy: view.run.requestedBy,
        ...(view.incident.kind === 'drill' ? {} : { severity: view.incident.severity }),
        reason: view.incident.reason,
        ...(impact ? { impact } : {}),
        approvers: approval.approvers,
        required: approval.required,
        approvedBy: approval.approvedBy,
        expiresAt: approval.expiresAt,
        now: clock.now(),
        state: approval.state,
      });
      return send(view, { op: 'upsert', kind: 'approval', message }, `approval:${view.run.id}`);
    },
    reminder(view, reminder) {
      return send(view, { op: 'thread', what: 'reminder', message: approvalReminder(reminder) });
    },
    progress(view, phase) {
      const message = progressMessage({
        plan: view.plan,
        run: view.run,
        steps: view.thread.rows,
        now: clock.now(),
        phase,
        ...progressOf(view),
      });
      return send(view, { op: 'upsert', kind: 'progress', message }, `progress:${view.run.id}`);
    },
    root: updateRoot,
    async resolution(view, resolvedBy, rca, auditHead) {
      const message = resolutionMessage({
        incident: view.incident,
        run: view.run,
        levelName: view.plan.levelName,
        params: view.plan.params,
        resolvedBy,
        now: clock.now(),
        auditHead,
      });
      // The resolution goes to the channel (seed 004), and the root shows the final status.
      await send(view, { op: 'channel', what: 'resolution', message });
      await updateRoot(view, 'Resolved');
      await upload(view, rca, 'RCA draft: fill in the prompts and share it with the post-mortem.');
    },
    rcaDraft: (view, rca) => upload(view, rca, 'RCA draft from the timeline so far.'),
    async ended(view, ending, detail, by) {
      // A failure is reported once: in the progress message, with Retry / Escalate / Abort there.
      // The root shows only the status word and where to act.
      if (ending === 'failed' || ending === 'interrupted') {
        if (detail && view.run.startedAt === null) {
          // Nothing started, so there is no progress message to carry why: say it in the thread.
          await send(view, { op: 'thread', what: `ended:${ending}`, message: { text: detail } });
        }
        return updateRoot(view, FAILED_ACTION);
      }
      const message = rollbackFailedMessage({
        incident: view.incident,
        run: view.run,
        levelName: view.plan.levelName,
        ending,
        ...(detail ? { detail } : {}),
        ...(by ? { by } : {}),
        now: clock.now(),
      });
      await send(view, { op: 'thread', what: `ended:${ending}`, message });
      await updateRoot(view, detail ?? ending);
    },
    threadNote(view, text) {
      return send(view, { op: 'thread', what: 'note', message: { text } });
    },
    async ownerChanged(view, from) {
      await updateRoot(view, currentActionOf(view.run, view.incident.status === 'resolved'));
      const text = `🙋 ${mention(view.incident.owner)} took ownership of ${view.incident.id} from ${mention(from)}.`;
      await send(view, { op: 'thread', what: 'owner', message: { text } });
    },
  };
}
