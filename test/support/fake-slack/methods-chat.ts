// chat.* and conversations.history/replies: messages, threads, edits and ephemerals.
import { checkMessage } from './limits.js';
import { arr, fail, failLimit, type MethodContext, type MethodSpec, str } from './method-kit.js';
import type { MethodResult, StoredMessage } from './types.js';

export function messageJson(m: StoredMessage, appId: string, teamId: string) {
  const json: Record<string, unknown> = {
    type: 'message',
    subtype: m.via === 'file_share' ? 'file_share' : undefined,
    text: m.text,
    user: m.user,
    bot_id: m.bot_id,
    app_id: appId,
    team: teamId,
    ts: m.ts,
    thread_ts: m.thread_ts,
    blocks: m.blocks,
    attachments: m.attachments,
    edited: m.edited,
    reply_count: m.thread_ts === undefined && m.reply_count > 0 ? m.reply_count : undefined,
    files: m.files?.map((f) => ({ id: f.id, name: f.filename, title: f.title, size: f.length })),
  };
  for (const k of Object.keys(json)) if (json[k] === undefined) delete json[k];
  return json;
}

/** Slack threads a reply to a reply under the root. */
export function threadRoot(ctx: MethodContext, channelId: string, threadTs: unknown): string | MethodResult {
  if (threadTs === undefined || threadTs === '') return '';
  const parent = typeof threadTs === 'string' ? ctx.ws.findMessage(channelId, threadTs) : undefined;
  if (!parent) return fail('thread_not_found');
  return parent.thread_ts ?? parent.ts;
}

const postMessage: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  channelArg: 'channel',
  handle(ctx) {
    const { ws, args } = ctx;
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const limit = checkMessage(args);
    if (limit) return failLimit(limit);
    const root = threadRoot(ctx, channel.id, args.thread_ts);
    if (typeof root !== 'string') return root;
    const msg = ws.addMessage(channel.id, {
      text: str(args.text) ?? '',
      blocks: arr(args.blocks),
      attachments: arr(args.attachments),
      metadata: args.metadata,
      user: ws.botUserId,
      bot_id: ws.botId,
      thread_ts: root || undefined,
      via: 'api',
    });
    return { ok: true, channel: channel.id, ts: msg.ts, message: messageJson(msg, ws.appId, ws.teamId) };
  },
};

const update: MethodSpec = {
  token: 'bot',
  required: ['channel', 'ts'],
  channelArg: 'channel',
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const msg = ws.findMessage(channel.id, String(args.ts));
    if (!msg) return fail('message_not_found');
    if (msg.bot_id !== ws.botId) return fail('cant_update_message');
    const limit = checkMessage(args);
    if (limit) return failLimit(limit);
    if (args.text !== undefined) msg.text = String(args.text);
    if (args.blocks !== undefined) msg.blocks = arr(args.blocks);
    if (args.attachments !== undefined) msg.attachments = arr(args.attachments);
    if (args.metadata !== undefined) msg.metadata = args.metadata;
    msg.edits += 1;
    msg.edited = { user: ws.botUserId, ts: ws.nextTs() };
    return {
      ok: true,
      channel: channel.id,
      ts: msg.ts,
      text: msg.text,
      message: messageJson(msg, ws.appId, ws.teamId),
    };
  },
};

const postEphemeral: MethodSpec = {
  token: 'bot',
  required: ['channel', 'user'],
  channelArg: 'channel',
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    if (!ws.users.has(String(args.user))) return fail('user_not_in_channel');
    const limit = checkMessage(args);
    if (limit) return failLimit(limit);
    ws.ephemerals.push({
      source: 'chat.postEphemeral',
      channel: channel.id,
      user: String(args.user),
      text: str(args.text) ?? '',
      blocks: arr(args.blocks),
      at: ws.now(),
    });
    return { ok: true, message_ts: ws.nextTs() };
  },
};

const remove: MethodSpec = {
  token: 'bot',
  required: ['channel', 'ts'],
  channelArg: 'channel',
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const msg = ws.findMessage(channel.id, String(args.ts));
    if (!msg) return fail('message_not_found');
    if (msg.bot_id !== ws.botId) return fail('cant_delete_message');
    ws.deleteMessage(channel.id, msg.ts);
    return { ok: true, channel: channel.id, ts: msg.ts };
  },
};

const permalink: MethodSpec = {
  token: 'bot',
  required: ['channel', 'message_ts'],
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const ts = String(args.message_ts);
    if (!ws.findMessage(channel.id, ts)) return fail('message_not_found');
    const url = `https://${ws.teamDomain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`;
    return { ok: true, channel: channel.id, permalink: url };
  },
};

const history: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const top = ws.messages(channel.id).filter((m) => m.thread_ts === undefined);
    const messages = top.reverse().map((m) => messageJson(m, ws.appId, ws.teamId));
    return { ok: true, messages, has_more: false };
  },
};

const replies: MethodSpec = {
  token: 'bot',
  required: ['channel', 'ts'],
  handle({ ws, args }) {
    const channel = ws.resolveChannel(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const thread = ws.thread(channel.id, String(args.ts));
    if (thread.length === 0) return fail('thread_not_found');
    return { ok: true, messages: thread.map((m) => messageJson(m, ws.appId, ws.teamId)), has_more: false };
  },
};

export const chatMethods: Record<string, MethodSpec> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.delete': remove,
  'chat.getPermalink': permalink,
  'conversations.history': history,
  'conversations.replies': replies,
};
