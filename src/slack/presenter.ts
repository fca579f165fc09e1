/**
 * IncidentNotifier over Slack: renders views now and queues them in the persisted outbox, which
 * delivers them in order per incident. Slack being down delays messages; it never loses them.
 */
import { approvalMessage } from '../../views/approval.js';
import type { MessageContent } from '../../views/blocks.js';
import { approvalReminder } from '../../views/escalation.js';
import { incidentMessage, statusOfRun } from '../../views/incident.js';
import { impactOf, incidentFacts } from '../../views/incident-facts.js';
import { planMessage } from '../../views/plan.js';
import { progressMessage } from '../../views/progress.js';
import { progressFacts } from '../../views/progress-facts.js';
import { resolutionMessage, rollbackFailedMessage } from '../../views/resolution.js';
import type { Run } from '../domain/records.js';
import { buildRcaDraft } from '../rca-draft.js';
import type { Clock } from '../services/ports.js';
import type { IncidentNotifier, RunView } from '../services/slack/ports.js';
import { batchHosts } from '../services/strategy.js';
import type { Store } from '../store/store.js';
import type { Delivery } from './deliveries.js';

export interface PresenterDeps {
  store: Store;
  clock: Clock;
  timeZone: string;
  /** Called after every enqueue so delivery starts at once. */
  kick: () => void;
}

/** The root's "current action" after a failure: the failure itself is in the progress message. */
export const FAILED_ACTION = 'Decide in the thread: Retry, Escalate or Abort';

export function createPresenter(deps: PresenterDeps): IncidentNotifier {
  const { store, clock } = deps;

  // Synchronous on purpose: the outbox order is the order of these calls, with no await between.
  const send = (view: RunView, payload: Delivery, coalesceKey?: string): Promise<void> => {
    store.enqueueOutbox({
      incidentId: view.incident.id,
      runId: view.run.id,
      payload,
      ...(coalesceKey ? { coalesceKey } : {}),
    });
    deps.kick();
    return Promise.resolve();
  };

  // What progress and the root message need beyond the run itself, read from the store here.
  const progressOf = (view: RunView, run: Run) => {
    const previous = run.escalatedFrom ? store.getRun(run.escalatedFrom) : undefined;
    return progressFacts({
      run,
      previous,
      previousRows: previous ? store.stepResults(previous.id) : [],
      events: store.timeline(run.incidentId),
      steps: view.plan.steps,
    });
  };

  const rootMessage = (view: RunView, currentAction: string): MessageContent => {
    const incident = store.getIncident(view.incident.id) ?? view.incident;
    const run = store.getRun(view.run.id) ?? view.run;
    const now = clock.now();
    const facts = incidentFacts({
      plan: view.plan,
      run,
      requestedBy: incident.requestedBy,
      rows: store.stepResults(run.id),
      skipped: progressOf(view, run).skipped,
      batches: batchHosts(
        view.plan.hosts.map((h) => h.name),
        view.plan.strategy,
      ),
      samples: store.stepSamples({ service: run.service, level: run.level, before: run.createdAt }),
      events: store.timeline(incident.id),
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
    });
  };
  // Only the latest state of the root matters; pending edits are replaced, not stacked.
  const updateRoot = (view: RunView, currentAction: string) =>
    send(view, { op: 'root-update', message: rootMessage(view, currentAction) }, `root:${view.incident.id}`);

  const rca = (view: RunView, comment: string) => {
    const draft = buildRcaDraft(store, view.incident.id, deps.timeZone, clock.now());
    if (!draft) return Promise.resolve();
    const file = {
      filename: draft.fileName,
      title: `RCA draft — ${view.incident.id}`,
      content: draft.markdown,
      comment,
    };
    return send(view, { op: 'upload', what: 'rca', file });
  };

  return {
    opened(view, firstRun) {
      if (firstRun) send(view, { op: 'root', message: rootMessage(view, 'Reviewing the plan') });
      else updateRoot(view, `Level ${view.run.level} requested`);
      return send(view, { op: 'thread', what: 'plan', message: planMessage({ plan: view.plan }) });
    },
    approval(view, approval) {
      const impact = impactOf(store.timeline(view.incident.id));
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
      const run = store.getRun(view.run.id) ?? view.run;
      const steps = store.stepResults(view.run.id);
      const facts = progressOf(view, run);
      const message = progressMessage({ plan: view.plan, run, steps, now: clock.now(), phase, ...facts });
      return send(view, { op: 'upsert', kind: 'progress', message }, `progress:${view.run.id}`);
    },
    root: updateRoot,
    resolution(view, resolvedBy) {
      const incident = store.getIncident(view.incident.id) ?? view.incident;
      const run = store.getRun(view.run.id) ?? view.run;
      const message = resolutionMessage({
        incident,
        run,
        levelName: view.plan.levelName,
        params: view.plan.params,
        resolvedBy,
        now: clock.now(),
      });
      // The resolution goes to the channel (seed 004), and the root shows the final status.
      send(view, { op: 'channel', what: 'resolution', message });
      updateRoot(view, 'Resolved');
      return rca(view, 'RCA draft: fill in the prompts and share it with the post-mortem.');
    },
    rcaDraft: (view) => rca(view, 'RCA draft from the timeline so far.'),
    ended(view, ending, detail, by) {
      // A failure is reported once: in the progress message, with Retry / Escalate / Abort there.
      // The root shows only the status word and where to act.
      if (ending === 'failed' || ending === 'interrupted') return updateRoot(view, FAILED_ACTION);
      const incident = store.getIncident(view.incident.id) ?? view.incident;
      const run = store.getRun(view.run.id) ?? view.run;
      const message = rollbackFailedMessage({
        incident,
        run,
        levelName: view.plan.levelName,
        ending,
        ...(detail ? { detail } : {}),
        ...(by ? { by } : {}),
        now: clock.now(),
      });
      send(view, { op: 'thread', what: `ended:${ending}`, message });
      return updateRoot(view, detail ?? ending);
    },
    threadNote(view, text) {
      return send(view, { op: 'thread', what: 'note', message: { text } });
    },
  };
}
