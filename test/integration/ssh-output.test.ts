import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../src/domain/plan.js';
import { DEFAULT_STEP_LOG_MAX, logCutMarker } from '../../src/exec/output.js';
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

/** The last `bytes` of a file, without reading 50 MB into a string. */
function readLogEnd(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    readSync(fd, buf, 0, bytes, statSync(file).size - bytes);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

describe('ssh output capture', () => {
  it('streams 200 MB with bounded memory: the log file stops at the 50MB cap, the tail has the end', async () => {
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
    // ROLLBOT_STEP_LOG_MAX's default: the first 50 MiB, where it was cut, and how much was not written.
    const dropped = size + 1 + 'end-of-output\n'.length - DEFAULT_STEP_LOG_MAX;
    const markers = logCutMarker(DEFAULT_STEP_LOG_MAX) + logCutMarker(DEFAULT_STEP_LOG_MAX, dropped);
    expect(statSync(result.logFile!).size).toBe(DEFAULT_STEP_LOG_MAX + Buffer.byteLength(markers));
    expect(readLogEnd(result.logFile!, 400)).toBe(
      `${'a'.repeat(400 - Buffer.byteLength(markers))}${markers}`,
    );
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
