/**
 * rollbot's membership of the incident channel. Slack sends a channel's message events (the replies
 * that join the timeline) only to a bot that is a member; `chat:write.public` lets it post without
 * joining, never listen. So at start rollbot joins a public incident channel, and says plainly when it
 * cannot (a private channel it was not invited to), in the log and in `/rollback status`.
 */
import type { Logger } from '../logger.js';
import { type Json, SlackCallError, type SlackWebApi } from './web-api.js';

export type ChannelAccess =
  | { state: 'checking' }
  | { state: 'member'; channelId: string; name: string; joined: boolean }
  /** Not in the list of channels the bot can see: private without the bot, or missing. */
  | { state: 'not_visible'; name: string }
  | { state: 'failed'; name: string; reason: string };

export interface IncidentChannelWatch {
  readonly access: ChannelAccess;
  /** Settles once the first check is done (never rejects). */
  readonly ready: Promise<ChannelAccess>;
  /** A warning for people when rollbot cannot hear the channel, else undefined. */
  notice(): string | undefined;
  stop(): void;
}

const CHANNEL_ID_RE = /^[CG][A-Z0-9]{2,}$/;
/** conversations.list pages to read before giving up (200 per page: 10,000 channels). */
const MAX_PAGES = 50;

/**
 * Checks (and joins) the channel now, then every `recheckMs` while rollbot is not a member, so an
 * invitation made after the start is picked up without a restart.
 */
export function watchIncidentChannel(deps: {
  api: SlackWebApi;
  channel: string;
  logger: Logger;
  recheckMs?: number;
}): IncidentChannelWatch {
  const log = deps.logger.child({ module: 'incident-channel' });
  const name = deps.channel.replace(/^#/, '');
  let access: ChannelAccess = { state: 'checking' };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = async (): Promise<ChannelAccess> => {
    access = await ensureMember(deps.api, deps.channel, name);
    report(log, access, deps.channel);
    if (access.state !== 'member' && !stopped) {
      timer = setTimeout(() => void check(), deps.recheckMs ?? 60_000);
      timer.unref();
    }
    return access;
  };

  return {
    get access() {
      return access;
    },
    ready: check(),
    notice: () => noticeOf(access, deps.channel),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

async function ensureMember(api: SlackWebApi, ref: string, name: string): Promise<ChannelAccess> {
  try {
    const channel = CHANNEL_ID_RE.test(ref) ? await byId(api, ref) : await byName(api, name);
    if (!channel) return { state: 'not_visible', name };
    const id = String(channel.id);
    const shownName = String(channel.name ?? name);
    if (channel.is_member === true) return { state: 'member', channelId: id, name: shownName, joined: false };
    // A private channel the bot can see is one it is in; only a public one can be joined.
    await api.call('conversations.join', { channel: id }, 'read');
    return { state: 'member', channelId: id, name: shownName, joined: true };
  } catch (err) {
    const reason = err instanceof SlackCallError ? err.reason : String(err);
    return { state: 'failed', name, reason };
  }
}

async function byId(api: SlackWebApi, id: string): Promise<Json | undefined> {
  try {
    const res = await api.call('conversations.info', { channel: id }, 'read');
    return res.channel as Json | undefined;
  } catch (err) {
    if (err instanceof SlackCallError && err.data?.error === 'channel_not_found') return undefined;
    throw err;
  }
}

/** The bot sees every public channel, and the private ones it is in. */
async function byName(api: SlackWebApi, name: string): Promise<Json | undefined> {
  let cursor = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await api.call(
      'conversations.list',
      {
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      },
      'read',
    );
    const channels = Array.isArray(res.channels) ? (res.channels as Json[]) : [];
    const found = channels.find((c) => c.name === name);
    if (found) return found;
    cursor = String((res.response_metadata as Json | undefined)?.next_cursor ?? '');
    if (!cursor) return undefined;
  }
  return undefined;
}

function report(log: Logger, access: ChannelAccess, configured: string): void {
  if (access.state === 'member') {
    log.info({ channel: access.channelId, joined: access.joined }, `rollbot is a member of #${access.name}`);
    return;
  }
  const notice = noticeOf(access, configured);
  if (notice) log.error({ channel: configured }, notice);
}

function noticeOf(access: ChannelAccess, configured: string): string | undefined {
  switch (access.state) {
    case 'checking':
    case 'member':
      return undefined;
    case 'not_visible':
      return (
        `rollbot is not a member of ${configured} (ROLLBOT_INCIDENT_CHANNEL): it is private, or it does not exist. ` +
        'Replies in incident threads cannot reach the timeline until someone invites @rollbot there (/invite @rollbot).'
      );
    case 'failed':
      return (
        `rollbot could not join or check ${configured} (ROLLBOT_INCIDENT_CHANNEL): ${access.reason}. ` +
        'Replies in incident threads may not reach the timeline.'
      );
  }
}
