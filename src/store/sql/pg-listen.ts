/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other work and lose its
 * LISTEN). If the connection drops, it is re-established with backoff; notifications sent while
 * it was down are lost, so a listener is a wake-up, and whoever listens also looks now and then.
 */
import pg, { type ClientConfig } from 'pg';

export interface ListenSpec {
  config: ClientConfig;
  /** For error messages: the URL with its password masked. */
  shownUrl: string;
  /** Already checked by assertChannelName. */
  channel: string;
  onNotify: (payload: string) => void;
  onError: (err: Error) => void;
  /** A `SELECT 1` this often: a connection that silently died would otherwise never be noticed. */
  pingMs: number;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/** Resolves once LISTEN is in place (rejects if the first connection fails); returns the stop function. */
export async function listenWithReconnect(spec: ListenSpec): Promise<() => Promise<void>> {
  let current: pg.Client | undefined;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const lost = (client: pg.Client, err: Error) => {
    if (client !== current || stopped) return;
    current = undefined;
    spec.onError(
      new Error(`listener on ${spec.channel} lost its connection: ${err.message}`, { cause: err }),
    );
    client.end().catch(() => {});
    scheduleReconnect();
  };

  const connect = async (): Promise<void> => {
    const client = new pg.Client(spec.config);
    client.on('error', (err) => lost(client, err));
    client.on('end', () => lost(client, new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === spec.channel && !stopped) spec.onNotify(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${spec.channel}"`);
    } catch (err) {
      client.end().catch(() => {});
      throw new Error(`cannot listen on PostgreSQL at ${spec.shownUrl}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (stopped) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    failures = 0;
  };

  const scheduleReconnect = () => {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** failures) * (0.5 + Math.random() / 2);
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      if (stopped) return;
      connect().catch((err: Error) => {
        spec.onError(err);
        if (!stopped) scheduleReconnect();
      });
    }, delay);
  };

  const ping = setInterval(() => {
    const client = current;
    if (!client) return;
    client.query({ text: 'SELECT 1', query_timeout: spec.pingMs } as pg.QueryConfig).catch((err: Error) => {
      lost(client, err);
    });
  }, spec.pingMs);
  ping.unref();

  try {
    await connect();
  } catch (err) {
    stopped = true;
    clearInterval(ping);
    throw err;
  }

  return async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(ping);
    if (retry) clearTimeout(retry);
    const client = current;
    current = undefined;
    // Ending the session ends its LISTEN.
    await client?.end().catch(() => {});
  };
}
