import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { runAsTestUser, sh } from '../support/host-user.js';
import { newKeyPair, type SshdHandle, startSshd, writeWrongKnownHosts } from '../support/sshd.js';

let sshd: SshdHandle;
let runner: CommandRunner;
const logDir = mkdtempSync(join(tmpdir(), 'rollbot-ssh-logs-'));

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'] });
  runner = createSshRunner({
    privateKey: readFileSync(sshd.userKeyFile),
    knownHostsFile: sshd.knownHostsFile,
  });
});
afterAll(async () => {
  await runner?.close();
  await sshd?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

const host = (n = 2) => sshHost(`127.0.0.${n}`, sshd.port, sshd.user);
const logins = (): number => readFileSync(sshd.logFiles[0]!, 'utf8').split('Accepted publickey').length - 1;
const markerPath = () => `${sshd.home}/marker-${randomUUID()}`;

describe('ssh runner against a real sshd', () => {
  it('runs a script as the login user and captures stdout, stderr and the exit code', async () => {
    const result = await runner.run(
      runRequest(host(), 'echo "hello $(id -un)"; echo oops >&2; exit 0', logDir),
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0, signal: null, outcomeUnknown: false });
    expect(result.tail).toBe('hello rollbot-test\noops\n');
    expect(readFileSync(result.logFile!, 'utf8')).toBe('hello rollbot-test\noops\n');
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('reports a non-zero exit as data, not an exception', async () => {
    const result = await runner.run(runRequest(host(3), 'echo failing; exit 42', logDir));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 42,
      timedOut: false,
      canceled: false,
      outcomeUnknown: false,
    });
    expect(result.error).toContain(`exited with code 42 on rollbot-test@127.0.0.3:${sshd.port}`);
    expect(result.tail).toBe('failing\n');
  });

  it('passes quotes, newlines and the script stdin as /dev/null through unchanged', async () => {
    const script = "x='it'\"'\"'s'\nprintf '%s|%s\\n' \"$x\" \"$(cat)\"";
    const result = await runner.run(runRequest(host(), script, logDir));
    expect(result.tail).toBe("it's|\n");
  });

  it('reuses one connection per host across steps', async () => {
    await runner.run(runRequest(host(4), 'true', logDir));
    const before = logins();
    for (let i = 0; i < 3; i++) expect((await runner.run(runRequest(host(4), 'true', logDir))).ok).toBe(true);
    expect(logins()).toBe(before);
  });

  it('runs 12 concurrent steps on one host by queueing past 10 channels', async () => {
    const steps = Array.from({ length: 12 }, (_, i) =>
      runner.run(runRequest(host(), `sleep 0.3; echo ${i}`, logDir)),
    );
    const results = await Promise.all(steps);
    expect(results.map((r) => r.error ?? r.ok)).toEqual(Array(12).fill(true));
    expect(results.map((r) => r.tail)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}\n`));
  });

  it('shows why the queue matters: without it sshd refuses the 11th channel', async () => {
    // Longer than the runner's brief open retries, so the refusal is not papered over.
    const unbounded = createSshRunner({
      privateKey: readFileSync(sshd.userKeyFile),
      knownHostsFile: sshd.knownHostsFile,
      maxChannelsPerHost: 12,
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, () => unbounded.run(runRequest(host(3), 'sleep 1.5', logDir))),
      );
      const refused = results.filter((r) => !r.ok);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.error).toMatch(/could not start the command/);
      expect(refused[0]!.outcomeUnknown).toBe(false);
    } finally {
      await unbounded.close();
    }
  });

  it('refuses an unknown host key and runs nothing', async () => {
    const knownHostsFile = join(logDir, 'empty_known_hosts');
    await writeWrongKnownHosts([], sshd.port, knownHostsFile);
    const strict = createSshRunner({ privateKey: readFileSync(sshd.userKeyFile), knownHostsFile });
    const marker = markerPath();
    const result = await strict.run(runRequest(host(), `touch ${marker}`, logDir));
    await strict.close();
    expect(result).toMatchObject({ ok: false, outcomeUnknown: false, exitCode: null });
    expect(result.error).toContain(`[127.0.0.2]:${sshd.port} is not in ${knownHostsFile}`);
    expect(result.error).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.2 >> ${knownHostsFile}`);
    expect((await runAsTestUser(`test -e ${marker}`)).code).not.toBe(0);
  });

  it('refuses a changed host key loudly and runs nothing', async () => {
    const knownHostsFile = join(logDir, 'wrong_known_hosts');
    await writeWrongKnownHosts(sshd.addresses, sshd.port, knownHostsFile);
    const strict = createSshRunner({ privateKey: readFileSync(sshd.userKeyFile), knownHostsFile });
    const marker = markerPath();
    const result = await strict.run(runRequest(host(3), `touch ${marker}`, logDir));
    await strict.close();
    expect(result.ok).toBe(false);
    expect(result.error).toContain('HOST KEY CHANGED');
    expect(result.error).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect((await runAsTestUser(`test -e ${marker}`)).code).not.toBe(0);
    // The control: the same script with the right known_hosts does create the marker.
    expect((await runner.run(runRequest(host(3), `touch ${marker}`, logDir))).ok).toBe(true);
    expect((await runAsTestUser(`test -e ${marker} && rm ${marker}`)).code).toBe(0);
  });

  it('names user@host:port when the key is refused or nothing listens', async () => {
    const stranger = createSshRunner({
      privateKey: (await newKeyPair()).private,
      knownHostsFile: sshd.knownHostsFile,
    });
    const refusedAuth = await stranger.run(runRequest(host(), 'true', logDir));
    await stranger.close();
    expect(refusedAuth.error).toBe(
      `authentication refused by rollbot-test@127.0.0.2:${sshd.port}: the SSH key is not accepted for that user`,
    );
    const closedPort = await runner.run(runRequest(sshHost('127.0.0.2', 1, sshd.user), 'true', logDir));
    expect(closedPort.error).toContain('connection refused by rollbot-test@127.0.0.2:1');
  });

  it('refuses a NUL in the script and local steps without touching the connection', async () => {
    const nul = await runner.run(runRequest(host(), 'echo a\0b', logDir));
    expect(nul).toMatchObject({ ok: false, error: 'refusing a script that contains a NUL byte' });
    const local = await runner.run({
      ...runRequest(host(), 'true', logDir),
      target: { kind: 'local', host: 'h', argv: ['true'] },
    });
    expect(local.error).toBe('ssh runner cannot run local steps');
    expect((await runner.run(runRequest(host(), 'echo still fine', logDir))).tail).toBe('still fine\n');
  });
});

describe('host key algorithm choice', () => {
  it('accepts a host known only by its ECDSA key although the host also offers ED25519', async () => {
    const keyFile = join(logDir, 'ssh_host_ecdsa_key');
    expect((await sh('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', keyFile])).code).toBe(0);
    const both = await startSshd({ addresses: ['127.0.0.5'], extraConfig: `HostKey ${keyFile}` });
    const knownHostsFile = join(logDir, 'ecdsa_known_hosts');
    const ecdsaPub = readFileSync(`${keyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHostsFile, `[127.0.0.5]:${both.port} ${ecdsaPub}\n`);
    const r = createSshRunner({ privateKey: readFileSync(both.userKeyFile), knownHostsFile });
    try {
      const result = await r.run(
        runRequest(sshHost('127.0.0.5', both.port, both.user), 'echo ecdsa', logDir),
      );
      expect(result).toMatchObject({ ok: true, tail: 'ecdsa\n' });
    } finally {
      await r.close();
      await both.stop();
    }
  });
});
