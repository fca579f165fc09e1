/** Small display formats shared by the messages: durations, severities, levels, plural nouns. */
import { formatDuration } from '../src/domain/duration.js';
import { SEVERITY_INFO, type Severity } from '../src/domain/severity.js';

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: '🔴',
  major: '🟡',
  minor: '🟢',
};

/** "4m 12s" rather than "4m12s": easier to read at a glance. */
export function humanDuration(ms: number): string {
  return formatDuration(Math.max(0, ms)).replace(/(\d+(?:h|m|s))(?=\d)/g, '$1 ');
}

/** "🔴 CRITICAL" */
export function severityBadge(severity: Severity): string {
  return `${SEVERITY_EMOJI[severity]} ${SEVERITY_INFO[severity].label}`;
}

/** "2 · Code rollback" */
export function levelLabel(level: number, name: string): string {
  return `${level} · ${name}`;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** "14 min", rounded up, so a deadline is never shown as sooner than it is. */
export function minutesLeft(ms: number): string {
  if (ms <= 0) return 'now';
  if (ms < 60_000) return 'less than a minute';
  return `${Math.ceil(ms / 60_000)} min`;
}

/** "2025-11-12 14:02 UTC": dates in history lists, the same for every reader. */
export function utcDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
