import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, Server } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { newKeyPair } from '../support/sshd-files.js';

/*
 * Faults a real sshd will not produce on demand, from an in-process ssh2 Server. The script text
 * (quoted inside the wrapper the runner sends) selects the behaviour.
 */
const dir = mkdtempSync(join(tmpdir(), 'rollbot-ssh-faults-'));
let hostKey: { private: string; public: string };
let clientKey: string;
const signals: string[] = [];
let server: Server;
let port: number;
let runner: CommandRunner;

function onSession(conn: Connection): void {
  conn.on('session', (accept) => {
    const session = accept();
    session.on('signal', (_accept, _reject, info) => signals.push(info.name));
    session.on('exec', (acceptExec, rejectExec, info) => {
      const command = info.command;
      if (command.includes('REFUSE_EXEC')) return rejectExec();
      const channel = acceptExec();
      if (command.includes('CLOSE_NO_EXIT')) {
        channel.write('partial output\n');
        setTimeout(() => channel.close(), 50);
      } else if (command.includes('DROP_CONNECTION')) {
        channel.write('about to vanish\n');
        setTimeout(() => conn.end(), 50);
      } else if (command.includes('KILLED_BY_SIGNAL')) {
        channel.exit('KILL', false, 'killed');
        channel.close();
      } else if (command.includes('HANG')) {
        channel.write('hanging\n');
      } else {
        channel.write('ok\n');
        channel.exit(0);
        channel.close();
      }
    });
  });
}

beforeAll(async () => {
  hostKey = await newKeyPair();
  clientKey = (await newKeyPair()).private;
  server = new Server({ hostKeys: [hostKey.private] }, (conn) => {
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => onSession(conn));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey.public}\n`);
  runner = createSshRunner({
    privateKey: clientKey,
    knownHostsFile: join(dir, 'known_hosts'),
    killGraceMs: 200,
  });
});
afterAll(async () => {
  await runner?.close();
  if (server) await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const host = () => sshHost('127.0.0.1', port, 'deploy');

describe('ssh runner faults (ssh2 Server)', () => {
  it('runs a normal command against the fake server', async () => {
    expect(await runner.run(runRequest(host(), 'echo fine', dir))).toMatchObject({
      ok: true,
      exitCode: 0,
      tail: 'ok\n',
    });
  });

  it('a channel that closes without an exit status is outcome unknown, not success', async () => {
    const result = await runner.run(runRequest(host(), 'CLOSE_NO_EXIT', dir));
    expect(result).toMatchObject({
      ok: false,
      outcomeUnknown: true,
      exitCode: null,
      tail: 'partial output\n',
    });
    expect(result.error).toContain('outcome unknown');
  });

  it('a connection that drops mid-command is outcome unknown', async () => {
    const result = await runner.run(runRequest(host(), 'DROP_CONNECTION', dir));
    expect(result).toMatchObject({ ok: false, outcomeUnknown: true, tail: 'about to vanish\n' });
    expect(result.error).toContain('connection lost before the command finished: outcome unknown');
  });

  it('a command that hangs past the step timeout is timedOut after TERM, KILL and close', async () => {
    signals.length = 0;
    const result = await runner.run(runRequest(host(), 'HANG', dir, { timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, timedOut: true, canceled: false, outcomeUnknown: false });
    expect(result.error).toContain('sent TERM, then KILL; no exit status arrived');
    expect(signals).toEqual(['TERM', 'KILL']);
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(result.durationMs).toBeLessThan(3000);
  });

  it('an exec the server refuses is a clear failure, not success and not unknown', async () => {
    const result = await runner.run(runRequest(host(), 'REFUSE_EXEC', dir));
    expect(result).toMatchObject({ ok: false, outcomeUnknown: false, exitCode: null });
    expect(result.error).toMatch(/^could not start the command on deploy@127\.0\.0\.1:\d+/);
  });

  it('a process killed by a signal reports the signal the way Node names it', async () => {
    const result = await runner.run(runRequest(host(), 'KILLED_BY_SIGNAL', dir));
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: 'SIGKILL', outcomeUnknown: false });
    expect(result.error).toContain('killed by signal SIGKILL');
  });
});

describe('ssh runner connect failures', () => {
  it('a refused session channel is a clear failure', async () => {
    const refusing = new Server({ hostKeys: [hostKey.private] }, (conn) => {
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('ready', () => conn.on('session', (_accept, reject) => reject()));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const refusingPort = (refusing.address() as { port: number }).port;
    writeFileSync(join(dir, 'kh-refusing'), `[127.0.0.1]:${refusingPort} ${hostKey.public}\n`);
    const r = createSshRunner({
      privateKey: clientKey,
      knownHostsFile: join(dir, 'kh-refusing'),
    });
    const result = await r.run(runRequest(sshHost('127.0.0.1', refusingPort, 'deploy'), 'true', dir));
    await r.close();
    await new Promise((resolve) => refusing.close(resolve));
    expect(result).toMatchObject({ ok: false, outcomeUnknown: false });
    expect(result.error).toContain(`could not start the command on deploy@127.0.0.1:${refusingPort}`);
  });

  it('a server that never completes the handshake hits the connect timeout', async () => {
    const silent: TcpServer = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const r = createSshRunner({
      privateKey: clientKey,
      knownHostsFile: join(dir, 'known_hosts'),
      connectTimeoutMs: 300,
    });
    const result = await r.run(runRequest(sshHost('127.0.0.1', silentPort, 'deploy'), 'true', dir));
    await r.close();
    silent.close();
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      `timed out after 300 ms connecting to deploy@127.0.0.1:${silentPort} (no SSH login in time)`,
    );
  });
});
