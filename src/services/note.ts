/** Human context on an incident's timeline: `/rollback note` and replies in the incident thread. */
import { fail, type Result } from '../domain/result.js';
import type { Store } from './store-port.js';

export interface NoteDeps {
  store: Pick<Store, 'getIncident' | 'incidentByThread' | 'appendTimeline' | 'claimKey'>;
}

const NOTE_MAX = 3000;

export async function addNote(
  deps: NoteDeps,
  input: { incidentId: string; user: string; text: string },
): Promise<Result<{ message: string }>> {
  if (!(await deps.store.getIncident(input.incidentId)))
    return fail('not_found', `No incident ${input.incidentId}.`);
  await deps.store.appendTimeline({
    type: 'note.added',
    actor: input.user,
    incidentId: input.incidentId,
    data: { text: input.text.slice(0, NOTE_MAX), via: 'command' },
  });
  return { ok: true, message: `Noted on ${input.incidentId}'s timeline.` };
}

/**
 * A reply in some thread; recorded when the thread is an incident's, once per message: Slack
 * retries an event it thinks was not received, and any replica may get the retry.
 */
export async function recordThreadReply(
  deps: NoteDeps,
  reply: { channel: string; user: string; text: string; ts: string; threadTs: string },
): Promise<boolean> {
  const incident = await deps.store.incidentByThread(reply.channel, reply.threadTs);
  if (!incident) return false;
  if (!(await deps.store.claimKey(`reply:${reply.channel}:${reply.ts}`))) return false;
  await deps.store.appendTimeline({
    type: 'note.added',
    actor: reply.user,
    incidentId: incident.id,
    data: { text: reply.text.slice(0, NOTE_MAX), via: 'thread', ts: reply.ts },
  });
  return true;
}
