/** What the outbox holds: rendered messages and where they go, resolved against the thread at delivery. */
import { rcaUploadFailedMessage } from '../../views/delivery-failed.js';
import type { Logger } from '../logger.js';
import type { ChatMessage, SlackSurface } from '../services/ports.js';
import type { Store } from '../store/store.js';

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
  store: Store;
  logger: Logger;
  incidentChannel: string;
}

/** Performs one delivery. Throws on failure; the outbox decides whether to retry. */
export async function deliver(
  deps: DeliveryDeps,
  item: { incidentId: string; runId: string | null; payload: Delivery },
): Promise<void> {
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
  if (payload.op === 'root') {
    const posted = await surface.post(deps.incidentChannel, payload.message);
    store.setIncidentSlack(incidentId, posted.channel, posted.ts);
    record('incident', posted);
    return;
  }
  const incident = store.getIncident(incidentId);
  if (!incident?.slackChannel || !incident.slackTs)
    throw new NoThreadError(`incident ${incidentId} has no thread`);
  const root = { channel: incident.slackChannel, ts: incident.slackTs };
  switch (payload.op) {
    case 'root-update':
      await surface.update(root.channel, root.ts, payload.message);
      return;
    case 'thread':
      record(payload.what, await surface.post(root.channel, payload.message, root.ts));
      return;
    case 'channel':
      record(payload.what, await surface.post(root.channel, payload.message));
      return;
    case 'upsert': {
      if (!runId) throw new Error('upsert without a run');
      const existing = store.runMessage(runId, payload.kind);
      if (existing) {
        await surface.update(existing.channel, existing.ts, payload.message);
        return;
      }
      const posted = await surface.post(root.channel, payload.message, root.ts);
      store.setRunMessage(runId, payload.kind, posted);
      record(payload.kind, posted);
      return;
    }
    case 'upload':
      await surface.uploadFile(root.channel, root.ts, payload.file);
      store.appendTimeline({
        type: 'message.posted',
        actor: 'rollbot',
        incidentId,
        data: { what: payload.what, file: payload.file.filename },
      });
      return;
  }
}
