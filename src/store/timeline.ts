/** The append-only, hash-chained timeline: append, read per incident, verify. */
import type { StoredTimelineEvent, TimelineEvent, TimelineType } from '../domain/timeline.js';
import type { Clock } from '../services/ports.js';
import { type ChainRow, canonicalJson, GENESIS_HASH, rowHash, verifyChain } from './chain.js';
import type { Db } from './db.js';
import type { VerifyResult } from './types.js';

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
}

export interface TimelineRepo {
  /** Appends in its own transaction, or as part of the caller's when one is open. */
  appendTimeline(event: TimelineEvent): StoredTimelineEvent;
  /** Whether a run has an event of this type (e.g. an abort asked for on another bot process). */
  runHasEvent(runId: string, type: TimelineEvent['type']): boolean;
  timeline(incidentId: string): StoredTimelineEvent[];
  verifyTimeline(incidentId?: string): VerifyResult;
}

export function timelineRepo(db: Db, clock: Clock): TimelineRepo {
  const lastRow = db.prepare<[], { hash: string }>('SELECT hash FROM timeline ORDER BY seq DESC LIMIT 1');
  // sqlite_sequence remembers the highest seq ever used, so a deleted tail still leaves a gap.
  const lastSeq = db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'timeline'").pluck();
  const runIncident = db.prepare<[string], string>('SELECT incident_id FROM runs WHERE id = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO timeline (seq, at, type, actor, incident_id, run_id, data_json, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ofIncident = db.prepare<[string, string], TimelineDbRow>(
    `SELECT * FROM timeline
     WHERE incident_id = ? OR run_id IN (SELECT id FROM runs WHERE incident_id = ?)
     ORDER BY seq`,
  );
  const all = db.prepare<[], TimelineDbRow>('SELECT * FROM timeline ORDER BY seq');

  // IMMEDIATE: two processes appending at once must not both chain onto the same last row.
  const append = db.transaction((event: TimelineEvent): StoredTimelineEvent => {
    const seq = (lastSeq.get() ?? 0) + 1;
    const prevHash = lastRow.get()?.hash ?? GENESIS_HASH;
    const incidentId = event.incidentId ?? (event.runId ? (runIncident.get(event.runId) ?? null) : null);
    const content = {
      seq,
      at: clock.now(),
      type: event.type,
      actor: event.actor,
      incidentId,
      runId: event.runId ?? null,
      data: event.data ?? {},
    };
    const hash = rowHash(prevHash, content);
    insert.run(
      seq,
      content.at,
      content.type,
      content.actor,
      incidentId,
      content.runId,
      canonicalJson(content.data),
      prevHash,
      hash,
    );
    return toEvent({ ...content, prevHash, hash });
  });

  // One read transaction: the rows and the highest seq ever used come from the same snapshot.
  const verify = db.transaction((incidentId?: string): VerifyResult => {
    const rows = mapRows(all.iterate(), toChainRow);
    const counted = (r: ChainRow) => incidentId === undefined || r.incidentId === incidentId;
    return verifyChain(rows, counted, lastSeq.get() ?? 0);
  });

  const hasEvent = db
    .prepare<[string, string], number>('SELECT EXISTS (SELECT 1 FROM timeline WHERE run_id = ? AND type = ?)')
    .pluck();
  return {
    appendTimeline: (event) => append.immediate(event),
    runHasEvent: (runId, type) => hasEvent.get(runId, type) === 1,
    timeline: (incidentId) => ofIncident.all(incidentId, incidentId).map((r) => toEvent(toChainRow(r))),
    verifyTimeline: (incidentId) => verify.deferred(incidentId),
  };
}

function* mapRows<A, B>(rows: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const row of rows) yield f(row);
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
