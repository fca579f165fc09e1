/** The Slack Web API behind the narrow SlackSurface port: posting, editing, modals, Home, groups, files. */
import type { ChatMessage, SlackSurface } from '../services/ports.js';
import type { Json, SlackWebApi } from './web-api.js';

/** A message as read back from a channel or thread, with its metadata when it has some. */
export interface ReadMessage {
  ts: string;
  threadTs?: string;
  text: string;
  botId?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface RollbotSlack extends SlackSurface {
  /** Publishes a user's Home tab. */
  publishHome(user: string, view: object): Promise<void>;
  /**
   * A channel's recent top-level messages (`threadTs` unset) or a thread's messages, with metadata:
   * how to find a post made before a crash, by the outbox id it carries.
   */
  readMessages(channel: string, options?: { threadTs?: string; limit?: number }): Promise<ReadMessage[]>;
}

/** Message metadata event type marking a post with the outbox item it delivers. */
export const OUTBOX_EVENT = 'rollbot_outbox';

export function createSlackSurface(api: SlackWebApi): RollbotSlack {
  const groupCache = new Map<string, { members: string[]; at: number }>();
  const blocksOf = (message: ChatMessage) => (message.blocks ? { blocks: message.blocks } : {});
  const readMessages: RollbotSlack['readMessages'] = async (channel, options = {}) => {
    const common = { channel, include_all_metadata: true, limit: options.limit ?? 100 };
    const res = options.threadTs
      ? await api.call('conversations.replies', { ...common, ts: options.threadTs }, 'read')
      : await api.call('conversations.history', common, 'read');
    return (Array.isArray(res.messages) ? (res.messages as Json[]) : []).map(readMessage);
  };
  return {
    async post(channel, message, options = {}) {
      const metadata =
        options.outboxSeq !== undefined
          ? { event_type: OUTBOX_EVENT, event_payload: { seq: options.outboxSeq } }
          : message.metadata;
      const res = await api.call(
        'chat.postMessage',
        {
          channel,
          text: message.text,
          ...blocksOf(message),
          ...(metadata ? { metadata } : {}),
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        },
        'delivery',
      );
      return { channel: String(res.channel), ts: String(res.ts) };
    },
    async update(channel, ts, message) {
      await api.call('chat.update', { channel, ts, text: message.text, ...blocksOf(message) }, 'delivery', {
        ignoreBody: true,
      });
    },
    async ephemeral(channel, user, message) {
      await api.call(
        'chat.postEphemeral',
        { channel, user, text: message.text, ...blocksOf(message) },
        'delivery',
      );
    },
    async openView(triggerId, view) {
      await api.call('views.open', { trigger_id: triggerId, view }, 'trigger', { ignoreBody: true });
    },
    async updateView(viewId, view, hash) {
      await api.call('views.update', { view_id: viewId, view, ...(hash ? { hash } : {}) }, 'view', {
        ignoreBody: true,
      });
    },
    async publishHome(user, view) {
      await api.call('views.publish', { user_id: user, view }, 'view', { ignoreBody: true });
    },
    async usergroupMembers(groupId) {
      // Group membership changes rarely; a minute of caching keeps approvals fast under load.
      const cached = groupCache.get(groupId);
      if (cached && Date.now() - cached.at < 60_000) return cached.members;
      const res = await api.call('usergroups.users.list', { usergroup: groupId }, 'read');
      const members = Array.isArray(res.users) ? res.users.map(String) : [];
      groupCache.set(groupId, { members, at: Date.now() });
      return members;
    },
    async uploadFile(channel, threadTs, file) {
      // Slack's external upload: ask for a URL, send the bytes there, then share the file.
      const bytes = Buffer.from(file.content, 'utf8');
      const target = await api.call(
        'files.getUploadURLExternal',
        { filename: file.filename, length: bytes.length },
        'delivery',
      );
      await api.upload(String(target.upload_url), bytes);
      await api.call(
        'files.completeUploadExternal',
        {
          files: [{ id: String(target.file_id), title: file.title }],
          channel_id: channel,
          thread_ts: threadTs,
          ...(file.comment ? { initial_comment: file.comment } : {}),
        },
        'delivery',
      );
    },
    async findPosted(channel, outboxSeq, threadTs) {
      // Recent messages only: a retry follows its lost answer within minutes.
      const messages = await readMessages(channel, { ...(threadTs ? { threadTs } : {}), limit: 200 });
      const found = messages.find(
        (m) => m.metadata?.event_type === OUTBOX_EVENT && m.metadata.event_payload.seq === outboxSeq,
      );
      return found ? { channel, ts: found.ts } : undefined;
    },
    readMessages,
  };
}

function readMessage(m: Json): ReadMessage {
  const metadata = m.metadata as ReadMessage['metadata'] | undefined;
  return {
    ts: String(m.ts),
    text: typeof m.text === 'string' ? m.text : '',
    ...(typeof m.thread_ts === 'string' ? { threadTs: m.thread_ts } : {}),
    ...(typeof m.bot_id === 'string' ? { botId: m.bot_id } : {}),
    ...(metadata && typeof metadata.event_type === 'string' ? { metadata } : {}),
  };
}
