// In-memory workspace of the fake Slack: users, channels and who is in them, messages, one-shot trigger ids and response urls.
import { type Installation, manifestInstallation } from './manifest.js';
import type { ConversationKind } from './scopes.js';
import type {
  Ephemeral,
  FakeChannel,
  FakeSlackOptions,
  FakeUser,
  ResponseUrlPost,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.js';

const DEFAULT_USERS: FakeUser[] = [
  { id: 'U1', name: 'alice', realName: 'Alice Approver' },
  { id: 'U2', name: 'bob', realName: 'Bob Builder' },
  { id: 'U3', name: 'carol', realName: 'Carol Oncall' },
];

export interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  bytes?: Buffer;
}

interface Trigger {
  issuedAt: number;
  used: boolean;
}

export interface ResponseUrlGrant {
  channel: string;
  user: string;
  messageTs?: string;
  uses: number;
  issuedAt: number;
}

export class Workspace {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, FakeChannel & { isIm?: boolean }>();
  readonly views = new Map<string, StoredView>();
  readonly files = new Map<string, StoredFile>();
  readonly uploads = new Map<string, PendingUpload>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrlGrant>();
  readonly ephemerals: Ephemeral[] = [];
  readonly responses: ResponseUrlPost[] = [];
  /** Channel id → member user ids. */
  readonly members = new Map<string, Set<string>>();
  /** The Home tab view published for each user. */
  readonly homes = new Map<string, StoredView>();
  /** What the app was installed with: its bot scopes, event subscriptions and Home tab. */
  readonly installation: Installation;
  /** Views pushed on top of the most recently opened modal, root first (Slack allows three). */
  modalStack: string[] = [];
  private readonly byChannel = new Map<string, StoredMessage[]>();
  private seq = 0;
  private lastMicros = 0;
  baseUrl = '';

  constructor(
    opts: FakeSlackOptions,
    readonly now: () => number = Date.now,
  ) {
    this.teamId = opts.teamId ?? 'T0TEST';
    this.teamDomain = opts.teamDomain ?? 'rollbot-test';
    this.appId = opts.appId ?? 'A0ROLLBOT';
    this.botId = opts.botId ?? 'B0ROLLBOT';
    this.botUserId = opts.botUserId ?? 'U0ROLLBOT';
    for (const u of opts.users ?? DEFAULT_USERS) this.users.set(u.id, u);
    this.users.set(this.botUserId, { id: this.botUserId, name: 'rollbot', isBot: true });
    const manifest = opts.scopes && opts.botEvents ? undefined : manifestInstallation();
    this.installation = {
      scopes: opts.scopes ?? manifest?.scopes ?? [],
      botEvents: opts.botEvents ?? manifest?.botEvents ?? [],
      homeTabEnabled: manifest?.homeTabEnabled ?? true,
    };
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
    for (const c of opts.channels ?? ['#general']) this.addChannel(c);
  }

