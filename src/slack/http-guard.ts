/**
 * The checks a request passes before Bolt's app sees it: size, content type, signature, timestamp in
 * both directions (Bolt only refuses old ones), replay, and the envelope's shape.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type BodyKind, type FormBody, formEnvelope, jsonEnvelope } from './envelope.js';
import { createReplayCache } from './replay-cache.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Slack's own tolerance: a request stamped more than five minutes away from now is refused. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
const REPLAY_CAPACITY = 10_000;

export type GuardVerdict =
  /** Signed, fresh, first seen, and one of the shapes rollbot serves: parsed as Bolt would parse it. */
  | { ok: true; body: Record<string, unknown> }
  /** Slack's unsigned reachability probe: answer 200, hand nothing to Bolt. */
  | { ok: true; sslCheck: true }
  | { ok: false; status: number; reason: string };

export interface GuardOptions {
  signingSecret: string;
  now?: () => number;
  maxBodyBytes?: number;
  /**
   * Claims a verified signature for `ttlMs` (until its timestamp leaves the window); false when it
   * was seen before. In the store, so a replay sent to another replica is refused too. Without it,
   * this process's memory.
   */
  claimReplay?: (key: string, ttlMs: number) => Promise<boolean>;
}

export function createRequestGuard(options: GuardOptions): (req: IncomingMessage) => Promise<GuardVerdict> {
  const now = options.now ?? Date.now;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const claimReplay = options.claimReplay ?? inMemoryReplays(now);
  return async (req) => {
    const kind = bodyKind(req.headers['content-type']);
    if (!kind) return refuse(415, 'unsupported content type');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return refuse(413, 'body too large');
    const rawBody = await readBody(req, limit);
    if (!rawBody) return refuse(413, 'body too large');
    const text = rawBody.toString('utf8');
    const form = kind === 'form' ? (parseQuery(text) as FormBody) : undefined;
    const signature = req.headers['x-slack-signature'];
    const stamp = req.headers['x-slack-request-timestamp'];
    // Slack sends ssl_check unsigned; it runs nothing, and a smuggled payload fails isSslCheck.
    if (form && isSslCheck(form)) return { ok: true, sslCheck: true };
    if (typeof signature !== 'string' || typeof stamp !== 'string' || !/^\d{1,12}$/.test(stamp))
      return refuse(401, 'missing signature headers');
    const stampMs = Number(stamp) * 1000;
    const at = now();
    if (Math.abs(at - stampMs) > TIMESTAMP_TOLERANCE_MS) return refuse(401, 'timestamp out of window');
    if (!signatureMatches(options.signingSecret, stamp, rawBody, signature))
      return refuse(401, 'bad signature');
    const fresh = await claimReplay(`replay:${signature}`, stampMs + TIMESTAMP_TOLERANCE_MS - at);
    if (!fresh) return refuse(401, 'replayed request');
    const envelope = form ? formEnvelope(form) : jsonEnvelope(text);
    return envelope.ok ? envelope : refuse(400, envelope.problem);
  };
}

/** One process's replay memory (tests, and a single bot without a shared store). */
function inMemoryReplays(now: () => number) {
  const replays = createReplayCache(REPLAY_CAPACITY, TIMESTAMP_TOLERANCE_MS);
  return async (key: string, ttlMs: number) => {
    const at = now();
    return replays.claim(key, at + ttlMs - TIMESTAMP_TOLERANCE_MS, at) === 'fresh';
  };
}

/** Bolt reads a body as a form only for this exact type; JSON may carry a charset. */
function bodyKind(contentType: string | undefined): BodyKind | undefined {
  if (contentType === 'application/x-www-form-urlencoded') return 'form';
  if (contentType !== undefined && /^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(contentType))
    return 'json';
  return undefined;
}

function isSslCheck(form: FormBody): boolean {
  return form.ssl_check === '1' && Object.keys(form).every((k) => k === 'ssl_check' || k === 'token');
}

function signatureMatches(secret: string, stamp: string, body: Buffer, signature: string): boolean {
  const hmac = createHmac('sha256', secret).update(`v0:${stamp}:`).update(body).digest('hex');
  const expected = Buffer.from(`v0=${hmac}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Buffers at most `limit` bytes; undefined (and the rest left unread) once the body exceeds it. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function refuse(status: number, reason: string): GuardVerdict {
  return { ok: false, status, reason };
}
