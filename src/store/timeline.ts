/** The append-only, hash-chained timeline: append, read per incident, verify. */
import type { VerifyResult } from '../domain/records.js';
import type { StoredTimelineEvent, TimelineEvent, TimelineType } from '../domain/timeline.js';
import { type ChainRow, canonicalJson, GENESIS_HASH, keyedSinceMac, rowHash, verifyChain } from './chain.js';
import type { StoreContext } from './context.js';
import type { SqlRunner } from './sql/types.js';

interface TimelineDbRow {
  seq: number;
  at: number;
  type: string;
  actor: string;
  incident_id: string | null;
  run_id: string | null;
  data_json: string;
  prev_hash: string;
  hash: string;
  keyed: number;
}

export interface TimelineRepo {
  /** Appends in its own write transaction. */
  appendTimeline(event: TimelineEvent): Promise<StoredTimelineEvent>;
  /** Whether a run has an event of this type (e.g. an abort asked for on another bot process). */
  runHasEvent(runId: string, type: TimelineType): Promise<boolean>;
  timeline(incidentId: string): Promise<StoredTimelineEvent[]>;
  /** Checks the whole chain (counting one incident's rows when given), and that `head` is in it. */
  verifyTimeline(options?: { incidentId?: string; head?: string }): Promise<VerifyResult>;
  /** The newest row's hash: the anchor rollbot publishes (resolution message, RCA, log). */
  timelineHead(): Promise<string>;
  /** The answer to a run's confirm step, from whichever process recorded it. */
  confirmAnswer(runId: string, stepIndex: number): Promise<{ ok: boolean; by: string } | undefined>;
}

/**
 * Appends one event inside the caller's write transaction. The head row is read and moved in the
 * same transaction, which holds the store's write lock: two processes never chain onto one row.
 */
export async function appendEvent(
  tx: SqlRunner,
  ctx: StoreContext,
  event: TimelineEvent,
): Promise<StoredTimelineEvent> {
  const head = await tx.get<{ seq: number; hash: string; keyed_since: number | null }>(
    'SELECT seq, hash, keyed_since FROM timeline_head WHERE id = 1',
  );
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const incidentId =
    event.incidentId ??
    (event.runId
      ? ((await tx.get<{ incident_id: string }>('SELECT incident_id FROM runs WHERE id = ?', [event.runId]))
          ?.incident_id ?? null)
      : null);
  const content = {
    seq,
    at: ctx.clock.now(),
    type: event.type,
    actor: event.actor,
    incidentId,
    runId: event.runId ?? null,
    data: event.data ?? {},
  };
  const hash = rowHash(prevHash, content, ctx.auditKey);
  await tx.run(
    `INSERT INTO timeline (seq, at, type, actor, incident_id, run_id, data_json, prev_hash, hash, keyed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      seq,
      content.at,
      content.type,
      content.actor,
      incidentId,
      content.runId,
      canonicalJson(content.data),
      prevHash,
      hash,
      ctx.auditKey === undefined ? 0 : 1,
    ],
  );
  await tx.run('UPDATE timeline_head SET seq = ?, hash = ? WHERE id = 1', [seq, hash]);
  if (ctx.auditKey !== undefined && (head?.keyed_since ?? null) === null) {
    // The first keyed row: from here on every row must be keyed (audit verify holds it to that).
    await tx.run('UPDATE timeline_head SET keyed_since = ?, keyed_since_mac = ? WHERE id = 1', [
      seq,
      keyedSinceMac(ctx.auditKey, seq),
    ]);
  }
  return toEvent({ ...content, prevHash, hash, keyed: ctx.auditKey !== undefined });
}

export function timelineRepo(ctx: StoreContext): TimelineRepo {
  const { db } = ctx;
  return {
    appendTimeline: (event) => db.transaction('write', (tx) => appendEvent(tx, ctx, event)),
    runHasEvent: async (runId, type) =>
      (await db.get('SELECT 1 AS one FROM timeline WHERE run_id = ? AND type = ? LIMIT 1', [runId, type])) !==
      undefined,
    timeline: async (incidentId) =>
      (
        await db.all<TimelineDbRow>(
          `SELECT * FROM timeline
           WHERE incident_id = ? OR run_id IN (SELECT id FROM runs WHERE incident_id = ?)
           ORDER BY seq`,
          [incidentId, incidentId],
        )
      ).map((r) => toEvent(toChainRow(r))),
    // One read transaction: the rows and the head come from the same snapshot.
    verifyTimeline: ({ incidentId, head } = {}) =>
      db.transaction('read', async (tx) => {
        const rows = (await tx.all<TimelineDbRow>('SELECT * FROM timeline ORDER BY seq')).map(toChainRow);
        const top = await tx.get<{ seq: number; keyed_since: number | null; keyed_since_mac: string | null }>(
          'SELECT seq, keyed_since, keyed_since_mac FROM timeline_head WHERE id = 1',
        );
        return verifyChain(rows, {
          counted: (r) => incidentId === undefined || r.incidentId === incidentId,
          highestSeq: top?.seq ?? 0,
          keyedSince: { seq: top?.keyed_since ?? null, mac: top?.keyed_since_mac ?? null },
          ...(ctx.auditKey !== undefined ? { key: ctx.auditKey } : {}),
          ...(head !== undefined ? { head } : {}),
        });
      }),
    confirmAnswer: async (runId, stepIndex) => {
      const rows = await db.all<{ actor: string; data_json: string }>(
        "SELECT actor, data_json FROM timeline WHERE run_id = ? AND type = 'run.confirmed' ORDER BY seq",
        [runId],
      );
      for (const row of rows) {
        const data = parseData(row.data_json) as { step?: unknown; confirmed?: unknown };
        if (data.step === stepIndex) return { ok: data.confirmed === true, by: row.actor };
      }
      return undefined;
    },
    timelineHead: async () =>
      (await db.get<{ hash: string }>('SELECT hash FROM timeline_head WHERE id = 1'))?.hash ?? GENESIS_HASH,
  };
}

function toChainRow(r: TimelineDbRow): ChainRow {
  return {
    seq: r.seq,
    at: r.at,
    type: r.type,
    actor: r.actor,
    incidentId: r.incident_id,
    runId: r.run_id,
    data: parseData(r.data_json),
    prevHash: r.prev_hash,
    hash: r.hash,
    keyed: r.keyed === 1,
  };
}

/** A row whose data was edited into invalid JSON must still verify (as edited), not throw. */
function parseData(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return { unparseable: json };
  }
}

function toEvent(r: ChainRow): StoredTimelineEvent {
  const event: StoredTimelineEvent = {
    seq: r.seq,
    at: r.at,
    hash: r.hash,
    type: r.type as TimelineType,
    actor: r.actor,
  };
  if (r.incidentId !== null) event.incidentId = r.incidentId;
  if (r.runId !== null) event.runId = r.runId;
  if (r.data !== null && typeof r.data === 'object') event.data = r.data as Record<string, unknown>;
  return event;
}
