/** A real terminal for CLI tests: a private tmux server with one pane of a given size, read back as text. */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './rollbot-harness.js';

const exec = promisify(execFile);

export interface TmuxPane {
  /** Every row the pane has shown (scrollback included), as text, trailing blanks trimmed. */
  history(): Promise<string[]>;
  /** The visible rows only. */
  screen(): Promise<string[]>;
  sendKeys(...keys: string[]): Promise<void>;
  /** Resolves with the command's exit code once it has ended (the pane stays for reading). */
  exitCode(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs `command` (a shell line) in `cwd` with exactly `env`, on a `columns`×`rows` terminal. The
 * server listens on a socket in `dir`, so it never meets anyone else's tmux.
 */
export async function startPane(opts: {
  dir: string;
  command: string;
  env: NodeJS.ProcessEnv;
  columns: number;
  rows: number;
}): Promise<TmuxPane> {
  const socket = join(opts.dir, 'tmux.sock');
  const script = join(opts.dir, 'pane.sh');
  const exports = Object.entries(opts.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `export ${k}=${shellQuote(String(v))}`)
    .join('\n');
  // The exit code is printed after the command, so the test can wait for it on screen. Ctrl-C goes
  // to the whole foreground group: the shell must survive it to print the code (`trap :`, not
  // `trap ''`, so the command itself does not inherit an ignored SIGINT).
  writeFileSync(
    script,
    `${exports}\ntrap : INT\ncd ${shellQuote(process.cwd())}\n${opts.command}\necho "[exit $?]"\n`,
  );
  // Set before the pane starts: a command that ends at once must still leave its pane to read.
  const config = join(opts.dir, 'tmux.conf');
  writeFileSync(config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
  const tmux = (...args: string[]) => exec('tmux', ['-S', socket, '-f', config, ...args], { env: tmuxEnv() });
  await tmux(
    'new-session',
    '-d',
    '-x',
    String(opts.columns),
    '-y',
    String(opts.rows),
    `env -i PATH=${shellQuote(process.env.PATH ?? '')} TERM=xterm-256color sh ${shellQuote(script)}`,
  );
  // Stopped by PID as well: a test that times out must not leave its server behind.
  const serverPid = Number((await tmux('display-message', '-p', '#{pid}')).stdout.trim());
  const capture = async (...range: string[]) => {
    const { stdout } = await tmux('capture-pane', '-p', ...range);
    return stdout.split('\n').map((row) => row.trimEnd());
  };
  return {
    history: () => capture('-S', '-', '-E', '-'),
    screen: () => capture(),
    async sendKeys(...keys) {
      await tmux('send-keys', ...keys);
    },
    async exitCode(timeoutMs = 40_000) {
      const row = await waitFor(
        'the command to end',
        async () => (await capture('-S', '-', '-E', '-')).find((r) => /^\[exit \d+\]$/.test(r)),
        timeoutMs,
      );
      return Number(/\d+/.exec(row)![0]);
    },
    async stop() {
      const stopped = await tmux('kill-server').then(
        () => true,
        () => false,
      );
      if (!stopped && isTmuxServer(serverPid)) process.kill(serverPid, 'SIGKILL');
    },
  };
}

function isTmuxServer(pid: number): boolean {
  try {
    return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('tmux');
  } catch {
    return false;
  }
}

/** tmux refuses to start inside another tmux unless TMUX is unset. */
function tmuxEnv(): NodeJS.ProcessEnv {
  const { TMUX: _tmux, TMUX_PANE: _pane, ...env } = process.env;
  return env;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
