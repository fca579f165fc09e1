/** A query step's condition and sampling in words, the same in the terminal plan and the Slack plan. */
import { conditionText } from './condition.js';
import { formatDuration } from './duration.js';
import type { QueryTarget } from './plan.js';

/** "each sample < 0.01 · every 15s, 21 samples over 5m · 0 failed samples tolerated" */
export function querySampling(target: QueryTarget): string {
  const window = (target.samples - 1) * target.everyMs;
  const samples = target.samples === 1 ? '1 sample' : `${target.samples} samples`;
  const over = window > 0 ? ` over ${formatDuration(window)}` : '';
  return `each sample ${conditionText(target.expect)} · every ${formatDuration(target.everyMs)}, ${samples}${over} · ${target.failureLimit} failed tolerated`;
}
