// HTTP-mode driver: sends signed slash commands, interactions and events to the app's /slack/events.
import { createHmac } from 'node:crypto';
import { eventCallback, urlVerification } from './events.js';
import { type PayloadContext, type SlashCommandInput, slashCommand } from './payloads.js';
import type { Json } from './types.js';

export interface DriverOptions {
  signingSecret: string;
  /** The app's request URL, e.g. `http://127.0.0.1:3000/slack/events`. */
  url: string;
  teamId?: string;
  /** Pass the FakeSlack so trigger ids and response urls are ones it will accept. */
  slack?: PayloadContext;
}

export interface SendOptions {
  retryNum?: number;
  retryReason?: string;
  /** Seconds since the epoch used in the signature and header (default: now). */
  timestamp?: number;
  badSignature?: boolean;
  /** Send neither signature nor timestamp header. */
  noHeaders?: boolean;
  contentType?: string;
  timeoutMs?: number;
}

export interface DriverResponse {
  status: number;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  ms: number;
  headers: Record<string, string>;
}

export interface SlackDriver {
  slashCommand(input: SlashCommandInput, opts?: SendOptions): Promise<DriverResponse>;
  /** Any interactive payload (block_actions, view_submission, view_closed), sent as `payload=<json>`. */
  interaction(payload: Json, opts?: SendOptions): Promise<DriverResponse>;
  /** A bare event is wrapped in event_callback; url_verification and event_callback bodies go as they are. */
  event(event: Json, opts?: SendOptions): Promise<DriverResponse>;
  urlVerification(challenge: string, opts?: SendOptions): Promise<DriverResponse>;
  raw(body: string, contentType: string, opts?: SendOptions): Promise<DriverResponse>;
}

/** Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret. */
export function signRequest(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

const FORM = 'application/x-www-form-urlencoded';

export function createSlackDriver(options: DriverOptions): SlackDriver {
  // FakeSlack's methods are closures, so spreading it keeps them working.
  const ctx: PayloadContext = { teamId: options.teamId, ...options.slack };

  const raw = async (body: string, contentType: string, opts: SendOptions = {}): Promise<DriverResponse> => {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': opts.contentType ?? contentType };
    if (!opts.noHeaders) {
      const secret = opts.badSignature ? `${options.signingSecret}-wrong` : options.signingSecret;
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = signRequest(secret, timestamp, body);
    }
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    const started = performance.now();
    const res = await fetch(options.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, body: text, json, ms, headers: Object.fromEntries(res.headers.entries()) };
  };

  return {
    slashCommand: async (input, opts) => {
      const form = slashCommand(input, ctx);
      const res = await raw(new URLSearchParams(form).toString(), FORM, opts);
      const body = res.json;
      if (res.status === 200 && typeof body === 'object' && body !== null)
        ctx.recordAckPayload?.(form, body as Json);
      return res;
    },
    interaction: (payload, opts) =>
      raw(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM, opts),
    event: (event, opts) => {
      const wrapped = event.type === 'url_verification' || event.type === 'event_callback';
      return raw(JSON.stringify(wrapped ? event : eventCallback(event, ctx)), 'application/json', opts);
    },
    urlVerification: (challenge, opts) =>
      raw(JSON.stringify(urlVerification(challenge)), 'application/json', opts),
    raw,
  };
}
