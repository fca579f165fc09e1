import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../src/domain/plan.js';
import { createOutputCapture } from '../../src/exec/output.js';

const dir = mkdtempSync(join(tmpdir(), 'rollbot-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createOutputCapture', () => {
  it('masks a secret split across stdout chunks even with stderr interleaved', async () => {
    const logFile = join(dir, 'split.log');
    const capture = createOutputCapture({ logFile, secrets: ['s3cr3t-token'] });
    capture.write('stdout', Buffer.from('token=s3cr3t'));
    capture.write('stderr', Buffer.from('warning: slow\n'));
    capture.write('stdout', Buffer.from('-token done\n'));
    const { tail } = await capture.finish();
    const log = readFileSync(logFile, 'utf8');
    for (const text of [tail, log]) {
      expect(text).not.toContain('s3cr3t');
      // The held-back prefix is released after the stderr chunk: order shifts, nothing leaks.
      expect(text).toBe(`token=warning: slow\n${SECRET_MASK} done\n`);
    }
  });

  it('keeps only the last tailBytes in the tail and everything in the file', async () => {
    const logFile = join(dir, 'big.log');
    const capture = createOutputCapture({ logFile, secrets: [], tailBytes: 100 });
    for (let i = 0; i < 1000; i++)
      capture.write('stdout', Buffer.from(`line ${String(i).padStart(4, '0')}\n`));
    const { tail } = await capture.finish();
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(100);
    expect(tail.endsWith('line 0999\n')).toBe(true);
    expect(statSync(logFile).size).toBe(1000 * 10);
  });

  it('stops writing the log at logMaxBytes, marks the cut and counts what was left out', async () => {
    const logFile = join(dir, 'capped.log');
    const capture = createOutputCapture({ logFile, secrets: [], tailBytes: 64, logMaxBytes: 1024 });
    for (let i = 0; i < 1000; i++)
      capture.write(i % 2 ? 'stderr' : 'stdout', Buffer.from(`line ${String(i).padStart(4, '0')}\n`));
    const { tail } = await capture.finish();
    const log = readFileSync(logFile, 'utf8');
    const kept = Array.from({ length: 103 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`)
      .join('')
      .slice(0, 1024);
    expect(log).toBe(
      `${kept}\n[rollbot] log cut at 1KB (ROLLBOT_STEP_LOG_MAX): the rest of this step's output is not written here\n` +
        `\n[rollbot] log cut at 1KB (ROLLBOT_STEP_LOG_MAX): ${10_000 - 1024} more bytes of output were not written; the end of the output is in the step's tail\n`,
    );
    expect(tail.endsWith('line 0999\n')).toBe(true);
  });

  it('does not start the tail inside a multi-byte character', async () => {
    const capture = createOutputCapture({ logFile: join(dir, 'utf8.log'), secrets: [], tailBytes: 5 });
    capture.write('stdout', Buffer.from('日本語'));
    const { tail } = await capture.finish();
    expect(tail).toBe('語');
  });

  it('reads attached streams to the end, through backpressure', async () => {
    const logFile = join(dir, 'stream.log');
    const capture = createOutputCapture({ logFile, secrets: ['needle'], tailBytes: 64 });
    const block = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const source = new Readable({
      read() {
        sent++;
        this.push(sent <= 200 ? block : sent === 201 ? Buffer.from('needle\n') : null);
      },
    });
    const ended = new Promise((resolve) => source.once('end', resolve));
    capture.attach('stdout', source);
    await ended;
    const { tail } = await capture.finish();
    expect(statSync(logFile).size).toBe(200 * block.length + SECRET_MASK.length + 1 + 12);
    expect(tail.endsWith(`${SECRET_MASK}\n`)).toBe(true);
  });

  it('reports a log file it cannot write but still returns the tail', async () => {
    // A missing folder is created; a path under a regular file cannot be.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const capture = createOutputCapture({ logFile: join(dir, 'not-a-dir', 'x.log'), secrets: [] });
    capture.write('stdout', Buffer.from('still here\n'));
    const result = await capture.finish();
    expect(result.tail).toBe('still here\n');
    expect(result.writeError).toContain('ENOTDIR');
  });

  it('creates the log folder when it is missing', async () => {
    const logFile = join(dir, 'run-1', 'nested', 'x.log');
    const capture = createOutputCapture({ logFile, secrets: [] });
    capture.write('stdout', Buffer.from('kept\n'));
    const result = await capture.finish();
    expect(result.writeError).toBeUndefined();
    expect(readFileSync(logFile, 'utf8')).toBe('kept\n');
  });
});
