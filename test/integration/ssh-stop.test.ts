import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import {
  descendantsOf,
  isProcessRunning,
  runAsTestUser,
  sleep,
  waitForProcessGone,
} from '../support/host-user.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let runner: CommandRunner;
let workDir: string;
const logDir = mkdtempSync(join(tmpdir(), 'rollbot-ssh-stop-'));

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'] });
  runner = createSshRunner({
    privateKey: readFileSync(sshd.userKeyFile),
    knownHostsFile: sshd.knownHostsFile,
    killGraceMs: 1000,
  });
  workDir = `${sshd.home}/stop-${process.pid}`;
  await runAsTestUser(`mkdir -p ${workDir}`);
});
afterAll(async () => {
  await runner?.close();
  await sshd?.stop();
  // If a test failed, the processes it started may still run: end them by the PIDs they wrote.
  await runAsTestUser(
    `cat ${workDir}/*.script ${workDir}/*.child ${workDir}/*.stubborn 2>/dev/null | xargs -r kill -KILL`,
  );
  await runAsTestUser(`rm -rf ${workDir}`);
  rmSync(logDir, { recursive: true, force: true });
});

const host = (n = 2) => sshHost(`127.0.0.${n}`, sshd.port, sshd.user);

/** A script with a plain child, and a grandchild that ignores TERM (only KILL stops it). */
function stubbornScript(tag: string): string {
  return [
    `echo $$ > ${workDir}/${tag}.script`,
    `sleep 300 & echo $! > ${workDir}/${tag}.child`,
    `sh -c 'trap "" TERM; echo $$ > ${workDir}/${tag}.stubborn; exec sleep 300' &`,
    'wait',
  ].join('\n');
}

async function pidsOf(tag: string): Promise<number[]> {
  return pidsOfFiles(['script', 'child', 'stubborn'].map((f) => `${workDir}/${tag}.${f}`));
}

/** The PIDs the remote script wrote into these files, once all of them exist. */
async function pidsOfFiles(files: string[]): Promise<number[]> {
  for (
    let i = 0;
    i < 1200 && !files.every((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== '');
    i++
  ) {
    await sleep(25);
  }
  return files.map((f) => Number(readFileSync(f, 'utf8')));
}

describe('stopping remote commands', () => {
  it('abort sends TERM then KILL and the script and all its children really stop', async () => {
    const controller = new AbortController();
    const pending = runner.run(
      runRequest(host(), stubbornScript('abort'), logDir, { signal: controller.signal }),
    );
    const pids = await pidsOf('abort');
    for (const pid of pids) expect(await isProcessRunning(pid)).toBe(true);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, canceled: true, timedOut: false, outcomeUnknown: false });
    expect(result.error).toContain('canceled');
    expect(result.durationMs).toBeLessThan(10_000);
    for (const pid of pids) expect(await waitForProcessGone(pid, 5000)).toBe(true);
  });

  it('a step timeout gives timedOut and stops the process the same way', async () => {
    const result = await runner.run(
      runRequest(host(3), stubbornScript('timeout'), logDir, { timeoutMs: 1500 }),
    );
    const pids = await pidsOf('timeout');
    expect(result).toMatchObject({ ok: false, timedOut: true, canceled: false, outcomeUnknown: false });
    expect(result.error).toContain('timed out after 1500 ms');
    expect(result.durationMs).toBeGreaterThanOrEqual(1500);
    for (const pid of pids) expect(await waitForProcessGone(pid, 5000)).toBe(true);
  });

  it('a script that exits on TERM is canceled without waiting for KILL', async () => {
    // A grace far longer than the test may take: only an end on TERM can finish it in time.
    const patient = createSshRunner({
      privateKey: readFileSync(sshd.userKeyFile),
      knownHostsFile: sshd.knownHostsFile,
      killGraceMs: 120_000,
    });
    try {
      const controller = new AbortController();
      const pending = patient.run(
        runRequest(host(4), `echo $$ > ${workDir}/quick.script; exec sleep 300`, logDir, {
          signal: controller.signal,
        }),
      );
      const [pid] = await pidsOfFiles([`${workDir}/quick.script`]);
      controller.abort();
      const result = await pending;
      expect(result.canceled).toBe(true);
      expect(result.durationMs).toBeLessThan(120_000);
      expect(await waitForProcessGone(pid!, 5000)).toBe(true);
    } finally {
      await patient.close();
    }
  }, 60_000);

  it('a connection killed mid-step gives outcomeUnknown, and the next step reconnects', async () => {
    const started = `${workDir}/lost.started`;
    const pending = runner.run(runRequest(host(), `echo begun; touch ${started}; sleep 30`, logDir));
    for (let i = 0; i < 200 && !existsSync(started); i++) await sleep(25);
    await sshd.killSessions();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, outcomeUnknown: true, exitCode: null, canceled: false });
    expect(result.error).toContain('connection lost before the command finished: outcome unknown');
    expect(result.tail).toBe('begun\n');
    const next = await runner.run(runRequest(host(), 'echo back', logDir));
    expect(next).toMatchObject({ ok: true, tail: 'back\n' });
  });

  it('a frozen host is noticed by keepalive and gives outcomeUnknown', async () => {
    const watchful = createSshRunner({
      privateKey: readFileSync(sshd.userKeyFile),
      knownHostsFile: sshd.knownHostsFile,
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    try {
      const started = `${workDir}/frozen.started`;
      const pending = watchful.run(runRequest(host(4), `touch ${started}; sleep 30`, logDir));
      for (let i = 0; i < 200 && !existsSync(started); i++) await sleep(25);
      // SIGSTOP every session process: the TCP connection stays up but nothing answers.
      const frozen = await descendantsOf(sshd.pid);
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      const result = await pending;
      expect(result).toMatchObject({ ok: false, outcomeUnknown: true });
      expect(result.error).toContain('outcome unknown');
      expect(result.durationMs).toBeLessThan(5000);
    } finally {
      await watchful.close();
      await sshd.killSessions();
    }
  });

  it('a step that leaves a background process holding stdout still finishes with its exit code', async () => {
    const result = await runner.run(runRequest(host(3), 'sleep 8 & echo done; exit 5', logDir));
    expect(result).toMatchObject({ ok: false, exitCode: 5, tail: 'done\n', timedOut: false });
    expect(result.durationMs).toBeLessThan(5000);
  });
});
