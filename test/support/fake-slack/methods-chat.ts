// chat.*: messages, threads, edits and ephemerals, posted where the bot may post.
import { checkMessage } from './limits.js';
import { arr, fail, failLimit, type MethodContext, type MethodSpec, str } from './method-kit.js';
import type { FakeChannel, MethodResult, StoredMessage } from './types.js';
import type { Workspace } from './workspace.js';

/** A message as the Web API returns it; `metadata` only when the caller asked for it. */
export function messageJson(m: StoredMessage, appId: string, teamId: string, withMetadata = false) {
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
    metadata: withMetadata ? m.metadata : undefined,
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

/**
 * Where the bot may post: a private channel it is not in does not exist for it; a public one needs
 * membership or `chat:write.public`.
 */
function postable(ws: Workspace, ref: unknown): FakeChannel | MethodResult {
  const channel = ws.visibleToBot(String(ref));
  if (!channel) return fail('channel_not_found');
  const member = ws.isMember(channel.id);
  if (!member && !ws.hasScope('chat:write.public')) return fail('not_in_channel');
  return channel;
}

const isFailure = (x: FakeChannel | MethodResult): x is MethodResult => 'ok' in x;

/** Slack's message metadata: `{ event_type: string, event_payload: object }`. */
function metadataProblem(metadata: unknown): MethodResult | undefined {
  if (metadata === undefined) return undefined;
  const m = metadata as { event_type?: unknown; event_payload?: unknown };
  const payload = m?.event_payload;
  const valid =
    typeof m === 'object' &&
    m !== null &&
    typeof m.event_type === 'string' &&
    m.event_type !== '' &&
    typeof payload === 'object' &&
    payload !== null &&
    !Array.isArray(payload);
  return valid ? undefined : fail('invalid_metadata_format');
}

const postMessage: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  channelArg: 'channel',
  handle(ctx) {
    const { ws, args } = ctx;
    const channel = postable(ws, args.channel);
    if (isFailure(channel)) return channel;
    const badMetadata = metadataProblem(args.metadata);
    if (badMetadata) return badMetadata;
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
    const channel = ws.visibleToBot(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const msg = ws.findMessage(channel.id, String(args.ts));
    if (!msg) return fail('message_not_found');
    if (msg.bot_id !== ws.botId) return fail('cant_update_message');
    const badMetadata = metadataProblem(args.metadata);
    if (badMetadata) return badMetadata;
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
    const channel = ws.visibleToBot(String(args.channel));
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
    const channel = ws.visibleToBot(String(args.channel));
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
    const channel = ws.visibleToBot(String(args.channel));
    if (!channel) return fail('channel_not_found');
    const ts = String(args.message_ts);
    if (!ws.findMessage(channel.id, ts)) return fail('message_not_found');
    const url = `https://${ws.teamDomain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`;
    return { ok: true, channel: channel.id, permalink: url };
  },
};

export const chatMethods: Record<string, MethodSpec> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.delete': remove,
  'chat.getPermalink': permalink,
};
