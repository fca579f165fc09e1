/** CommandRunner over SSH (ssh2): pooled, host-key-verified connections, bounded channels, stoppable steps. */
import { failedResult, type StepResult } from '../domain/step-result.js';
import type { CommandRunner, ExecRequest } from '../services/ports.js';
import { remoteCommand, secretInput } from './remote-command.js';
import { execOnChannel, type StopReason } from './ssh-exec.js';
import { type ConnectOutcome, createSshPool, hostLabel, type PooledConnection } from './ssh-pool.js';

export interface SshRunnerOptions {
  privateKey: Buffer | string;
  passphrase?: string;
  knownHostsFile: string;
  /** Connect + handshake + login (default 10 s). */
  connectTimeoutMs?: number;
  /** SSH keepalive (default 5 s), so a frozen peer is noticed. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is dropped (default 3). */
  keepaliveCountMax?: number;
  /** Concurrent exec channels per connection (default 10, OpenSSH's MaxSessions). */
  maxChannelsPerHost?: number;
  /** Wait between TERM and KILL, and between KILL and closing the channel (default 3 s). */
  killGraceMs?: number;
  /** Cap of each step's log file (ROLLBOT_STEP_LOG_MAX). */
  logMaxBytes?: number;
}

const MAX_TIMER_MS = 2_147_483_647;
/**
 * The remote login shell gets the command as one argv string, which Linux caps at 128 KiB
 * (MAX_ARG_STRLEN, with its NUL). Past that the shell fails with E2BIG, and past sshd's 256 KiB
 * packet limit sshd drops the whole connection: every step on it would look "outcome unknown".
 */
const MAX_REMOTE_COMMAND_BYTES = 128 * 1024 - 1;

export function createSshRunner(opts: SshRunnerOptions): CommandRunner {
  const pool = createSshPool({
    privateKey: opts.privateKey,
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
    knownHostsFile: opts.knownHostsFile,
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 5_000,
    keepaliveCountMax: opts.keepaliveCountMax ?? 3,
    maxChannelsPerHost: opts.maxChannelsPerHost ?? 10,
  });
  const killGraceMs = opts.killGraceMs ?? 3_000;

  const run = async (req: ExecRequest): Promise<StepResult> => {
    if (req.target.kind !== 'run') return failedResult('ssh runner cannot run local steps');
    if (req.host.local) return failedResult(`ssh runner cannot run steps on local host ${req.host.name}`);
    // sshd drops the whole connection (every channel on it) when a command contains NUL.
    if (req.target.script.includes('\0')) return failedResult('refusing a script that contains a NUL byte');
    const env = req.target.env ?? {};
    if (Object.values(env).some((v) => /[\0\r\n]/.test(v)))
      return failedResult('refusing a secret value that contains a NUL byte or a line break');
    const command = remoteCommand(req.target.script, killGraceMs, Object.keys(env));
    const bytes = Buffer.byteLength(command, 'utf8');
    if (bytes > MAX_REMOTE_COMMAND_BYTES) {
      return failedResult(
        `refusing to send a ${bytes}-byte command to ${hostLabel(req.host)}: a remote shell takes at most ${MAX_REMOTE_COMMAND_BYTES} bytes; nothing was sent`,
      );
    }
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    const stop = stopController(req);
    try {
      const slot = await acquireChannel(req, stop.signal);
      if ('stopped' in slot) return stoppedBeforeStart(stop.signal.reason, req, elapsed());
      if ('error' in slot) return failedResult(slot.error, elapsed());
      try {
        return await execOnChannel({
          conn: slot.conn,
          command,
          stdin: secretInput(env),
          logFile: req.logFile,
          ...(opts.logMaxBytes !== undefined ? { logMaxBytes: opts.logMaxBytes } : {}),
          secrets: req.secrets,
          stop: stop.signal,
          timeoutMs: req.timeoutMs,
          killGraceMs,
          startedAt,
        });
      } finally {
        slot.release();
      }
    } finally {
      stop.dispose();
    }
  };

  /** A live connection with a free channel slot; retried once if the connection died while queued. */
  const acquireChannel = async (
    req: ExecRequest,
    signal: AbortSignal,
  ): Promise<{ conn: PooledConnection; release: () => void } | { error: string } | { stopped: true }> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await untilAborted(pool.get(req.host), signal);
      if (!outcome) return { stopped: true };
      if (!outcome.ok) return { error: outcome.message };
      const release = await outcome.conn.slots.acquire(signal).catch(() => undefined);
      if (!release) return { stopped: true };
      if (outcome.conn.isAlive()) return { conn: outcome.conn, release };
      release();
    }
    return { error: `connection to ${hostLabel(req.host)} keeps dropping` };
  };

  return { run, close: () => pool.closeAll() };
}

/** One signal for "stop this step": the caller's abort or the step timeout, whichever comes first. */
function stopController(req: ExecRequest): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort('timeout' satisfies StopReason), clampTimer(req.timeoutMs));
  const onAbort = (): void => controller.abort('abort' satisfies StopReason);
  if (req.signal.aborted) onAbort();
  else req.signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    },
  };
}

function clampTimer(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_TIMER_MS) : MAX_TIMER_MS;
}

function untilAborted(
  pending: Promise<ConnectOutcome>,
  signal: AbortSignal,
): Promise<ConnectOutcome | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
  });
}

function stoppedBeforeStart(reason: unknown, req: ExecRequest, durationMs: number): StepResult {
  const timedOut = reason === 'timeout';
  const where = hostLabel(req.host);
  const error = timedOut
    ? `timed out after ${req.timeoutMs} ms before the command started on ${where} (connecting or waiting for a channel)`
    : `canceled before the command started on ${where}`;
  return failedResult(error, durationMs, { timedOut, canceled: !timedOut });
}
