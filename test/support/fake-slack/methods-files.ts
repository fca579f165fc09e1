// The external file-upload flow: get an upload URL, POST the bytes there, then complete into a channel.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, readRaw, sendText } from './http-body.js';
import { fail, type MethodSpec, str } from './method-kit.js';
import { threadRoot } from './methods-chat.js';
import type { StoredFile } from './types.js';
import type { Workspace } from './workspace.js';

const getUploadUrl: MethodSpec = {
  token: 'bot',
  required: ['filename', 'length'],
  handle({ ws, args }) {
    const length = Number(args.length);
    if (!Number.isInteger(length) || length <= 0) {
      return fail('invalid_arguments', ['must be a positive integer [json-pointer:/length]']);
    }
    const id = ws.nextId('F');
    ws.uploads.set(id, { id, filename: String(args.filename), length });
    return { ok: true, upload_url: `${ws.baseUrl}upload/v1/${id}`, file_id: id };
  },
};

const completeUpload: MethodSpec = {
  token: 'bot',
  required: ['files'],
  handle(ctx) {
    const { ws, args } = ctx;
    if (!Array.isArray(args.files) || args.files.length === 0) {
      return fail('invalid_arguments', ['must provide a non-empty array [json-pointer:/files]']);
    }
    const entries = args.files as Array<{ id?: unknown; title?: unknown }>;
    const uploads = entries.map((f) => ws.uploads.get(String(f.id)));
    if (uploads.some((u) => !u?.bytes)) return fail('file_not_found');
    const channelRef = str(args.channel_id) ?? str(args.channels);
    const channel = channelRef ? ws.visibleToBot(channelRef) : undefined;
    if (channelRef && !channel) return fail('channel_not_found');
    if (args.thread_ts && !channel) return fail('invalid_arguments', ['thread_ts requires channel_id']);
    const root = channel ? threadRoot(ctx, channel.id, args.thread_ts) : '';
    if (typeof root !== 'string') return root;
    const files: StoredFile[] = uploads.map((u, i) => {
      const file: StoredFile = {
        id: u!.id,
        filename: u!.filename,
        title: str(entries[i]?.title) ?? u!.filename,
        length: u!.length,
        bytes: u!.bytes!,
        channel: channel?.id,
        thread_ts: root || undefined,
        initial_comment: str(args.initial_comment),
      };
      ws.uploads.delete(file.id);
      ws.files.set(file.id, file);
      return file;
    });
    if (channel) {
      ws.addMessage(channel.id, {
        text: str(args.initial_comment) ?? '',
        user: ws.botUserId,
        bot_id: ws.botId,
        thread_ts: root || undefined,
        files,
        via: 'file_share',
      });
    }
    const shares = channel ? { public: { [channel.id]: [{ ts: ws.nextTs() }] } } : {};
    return {
      ok: true,
      files: files.map((f) => ({ id: f.id, name: f.filename, title: f.title, size: f.length, shares })),
    };
  },
};

/** POST <upload_url>: raw bytes, or multipart as WebClient sends them (first binary part). */
export async function handleUpload(ws: Workspace, req: IncomingMessage, res: ServerResponse, id: string) {
  const upload = ws.uploads.get(id);
  if (!upload || req.method !== 'POST') return sendText(res, 404, 'not_found');
  const raw = await readRaw(req);
  const contentType = req.headers['content-type'] ?? '';
  let bytes = raw;
  if (contentType.startsWith('multipart/form-data')) {
    const parsed = await parseBody(raw, contentType);
    const first = Object.values(parsed.binaries)[0];
    if (!first) return sendText(res, 400, 'no file part');
    bytes = first;
  }
  upload.bytes = bytes;
  sendText(res, 200, `OK - ${bytes.length}`);
}

export const fileMethods: Record<string, MethodSpec> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
};
