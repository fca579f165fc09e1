import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSecretMasker, maskSecrets } from '../../src/domain/mask.js';
import { SECRET_MASK } from '../../src/domain/plan.js';

/** Splits `data` at the given cut points (positions taken modulo the length). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % (data.length + 1))))].sort(
    (a, b) => a - b,
  );
  const parts: Buffer[] = [];
  let last = 0;
  for (const point of points) {
    parts.push(data.subarray(last, point));
    last = point;
  }
  parts.push(data.subarray(last));
  return parts;
}

function maskChunks(secrets: string[], chunks: Buffer[]): string {
  const masker = createSecretMasker(secrets);
  return Buffer.concat([...chunks.map((c) => masker.push(c)), masker.flush()]).toString('utf8');
}

// Text from an alphabet that cannot form the secret or the mask, so "preserved" is checkable exactly.
const plainText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '日'), maxLength: 200 });
const secret = fc.string({ unit: fc.constantFrom('x', 'y', 'z', '9', '€'), minLength: 1, maxLength: 24 });

describe('createSecretMasker', () => {
  it('never lets a secret through, whatever the chunking, and keeps the other text', () => {
    fc.assert(
      fc.property(
        fc.array(plainText, { minLength: 1, maxLength: 6 }),
        secret,
        fc.array(fc.nat({ max: 2000 }), { maxLength: 40 }),
        (pieces, s, cuts) => {
          const text = pieces.join(s);
          const output = maskChunks([s], split(Buffer.from(text, 'utf8'), cuts));
          expect(output).not.toContain(s);
          expect(output).toBe(pieces.join(SECRET_MASK));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('masks several secrets, including overlapping ones, in any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(plainText, fc.constantFrom('tok-123', 'tok-123456', 'pw')), { maxLength: 12 }),
        fc.array(fc.nat({ max: 500 }), { maxLength: 30 }),
        (pieces, cuts) => {
          const text = pieces.join('|');
          const output = maskChunks(['tok-123', 'tok-123456', 'pw', ''], split(Buffer.from(text), cuts));
          for (const s of ['tok-123', 'pw']) expect(output).not.toContain(s);
          expect(output).toBe(
            pieces
              .map((p) => (p === 'tok-123' || p === 'tok-123456' || p === 'pw' ? SECRET_MASK : p))
              .join('|'),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds back at most a possible secret prefix and releases it on flush', () => {
    const masker = createSecretMasker(['hunter2']);
    expect(masker.push(Buffer.from('password: hun')).toString()).toBe('password: ');
    expect(masker.push(Buffer.from('ter')).toString()).toBe('');
    expect(masker.push(Buffer.from('2 ok hu')).toString()).toBe(`${SECRET_MASK} ok `);
    expect(masker.flush().toString()).toBe('hu');
  });

  it('passes data through untouched when there are no secrets', () => {
    const masker = createSecretMasker(['', '']);
    const data = Buffer.from('hello');
    expect(masker.push(data)).toBe(data);
    expect(maskSecrets('a secret b', ['secret'])).toBe(`a ${SECRET_MASK} b`);
  });
});
