/** Runs one command on one pooled connection's exec channel and turns what happens into a StepResult. */
import type { ClientChannel } from 'ssh2';
import { failedResult, type StepResult } from '../domain/step-result.js';
import { createOutputCapture } from './output.js';
import type { PooledConnection } from './ssh-pool.js';

export type StopReason = 'timeout' | 'abort';

export interface ChannelExecRequest {
  conn: PooledConnection;
  command: string;
  /** Written to the command's stdin once it starts (secret values); stdin is never closed. */
  stdin?: string;
  logFile: string;
  /** Cap of the log file (ROLLBOT_STEP_LOG_MAX). */
  logMaxBytes?: number;
  secrets: readonly string[];
  /** Aborted with a StopReason when the step must be stopped (timeout or abort). */
  stop: AbortSignal;
  timeoutMs: number;
  killGraceMs: number;
  startedAt: number;
}

interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export const OUTCOME_UNKNOWN = 'connection lost before the command finished: outcome unknown';
const AFTER_EXIT_IDLE_MS = 2000;
const OPEN_RETRIES = 5;

export function execOnChannel(req: ChannelExecRequest): Promise<StepResult> {
  const { conn } = req;
  const elapsed = (): number => Math.round(performance.now() - req.startedAt);
  const cannotStart = (err: Error): StepResult =>
    failedResult(`could not start the command on ${conn.label}: ${err.message}`, elapsed());
  return new Promise<StepResult>((resolve) => {
    const attempt = (retriesLeft: number, backoffMs: number): void => {
      try {
        conn.client.exec(req.command, (err, channel) => {
          if (!err) {
            if (req.stdin) channel.write(req.stdin);
            watchChannel(req, channel, elapsed).then(resolve);
          } else if (!conn.isAlive()) {
            // The link died while the exec request was in flight: the command may have started.
            resolve(failedResult(`${OUTCOME_UNKNOWN} on ${conn.label}`, elapsed(), { outcomeUnknown: true }));
          } else if (isOpenRefusal(err) && retriesLeft > 0 && !req.stop.aborted) {
            // sshd frees a session slot a moment after the channel we waited for closed, so a
            // refused open (nothing ran) is retried briefly instead of failing the step.
            setTimeout(() => attempt(retriesLeft - 1, backoffMs * 2), backoffMs);
          } else {
            resolve(cannotStart(err));
          }
        });
      } catch (err) {
        // ssh2 throws "Not connected" synchronously when the socket just closed: nothing was sent.
        resolve(cannotStart(err as Error));
      }
    };
    attempt(OPEN_RETRIES, 25);
  });
}

/** The server answered CHANNEL_OPEN_FAILURE with a reason code (as opposed to the link dropping). */
function isOpenRefusal(err: Error & { reason?: unknown }): boolean {
  return typeof err.reason === 'number';
}

interface WatchState {
  exit: ExitInfo | undefined;
  stopped: StopReason | undefined;
  killSent: boolean;
  lostReason: string | undefined;
}

interface Timers {
  later(ms: number, fn: () => void): void;
  clear(): void;
}

function watchChannel(
  req: ChannelExecRequest,
  channel: ClientChannel,
  elapsed: () => number,
): Promise<StepResult> {
  const capture = createOutputCapture({
    logFile: req.logFile,
    secrets: req.secrets,
    ...(req.logMaxBytes !== undefined ? { logMaxBytes: req.logMaxBytes } : {}),
  });
  capture.attach('stdout', channel);
  capture.attach('stderr', channel.stderr);
  const state: WatchState = { exit: undefined, stopped: undefined, killSent: false, lostReason: undefined };
  const timers = createTimers();

  return new Promise<StepResult>((resolve) => {
    let settled = false;
    const settle = async (): Promise<void> => {
      if (settled) return;
      settled = true;
      timers.clear();
      req.stop.removeEventListener('abort', onStop);
      unsubscribeLost();
      const { tail, logFile, writeError } = await capture.finish();
      const result = buildResult(state, req);
      result.durationMs = elapsed();
      result.tail = tail;
      result.logFile = logFile;
      if (writeError && result.error) result.error += `; ${writeError}`;
      resolve(result);
    };
    const unsubscribeLost = req.conn.onLost((reason) => {
      state.lostReason = reason;
      // ssh2 normally closes every channel when the connection goes; this is the safety net.
      timers.later(1000, () => void settle());
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      state.exit = { code: code ?? null, signal: signal ?? null };
      closeWhenIdleAfterExit(channel, () => capture.backedUp, timers);
    });
    channel.on('close', () => void settle());
    const onStop = (): void => {
      if (state.exit || state.stopped) return;
      state.stopped = req.stop.reason === 'timeout' ? 'timeout' : 'abort';
      escalateStop(channel, state, req.killGraceMs, timers, () => void settle());
    };
    req.stop.addEventListener('abort', onStop);
    if (req.stop.aborted) onStop();
  });
}

/** TERM, then KILL after the grace period, then close the channel; settle even if the peer is gone. */
function escalateStop(
  channel: ClientChannel,
  state: WatchState,
  graceMs: number,
  timers: Timers,
  settle: () => void,
): void {
  channel.signal('TERM');
  timers.later(graceMs, () => {
    state.killSent = true;
    channel.signal('KILL');
    timers.later(graceMs, () => {
      channel.close();
      // A peer that stopped answering never confirms the close.
      timers.later(graceMs, settle);
    });
  });
}

/**
 * After the exit status, a background process that inherited stdout can hold the channel open
 * indefinitely; once output has been quiet for a while, close the channel ourselves.
 */
function closeWhenIdleAfterExit(channel: ClientChannel, backedUp: () => boolean, timers: Timers): void {
  let lastActivity = performance.now();
  const touch = (): void => {
    lastActivity = performance.now();
  };
  channel.on('data', touch);
  channel.stderr.on('data', touch);
  const check = (): void => {
    if (performance.now() - lastActivity >= AFTER_EXIT_IDLE_MS && !backedUp()) channel.close();
    else timers.later(AFTER_EXIT_IDLE_MS, check);
  };
  timers.later(AFTER_EXIT_IDLE_MS, check);
}

function createTimers(): Timers {
  const pending = new Set<NodeJS.Timeout>();
  return {
    later(ms, fn) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        fn();
      }, ms);
      pending.add(timer);
    },
    clear() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

function buildResult(s: WatchState, req: ChannelExecRequest): StepResult {
  const label = req.conn.label;
  const base: StepResult = {
    ok: false,
    exitCode: s.exit?.code ?? null,
    signal: s.exit?.signal ?? null,
    timedOut: s.stopped === 'timeout',
    canceled: s.stopped === 'abort',
    outcomeUnknown: false,
    durationMs: 0,
    tail: '',
  };
  if (s.stopped) {
    const what = s.stopped === 'timeout' ? `timed out after ${req.timeoutMs} ms` : 'canceled';
    const how = s.killSent ? 'sent TERM, then KILL' : 'sent TERM';
    const after = s.exit ? '' : '; no exit status arrived, it may still be running';
    return { ...base, error: `${what} on ${label}: the remote process was ${how}${after}` };
  }
  if (!s.exit) {
    const why = s.lostReason ? ` (${s.lostReason})` : ' (the channel closed without an exit status)';
    return { ...base, outcomeUnknown: true, error: `${OUTCOME_UNKNOWN} on ${label}${why}` };
  }
  if (s.exit.code === 0) return { ...base, ok: true };
  if (s.exit.signal) return { ...base, error: `killed by signal ${s.exit.signal} on ${label}` };
  return { ...base, error: `exited with code ${s.exit.code} on ${label}` };
}
