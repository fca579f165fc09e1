/**
 * The one secret masker. Every step result, error, output tail, log line and timeline payload of a
 * run crosses it before it is stored or shown. It masks each secret in every form templating or a
 * program may have given it: raw, shell-quoted (`'it'\''s'`), URL-encoded, and each of those as it
 * reads inside JSON text. Streaming over bytes, so a secret split across output chunks is masked too.
 */
import { shellQuote } from './quote.js';
import { SECRET_MASK } from './secrets.js';

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

/** Every form in which a secret may appear in text rollbot handles. */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of [secret, shellQuote(secret), encodeURIComponent(secret)]) {
      forms.add(form);
      forms.add(JSON.stringify(form).slice(1, -1));
    }
  }
  return [...forms];
}

export function createSecretMasker(secrets: readonly string[]): SecretMasker {
  // Longest first so that, at the same position, the longest form wins (a quoted form before its core).
  const patterns = secretForms(secrets)
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

/** Masks a whole string at once (error messages, URLs, argv for display). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return text;
  const masker = createSecretMasker(secrets);
  return Buffer.concat([masker.push(Buffer.from(text, 'utf8')), masker.flush()]).toString('utf8');
}

/** Every string inside a JSON-like value masked (a step result, a timeline payload). */
export function maskDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return maskSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets)])) as T;
  }
  return value;
}
