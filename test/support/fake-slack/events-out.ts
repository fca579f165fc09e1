// Slack → app: events go to the app only when it subscribed, has the scope, and (for messages) its bot
// is in the channel; over Socket Mode when connected, else signed to the app's request URL.
import { createSlackDriver } from './driver.js';
import { eventCallback, messageEvent } from './events.js';
import { EVENT_SCOPES } from './scopes.js';
import type { FakeSocket } from './socket.js';
import type { FakeSlackOptions, Json, StoredMessage } from './types.js';
import type { Workspace } from './workspace.js';

export interface EventRetry {
  /** Slack's retry count (HTTP `X-Slack-Retry-Num`, Socket Mode `retry_attempt`). */
  retryNum?: number;
  retryReason?: string;
}

/** What happened to an event: sent (and acknowledged), or why Slack would not send it. */
export type Delivery = { delivered: true; body: Json } | { delivered: false; reason: string };

export interface UserPost {
  user: string;
  channel: string;
  /** What the person typed; Slack stores and sends it with &, < and > escaped. */
  text: string;
  /** A reply in this thread (the root's ts). */
  thread_ts?: string;
}

export class EventsOut {
  constructor(
    private readonly ws: Workspace,
    private readonly socket: FakeSocket,
    private readonly options: FakeSlackOptions,
  ) {}

  private get ctx() {
    const ws = this.ws;
    return { teamId: ws.teamId, appId: ws.appId, botUserId: ws.botUserId };
  }

  /** Why Slack would not send `subscription` to this app, if it would not. */
  private unsubscribed(subscription: string): string | undefined {
    const { botEvents } = this.ws.installation;
    if (!botEvents.includes(subscription)) return `the app does not subscribe to ${subscription}`;
    const missing = (EVENT_SCOPES[subscription] ?? []).filter((s) => !this.ws.hasScope(s));
    return missing.length > 0 ? `${subscription} needs ${missing.join(', ')}` : undefined;
  }

  /** Sends an Events API body to the app and waits for its acknowledgement. */
  async send(body: Json, retry: EventRetry = {}): Promise<void> {
    if (this.socket.connected > 0) {
      await this.socket.send('events_api', body, {
        ...(retry.retryNum !== undefined ? { retryAttempt: retry.retryNum } : {}),
        ...(retry.retryReason !== undefined ? { retryReason: retry.retryReason } : {}),
      });
      return;
    }
    const url = this.options.requestUrl;
    const secret = this.options.signingSecret;
    if (!url || !secret)
      throw new Error('fake Slack: no Socket Mode client and no requestUrl to send events to');
    // Slack retries an event after waiting 3 s for the ack: a retry carries that later timestamp
    // (and so a new signature), without the test having to wait the 3 s.
    const later = retry.retryNum ? { timestamp: Math.floor(Date.now() / 1000) + 3 } : {};
    const driver = createSlackDriver({ signingSecret: secret, url, slack: this.ctx });
    const res = await driver.event(body, { ...retry, ...later });
    if (res.status !== 200) throw new Error(`the app answered the event with HTTP ${res.status}`);
  }

  /** A person posts in a channel; the app hears it only if Slack would send it the message event. */
  async userPosts(post: UserPost): Promise<{ message: StoredMessage } & Delivery> {
    const ws = this.ws;
    const channel = ws.resolveChannel(post.channel);
    if (!channel) throw new Error(`fake Slack: no channel ${post.channel}`);
    const root = post.thread_ts ? ws.findMessage(channel.id, post.thread_ts) : undefined;
    if (post.thread_ts && !root) throw new Error(`fake Slack: no message ${post.thread_ts} to reply to`);
    const text = post.text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    const message = ws.addMessage(channel.id, {
      text,
      user: post.user,
      ...(root ? { thread_ts: root.thread_ts ?? root.ts } : {}),
    });
    const kind = ws.kindOf(channel);
    const subscription = kind === 'private' ? 'message.groups' : 'message.channels';
    const refused = this.unsubscribed(subscription);
    if (refused) return { message, delivered: false, reason: refused };
    if (!ws.isMember(channel.id)) {
      return { message, delivered: false, reason: `the bot is not a member of #${channel.name}` };
    }
    const event = messageEvent(
      {
        user: post.user,
        text,
        channel: channel.id,
        ts: message.ts,
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
        channel_type: kind === 'private' ? 'group' : 'channel',
      },
      this.ctx,
    );
    const body = eventCallback(event, this.ctx);
    await this.send(body);
    return { message, delivered: true, body };
  }

  /** A user opens the app's Home tab. */
  async openHome(user: string): Promise<Delivery> {
    const refused = this.unsubscribed('app_home_opened');
    if (refused) return { delivered: false, reason: refused };
    const ts = this.ws.nextTs();
    const published = this.ws.homes.get(user);
    const event: Json = {
      type: 'app_home_opened',
      user,
      channel: `D${user.slice(1)}`,
      tab: 'home',
      event_ts: ts,
      ...(published ? { view: { id: published.id, hash: published.hash, type: 'home' } } : {}),
    };
    const body = eventCallback(event, this.ctx);
    await this.send(body);
    return { delivered: true, body };
  }
}
