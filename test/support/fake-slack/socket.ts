// Socket Mode server side: one-time tickets, hello, envelopes awaiting acks, disconnect and pings.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Json } from './types.js';
import type { Workspace } from './workspace.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketSendOptions {
  retryAttempt?: number;
  retryReason?: string;
  /** Slack waits 3 s for an ack before it gives up (and retries events). */
  ackTimeoutMs?: number;
  /** How long to wait for a connected client (e.g. while it reconnects). */
  connectTimeoutMs?: number;
}

export interface SocketAck {
  envelope_id: string;
  payload?: Json;
}

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Json;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

interface Pending {
  envelope: Envelope;
  resolve: (ack: SocketAck) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class FakeSocket {
  readonly envelopes: Envelope[] = [];
  /** Which connection (numbered from 1 as accepted) each envelope went to, by envelope id. */
  readonly deliveredTo = new Map<string, number>();
  private readonly numbers = new Map<WebSocket, number>();
  readonly acks: SocketAck[] = [];
  /** Connections accepted since start, reconnects included. */
  connects = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly open = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  private waiters: Array<() => void> = [];
  /** Slack gives each envelope to one of the app's connections; here in turn. */
  private turn = 0;

  constructor(
    private readonly ws: Workspace,
    private readonly tickets: Set<string>,
    private readonly pingIntervalMs: number,
    /** Slack turns a slash command's ack payload into a reply; the server records it. */
    private readonly onAckPayload: (envelope: Envelope, payload: Json) => void = () => {},
  ) {}

  get connected(): number {
    return this.open.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (client) => this.accept(client));
  }

  private accept(client: WebSocket): void {
    this.open.add(client);
    this.connects += 1;
    this.numbers.set(client, this.connects);
    const ping = this.pingIntervalMs > 0 ? setInterval(() => client.ping(), this.pingIntervalMs) : undefined;
    ping?.unref();
    client.on('close', () => {
      clearInterval(ping);
      this.open.delete(client);
    });
    client.on('error', () => client.terminate());
    client.on('message', (data) => this.onAck(String(data)));
    client.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.size,
        debug_info: { host: 'fake-slack-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.ws.appId },
      }),
    );
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private onAck(text: string): void {
    let ack: SocketAck;
    try {
      ack = JSON.parse(text) as SocketAck;
    } catch {
      return;
    }
    this.acks.push(ack);
    const p = this.pending.get(ack.envelope_id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(ack.envelope_id);
    if (ack.payload && Object.keys(ack.payload).length > 0) this.onAckPayload(p.envelope, ack.payload);
    p.resolve(ack);
  }

  async waitForConnection(timeoutMs = 10_000, count = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.open.size < count) {
      const left = deadline - Date.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`${this.open.size} of ${count} Socket Mode clients connected within ${timeoutMs} ms`),
            ),
          Math.max(left, 0),
        );
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends an envelope to one connected client and resolves with its ack (rejects on timeout). */
  async send(type: EnvelopeType, payload: Json, opts: SocketSendOptions = {}): Promise<SocketAck> {
    await this.waitForConnection(opts.connectTimeoutMs);
    const clients = [...this.open];
    const client = clients[this.turn++ % clients.length];
    if (!client) throw new Error('no Socket Mode client connected');
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: opts.retryAttempt ?? 0,
      retry_reason: opts.retryReason ?? '',
    };
    this.envelopes.push(envelope);
    this.deliveredTo.set(envelope.envelope_id, this.numbers.get(client) ?? 0);
    const ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        reject(new Error(`no ack for ${type} envelope ${envelope.envelope_id} within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      this.pending.set(envelope.envelope_id, { envelope, resolve, reject, timer });
    });
    client.send(JSON.stringify(envelope));
    return acked;
  }

  /** Slack's `{type:'disconnect'}`: the client should close and reconnect with a fresh URL. */
  async disconnect(reason = 'refresh_requested', graceMs = 1000): Promise<void> {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack-1' } });
    await Promise.all(
      [...this.open].map((client) => closeWithin(client, graceMs, () => client.send(message))),
    );
  }

  /** Closes connections with a close frame (1001), terminating any that do not finish within `graceMs`. */
  async close(graceMs = 500): Promise<void> {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('fake Slack stopped'));
    }
    this.pending.clear();
    await Promise.all([...this.open].map((client) => closeWithin(client, graceMs, () => client.close(1001))));
    this.open.clear();
    this.wss.close();
  }
}

function closeWithin(client: WebSocket, graceMs: number, start: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => client.terminate(), graceMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    start();
  });
}
