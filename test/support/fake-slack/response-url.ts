// response_url endpoint: five uses in thirty minutes; ephemeral, in-channel, replace and delete responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRaw, sendJson, sendText } from './http-body.js';
import { checkMessage } from './limits.js';
import { arr, bool, str } from './method-kit.js';
import type { Json } from './types.js';
import type { Workspace } from './workspace.js';

const MAX_USES = 5;
const TTL_MS = 30 * 60 * 1000;

export async function handleResponseUrl(
  ws: Workspace,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
) {
  const grant = ws.responseUrls.get(id);
  const raw = await readRaw(req);
  if (!grant || req.method !== 'POST') return sendText(res, 404, 'no_such_url');
  let body: Json;
  try {
    body = JSON.parse(raw.toString('utf8') || '{}') as Json;
  } catch {
    body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  const record = (status: number) =>
    ws.responses.push({
      url: req.url ?? '',
      channel: grant.channel,
      user: grant.user,
      body,
      status,
      at: ws.now(),
    });
  if (grant.uses >= MAX_USES) {
    record(404);
    return sendText(res, 404, 'used_url');
  }
  if (ws.now() - grant.issuedAt > TTL_MS) {
    record(404);
    return sendText(res, 404, 'expired_url');
  }
  grant.uses += 1;
  const limit = checkMessage(body, !bool(body.delete_original));
  if (limit) {
    record(400);
    return sendJson(res, 400, { ok: false, error: limit.error, errors: limit.problems });
  }
  record(200);
  apply(ws, grant.channel, grant.user, grant.messageTs, body);
  sendJson(res, 200, { ok: true });
}

/** A slash command's ack body (HTTP response or Socket Mode ack payload) is shown like a response_url reply. */
export function applyAckPayload(ws: Workspace, payload: Json, body: Json) {
  const channel = ws.resolveChannel(String(payload.channel_id ?? ''))?.id;
  if (!channel || (!body.text && !body.blocks)) return;
  apply(ws, channel, String(payload.user_id ?? ''), undefined, body, 'ack');
}

function apply(
  ws: Workspace,
  channel: string,
  user: string,
  messageTs: string | undefined,
  body: Json,
  source: 'response_url' | 'ack' = 'response_url',
) {
  const original = messageTs ? ws.findMessage(channel, messageTs) : undefined;
  if (bool(body.delete_original)) {
    if (original) ws.deleteMessage(channel, original.ts);
    return;
  }
  if (bool(body.replace_original) && original) {
    original.text = str(body.text) ?? '';
    original.blocks = arr(body.blocks);
    original.edits += 1;
    original.edited = { user: ws.botUserId, ts: ws.nextTs() };
    return;
  }
  if (body.response_type === 'in_channel') {
    const threadTs = str(body.thread_ts);
    ws.addMessage(channel, {
      text: str(body.text) ?? '',
      blocks: arr(body.blocks),
      user: ws.botUserId,
      bot_id: ws.botId,
      thread_ts: threadTs && ws.findMessage(channel, threadTs) ? threadTs : undefined,
      via: source,
    });
    return;
  }
  ws.ephemerals.push({
    source,
    channel,
    user,
    text: str(body.text) ?? '',
    blocks: arr(body.blocks),
    at: ws.now(),
  });
}
