/** Figures of query steps (metric analysis) for the progress message: "0.0041 < 0.01 · 3/3 samples". */
import { conditionText, formatMeasure } from '../src/domain/condition.js';
import type { PlannedStep } from '../src/domain/plan.js';
import type { StepRow } from '../src/domain/records.js';
import type { MetricSample } from '../src/domain/step-result.js';
import { escapeFit } from './mrkdwn.js';

/**
 * The last measured value against the condition, and how many samples met it:
 * "0.0041 < 0.01 · 3/3 samples" or "0.082, want < 0.01 · 1/2 samples met it".
 */
export function sampleSummary(condition: string, samples: readonly MetricSample[]): string {
  const last = samples.at(-1);
  if (!last) return `want ${condition}`;
  const met = samples.filter((s) => s.ok).length;
  const count = `${met}/${samples.length} samples`;
  if (samples.every((s) => s.ok)) return `${formatMeasure(last.value!)} ${condition} · ${count}`;
  const measured = last.value === null ? (last.reason ?? 'no value') : formatMeasure(last.value);
  return `${measured}, want ${condition} · ${count} met it`;
}

/** `line` with the figure of a finished query step appended (mrkdwn-escaped); other lines unchanged. */
export function withQueryFigure(line: string, step: PlannedStep, rows: readonly StepRow[]): string {
  const target = step.targets[0];
  if (step.kind !== 'query' || target?.kind !== 'query') return line;
  const row = rows.findLast((r) => r.stepIndex === step.index && r.samples !== undefined);
  if (!row?.samples) return line;
  return `${line} · ${escapeFit(sampleSummary(conditionText(target.expect), row.samples), 200)}`;
}
