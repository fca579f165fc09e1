/**
 * The timeline's hash chain: canonical row encoding, row hashes, and the walk that finds breaks.
 * With ROLLBOT_AUDIT_KEY each row's hash is an HMAC, so nobody without the key can rewrite a row and
 * recompute the chain; without it the chain still catches accidents, and `audit verify` says so.
 */
import { createHash, createHmac } from 'node:crypto';
import type { VerifyResult } from '../domain/records.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of one timeline row; absent ids are null and absent data is {}. */
export interface ChainContent {
  seq: number;
  at: number;
  type: string;
  actor: string;
  incidentId: string | null;
  runId: string | null;
  data: unknown;
}

export interface ChainRow extends ChainContent {
  prevHash: string;
  hash: string;
  keyed: boolean;
}

/** JSON with object keys sorted at every depth, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries);
  });
}

/** `key` undefined: plain sha256 (an unkeyed row). */
export function rowHash(prevHash: string, c: ChainContent, key?: string): string {
  const content = canonicalJson({
    seq: c.seq,
    at: c.at,
    type: c.type,
    actor: c.actor,
    incidentId: c.incidentId,
    runId: c.runId,
    data: c.data,
  });
  const mac = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return mac.update(`${prevHash}\n${content}`).digest('hex');
}

/** The mark of the first keyed row: an HMAC of its seq, so it can be neither forged nor moved. */
export function keyedSinceMac(key: string, seq: number): string {
  return createHmac('sha256', key).update(`rollbot keyed-since ${seq}`).digest('hex');
}

export interface VerifyOptions {
  /** Counts the rows of one incident (all rows are always checked: the chain is one). */
  counted: (row: ChainRow) => boolean;
  /** The largest seq ever issued, which exposes rows deleted from the end. */
  highestSeq: number;
  key?: string;
  /** A head hash published earlier: it must still be a row of the intact chain. */
  head?: string;
  /** From the head row: the first keyed row, and its mark. */
  keyedSince?: { seq: number | null; mac: string | null };
}

/**
 * Walks rows in seq order and reports the first break. A broken link is checked before the row's
 * own hash so that a forged row is reported as inserted, not as an edit of itself (a correctly
 * hashed forgery is caught by its successor, which still points to the row before it); any gap in
 * seq means rows were removed. Once a keyed row has been written, an unkeyed row after it is a
 * downgrade: someone without the key rewrote the chain from there.
 */
export function verifyChain(rows: Iterable<ChainRow>, opts: VerifyOptions): VerifyResult {
  const mark = keyedSinceOf(opts);
  if (typeof mark !== 'number' && mark !== undefined) return mark;
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
  let beforePrev: string | undefined;
  let count = 0;
  let unkeyed = 0;
  let keyedSeen = false;
  let headSeen = opts.head === undefined;
  for (const row of rows) {
    const gap = row.seq > prev.seq + 1;
    if (gap) {
      const missing = prev.seq + 1 === row.seq - 1 ? `${prev.seq + 1}` : `${prev.seq + 1}..${row.seq - 1}`;
      return broken(prev.seq + 1, 'deleted', `timeline row(s) ${missing} are missing before seq ${row.seq}`);
    }
    if (row.prevHash !== prev.hash) {
      // This row still points past its predecessor: the predecessor is the one slipped in.
      const seq = row.prevHash === beforePrev ? prev.seq : row.seq;
      return broken(seq, 'inserted', `timeline row ${seq} is not part of the original chain: it was inserted or forged`);
    }
    if (row.keyed) {
      if (opts.key === undefined) {
        return broken(row.seq, 'unknown_key', `timeline row ${row.seq} is keyed: set ROLLBOT_AUDIT_KEY to verify it`);
      }
      keyedSeen = true;
    } else if (keyedSeen || (mark !== undefined && row.seq >= mark)) {
      return broken(row.seq, 'downgraded', `timeline row ${row.seq} is unkeyed where the chain is keyed: it was rewritten without the key`);
    } else unkeyed++;
    if (rowHash(row.prevHash, row, row.keyed ? opts.key : undefined) !== row.hash) {
      return broken(row.seq, 'edited', `timeline row ${row.seq} was changed after it was written`);
    }
    // A published head may be shortened (at least 12 hex digits, checked by the caller).
    if (opts.head !== undefined && row.hash.startsWith(opts.head)) headSeen = true;
    beforePrev = prev.hash;
    prev = row;
    if (opts.counted(row)) count++;
  }
  if (opts.highestSeq > prev.seq) {
    const missing =
      opts.highestSeq === prev.seq + 1 ? `${opts.highestSeq}` : `${prev.seq + 1}..${opts.highestSeq}`;
    return broken(prev.seq + 1, 'deleted', `timeline row(s) ${missing} at the end of the chain are missing`);
  }
  if (!headSeen) {
    return broken(
      prev.seq,
      'head_missing',
      `head ${opts.head} is not in the chain: rows up to that point were removed or rewritten`,
    );
  }
  return { ok: true, count, unkeyed, head: prev.hash, keyed: opts.key !== undefined };
}

/**
 * With a key, where keying began: a seq whose mark verifies, or a break when the mark is missing
 * (a whole chain rewritten unkeyed looks like one that never had a key, except for this) or forged.
 * Without a key, undefined: nothing to check against.
 */
function keyedSinceOf(opts: VerifyOptions): number | undefined | Extract<VerifyResult, { ok: false }> {
  if (opts.key === undefined) return undefined;
  const { seq, mac } = opts.keyedSince ?? { seq: null, mac: null };
  if (seq === null || mac === null) {
    if (opts.highestSeq === 0) return undefined;
    return broken(1, 'downgraded', 'ROLLBOT_AUDIT_KEY is set but no keyed row was ever recorded: the chain was rewritten without the key, or the key was set after it was written (then verify without it once, to see it is intact)');
  }
  if (mac !== keyedSinceMac(opts.key, seq)) {
    return broken(seq, 'edited', 'the mark of where the keyed chain begins was changed: it was not written with this key');
  }
  return seq;
}

function broken(seq: number, problem: Extract<VerifyResult, { ok: false }>['problem'], message: string) {
  return { ok: false as const, seq, problem, message };
}
