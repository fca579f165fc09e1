// Events API bodies: the event_callback wrapper, message events (threaded replies) and url_verification.
import { randomBytes } from 'node:crypto';
import type { PayloadContext } from './payloads.js';
import { VERIFICATION_TOKEN } from './payloads.js';
import type { Json } from './types.js';

export interface MessageEventInput {
  user: string;
  text: string;
  channel: string;
  thread_ts?: string;
  ts?: string;
  channel_type?: 'channel' | 'group' | 'im';
  subtype?: string;
}

export function messageEvent(input: MessageEventInput, ctx: PayloadContext = {}): Json {
  const ts = input.ts ?? (Date.now() / 1000).toFixed(6);
  const event: Json = {
    type: 'message',
    channel: ctx.channelId?.(input.channel) ?? input.channel,
    user: input.user,
    text: input.text,
    ts,
    event_ts: ts,
    channel_type: input.channel_type ?? 'channel',
    team: ctx.teamId ?? 'T0TEST',
  };
  if (input.thread_ts) event.thread_ts = input.thread_ts;
  if (input.subtype) event.subtype = input.subtype;
  return event;
}

/** Wraps an event as Slack posts it over HTTP and puts it in a Socket Mode events_api payload. */
export function eventCallback(event: Json, ctx: PayloadContext = {}): Json {
  const teamId = ctx.teamId ?? 'T0TEST';
  const now = Date.now();
  return {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: ctx.appId ?? 'A0ROLLBOT',
    event: { event_ts: (now / 1000).toFixed(6), ...event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(now / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: ctx.botUserId ?? 'U0ROLLBOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('base64url')}`,
  };
}

export function urlVerification(challenge: string): Json {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}