  /** `#engineering-incidents` → `C0INCIDENTS` (last word), de-duplicated with a counter. */
  addChannel(ref: string | FakeChannel): FakeChannel {
    const existing = typeof ref === 'string' ? this.resolveChannel(ref) : this.channels.get(ref.id);
    if (existing) return existing;
    if (typeof ref !== 'string') {
      this.channels.set(ref.id, { ...ref });
      this.members.set(ref.id, new Set(ref.members ?? []));
      return ref;
    }
    const name = ref.replace(/^#/, '');
    const word = (name.split(/[-_]/).pop() ?? name).toUpperCase().replace(/[^A-Z0-9]/g, '') || 'CHANNEL';
    let id = `C0${word}`;
    for (let n = 2; this.channels.has(id); n++) id = `C0${word}${n}`;
    const channel = { id, name };
    this.channels.set(id, channel);
    this.members.set(id, new Set());
    return channel;
  }

  kindOf(channel: FakeChannel & { isIm?: boolean }): ConversationKind {
    if (channel.isIm) return 'im';
    return channel.isPrivate ? 'private' : 'public';
  }

  /** A DM with the bot has the bot in it; any other channel only once someone added it (or it joined). */
  isMember(channelId: string, user = this.botUserId): boolean {
    const channel = this.channels.get(channelId);
    if (channel && 'isIm' in channel && channel.isIm) return true;
    return this.members.get(channelId)?.has(user) ?? false;
  }

  addMember(channelId: string, user: string): void {
    const members = this.members.get(channelId) ?? new Set<string>();
    members.add(user);
    this.members.set(channelId, members);
  }

  removeMember(channelId: string, user: string): void {
    this.members.get(channelId)?.delete(user);
  }

  /** What the bot token can see: private channels only when the bot is in them (Slack: channel_not_found). */
  visibleToBot(ref: string): (FakeChannel & { isIm?: boolean }) | undefined {
    const channel = this.resolveChannel(ref);
    if (!channel) return undefined;
    if (channel.isPrivate && !this.isMember(channel.id)) return undefined;
    return channel;
  }

  hasScope(scope: string): boolean {
    return this.installation.scopes.includes(scope);
  }

  /** Accepts `#name`, a bare name, a channel id, or a user id (opens the bot's DM with that user). */
  resolveChannel(ref: string): FakeChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    for (const c of this.channels.values()) if (c.name === name) return c;
    const user = this.users.get(ref);
    if (!user) return undefined;
    const dm = { id: `D${ref.slice(1)}`, name: user.name, isIm: true };
    this.channels.set(dm.id, dm);
    return dm;
  }

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}0${this.seq.toString(36).toUpperCase().padStart(6, '0')}`;
  }

  /** Slack message timestamps: unique, increasing, `seconds.micros`. */
  nextTs(): string {
    this.lastMicros = Math.max(this.now() * 1000, this.lastMicros + 1);
    const s = Math.floor(this.lastMicros / 1e6);
    return `${s}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  messages(channelRef: string): StoredMessage[] {
    const id = this.resolveChannel(channelRef)?.id ?? channelRef;
    return this.byChannel.get(id) ?? [];
  }

  findMessage(channelId: string, ts: string): StoredMessage | undefined {
    return this.byChannel.get(channelId)?.find((m) => m.ts === ts);
  }

  thread(channelRef: string, ts: string): StoredMessage[] {
    return this.messages(channelRef).filter((m) => m.ts === ts || m.thread_ts === ts);
  }

  addMessage(channelId: string, fields: Omit<StoredMessage, 'channel' | 'ts' | 'edits' | 'reply_count'>) {
    const msg: StoredMessage = { channel: channelId, ts: this.nextTs(), edits: 0, reply_count: 0, ...fields };
    const list = this.byChannel.get(channelId) ?? [];
    list.push(msg);
    this.byChannel.set(channelId, list);
    if (msg.thread_ts) {
      const root = this.findMessage(channelId, msg.thread_ts);
      if (root) root.reply_count += 1;
    }
    return msg;
  }

  deleteMessage(channelId: string, ts: string): boolean {
    const list = this.byChannel.get(channelId) ?? [];
    const i = list.findIndex((m) => m.ts === ts);
    if (i >= 0) list.splice(i, 1);
    return i >= 0;
  }

  issueTriggerId(): string {
    const id = `${this.seq + 1}.${Math.floor(this.now())}.${Math.random().toString(16).slice(2, 18)}`;
    this.seq += 1;
    this.triggers.set(id, { issuedAt: this.now(), used: false });
    return id;
  }

  /** Slack: a trigger id works once, within 3 s. */
  consumeTrigger(id: string, ttlMs: number): 'ok' | 'invalid_trigger_id' | 'expired_trigger_id' {
    const t = this.triggers.get(id);
    if (!t || t.used) return 'invalid_trigger_id';
    t.used = true;
    return this.now() - t.issuedAt > ttlMs ? 'expired_trigger_id' : 'ok';
  }

  issueResponseUrl(channel: string, user: string, messageTs?: string): string {
    const id = this.nextId('R');
    const grant: ResponseUrlGrant = { channel, user, uses: 0, issuedAt: this.now() };
    if (messageTs) grant.messageTs = messageTs;
    this.responseUrls.set(id, grant);
    return `${this.baseUrl}commands/${this.teamId}/${id}`;
  }
}
