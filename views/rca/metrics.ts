/** The RCA's metric figures: each query step's baseline before the rollback and what it measured after. */
import { formatMeasure } from '../../src/domain/condition.js';
import type { MetricSample } from '../../src/domain/step-result.js';
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { cell } from './text.js';

interface Figure {
  name: string;
  condition: string | null;
  before: MetricSample | null;
  after: MetricSample[] | null;
}

/**
 * "| Error rate below 1% | < 0.01 | 0.082 → 0.0031 | 21/21 |": the first baseline of the incident
 * (before anything changed) against the last samples a run measured. Nothing when no query step ran.
 */
export function metricLines(events: readonly StoredTimelineEvent[]): string[] {
  const figures = new Map<string, Figure>();
  const figure = (name: string) => {
    const known = figures.get(name) ?? { name, condition: null, before: null, after: null };
    figures.set(name, known);
    return known;
  };
  for (const event of events) {
    if (event.type === 'run.baseline') {
      for (const b of baselinesOf(event)) {
        const f = figure(b.name);
        f.condition ??= b.condition;
        f.before ??= b.sample;
      }
    } else if (event.type === 'step.finished' && Array.isArray(event.data?.samples)) {
      figure(String(event.data.name)).after = event.data.samples as MetricSample[];
    }
  }
  if (figures.size === 0) return [];
  const rows = [...figures.values()].map((f) => {
    const met = f.after ? `${f.after.filter((s) => s.ok).length}/${f.after.length}` : '—';
    const change = `${measured(f.before)} → ${measured(f.after?.at(-1) ?? null)}`;
    return `| ${cell(f.name)} | ${cell(f.condition ?? '—', 40)} | ${cell(change, 200)} | ${met} |`;
  });
  return [
    '| Metric (query step) | Condition | Before → after | Samples met |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

function measured(sample: MetricSample | null): string {
  if (sample === null) return 'not measured';
  return sample.value === null ? `no value (${sample.reason ?? 'unknown'})` : formatMeasure(sample.value);
}

function baselinesOf(
  event: StoredTimelineEvent,
): { name: string; condition: string; sample: MetricSample }[] {
  const list = event.data?.baselines;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (b): b is { name: string; condition: string; sample: MetricSample } =>
      typeof b?.name === 'string' && typeof b?.condition === 'string' && typeof b?.sample === 'object',
  );
}
