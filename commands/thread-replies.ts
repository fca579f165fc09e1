/** Replies in an incident thread join its timeline as human context (for the RCA). */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { unescapeSlack } from '../src/domain/slash-grammar.js';
import type { ListenerDeps } from './deps.js';

const replySchema = z.object({
  channel: z.string().max(40),
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  text: z.string().max(40_000),
  ts: z.string().max(40),
  thread_ts: z.string().max(40),
});

export function register(app: App, deps: ListenerDeps): void {
  app.event('message', async ({ event }) => {
    // Edits, joins and bot messages (ours included) carry a subtype or a bot_id: not context.
    if ('subtype' in event && event.subtype !== undefined) return;
    if ('bot_id' in event && event.bot_id) return;
    const reply = replySchema.safeParse(event);
    if (!reply.success || reply.data.thread_ts === reply.data.ts) return;
    // Slack escapes &, < and > in message text; the timeline keeps what the person typed.
    await deps.services.threadReply({
      channel: reply.data.channel,
      user: reply.data.user,
      ts: reply.data.ts,
      threadTs: reply.data.thread_ts,
      text: unescapeSlack(reply.data.text),
    });
  });
}
