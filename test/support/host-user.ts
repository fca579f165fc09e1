/** The unprivileged test user that sshd logs in as, and helpers to inspect the "host" as that user. */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const TEST_USER = 'rollbot-test';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never rejecting on a non-zero exit. */
export async function sh(file: string, args: readonly string[]): Promise<ShellResult> {
  try {
    const { stdout, stderr } = await exec(file, args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? e.message,
    };
  }
}

/** Runs `command` with /bin/sh as the test user on this machine (the hosts are all loopback). */
export function runAsTestUser(command: string): Promise<ShellResult> {
  return sh('runuser', ['-u', TEST_USER, '--', '/bin/sh', '-c', command]);
}

/**
 * Creates the test user if missing and makes it loginable: with UsePAM off, sshd refuses a locked
 * (`!`) password field, so it is set to `*` (no password, but not locked). Safe to call from
 * several test processes at once: useradd/usermod lock contention is retried.
 */
export async function ensureTestUser(): Promise<{ user: string; home: string; uid: number; gid: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const passwd = await sh('getent', ['passwd', TEST_USER]);
    if (passwd.code !== 0) {
      await sh('useradd', ['-m', '-s', '/bin/sh', TEST_USER]);
      continue;
    }
    const shadow = await sh('getent', ['shadow', TEST_USER]);
    if (shadow.stdout.split(':')[1] !== '*') {
      await sh('usermod', ['-p', '*', TEST_USER]);
      await sleep(50 * (attempt + 1));
      continue;
    }
    const fields = passwd.stdout.trim().split(':');
    const account = {
      user: TEST_USER,
      home: fields[5] ?? `/home/${TEST_USER}`,
      uid: Number(fields[2]),
      gid: Number(fields[3]),
    };
    await ownHome(account);
    return account;
  }
  throw new Error(`could not create or unlock the test user ${TEST_USER}`);
}

/**
 * A home left behind by an earlier, raced useradd can belong to a uid that no longer exists;
 * sshd refuses keys under a home the user does not own, so give it back.
 */
async function ownHome(account: { home: string; uid: number; gid: number }): Promise<void> {
  const owner = await stat(account.home).catch(() => undefined);
  if (!owner) {
    await mkdir(account.home, { recursive: true, mode: 0o755 });
  } else if (owner.uid === account.uid && owner.gid === account.gid) {
    return;
  }
  await sh('chown', ['-R', `${account.uid}:${account.gid}`, account.home]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while `pid` exists and is not a zombie (this machine's init does not reap orphans). */
export async function isProcessRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone or `timeoutMs` passes; returns whether it stopped. */
export async function waitForProcessGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isProcessRunning(pid))) return true;
    await sleep(50);
  }
  return !(await isProcessRunning(pid));
}

/** Every descendant of `root`, parents before children (so sshd dies before its session shells). */
export async function descendantsOf(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we were listing.
    }
  }
  const order: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    order.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return order;
}

/** SIGKILLs the given pids in order, ignoring ones already gone. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
