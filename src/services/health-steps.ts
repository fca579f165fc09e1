/** `check` (retry until healthy or timeout) and `monitor` (every N for a window, any miss fails). */
import type { CheckTarget, MonitorTarget } from '../domain/plan.js';
import { failedResult, type StepResult } from '../domain/step-result.js';
import type { Clock, HealthProbe } from './ports.js';

export interface HealthStepDeps {
  probe: HealthProbe;
  clock: Clock;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

const CHECK_RETRY_MS = 2000;

export async function runCheck(
  deps: HealthStepDeps,
  target: CheckTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StepResult> {
  const start = deps.clock.now();
  let attempts = 0;
  let last = '';
  for (;;) {
    if (signal.aborted)
      return failedResult('aborted', deps.clock.now() - start, { canceled: true, tail: last });
    attempts += 1;
    const answer = await deps.probe.probe({ ...requestOf(target), signal });
    last = `attempt ${attempts}: ${answer.detail}`;
    const elapsed = deps.clock.now() - start;
    if (answer.ok) return okResult(elapsed, `${target.url} → ${answer.detail}`);
    if (elapsed + CHECK_RETRY_MS > timeoutMs) {
      return failedResult(`health check ${target.url} failed: ${answer.detail}`, elapsed, {
        timedOut: true,
        tail: last,
      });
    }
    await deps.sleep(CHECK_RETRY_MS, signal);
  }
}

export async function runMonitor(
  deps: HealthStepDeps,
  target: MonitorTarget,
  signal: AbortSignal,
): Promise<StepResult> {
  const start = deps.clock.now();
  const lines: string[] = [];
  for (let n = 1; ; n++) {
    if (signal.aborted)
      return failedResult('aborted', deps.clock.now() - start, { canceled: true, tail: lines.join('\n') });
    const answer = await deps.probe.probe({ ...requestOf(target), signal });
    const elapsed = deps.clock.now() - start;
    lines.push(`probe ${n} at +${Math.round(elapsed / 1000)}s: ${answer.detail}`);
    if (!answer.ok) {
      return failedResult(`unhealthy during the stability window: ${answer.detail}`, elapsed, {
        tail: lines.slice(-20).join('\n'),
      });
    }
    if (elapsed + target.everyMs > target.forMs) return okResult(elapsed, lines.slice(-20).join('\n'));
    await deps.sleep(target.everyMs, signal);
  }
}

function requestOf(target: CheckTarget | MonitorTarget) {
  return { url: target.url, expect: target.expect, requestTimeoutMs: target.requestTimeoutMs };
}

/** A check that matched: the not-ok shape with `ok` set and no error. */
function okResult(durationMs: number, tail: string): StepResult {
  const { error: _none, ...result } = failedResult('', durationMs, { ok: true, tail });
  return result;
}

/** Sleep that wakes early (without throwing) when the run is aborted. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
