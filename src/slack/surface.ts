/** The Slack Web API behind the narrow SlackSurface port: posting, editing, modals, groups, files. */
import type { WebClient } from '@slack/web-api';
import type { ChatMessage, SlackSurface } from '../services/ports.js';

/** Message metadata event type marking a post with the outbox item it delivers. */
export const OUTBOX_EVENT = 'rollbot_outbox';

export function createSlackSurface(client: WebClient): SlackSurface {
  const groupCache = new Map<string, { members: string[]; at: number }>();
  return {
    async post(channel, message, options = {}) {
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
        ...(options.outboxSeq !== undefined
          ? { metadata: { event_type: OUTBOX_EVENT, event_payload: { seq: options.outboxSeq } } }
          : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { channel: String(res.channel), ts: String(res.ts) };
    },
    async findPosted(channel, outboxSeq, threadTs) {
      // Recent messages only: a retry follows its lost answer within minutes.
      const res = threadTs
        ? await client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
        : await client.conversations.history({ channel, include_all_metadata: true, limit: 200 });
      const found = (res.messages ?? []).find(
        (m) =>
          m.metadata?.event_type === OUTBOX_EVENT &&
          (m.metadata.event_payload as { seq?: unknown } | undefined)?.seq === outboxSeq,
      );
      return found?.ts ? { channel, ts: found.ts } : undefined;
    },
    async update(channel, ts, message: ChatMessage) {
      await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never });
    },
    async ephemeral(channel, user, message) {
      await client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks as never });
    },
    async openView(triggerId, view) {
      await client.views.open({ trigger_id: triggerId, view: view as never });
    },
    async updateView(viewId, view, hash) {
      await client.views.update({ view_id: viewId, view: view as never, ...(hash ? { hash } : {}) });
    },
    async usergroupMembers(groupId) {
      // Group membership changes rarely; a minute of caching keeps approvals fast under load.
      const cached = groupCache.get(groupId);
      if (cached && Date.now() - cached.at < 60_000) return cached.members;
      const res = await client.usergroups.users.list({ usergroup: groupId });
      const members = (res.users ?? []).map(String);
      groupCache.set(groupId, { members, at: Date.now() });
      return members;
    },
    async uploadFile(channel, threadTs, file) {
      await client.files.uploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        filename: file.filename,
        title: file.title,
        content: file.content,
        ...(file.comment ? { initial_comment: file.comment } : {}),
      });
    },
  };
}
