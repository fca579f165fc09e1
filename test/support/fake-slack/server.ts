// startFakeSlack: one HTTP + WebSocket server on 127.0.0.1 serving the Web API, uploads, response urls and Socket Mode.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Delivery, type EventRetry, EventsOut, type UserPost } from './events-out.js';
import { Faults } from './faults.js';
import { sendText } from './http-body.js';
import { chatMethods } from './methods-chat.js';
import { conversationMethods } from './methods-conversations.js';
import { connectionsOpen, directoryMethods } from './methods-directory.js';
import { fileMethods, handleUpload } from './methods-files.js';
import { viewJson, viewMethods } from './methods-views.js';
import { applyAckPayload, handleResponseUrl } from './response-url.js';
import { FakeSocket } from './socket.js';
import type {
  Ephemeral,
  FailureSpec,
  FakeSlackOptions,
  Issuer,
  Json,
  RecordedCall,
  ResponseUrlPost,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.js';
import { WebApi } from './web-api.js';
import { Workspace } from './workspace.js';

export interface FakeSlack extends Issuer {
  readonly apiUrl: string;
  readonly baseUrl: string;
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  messages(channel: string): StoredMessage[];
  thread(channel: string, ts: string): StoredMessage[];
  /** Channel id for `#name`, a name or an id (undefined if unknown). */
  channelId(ref: string): string | undefined;
  readonly views: ReadonlyMap<string, StoredView>;
  /** The view as Slack would put it in a view_submission payload. */
  viewPayload(viewId: string): Record<string, unknown> | undefined;
  readonly files: ReadonlyMap<string, StoredFile>;
  readonly ephemerals: readonly Ephemeral[];
  readonly responses: readonly ResponseUrlPost[];
  failNext(method: string, spec: FailureSpec, times?: number): void;
  failFor(ms: number, method: string, spec: FailureSpec): void;
  /** Calls to `method` whose arguments match `when` fail with `spec`, until `clearFaults`. */
  failWhen(method: string, when: (args: Json) => boolean, spec: FailureSpec): void;
  clearFaults(): void;
  readonly socket: FakeSocket;
  /** The bot scopes the app was installed with. */
  readonly scopes: readonly string[];
  /** Adds `user` (default: the bot) to a channel, as a person inviting it would. */
  invite(channel: string, user?: string): void;
  /** Removes `user` (default: the bot) from a channel. */
  kick(channel: string, user?: string): void;
  isMember(channel: string, user?: string): boolean;
  /** A person posts (or replies in a thread); the app gets the message event only as Slack would send it. */
  userPosts(post: UserPost): Promise<{ message: StoredMessage } & Delivery>;
  /** Sends an Events API body again, as Slack retries one that was not acknowledged in time. */
  resendEvent(body: Record<string, unknown>, retry?: EventRetry): Promise<void>;
  /** A user opens the app's Home tab (the `app_home_opened` event). */
  openHome(user: string): Promise<Delivery>;
  /** The Home tab published for a user. */
  home(user: string): StoredView | undefined;
  /** Shows a slash command's ack body as Slack would (ephemeral, or in channel); the driver calls it. */
  recordAckPayload(command: Record<string, unknown>, body: Record<string, unknown>): void;
  stop(): Promise<void>;
}

export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const ws = new Workspace(options);
  const faults = new Faults(options.tierLimits ?? {}, () => ws.now());
  const tickets = new Set<string>();
  const socket = new FakeSocket(ws, tickets, options.socketPingIntervalMs ?? 5000, (envelope, body) => {
    if (envelope.type === 'slash_commands') applyAckPayload(ws, envelope.payload, body);
  });
  let socketUrl = '';
  const api = new WebApi(ws, faults, options, {
    ...chatMethods,
    ...conversationMethods,
    ...viewMethods,
    ...directoryMethods,
    ...fileMethods,
    'apps.connections.open': connectionsOpen(tickets, () => socketUrl),
  });

  const events = new EventsOut(ws, socket, options);
  const channelOf = (ref: string) => {
    const channel = ws.resolveChannel(ref);
    if (!channel) throw new Error(`fake Slack: no channel ${ref}`);
    return channel.id;
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const [, root, a, b, c] = path.split('/');
    if (root === 'api' && a && req.method === 'POST') return api.handle(req, res, a);
    if (root === 'api' && a) return sendText(res, 405, 'method_not_allowed');
    if (root === 'upload' && a === 'v1' && b) return handleUpload(ws, req, res, b);
    if (root === 'commands' && b && c === undefined) return handleResponseUrl(ws, req, res, b);
    sendText(res, 404, 'not_found');
  };
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `fake slack error: ${String(err)}`);
    });
  });
  server.on('upgrade', (req, sock, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/socket') socket.handleUpgrade(req, sock, head);
    else sock.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  ws.baseUrl = `http://127.0.0.1:${port}/`;
  socketUrl = `ws://127.0.0.1:${port}/socket`;

  return {
    apiUrl: `${ws.baseUrl}api/`,
    baseUrl: ws.baseUrl,
    teamId: ws.teamId,
    appId: ws.appId,
    botUserId: ws.botUserId,
    botId: ws.botId,
    calls: api.calls,
    callsTo: (method) => api.calls.filter((c) => c.method === method),
    messages: (channel) => [...ws.messages(channel)],
    thread: (channel, ts) => ws.thread(channel, ts),
    channelId: (ref) => ws.channels.get(ref)?.id ?? ws.resolveChannel(ref)?.id,
    views: ws.views,
    viewPayload: (id) => {
      const v = ws.views.get(id);
      return v ? viewJson(v) : undefined;
    },
    files: ws.files,
    ephemerals: ws.ephemerals,
    responses: ws.responses,
    failNext: (method, spec, times = 1) => faults.failNext(method, spec, times),
    failFor: (ms, method, spec) => faults.failFor(ms, method, spec),
    failWhen: (method, when, spec) => faults.failWhen(method, when, spec),
    clearFaults: () => faults.clear(),
    issueTriggerId: () => ws.issueTriggerId(),
    issueResponseUrl: (channel, user, messageTs) =>
      ws.issueResponseUrl(ws.resolveChannel(channel)?.id ?? channel, user, messageTs),
    socket,
    scopes: ws.installation.scopes,
    invite: (channel, user = ws.botUserId) => ws.addMember(channelOf(channel), user),
    kick: (channel, user = ws.botUserId) => ws.removeMember(channelOf(channel), user),
    isMember: (channel, user) => ws.isMember(channelOf(channel), user),
    userPosts: (post) => events.userPosts(post),
    resendEvent: (body, retry = { retryNum: 1, retryReason: 'http_timeout' }) => events.send(body, retry),
    openHome: (user) => events.openHome(user),
    home: (user) => ws.homes.get(user),
    recordAckPayload: (command, body) => applyAckPayload(ws, command, body),
    stop: async () => {
      await socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
