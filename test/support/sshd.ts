/** Real OpenSSH sshd processes on loopback addresses for integration tests and benchmarks. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { descendantsOf, ensureTestUser, killAll, sleep, TEST_USER } from './host-user.js';
import { installUserKey, keygen, sshdConfig } from './sshd-files.js';

export { newKeyPair, writeWrongKnownHosts } from './sshd-files.js';

export interface SshdOptions {
  /** Loopback addresses to listen on, e.g. ['127.0.0.2', '127.0.0.3']; 16 per sshd process. */
  addresses: string[];
  /** Fixed port; a free one is picked (and retried on a clash) when omitted. */
  port?: number;
  /** sshd MaxStartups (default '200:30:400', so fan-out tests are not throttled). */
  maxStartups?: string;
  /** Extra sshd_config lines, placed first because sshd keeps the first value it reads. */
  extraConfig?: string;
}

export interface SshdHandle {
  port: number;
  addresses: string[];
  user: string;
  home: string;
  /** Throwaway ed25519 private key (no passphrase) accepted for `user`. */
  userKeyFile: string;
  /** `[addr]:port key` for every address. */
  knownHostsFile: string;
  hostKeyPubFile: string;
  /** PID of the first sshd process; `pids` lists all of them. */
  pid: number;
  pids: number[];
  logFiles: string[];
  /** Kills every session (per-connection sshd and the commands under it) but keeps listening. */
  killSessions(): Promise<void>;
  /** Kills the sshd processes and their sessions by PID and removes the temp files. */
  stop(): Promise<void>;
}

/** One sshd holds at most 16 listen sockets. */
const ADDRESSES_PER_SSHD = 16;

/** Starts ceil(addresses / 16) sshd processes sharing one port, host key, user key and known_hosts. */
export async function startSshd(opts: SshdOptions): Promise<SshdHandle> {
  const account = await ensureTestUser();
  const dir = await mkdtemp(join(tmpdir(), 'rollbot-sshd-'));
  await keygen(join(dir, 'host_ed25519'));
  await keygen(join(dir, 'user_ed25519'));
  const authorizedKeysFile = await installUserKey(account, dir);
  await mkdir('/run/sshd', { recursive: true });
  const hostPub = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');

  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const groups = chunk(opts.addresses, ADDRESSES_PER_SSHD);
    const started: ChildProcess[] = [];
    try {
      for (const [index, addresses] of groups.entries()) {
        const config = sshdConfig({
          dir,
          port,
          addresses,
          authorizedKeysFile,
          maxStartups: opts.maxStartups,
          extraConfig: opts.extraConfig,
          index,
        });
        await writeFile(join(dir, `sshd_config.${index}`), config);
        started.push(await launch(dir, index, port, addresses));
      }
    } catch (err) {
      for (const child of started) child.kill('SIGKILL');
      if (opts.port === undefined && attempt < 4 && /in use/i.test(String(err))) continue;
      await rm(dir, { recursive: true, force: true });
      await rm(authorizedKeysFile, { force: true });
      throw err;
    }
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, opts.addresses.map((a) => `[${a}]:${port} ${hostPub}\n`).join(''));
    const pids = started.map((child) => child.pid!);
    const killSessions = async (): Promise<void> => {
      for (const pid of pids) killAll(await descendantsOf(pid));
    };
    return {
      port,
      addresses: opts.addresses,
      user: TEST_USER,
      home: account.home,
      userKeyFile: join(dir, 'user_ed25519'),
      knownHostsFile,
      hostKeyPubFile: join(dir, 'host_ed25519.pub'),
      pid: pids[0]!,
      pids,
      logFiles: groups.map((_, index) => join(dir, `sshd.${index}.log`)),
      killSessions,
      async stop() {
        await killSessions();
        await Promise.all(started.map((child) => stopChild(child)));
        await rm(authorizedKeysFile, { force: true });
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** `count` hosts 127.0.0.1 … 127.0.0.<count> (count <= 254), e.g. 50 for the fan-out benchmark. */
export function startSshdFleet(
  count: number,
  opts: Omit<SshdOptions, 'addresses'> = {},
): Promise<SshdHandle> {
  if (count < 1 || count > 254) throw new RangeError(`fleet size must be 1..254, got ${count}`);
  return startSshd({ ...opts, addresses: Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`) });
}

/** Starts `sshd -D` in the foreground (so we hold its PID) and waits until every address answers. */
async function launch(dir: string, index: number, port: number, addresses: string[]): Promise<ChildProcess> {
  const logFile = join(dir, `sshd.${index}.log`);
  const child = spawn('/usr/sbin/sshd', ['-D', '-f', join(dir, `sshd_config.${index}`), '-E', logFile], {
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  for (const address of addresses) {
    while (!(await answersSsh(address, port))) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new Error(`sshd did not start on ${address}:${port}: ${log.trim() || 'no log'}`);
      }
      await sleep(25);
    }
  }
  return child;
}

function answersSsh(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => done(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
