/** Lazily opened, reused SSH connections, one per user@address:port, with verified host keys. */
import { readFile } from 'node:fs/promises';
import { Client, type ServerHostKeyAlgorithm } from 'ssh2';
import type { HostRef } from '../domain/plan.js';
import {
  type HostKeyVerdict,
  type KnownHostEntry,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';
import { createSemaphore, type Semaphore } from './semaphore.js';

export interface SshPoolOptions {
  privateKey: Buffer | string;
  passphrase?: string;
  knownHostsFile: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxChannelsPerHost: number;
}

export interface PooledConnection {
  client: Client;
  /** `user@address:port`, for messages. */
  label: string;
  /** Bounds concurrent exec channels: sshd refuses sessions beyond MaxSessions and ssh2 has no queue. */
  slots: Semaphore;
  isAlive(): boolean;
  /** Called once when the connection ends; returns an unsubscribe function. */
  onLost(listener: (reason: string) => void): () => void;
}

export type ConnectOutcome = { ok: true; conn: PooledConnection } | { ok: false; message: string };

export interface SshPool {
  get(host: HostRef): Promise<ConnectOutcome>;
  closeAll(): Promise<void>;
}

export function hostLabel(host: HostRef): string {
  return `${host.user}@${host.address}:${host.port}`;
}

export function createSshPool(opts: SshPoolOptions): SshPool {
  const pool = new Map<string, Promise<ConnectOutcome>>();
  const clients = new Set<Client>();

  const get = (host: HostRef): Promise<ConnectOutcome> => {
    const key = hostLabel(host);
    let pending = pool.get(key);
    if (!pending) {
      pending = connect(host, opts, clients, () => {
        if (pool.get(key) === pending) pool.delete(key);
      });
      pool.set(key, pending);
    }
    return pending;
  };

  const closeAll = async (): Promise<void> => {
    pool.clear();
    await Promise.all(
      [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              client.destroy();
              resolve();
            }, 2000);
            client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            client.end();
          }),
      ),
    );
  };

  return { get, closeAll };
}

async function connect(
  host: HostRef,
  opts: SshPoolOptions,
  clients: Set<Client>,
  forget: () => void,
): Promise<ConnectOutcome> {
  const label = hostLabel(host);
  let knownHostsText: string;
  try {
    // Re-read per connection so an SRE's fix to known_hosts applies without a restart.
    knownHostsText = await readFile(opts.knownHostsFile, 'utf8');
  } catch (err) {
    forget();
    return {
      ok: false,
      message: `cannot read known_hosts ${opts.knownHostsFile}: ${(err as Error).message}`,
    };
  }
  const entries = parseKnownHosts(knownHostsText);
  const client = new Client();
  clients.add(client);
  let verdict: HostKeyVerdict | undefined;
  let ready = false;
  let lastError: Error | undefined;
  const lostListeners = new Set<(reason: string) => void>();

  return new Promise<ConnectOutcome>((resolve) => {
    // Permanent: ssh2 can emit a second 'error' (e.g. after readyTimeout), which would crash us.
    client.on('error', (err: Error) => {
      lastError ??= err;
      if (!ready) {
        forget();
        resolve({ ok: false, message: connectErrorMessage(err, label, verdict, opts) });
      }
    });
    client.on('close', () => {
      clients.delete(client);
      forget();
      if (!ready) {
        resolve({ ok: false, message: `connection to ${label} closed during the SSH handshake` });
        return;
      }
      ready = false;
      const reason = lastError ? lastError.message : 'connection closed';
      for (const listener of lostListeners) listener(reason);
      lostListeners.clear();
    });
    client.on('ready', () => {
      ready = true;
      const conn: PooledConnection = {
        client,
        label,
        slots: createSemaphore(opts.maxChannelsPerHost),
        isAlive: () => ready,
        onLost(listener) {
          lostListeners.add(listener);
          return () => lostListeners.delete(listener);
        },
      };
      resolve({ ok: true, conn });
    });
    try {
      client.connect({
        host: host.address,
        port: host.port,
        username: host.user,
        privateKey: opts.privateKey,
        ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
        algorithms: { serverHostKey: hostKeyPreference(entries, host) },
        readyTimeout: opts.connectTimeoutMs,
        keepaliveInterval: opts.keepaliveIntervalMs,
        keepaliveCountMax: opts.keepaliveCountMax,
        hostVerifier: (key: Buffer) => {
          verdict = verifyHostKey(entries, host.address, host.port, key, { file: opts.knownHostsFile });
          return verdict.ok;
        },
      });
    } catch (err) {
      // ssh2 throws synchronously for an unreadable private key or a wrong passphrase.
      clients.delete(client);
      forget();
      resolve({
        ok: false,
        message: `cannot use the SSH private key for ${label}: ${(err as Error).message}`,
      });
    }
  });
}

const HOST_KEY_ALGORITHMS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = Object.values(HOST_KEY_ALGORITHMS).flat();

/**
 * Like the OpenSSH client, ask first for the key types known_hosts has for this host: otherwise a
 * host known only by, say, its ECDSA key would present ED25519 and be refused as "changed".
 */
function hostKeyPreference(entries: readonly KnownHostEntry[], host: HostRef): ServerHostKeyAlgorithm[] {
  const preferred = knownKeyTypes(entries, host.address, host.port).flatMap(
    (t) => HOST_KEY_ALGORITHMS[t] ?? [],
  );
  return [...new Set([...preferred, ...DEFAULT_ORDER])];
}

function connectErrorMessage(
  err: Error & { code?: string; level?: string },
  label: string,
  verdict: HostKeyVerdict | undefined,
  opts: SshPoolOptions,
): string {
  if (verdict && !verdict.ok) return verdict.message;
  if (err.code === 'ECONNREFUSED') return `connection refused by ${label}: is sshd running on that port?`;
  if (err.level === 'client-timeout') {
    return `timed out after ${opts.connectTimeoutMs} ms connecting to ${label} (no SSH login in time)`;
  }
  if (err.level === 'client-authentication') {
    return `authentication refused by ${label}: the SSH key is not accepted for that user`;
  }
  return `cannot connect to ${label}: ${err.message}`;
}
