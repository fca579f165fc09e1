/**
 * The incident figures, defined once with the seeds' meaning (seed 002's timeline, seed 003's
 * execution history): history, the RCA, the incident message and the metrics all call these.
 *
 * - time to acknowledge: the request → its first approval or, when none was needed, the first run start;
 * - time to restore: the incident opened → the run that restored service succeeded;
 * - run duration: a run started → it finished.
 */
import type { RunState } from './run-state.js';

/** The moments of one incident the figures are read from (epoch ms). */
export interface IncidentMoments {
  openedAt: number;
  /** Every approval granted on the incident's runs. */
  approvalsAt: readonly number[];
  /** Every run start of the incident. */
  startsAt: readonly number[];
  runs: readonly RunMoments[];
}

export interface RunMoments {
  state: RunState;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Request → first approval or first run start, whichever came first; null while neither happened. */
export function timeToAcknowledgeMs(incident: Omit<IncidentMoments, 'runs'>): number | null {
  const first = earliest([...incident.approvalsAt, ...incident.startsAt]);
  return first === null ? null : first - incident.openedAt;
}

/** When service was restored: the earliest finish of a run that succeeded; null when none did. */
export function restoredAt(runs: readonly RunMoments[]): number | null {
  return earliest(
    runs.flatMap((r) => (r.state === 'succeeded' && r.finishedAt !== null ? [r.finishedAt] : [])),
  );
}

/** Incident opened → the run that restored service succeeded; null while not restored. */
export function timeToRestoreMs(incident: Pick<IncidentMoments, 'openedAt' | 'runs'>): number | null {
  const at = restoredAt(incident.runs);
  return at === null ? null : at - incident.openedAt;
}

/** Started → finished; null for a run that has not finished (or never started). */
export function runDurationMs(run: Pick<RunMoments, 'startedAt' | 'finishedAt'>): number | null {
  return run.startedAt === null || run.finishedAt === null ? null : run.finishedAt - run.startedAt;
}

/**
 * A run measured against its level's target. Only a restore (a run that succeeded) can be within
 * or over it: a failed or aborted run restored nothing, however quickly it ended.
 */
export type TargetVerdict = 'within' | 'over' | 'running' | 'not_restored' | 'not_run';

export function targetVerdict(run: RunMoments & { targetMs: number }): TargetVerdict {
  if (run.state === 'succeeded') {
    const took = runDurationMs(run);
    return took !== null && took > run.targetMs ? 'over' : 'within';
  }
  if (run.startedAt === null) return 'not_run';
  if (run.state === 'running') return 'running';
  return 'not_restored';
}

/** Mean time to restore per service, over incidents that were restored. */
export interface MttrRow {
  service: string;
  /** Restored incidents (drills excluded) the mean is taken over. */
  incidents: number;
  meanMs: number;
}

export function meanTimeToRestore(
  incidents: readonly { service: string; openedAt: number; restoredAt: number | null }[],
): MttrRow[] {
  const byService = new Map<string, number[]>();
  for (const incident of incidents) {
    if (incident.restoredAt === null) continue;
    const list = byService.get(incident.service) ?? [];
    list.push(incident.restoredAt - incident.openedAt);
    byService.set(incident.service, list);
  }
  return [...byService]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, times]) => ({
      service,
      incidents: times.length,
      meanMs: Math.round(times.reduce((sum, t) => sum + t, 0) / times.length),
    }));
}

function earliest(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.min(...values);
}
