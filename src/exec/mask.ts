/** Streaming secret masker over bytes: secrets split across chunks are still masked. */
import { SECRET_MASK } from '../domain/plan.js';

const MASK_BYTES = Buffer.from(SECRET_MASK, 'utf8');

export interface SecretMasker {
  /** Masks what can be decided now; holds back a possible secret prefix at the end. */
  push(chunk: Buffer): Buffer;
  /** Releases the held-back bytes (masked) at the end of the stream. */
  flush(): Buffer;
}

interface Match {
  start: number;
  length: number;
}

export function createSecretMasker(secrets: readonly string[]): SecretMasker {
  // Longest first so that, at the same position, the longest secret wins.
  const patterns = [...new Set(secrets.filter((s) => s.length > 0))]
    .map((s) => Buffer.from(s, 'utf8'))
    .sort((a, b) => b.length - a.length);
  const maxLength = patterns[0]?.length ?? 0;
  let carry: Buffer = Buffer.alloc(0);

  function maskData(data: Buffer, final: boolean): Buffer {
    if (patterns.length === 0) return data;
    const out: Buffer[] = [];
    // Next known occurrence per pattern; recomputed lazily so the scan stays linear-ish.
    const next = patterns.map(() => -2);
    let cursor = 0;
    let hold = final ? data.length : heldBackFrom(data, 0);
    for (;;) {
      const match = earliestMatch(data, cursor, next);
      if (!match || match.start >= hold) break;
      out.push(data.subarray(cursor, match.start), MASK_BYTES);
      cursor = match.start + match.length;
      if (cursor > hold) hold = final ? data.length : heldBackFrom(data, cursor);
    }
    out.push(data.subarray(cursor, hold));
    carry = Buffer.from(data.subarray(hold));
    return Buffer.concat(out);
  }

  function earliestMatch(data: Buffer, from: number, next: number[]): Match | undefined {
    let best: Match | undefined;
    for (let i = 0; i < patterns.length; i++) {
      const pattern = patterns[i]!;
      let at = next[i]!;
      if (at !== -1 && at < from) {
        at = data.indexOf(pattern, from);
        next[i] = at;
      }
      if (at !== -1 && (!best || at < best.start)) best = { start: at, length: pattern.length };
    }
    return best;
  }

  /** First position from which the rest of `data` is a proper prefix of some secret. */
  function heldBackFrom(data: Buffer, from: number): number {
    const start = Math.max(from, data.length - maxLength + 1);
    for (let i = start; i < data.length; i++) {
      const rest = data.subarray(i);
      if (patterns.some((p) => p.length > rest.length && p.subarray(0, rest.length).equals(rest))) return i;
    }
    return data.length;
  }

  return {
    push(chunk) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      return maskData(data, false);
    },
    flush() {
      const data = carry;
      carry = Buffer.alloc(0);
      return maskData(data, true);
    },
  };
}

/** Masks a whole string at once (error messages, argv for display). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const masker = createSecretMasker(secrets);
  return Buffer.concat([masker.push(Buffer.from(text, 'utf8')), masker.flush()]).toString('utf8');
}
