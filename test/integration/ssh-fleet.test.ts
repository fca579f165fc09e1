import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { type SshdHandle, startSshdFleet } from '../support/sshd.js';

let fleet: SshdHandle;
const logDir = mkdtempSync(join(tmpdir(), 'rollbot-ssh-fleet-'));

beforeAll(async () => {
  fleet = await startSshdFleet(20);
});
afterAll(async () => {
  await fleet?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

describe('sshd fleet harness', () => {
  it('spreads 20 hosts over two sshd processes on one port and reaches every one', async () => {
    expect(fleet.pids).toHaveLength(2);
    expect(fleet.addresses[19]).toBe('127.0.0.20');
    const runner = createSshRunner({
      privateKey: readFileSync(fleet.userKeyFile),
      knownHostsFile: fleet.knownHostsFile,
    });
    try {
      const results = await Promise.all(
        fleet.addresses.map((a) =>
          runner.run(runRequest(sshHost(a, fleet.port, fleet.user), 'echo up', logDir)),
        ),
      );
      expect(results.filter((r) => r.ok && r.tail === 'up\n')).toHaveLength(20);
    } finally {
      await runner.close();
    }
  });
});
