/** `rollbot serve` as a real child process (HTTP mode) and the `rollbot` CLI, for crash and restart tests. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BOT_TOKEN, freePort, SIGNING_SECRET, waitFor } from './rollbot-harness.js';
import type { SshdHandle } from './sshd.js';

const exec = promisify(execFile);

export interface BotProcess {
  pid: number;
  port: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGKILL: the crash case. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The environment of a bot process in HTTP mode against a fake Slack, a work dir and an sshd. */
export function botEnv(opts: { apiUrl: string; dir: string; sshd: SshdHandle }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.apiUrl,
    ROLLBOT_DB: join(opts.dir, 'data', 'rollbot.db'),
    ROLLBOT_RUNBOOKS: join(opts.dir, 'runbooks'),
    ROLLBOT_SSH_KEY: opts.sshd.userKeyFile,
    ROLLBOT_KNOWN_HOSTS: opts.sshd.knownHostsFile,
    LOG_LEVEL: 'info',
  };
}

/**
 * Starts `node bin/rollbot.js serve` on a free port and waits for `/healthz`; output goes to `logFile`.
 * The port is free when picked but another socket may take it before the child binds: retry then.
 */
export async function spawnBot(env: NodeJS.ProcessEnv, logFile: string): Promise<BotProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(env, logFile, await freePort());
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function spawnOnce(env: NodeJS.ProcessEnv, logFile: string, port: number): Promise<BotProcess> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn('node', ['bin/rollbot.js', 'serve'], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  void exited.then(() => {
    gone = true;
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (!gone) child.kill(sig);
    await exited;
  };
  await waitFor(
    `rollbot serve on :${port} (log: ${logFile})`,
    async () => {
      if (gone && output.includes('EADDRINUSE')) throw new PortTaken(`port ${port} taken`);
      if (gone) throw new Error(`rollbot serve exited early; see ${logFile}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    // tsx compiles the bot on start: over 30 s was seen with every test file running at once.
    60_000,
  );
  return {
    pid: child.pid!,
    port,
    exited,
    kill9: () => signal('SIGKILL'),
    async stop(graceMs = 10_000) {
      if (gone) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await signal('SIGTERM');
      clearTimeout(timer);
    },
  };
}

/** Runs the `rollbot` CLI; a non-zero exit is data, not an exception. */
export async function rollbotCli(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await exec('node', ['bin/rollbot.js', ...args], {
      env,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
