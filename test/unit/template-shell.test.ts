import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/runbooks/quote.js';

const META = [...' \t\'"\\`$(){}[]<>|&;*?!#~=%^,.:/@+-_'].concat([
  '$(',
  '&&',
  '||',
  '${',
  'é',
  '日本',
  '🦀',
  '\u2028',
]);

/** Any string the quoting must carry: shell metacharacters, quotes, unicode; never NUL or newlines (refused). */
const shellValue = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(fc.constantFrom(...META), { maxLength: 20 }).map((parts) => parts.join('')),
    fc.constantFrom('', "'", "''", '\\', '$(touch CANARY)', '`id`', 'a; ls', '*', '-n', "'\\''"),
  )
  .filter((s) => !/[\0\n\r]/.test(s));

/** What /bin/sh hands printf: one NUL-terminated field per argument. */
function shellArgs(script: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', script]).toString('utf8');
  return out.split('\0').slice(0, -1);
}

describe('shellQuote under /bin/sh', () => {
  it('always yields exactly one argument equal to the input', () => {
    fc.assert(
      fc.property(shellValue, (value) => {
        const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellQuote(value)}`]);
        expect(out.equals(Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]))).toBe(true);
      }),
      // One shell per value; the array property below adds up to four values per shell.
      { numRuns: 120 },
    );
  });

  it('keeps words apart when several quoted values share a command', () => {
    fc.assert(
      fc.property(fc.array(shellValue, { minLength: 1, maxLength: 8 }), (values) => {
        expect(shellArgs(`printf '%s\\0' ${values.map(shellQuote).join(' ')}`)).toEqual(values);
      }),
      { numRuns: 80 },
    );
  });
});
