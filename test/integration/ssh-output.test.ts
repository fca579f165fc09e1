import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../src/domain/plan.js';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let runner: CommandRunner;
const logDir = mkdtempSync(join(tmpdir(), 'rollbot-ssh-output-'));

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.2', '127.0.0.3'] });
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

describe('ssh output capture', () => {
  it('streams 200 MB to the log file with bounded memory and keeps only the tail', async () => {
    await runner.run(runRequest(host(), 'true', logDir)); // connect first: measure the step, not the handshake
    const size = 200_000_000;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const script = `head -c ${size} /dev/zero | tr '\\0' a; echo; echo end-of-output`;
    const result = await runner.run(
      runRequest(host(), script, logDir, { timeoutMs: 50_000, secrets: ['hunter2'] }),
    );
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result.ok).toBe(true);
    expect(statSync(result.logFile!).size).toBe(size + 1 + 'end-of-output\n'.length);
    expect(Buffer.byteLength(result.tail)).toBeLessThanOrEqual(16 * 1024);
    expect(result.tail.endsWith('aaaa\nend-of-output\n')).toBe(true);
    expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
  });

  it('never shows a secret split across output chunks, on stdout or stderr', async () => {
    const secret = 'hunter2-XYZ';
    // The script never contains the whole secret; the halves are printed with a pause in between,
    // so they arrive in separate SSH packets.
    const script = [
      "printf 'token=hunter'; sleep 0.3; printf '2-XYZ and more\\n'",
      "printf 'err hunt' >&2; sleep 0.3; printf 'er2-XYZ\\n' >&2",
      'a=hunter2; printf \'%s-%s\\n\' "$a" XYZ',
    ].join('\n');
    const result = await runner.run(runRequest(host(3), script, logDir, { secrets: [secret] }));
    const log = readFileSync(result.logFile!, 'utf8');
    for (const text of [result.tail, log]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('hunter2');
      expect(text.split(SECRET_MASK)).toHaveLength(4);
      expect(text).toContain(`token=${SECRET_MASK} and more`);
    }
  });
});
