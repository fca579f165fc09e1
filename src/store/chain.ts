/** The timeline's hash chain: canonical row encoding, row hashes, and the walk that finds breaks. */
import { createHash } from 'node:crypto';
import type { VerifyResult } from './types.js';

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

export function rowHash(prevHash: string, c: ChainContent): string {
  const content = canonicalJson({
    seq: c.seq,
    at: c.at,
    type: c.type,
    actor: c.actor,
    incidentId: c.incidentId,
    runId: c.runId,
    data: c.data,
  });
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

/**
 * Walks rows in seq order and reports the first break. A broken link is checked before the row's
 * own hash so that a forged row is reported as inserted, not as an edit of itself (a correctly
 * hashed forgery is caught by its successor, which still points to the row before it); any gap in seq
 * means rows were removed (AUTOINCREMENT never leaves gaps in an untouched chain). `highestSeq` is
 * the largest seq ever issued (sqlite_sequence), which exposes rows deleted from the end.
 */
export function verifyChain(
  rows: Iterable<ChainRow>,
  counted: (row: ChainRow) => boolean,
  highestSeq: number,
): VerifyResult {
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
  let beforePrev: string | undefined;
  let count = 0;
  for (const row of rows) {
    const gap = row.seq > prev.seq + 1;
    const linked = row.prevHash === prev.hash;
    if (gap) {
      const missing = prev.seq + 1 === row.seq - 1 ? `${prev.seq + 1}` : `${prev.seq + 1}..${row.seq - 1}`;
      return {
        ok: false,
        seq: prev.seq + 1,
        problem: 'deleted',
        message: `timeline row(s) ${missing} are missing before seq ${row.seq}`,
      };
    }
    if (!linked) {
      // This row still points past its predecessor: the predecessor is the one slipped in.
      const seq = row.prevHash === beforePrev ? prev.seq : row.seq;
      return {
        ok: false,
        seq,
        problem: 'inserted',
        message: `timeline row ${seq} is not part of the original chain: it was inserted or forged`,
      };
    }
    if (rowHash(row.prevHash, row) !== row.hash) {
      return {
        ok: false,
        seq: row.seq,
        problem: 'edited',
        message: `timeline row ${row.seq} was changed after it was written`,
      };
    }
    beforePrev = prev.hash;
    prev = row;
    if (counted(row)) count++;
  }
  // Rows deleted from the end leave no successor to notice; the highest seq ever issued does.
  if (highestSeq > prev.seq) {
    const missing = highestSeq === prev.seq + 1 ? `${highestSeq}` : `${prev.seq + 1}..${highestSeq}`;
    return {
      ok: false,
      seq: prev.seq + 1,
      problem: 'deleted',
      message: `timeline row(s) ${missing} at the end of the chain are missing`,
    };
  }
  return { ok: true, count };
}
