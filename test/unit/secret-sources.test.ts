/**
 * Where a secret is read at execution (`from: file:` and `env:`), on real files: what stops a run
 * and what it says, never the value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecretRef } from '../../src/domain/secrets.js';
import { createSecretReader } from '../../src/exec/secrets.js';
import { readSecrets } from '../../src/services/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'rollbot-secret-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALUE = 's3cr3t-token-value';
const env: Record<string, string> = { GOOD: VALUE, EMPTY: '' };
const reader = createSecretReader((name) => env[name]);
const ref = (from: string, pattern = '^[a-z0-9-]{8,64}$'): SecretRef => ({
  param: 'token',
  from,
  variable: 'ROLLBOT_SECRET_TOKEN',
  pattern,
});
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('secret sources', () => {
  it('read a file as its one line (a trailing newline is how files end) and an env variable as is', async () => {
    expect(await readSecrets([ref(`file:${file('ok', `${VALUE}\n`)}`)], reader, undefined)).toEqual({
      ok: true,
      values: { token: VALUE },
    });
    expect(await readSecrets([ref('env:GOOD')], reader, undefined)).toEqual({
      ok: true,
      values: { token: VALUE },
    });
  });

  it.each([
    ['a missing file', () => `file:${join(dir, 'nope')}`, /cannot read .*nope \(ENOENT\)/],
    [
      'a file over 64 KiB',
      () => `file:${file('big', Buffer.alloc(64 * 1024 + 1, 'a'))}`,
      /larger than 64 KiB/,
    ],
    ['an empty file', () => `file:${file('empty', '\n')}`, /empty/],
    ['an unset variable', () => 'env:MISSING', /MISSING is not set/],
    ['an empty variable', () => 'env:EMPTY', /EMPTY is not set/],
  ])('stop the run for %s, naming the source', async (_what, from, reason) => {
    const source = from();
    const read = await readSecrets([ref(source)], reader, undefined);
    expect(read).toMatchObject({ ok: false, code: 'secret_unavailable' });
    if (read.ok) return;
    expect(read.message).toContain(`secret token (${source})`);
    expect(read.message).toMatch(reason);
  });

  it('hold a value read from its source to the param pattern, without echoing it', async () => {
    const wrong = 'NOT-lowercase-VALUE';
    const read = await readSecrets([ref(`file:${file('wrong', wrong)}`)], reader, undefined);
    expect(read).toMatchObject({ ok: false, code: 'secret_unavailable' });
    if (read.ok) return;
    expect(read.message).toContain('param token does not match pattern');
    expect(read.message).not.toContain(wrong);
  });

  it('say a secret typed at another terminal is not kept, instead of running without it', async () => {
    const read = await readSecrets([ref('typed')], reader, undefined);
    expect(read).toMatchObject({ ok: false, code: 'secret_unavailable' });
    if (read.ok) return;
    expect(read.message).toMatch(/typed at the terminal of another rollbot process/);
  });
});
