// Reads Web API request bodies the way Slack accepts them: form-encoded, JSON, or multipart.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './types.js';

/** Arguments Slack documents as JSON-encoded strings when sent form-encoded. */
const JSON_ARGS = new Set([
  'blocks',
  'attachments',
  'view',
  'files',
  'metadata',
  'unfurls',
  'user_auth_blocks',
]);

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface ParsedBody {
  args: Json;
  /** Binary parts of a multipart body, by field name. */
  binaries: Record<string, Buffer>;
  /** Set when a JSON-typed argument did not parse. */
  badJson?: string;
}

export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    try {
      const parsed: unknown = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {};
      const args = typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {};
      return { args, binaries: {} };
    } catch {
      return { args: {}, binaries: {}, badJson: 'body' };
    }
  }
  if (type === 'multipart/form-data') return parseMultipart(raw, contentType ?? '');
  return decodeJsonArgs(Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), {});
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  // undici's Response knows how to split multipart bodies; no hand-written parser needed.
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const fields: Json = {};
  const binaries: Record<string, Buffer> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') fields[key] = value;
    else binaries[key] = Buffer.from(await value.arrayBuffer());
  }
  return decodeJsonArgs(fields, binaries);
}

function decodeJsonArgs(fields: Json, binaries: Record<string, Buffer>): ParsedBody {
  const args: Json = { ...fields };
  for (const key of JSON_ARGS) {
    const value = args[key];
    if (typeof value !== 'string' || value === '') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      return { args, binaries, badJson: key };
    }
  }
  return { args, binaries };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** Bearer token from the Authorization header, else the `token` argument (older clients). */
export function tokenOf(req: IncomingMessage, args: Json): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  return typeof args.token === 'string' ? args.token : undefined;
}
