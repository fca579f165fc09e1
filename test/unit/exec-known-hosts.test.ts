import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, keyTypeOf, parseKnownHosts, verifyHostKey } from '../../src/exec/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'rollbot-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string): { line: string; blob: Buffer; file: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), file: `${file}.pub` };
}

const good = newKey('good');
const other = newKey('other');

describe('known_hosts', () => {
  it('computes the same fingerprint as ssh-keygen -lf and reads the key type', () => {
    const printed = execFileSync('ssh-keygen', ['-lf', good.file], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(good.blob)).toBe(printed);
    expect(keyTypeOf(good.blob)).toBe('ssh-ed25519');
  });

  it('matches plain host lists on port 22 and [host]:port on other ports', () => {
    const entries = parseKnownHosts(
      ['# comment', '', `web-1,10.0.0.5 ${good.line} comment here`, `[10.0.0.6]:2222 ${good.line}`].join(
        '\n',
      ),
    );
    expect(entries).toHaveLength(2);
    expect(verifyHostKey(entries, '10.0.0.5', 22, good.blob)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'WEB-1', 22, good.blob)).toEqual({ ok: true });
    expect(verifyHostKey(entries, '10.0.0.6', 2222, good.blob)).toEqual({ ok: true });
    // A plain entry is for port 22 only; [host]:port is for that port only.
    expect(verifyHostKey(entries, '10.0.0.5', 2222, good.blob)).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    expect(verifyHostKey(entries, '10.0.0.6', 22, good.blob)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const file = join(dir, 'hashed_known_hosts');
    writeFileSync(file, `db-1 ${good.line}\n[db-2.example]:2200 ${good.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('db-1');
    expect(text).toMatch(/^\|1\|/);
    const entries = parseKnownHosts(text);
    expect(verifyHostKey(entries, 'db-1', 22, good.blob)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'db-2.example', 2200, good.blob)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'db-3', 22, good.blob)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(verifyHostKey(entries, 'db-1', 22, other.blob)).toMatchObject({ ok: false, reason: 'changed' });
  });

  it('supports wildcards and negation in host patterns', () => {
    const entries = parseKnownHosts(`*.prod.example,!bad.prod.example ${good.line}`);
    expect(verifyHostKey(entries, 'api.prod.example', 22, good.blob)).toEqual({ ok: true });
    expect(verifyHostKey(entries, 'bad.prod.example', 22, good.blob)).toMatchObject({ reason: 'unknown' });
  });

  it('refuses a changed key loudly with both fingerprints and the fix', () => {
    const verdict = verifyHostKey(
      parseKnownHosts(`[10.0.0.7]:2222 ${good.line}`),
      '10.0.0.7',
      2222,
      other.blob,
      {
        file: '/etc/rollbot/known_hosts',
      },
    );
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toBe('changed');
    expect(verdict.message).toContain('HOST KEY CHANGED for [10.0.0.7]:2222');
    expect(verdict.message).toContain(fingerprint(other.blob));
    expect(verdict.message).toContain(fingerprint(good.blob));
    expect(verdict.message).toContain("ssh-keygen -R '[10.0.0.7]:2222' -f /etc/rollbot/known_hosts");
  });

  it('explains how to add an unknown host after checking its fingerprint', () => {
    const verdict = verifyHostKey([], '10.0.0.8', 2022, good.blob, { file: '/k' });
    expect(verdict).toMatchObject({ ok: false, reason: 'unknown' });
    if (verdict.ok) return;
    expect(verdict.message).toContain(fingerprint(good.blob));
    expect(verdict.message).toContain('ssh-keyscan -p 2022 10.0.0.8 >> /k');
  });

  it('refuses a revoked key even when the host also lists it, and ignores @cert-authority', () => {
    const text = [
      `@cert-authority *.example ${other.line}`,
      `10.0.0.9 ${good.line}`,
      `@revoked * ${good.line}`,
      `@revoked * ${other.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(3);
    expect(verifyHostKey(entries, '10.0.0.9', 22, good.blob)).toMatchObject({ ok: false, reason: 'revoked' });
    // The cert-authority line is not a host key: the host stays unknown rather than "ok".
    expect(verifyHostKey(entries, 'a.example', 22, newKey('third').blob)).toMatchObject({
      reason: 'unknown',
    });
  });

  it('skips malformed lines', () => {
    expect(parseKnownHosts('justonefield\nhost ssh-ed25519\n|1|onlysalt ssh-ed25519 AAAA')).toEqual([]);
  });
});
