// conversations.*: what the bot can see and read, joining public channels, and message metadata on read.

import { bool, fail, type MethodSpec, str } from './method-kit.js';
import { messageJson } from './methods-chat.js';
import type { FakeChannel, Json, MethodResult } from './types.js';
import type { Workspace } from './workspace.js';

function conversationJson(ws: Workspace, c: FakeChannel & { isIm?: boolean }): Json {
  const kind = ws.kindOf(c);
  return {
    id: c.id,
    name: c.name,
    is_channel: kind === 'public',
    is_group: kind === 'private',
    is_im: kind === 'im',
    is_mpim: false,
    is_private: kind !== 'public',
    is_member: ws.isMember(c.id),
    is_archived: false,
    context_team_id: ws.teamId,
  };
}

/** Reading a channel's messages needs the bot in it (a DM with the bot included). */
function readable(ws: Workspace, ref: unknown): FakeChannel | MethodResult {
  const channel = ws.visibleToBot(String(ref));
  if (!channel) return fail('channel_not_found');
  if (!ws.isMember(channel.id)) return fail('not_in_channel');
  return channel;
}

const isFailure = (x: FakeChannel | MethodResult): x is MethodResult => 'ok' in x;

/** Slack returns a message's metadata only when asked with `include_all_metadata=true`. */
const history: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  formOnly: true,
  handle({ ws, args }) {
    const channel = readable(ws, args.channel);
    if (isFailure(channel)) return channel;
    const withMetadata = bool(args.include_all_metadata);
    const top = ws.messages(channel.id).filter((m) => m.thread_ts === undefined);
    const messages = [...top].reverse().map((m) => messageJson(m, ws.appId, ws.teamId, withMetadata));
    return { ok: true, messages, has_more: false };
  },
};

const replies: MethodSpec = {
  token: 'bot',
  required: ['channel', 'ts'],
  formOnly: true,
  handle({ ws, args }) {
    const channel = readable(ws, args.channel);
    if (isFailure(channel)) return channel;
    const thread = ws.thread(channel.id, String(args.ts));
    if (thread.length === 0) return fail('thread_not_found');
    const withMetadata = bool(args.include_all_metadata);
    const messages = thread.map((m) => messageJson(m, ws.appId, ws.teamId, withMetadata));
    return { ok: true, messages, has_more: false };
  },
};

const info: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  formOnly: true,
  handle({ ws, args }) {
    const c = ws.visibleToBot(String(args.channel));
    return c ? { ok: true, channel: conversationJson(ws, c) } : fail('channel_not_found');
  },
};

const TYPES: Record<string, 'public' | 'private'> = {
  public_channel: 'public',
  private_channel: 'private',
};

/** Lists what the bot can see: every public channel, and the private ones it is in. */
const list: MethodSpec = {
  token: 'bot',
  required: [],
  formOnly: true,
  handle({ ws, args }) {
    const kinds = new Set(
      (str(args.types) ?? 'public_channel')
        .split(',')
        .map((t) => TYPES[t.trim()])
        .filter(Boolean),
    );
    const channels = [...ws.channels.values()]
      .filter((c) => !('isIm' in c && c.isIm))
      .filter((c) => kinds.has(ws.kindOf(c) as 'public' | 'private'))
      .filter((c) => ws.visibleToBot(c.id) !== undefined)
      .map((c) => conversationJson(ws, c));
    return { ok: true, channels, response_metadata: { next_cursor: '' } };
  },
};

/** A bot joins a public channel; a private one it cannot see, and must be invited to by a person. */
const join: MethodSpec = {
  token: 'bot',
  required: ['channel'],
  handle({ ws, args }) {
    const c = ws.visibleToBot(String(args.channel));
    if (!c) return fail('channel_not_found');
    if (ws.kindOf(c) !== 'public') return fail('method_not_supported_for_channel_type');
    const already = ws.isMember(c.id);
    ws.addMember(c.id, ws.botUserId);
    const warning = already ? { warning: 'already_in_channel' } : {};
    return { ok: true, channel: conversationJson(ws, c), ...warning };
  },
};

export const conversationMethods: Record<string, MethodSpec> = {
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.info': info,
  'conversations.list': list,
  'conversations.join': join,
};
