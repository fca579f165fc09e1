// Shared shapes of the fake Slack: options, recorded calls and the workspace state tests read.

export type Json = Record<string, unknown>;

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  tz?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Who is in the channel at the start. Slack adds an app's bot to no channel by itself. */
  members?: string[];
}

export interface FakeSlackOptions {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  botId?: string;
  botUserId?: string;
  users?: FakeUser[];
  usergroups?: Record<string, string[]>;
  /** `'#name'` (id derived, e.g. `#engineering-incidents` → `C0INCIDENTS`) or an explicit `{ id, name }`. */
  channels?: Array<string | FakeChannel>;
  /** Per-method calls allowed per second per channel (e.g. `{ 'chat.update': 1 }`); beyond that → 429. */
  tierLimits?: Record<string, number>;
  /** Interval of server→client WebSocket pings; 0 disables them. */
  socketPingIntervalMs?: number;
  /** Trigger ids expire after this long (Slack: 3 s). */
  triggerTtlMs?: number;
  /** Bot scopes the app was installed with (default: manifest.yml's `oauth_config.scopes.bot`). */
  scopes?: string[];
  /** Events the app subscribes to (default: manifest.yml's `settings.event_subscriptions.bot_events`). */
  botEvents?: string[];
  /** The app's Events API request URL, for apps not connected over Socket Mode. */
  requestUrl?: string;
}

export interface RecordedCall {
  method: string;
  args: Json;
  at: number;
  token: string | undefined;
  status: number;
  ok: boolean;
  error?: string;
  /** The caller's User-Agent header: says which client made the call. */
  userAgent?: string;
  /** A `hang` call only: when the caller gave up on it (closed the connection), if it has. */
  abandonedAt?: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  user: string;
  bot_id?: string;
  edited?: { user: string; ts: string };
  edits: number;
  files?: StoredFile[];
  reply_count: number;
  /** How the message got there: Web API, an in_channel response_url/ack reply, or a file share. */
  via?: 'api' | 'response_url' | 'ack' | 'file_share';
}

export interface StoredView {
  id: string;
  hash: string;
  type: string;
  callback_id: string;
  external_id: string;
  private_metadata: string;
  title: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  state: { values: Record<string, Record<string, unknown>> };
  root_view_id: string;
  previous_view_id: string | null;
  team_id: string;
  app_id: string;
  bot_id: string;
  notify_on_close: boolean;
  clear_on_close: boolean;
  /** How the view last changed. */
  via: 'views.open' | 'views.update' | 'views.push' | 'views.publish';
  updates: number;
}

export interface StoredFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  bytes: Buffer;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
}

export interface Ephemeral {
  source: 'chat.postEphemeral' | 'response_url' | 'ack';
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  at: number;
}

export interface ResponseUrlPost {
  url: string;
  channel: string;
  user: string;
  body: Json;
  status: number;
  at: number;
}

/**
 * `hang`: the request is read and never answered (a Slack call that never returns).
 * `lost-answer`: Slack does the work (the message is posted) but the answer never arrives: what a
 * crash or a cut connection between Slack's answer and the caller's reading of it looks like.
 */
export type FailureSpec =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 }
  | { status: 'hang' }
  | { status: 'lost-answer' };

/** What builders need from the fake so trigger ids and response urls are ones Slack would accept. */
export interface Issuer {
  issueTriggerId(user?: string): string;
  issueResponseUrl(channel: string, user: string, messageTs?: string): string;
}

/** Outcome of one Web API method: the JSON body (Slack always answers 200 unless rate limited). */
export type MethodResult = Json & { ok: boolean };
