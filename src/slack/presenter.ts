/** IncidentNotifier over Slack: renders views and keeps one ordered thread per incident. */
import { approvalMessage } from '../../views/approval.js';
import type { MessageContent } from '../../views/blocks.js';
import { approvalReminder } from '../../views/escalation.js';
import { incidentMessage, statusOfRun } from '../../views/incident.js';
import { planMessage } from '../../views/plan.js';
import { progressMessage } from '../../views/progress.js';
import { resolutionMessage, rollbackFailedMessage } from '../../views/resolution.js';
import type { Logger } from '../logger.js';
import { buildRcaDraft } from '../rca-draft.js';
import type { ChatMessage, Clock, SlackSurface } from '../services/ports.js';
import type { IncidentNotifier, RunView } from '../services/slack/ports.js';
import type { Store } from '../store/store.js';

export interface PresenterDeps {
  surface: SlackSurface;
  store: Store;
  clock: Clock;
  logger: Logger;
  incidentChannel: string;
  timeZone: string;
}

export function createPresenter(deps: PresenterDeps): IncidentNotifier {
  const { surface, store, clock, logger } = deps;
  // One queue per incident: thread messages keep their order and the root exists before replies.
  const queues = new Map<string, Promise<void>>();
  const enqueue = (incidentId: string, what: string, work: () => Promise<void>): Promise<void> => {
    const next = (queues.get(incidentId) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      logger.error({ err, incidentId, what }, 'slack delivery failed (the timeline has the event)');
    });
    queues.set(incidentId, next);
    return next;
  };

  const thread = (view: RunView) => {
    const incident = store.getIncident(view.incident.id);
    if (!incident?.slackChannel || !incident.slackTs)
      throw new Error(`incident ${view.incident.id} has no thread yet`);
    return { channel: incident.slackChannel, ts: incident.slackTs };
  };

  const recordPosted = (view: RunView, what: string, posted: { channel: string; ts: string }) => {
    store.appendTimeline({
      type: 'message.posted',
      actor: 'rollbot',
      incidentId: view.incident.id,
      runId: view.run.id,
      data: { what, channel: posted.channel, ts: posted.ts },
    });
  };

  const postInThread = async (view: RunView, message: ChatMessage, what: string) => {
    const root = thread(view);
    const posted = await surface.post(root.channel, message, root.ts);
    recordPosted(view, what, posted);
    return posted;
  };

  const uploadRca = async (view: RunView, comment: string) => {
    const draft = buildRcaDraft(store, view.incident.id, deps.timeZone, clock.now());
    if (!draft) return;
    const root = thread(view);
    await surface.uploadFile(root.channel, root.ts, {
      filename: draft.fileName,
      title: `RCA draft — ${view.incident.id}`,
      content: draft.markdown,
      comment,
    });
    store.appendTimeline({
      type: 'message.posted',
      actor: 'rollbot',
      incidentId: view.incident.id,
      data: { what: 'rca', file: draft.fileName },
    });
  };

  /** Posts a run's message of this kind once, then edits it in place. */
  const upsert = async (view: RunView, kind: string, message: ChatMessage) => {
    const existing = store.runMessage(view.run.id, kind);
    if (existing) {
      await surface.update(existing.channel, existing.ts, message);
      return;
    }
    const posted = await postInThread(view, message, kind);
    store.setRunMessage(view.run.id, kind, posted);
  };

  const rootMessage = (view: RunView, currentAction: string): MessageContent => {
    const incident = store.getIncident(view.incident.id) ?? view.incident;
    const run = store.getRun(view.run.id) ?? view.run;
    return incidentMessage({
      incident,
      run,
      levelName: view.plan.levelName,
      targetMs: view.plan.targetMs,
      status: statusOfRun(run.state, incident.status === 'resolved'),
      currentAction,
      now: clock.now(),
    });
  };

  return {
    opened(view, firstRun) {
      return enqueue(view.incident.id, 'opened', async () => {
        if (firstRun) {
          const posted = await surface.post(deps.incidentChannel, rootMessage(view, 'Reviewing the plan'));
          store.setIncidentSlack(view.incident.id, posted.channel, posted.ts);
          store.appendTimeline({
            type: 'message.posted',
            actor: 'rollbot',
            incidentId: view.incident.id,
            data: { what: 'incident', channel: posted.channel, ts: posted.ts },
          });
        } else {
          const root = thread(view);
          await surface.update(root.channel, root.ts, rootMessage(view, `Level ${view.run.level} requested`));
        }
        await postInThread(view, planMessage({ plan: view.plan }), 'plan');
      });
    },
    approval(view, approval) {
      return enqueue(view.incident.id, 'approval', () =>
        upsert(
          view,
          'approval',
          approvalMessage({
            runId: view.run.id,
            plan: view.plan,
            requestedBy: view.run.requestedBy,
            approvers: approval.approvers,
            required: approval.required,
            approvedBy: approval.approvedBy,
            expiresAt: approval.expiresAt,
            now: clock.now(),
            state: approval.state,
          }),
        ),
      );
    },
    reminder(view, reminder) {
      return enqueue(view.incident.id, 'reminder', async () => {
        await postInThread(view, approvalReminder(reminder), 'reminder');
      });
    },
    progress(view, phase) {
      return enqueue(view.incident.id, 'progress', async () => {
        const run = store.getRun(view.run.id) ?? view.run;
        const steps = store.stepResults(view.run.id);
        await upsert(
          view,
          'progress',
          progressMessage({ plan: view.plan, run, steps, now: clock.now(), phase }),
        );
      });
    },
    root(view, currentAction) {
      return enqueue(view.incident.id, 'root', async () => {
        const root = thread(view);
        await surface.update(root.channel, root.ts, rootMessage(view, currentAction));
      });
    },
    resolution(view, resolvedBy) {
      return enqueue(view.incident.id, 'resolution', async () => {
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
        const root = thread(view);
        // The resolution goes to the channel (seed 004), and the root shows the final status.
        const posted = await surface.post(root.channel, message);
        recordPosted(view, 'resolution', posted);
        await surface.update(root.channel, root.ts, rootMessage(view, 'Resolved'));
        await uploadRca(view, 'RCA draft: fill in the prompts and share it with the post-mortem.');
      });
    },
    rcaDraft(view) {
      return enqueue(view.incident.id, 'rca', () => uploadRca(view, 'RCA draft from the timeline so far.'));
    },
    ended(view, ending, detail, by) {
      return enqueue(view.incident.id, 'ended', async () => {
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
        await postInThread(view, message, `ended:${ending}`);
        const root = thread(view);
        await surface.update(root.channel, root.ts, rootMessage(view, detail ?? ending));
      });
    },
    threadNote(view, text) {
      return enqueue(view.incident.id, 'note', async () => {
        await postInThread(view, { text }, 'note');
      });
    },
  };
}
