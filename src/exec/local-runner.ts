/** Runs `local` argv steps and `run` scripts of `local: true` hosts on the bot's own machine. */
import { execa } from 'execa';
import { failedResult, type StepResult } from '../domain/step-result.js';
import type { CommandRunner, ExecRequest } from '../services/ports.js';
import { createOutputCapture } from './output.js';

const KILL_GRACE_MS = 3000;

export interface LocalRunnerOptions {
  cwd?: string;
  killGraceMs?: number;
  /** The whole environment of every step (see childProcessEnv in config.ts): never the bot's own. */
  env?: Record<string, string>;
  /** Cap of each step's log file (ROLLBOT_STEP_LOG_MAX). */
  logMaxBytes?: number;
}

export function createLocalRunner(options: LocalRunnerOptions = {}): CommandRunner {
  return {
    run: (req) => runLocal(req, options),
    close: async () => {},
  };
}

async function runLocal(req: ExecRequest, options: LocalRunnerOptions): Promise<StepResult> {
  const { target } = req;
  let file: string;
  let args: string[];
  if (target.kind === 'run') {
    [file, args] = ['/bin/sh', ['-c', target.script]];
  } else {
    const [first, ...rest] = target.argv;
    if (!first) return failedResult('local step has an empty argv');
    [file, args] = [first, rest];
  }
  const capture = createOutputCapture({
    logFile: req.logFile,
    secrets: req.secrets,
    ...(options.logMaxBytes !== undefined ? { logMaxBytes: options.logMaxBytes } : {}),
  });
  const started = Date.now();
  const child = execa(file, args, {
    cwd: options.cwd ?? process.cwd(),
    // Secret values reach a `run` script in its environment, never on its command line.
    env: {
      ...options.env,
      ...(target.kind === 'run' ? target.env : {}),
      ROLLBOT_RUN_ID: req.runId,
      ROLLBOT_HOST: req.host.name,
    },
    extendEnv: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    // Own process group, so abort and timeout reach the step's children too.
    detached: true,
    cleanup: true,
  });
  if (child.stdout) capture.attach('stdout', child.stdout);
  if (child.stderr) capture.attach('stderr', child.stderr);

  let timedOut = false;
  let canceled = false;
  const stop = (why: 'timeout' | 'abort') => {
    if (timedOut || canceled) return;
    if (why === 'timeout') timedOut = true;
    else canceled = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS).unref();
  };
  const timer = setTimeout(() => stop('timeout'), req.timeoutMs);
  const onAbort = () => stop('abort');
  if (req.signal.aborted) onAbort();
  req.signal.addEventListener('abort', onAbort, { once: true });

  const result = await child;
  clearTimeout(timer);
  req.signal.removeEventListener('abort', onAbort);
  const { tail, logFile } = await capture.finish();
  const durationMs = Date.now() - started;
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
  const signal = result.signal ?? null;
  const ok = exitCode === 0 && !timedOut && !canceled;
  const base = { exitCode, signal, timedOut, canceled, outcomeUnknown: false, durationMs, tail, logFile };
  if (ok) return { ok, ...base };
  return { ok, ...base, error: describeFailure(result, { timedOut, canceled, timeoutMs: req.timeoutMs }) };
}

function describeFailure(
  result: { exitCode?: number; signal?: string; code?: string; originalMessage?: string },
  state: { timedOut: boolean; canceled: boolean; timeoutMs: number },
): string {
  if (state.timedOut) return `timed out after ${state.timeoutMs} ms`;
  if (state.canceled) return 'aborted';
  if (result.code === 'ENOENT') return `command not found: ${result.originalMessage ?? ''}`.trim();
  if (result.signal) return `killed by ${result.signal}`;
  if (typeof result.exitCode === 'number') return `exit code ${result.exitCode}`;
  return result.originalMessage ?? 'failed to start';
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
