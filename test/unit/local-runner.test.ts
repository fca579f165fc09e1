import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childProcessEnv } from '../../src/config.js';
import type { HostRef, LocalTarget, RunTarget } from '../../src/domain/plan.js';
import { createLocalRunner } from '../../src/exec/local-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'rollbot-local-'));
const localhost: HostRef = { name: 'localhost', address: 'localhost', port: 22, user: 'me', local: true };
let n = 0;

function request(
  target: RunTarget | LocalTarget,
  extra: { timeoutMs?: number; signal?: AbortSignal; secrets?: string[] } = {},
) {
  n += 1;
  return {
    runId: 'INC-2026-0001-r1',
    stepIndex: n,
    host: localhost,
    target,
    timeoutMs: extra.timeoutMs ?? 10_000,
    logFile: join(dir, `step-${n}.log`),
    secrets: extra.secrets ?? [],
    signal: extra.signal ?? new AbortController().signal,
  };
}

const sh = (script: string): RunTarget => ({ kind: 'run', host: 'localhost', script });
const argv = (...args: string[]): LocalTarget => ({ kind: 'local', host: 'localhost', argv: args });
/** Running = exists and is not a zombie (this container's PID 1 may not reap orphans). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('local runner', () => {
  const runner = createLocalRunner({
    env: childProcessEnv({ PATH: process.env.PATH, SLACK_BOT_TOKEN: 'xoxb-leak' }),
  });

  it('returns exit codes as data and keeps the output tail and full log', async () => {
    const passed = await runner.run(request(sh('echo hello; echo oops >&2')));
    expect(passed).toMatchObject({ ok: true, exitCode: 0, timedOut: false, canceled: false });
    expect(passed.tail).toContain('hello');
    expect(readFileSync(passed.logFile!, 'utf8')).toContain('oops');
    const failed = await runner.run(request(sh('exit 7')));
    expect(failed).toMatchObject({ ok: false, exitCode: 7, error: 'exit code 7' });
  });

  it('a runaway step fills its log only up to ROLLBOT_STEP_LOG_MAX', async () => {
    const capped = createLocalRunner({
      env: childProcessEnv({ PATH: process.env.PATH }),
      logMaxBytes: 64 * 1024,
    });
    // 5 MB of output, then a last line: the log keeps the first 64 KiB, the tail the end.
    const result = await capped.run(
      request(sh("head -c 5000000 /dev/zero | tr '\\0' x; echo; echo the end")),
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    const log = readFileSync(result.logFile!, 'utf8');
    expect(log.startsWith('x'.repeat(64 * 1024))).toBe(true);
    expect(log.slice(64 * 1024)).toBe(
      "\n[rollbot] log cut at 64KB (ROLLBOT_STEP_LOG_MAX): the rest of this step's output is not written here\n" +
        `\n[rollbot] log cut at 64KB (ROLLBOT_STEP_LOG_MAX): ${5_000_000 + 1 + 8 - 64 * 1024} more bytes of output were not written; the end of the output is in the step's tail\n`,
    );
    expect(result.tail.endsWith('xxx\nthe end\n')).toBe(true);
  });

  it('runs argv without a shell: metacharacters stay one literal argument', async () => {
    const result = await runner.run(request(argv('printf', '%s', '$(touch /tmp/never); `id` && x')));
    expect(result.tail).toBe('$(touch /tmp/never); `id` && x');
  });

  it('does not hand the bot environment to steps', async () => {
    const script = 'echo "token=$' + '{SLACK_BOT_TOKEN:-none} run=$ROLLBOT_RUN_ID"';
    const result = await runner.run(request(sh(script)));
    expect(result.tail.trim()).toBe('token=none run=INC-2026-0001-r1');
  });

  it('reports a missing program clearly', async () => {
    const result = await runner.run(request(argv('definitely-not-a-program-xyz')));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/not found|ENOENT/);
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const result = await runner.run(request(sh(`sleep 30 & echo $! > ${pidFile}; wait`), { timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(child)).toBe(false);
  });

  it('abort stops the step and its children and reports canceled', async () => {
    const pidFile = join(dir, 'abort.pid');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await runner.run(
      request(sh(`sleep 30 & echo $! > ${pidFile}; wait`), { signal: controller.signal }),
    );
    expect(result).toMatchObject({ ok: false, canceled: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('masks secrets in the tail and the log', async () => {
    const secret = 'hunter2-very-secret';
    const result = await runner.run(
      request(sh(`printf 'pw=hunter2-'; sleep 0.1; printf 'very-secret done'`), { secrets: [secret] }),
    );
    expect(result.tail).not.toContain(secret);
    expect(result.tail).toContain('pw=••••••');
    expect(readFileSync(result.logFile!, 'utf8')).not.toContain(secret);
  });
});
