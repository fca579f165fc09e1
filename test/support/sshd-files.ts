/** Files an sshd test harness needs: keys, the test user's authorized key, sshd_config. */
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sh, TEST_USER } from './host-user.js';

/** A known_hosts whose entries carry a freshly generated (wrong) key: a "changed host key". */
export async function writeWrongKnownHosts(
  addresses: readonly string[],
  port: number,
  file: string,
): Promise<string> {
  const { public: pub } = await newKeyPair();
  await writeFile(file, addresses.map((a) => `[${a}]:${port} ${pub}\n`).join(''));
  return file;
}

export async function keygen(file: string): Promise<void> {
  const result = await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rollbot-test', '-f', file]);
  if (result.code !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
}

/** One authorized_keys file per harness, so parallel test files never overwrite each other's keys. */
export async function installUserKey(
  account: { home: string; uid: number; gid: number },
  dir: string,
): Promise<string> {
  const sshDir = join(account.home, '.ssh');
  const keysDir = join(sshDir, 'authorized_keys.d');
  for (const path of [sshDir, keysDir]) {
    await mkdir(path, { recursive: true });
    await chown(path, account.uid, account.gid);
    await chmod(path, 0o700);
  }
  const file = join(keysDir, basename(dir));
  await writeFile(file, await readFile(join(dir, 'user_ed25519.pub')), { mode: 0o600 });
  await chown(file, account.uid, account.gid);
  return file;
}

export interface SshdConfigInput {
  dir: string;
  port: number;
  addresses: string[];
  authorizedKeysFile: string;
  maxStartups: string | undefined;
  extraConfig: string | undefined;
  index: number;
}

export function sshdConfig(c: SshdConfigInput): string {
  return [
    c.extraConfig ?? '',
    `Port ${c.port}`,
    ...c.addresses.map((a) => `ListenAddress ${a}`),
    `HostKey ${join(c.dir, 'host_ed25519')}`,
    `PidFile ${join(c.dir, `sshd.${c.index}.pid`)}`,
    `AuthorizedKeysFile ${c.authorizedKeysFile}`,
    `AllowUsers ${TEST_USER}`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'StrictModes yes',
    'MaxSessions 10',
    `MaxStartups ${c.maxStartups ?? '200:30:400'}`,
    'LogLevel VERBOSE',
    'UseDNS no',
    'PrintMotd no',
    'X11Forwarding no',
    '',
  ].join('\n');
}

/**
 * A fresh ed25519 key pair in OpenSSH format, from ssh-keygen. (ssh2's own generateKeyPairSync
 * produced a key its parser rejects as "Malformed OpenSSH private key" about 1 time in 400.)
 */
export async function newKeyPair(): Promise<{ private: string; public: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rollbot-key-'));
  try {
    await keygen(join(dir, 'key'));
    return {
      private: await readFile(join(dir, 'key'), 'utf8'),
      public: (await readFile(join(dir, 'key.pub'), 'utf8')).split(' ').slice(0, 2).join(' '),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
