/**
 * The incident message's inputs that come from several records (the caller hands them over):
 * what the level loses, the affected users as the requester put them, the owner, and the ETA.
 */
import { dataLossOf } from '../src/domain/data-loss.js';
import { estimateEta, type StepSample, stepEstimates } from '../src/domain/estimates.js';
import type { Plan } from '../src/domain/plan.js';
import type { Run, StepRow } from '../src/domain/records.js';
import type { StoredTimelineEvent } from '../src/domain/timeline.js';
import type { IncidentMessageInput } from './incident.js';
import { pairKey } from './progress-grid.js';

export interface IncidentFactsInput {
  plan: Pick<Plan, 'level' | 'dataLoss' | 'targetMs' | 'steps'>;
  run: Pick<Run, 'startedAt'>;
  requestedBy: string;
  /** This run's step rows. */
  rows: readonly StepRow[];
  /** Pairs an earlier run did, which this one skips (see progress-facts.ts). */
  skipped: readonly { stepIndex: number; host: string }[];
  /** The plan's hosts in the order they run (canary first): services/strategy.ts `batchHosts`. */
  batches: readonly (readonly string[])[];
  /** Step durations of earlier successful runs of this service and level (store `stepSamples`). */
  samples: readonly StepSample[];
  /** The incident's timeline. */
  events: readonly StoredTimelineEvent[];
  now: number;
}

export function incidentFacts(
  input: IncidentFactsInput,
): Required<Pick<IncidentMessageInput, 'dataLoss' | 'owner' | 'eta'>> & Pick<IncidentMessageInput, 'impact'> {
  const done = new Set([
    ...input.rows.filter((r) => r.state === 'ok').map((r) => pairKey(r.stepIndex, r.host)),
    ...input.skipped.map((p) => pairKey(p.stepIndex, p.host)),
  ]);
  const eta = estimateEta({
    elapsedMs: input.run.startedAt === null ? 0 : input.now - input.run.startedAt,
    targetMs: input.plan.targetMs,
    estimates: stepEstimates(input.samples),
    work: {
      steps: input.plan.steps.map((s) => ({
        index: s.index,
        kind: s.kind,
        hosts: s.targets.map((t) => t.host),
      })),
      batches: input.batches,
      finished: (stepIndex, host) => done.has(pairKey(stepIndex, host)),
    },
  });
  const impact = impactOf(input.events);
  return {
    dataLoss: dataLossOf(input.plan.level, input.plan.dataLoss),
    // Nobody can take the incident over yet: the requester owns it.
    owner: input.requestedBy,
    eta,
    ...(impact ? { impact } : {}),
  };
}

/** The affected users / features typed in the request form (`request.submitted`'s `impact`). */
export function impactOf(events: readonly StoredTimelineEvent[]): string | undefined {
  const submitted = events.find((e) => e.type === 'request.submitted');
  const impact = submitted?.data?.impact;
  return typeof impact === 'string' && impact.trim() !== '' ? impact : undefined;
}
