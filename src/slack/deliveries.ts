/** What the outbox holds: rendered messages and where they go, resolved against the thread at delivery. */
import { rcaUploadFailedMessage } from '../../views/delivery-failed.js';
import type { Logger } from '../logger.js';
import type { ChatMessage, SlackSurface } from '../services/ports.js';
import type { Store } from '../services/store-port.js';

export type Delivery =
  /** The incident message: posted to the incident channel; it becomes the thread root. */
  | { op: 'root'; message: ChatMessage }
  | { op: 'root-update'; message: ChatMessage }
  | { op: 'thread'; what: string; message: ChatMessage }
  /** A top-level message in the incident's channel (the resolution). */
  | { op: 'channel'; what: string; message: ChatMessage }
  /** A run's approval or progress message: posted once, then edited in place. */
  | { op: 'upsert'; kind: 'approval' | 'progress'; message: ChatMessage }
  | {
      op: 'upload';
      what: string;
      file: { filename: string; title: string; content: string; comment: string };
    };

export class NoThreadError extends Error {}

/**
 * What the thread is told when a delivery fails for good and nothing else there carries its content
 * (today: an RCA draft upload, e.g. refused for a missing `files:write` scope).
 */
export function fallbackFor(payload: Delivery, incidentId: string, reason: string): Delivery | undefined {
  if (payload.op !== 'upload') return undefined;
  return {
    op: 'thread',
    what: `${payload.what}:upload-failed`,
    message: rcaUploadFailedMessage({ incidentId, reason }),
  };
}

export interface DeliveryDeps {
  surface: SlackSurface;
  store: Pick<
    Store,
    'getIncident' | 'setIncidentSlack' | 'appendTimeline' | 'runMessage' | 'setRunMessage'
  >;
  logger: Logger;
  /** The incident channel: its id once known (a search of history needs the id), else as configured. */
  incidentChannel: () => string;
}

export interface DeliveryItem {
  seq: number;
  incidentId: string;
  runId: string | null;
  payload: Delivery;
  /** Above 1, an earlier attempt may have reached Slack before its answer was lost. */
  attempts: number;
}

/** Performs one delivery. Throws on failure; the outbox decides whether to retry. */
export async function deliver(deps: DeliveryDeps, item: DeliveryItem): Promise<void> {
  const { surface, store } = deps;
  const { payload, incidentId, runId } = item;
  const record = (what: string, posted: { channel: string; ts: string }) =>
    store.appendTimeline({
      type: 'message.posted',
      actor: 'rollbot',
      incidentId,
      ...(runId ? { runId } : {}),
      data: { what, channel: posted.channel, ts: posted.ts },
    });
  // Each post carries its outbox id: after a crash between Slack's answer and our record of it,
  // the retry finds the message instead of posting it twice.
  const post = async (channel: string, message: ChatMessage, threadTs?: string) => {
    if (item.attempts > 1) {
      const found = await surface.findPosted(channel, item.seq, threadTs);
      if (found) return found;
    }
    return surface.post(channel, message, { ...(threadTs ? { threadTs } : {}), outboxSeq: item.seq });
  };
  if (payload.op === 'root') {
    const posted = await post(deps.incidentChannel(), payload.message);
    await store.setIncidentSlack(incidentId, posted.channel, posted.ts);
    await record('incident', posted);
    return;
  }
  const incident = await store.getIncident(incidentId);
  if (!incident?.slackChannel || !incident.slackTs) throw new NoThreadError(`incident ${incidentId} has no thread`);
  const root = { channel: incident.slackChannel, ts: incident.slackTs };
  switch (payload.op) {
    case 'root-update':
      await surface.update(root.channel, root.ts, payload.message);
      return;
    case 'thread':
      await record(payload.what, await post(root.channel, payload.message, root.ts));
      return;
    case 'channel':
      await record(payload.what, await post(root.channel, payload.message));
      return;
    case 'upsert': {
      if (!runId) throw new Error('upsert without a run');
      const existing = await store.runMessage(runId, payload.kind);
      if (existing) {
        await surface.update(existing.channel, existing.ts, payload.message);
        return;
      }
      const posted = await post(root.channel, payload.message, root.ts);
      await store.setRunMessage(runId, payload.kind, posted);
      await record(payload.kind, posted);
      return;
    }
    case 'upload':
      await surface.uploadFile(root.channel, root.ts, payload.file);
      await store.appendTimeline({
        type: 'message.posted',
        actor: 'rollbot',
        incidentId,
        data: { what: payload.what, file: payload.file.filename },
      });
      return;
  }
}
