/** Seed 002's analysis sections: filled from the timeline where it knows, prompts for a human where not. */
import { targetVerdict } from '../../src/domain/figures.js';
import { humanDuration, plural } from '../format.js';
import {
  levelColon,
  levelParen,
  type RcaFacts,
  type RunFacts,
  runActual,
  type StepFailure,
} from './facts.js';
import { timeToRestore } from './figures.js';
import { oneLine, toFill } from './text.js';

const MAX_LISTED_FAILURES = 10;

export function analysisSections(facts: RcaFacts): string[] {
  return [
    ...rootCause(facts),
    ...contributingFactors(facts),
    "## Why It Wasn't Caught Earlier",
    '',
    `- Testing gaps: ${toFill('which test would have caught this before production?')}`,
    `- Monitoring gaps: ${toFill('how was it detected, and could an alert have fired sooner?')}`,
    `- Code review gaps: ${toFill('what should review have questioned?')}`,
    '',
    ...correctiveActions(facts),
    '## Prevention Measures',
    '',
    `- Improved testing: ${toFill('specific tests to add')}`,
    `- Enhanced monitoring: ${toFill('specific alerts to add')}`,
    `- Code review checklist: ${toFill('items to add')}`,
    `- Deployment process: ${toFill('changes to make')}`,
    '',
    ...lessonsLearned(facts),
  ];
}

function rootCause(facts: RcaFacts): string[] {
  const from = facts.fromVersion;
  const suspect = from === null ? [] : ['', `- Suspect: ${oneLine(from, 80)}, the version rolled back from.`];
  const summary = facts.incident.resolution?.rootCause;
  return [
    '## Root Cause',
    '',
    ...(summary ? [`- Summary (at resolution): ${oneLine(summary, 1500)}`, ''] : []),
    toFill('what change caused the failure? Give the technical explanation.'),
    ...suspect,
    '',
  ];
}

function failureText(f: StepFailure): string {
  const what = f.outcome === 'unknown' ? 'had an unknown outcome' : f.outcome.replace('_', ' ');
  const exit = f.exitCode === null ? '' : ` (exit ${f.exitCode})`;
  const error = f.exitCode === null && f.error ? `: ${oneLine(f.error, 200)}` : '';
  return `Step ${f.step + 1} '${oneLine(f.name, 120)}' ${what} on ${oneLine(f.host, 80)} during run ${f.run.label}${exit}${error}`;
}

function overTarget(facts: RcaFacts): { r: RunFacts; ms: number }[] {
  return facts.runs.flatMap((r) => {
    const actual = runActual(r, facts.now);
    return actual?.done && actual.ms > r.run.targetMs ? [{ r, ms: actual.ms }] : [];
  });
}

function contributingFactors(facts: RcaFacts): string[] {
  const known = facts.failures.slice(0, MAX_LISTED_FAILURES).map(failureText);
  const more = facts.failures.length - known.length;
  if (more > 0) known.push(`…and ${plural(more, 'more step failure')} (see the timeline)`);
  for (const r of facts.runs) {
    const pings = facts.events.filter((e) => e.type === 'escalation.pinged' && e.runId === r.run.id).length;
    if (pings === 0 || r.approvalRequestedAt === null) continue;
    const which = facts.runs.length > 1 ? ` of run ${r.label}` : '';
    const waited = humanDuration((r.approvedAt ?? facts.now) - r.approvalRequestedAt);
    const verb = r.approvedAt === null ? 'waited' : 'took';
    known.push(
      `Approval${which} ${verb} ${waited}; ${plural(pings, 'escalation ping')} went out before anyone approved`,
    );
  }
  for (const { r, ms } of overTarget(facts)) {
    known.push(
      `Run ${r.label} (${levelColon(r)}) took ${humanDuration(ms)} against its ${humanDuration(r.run.targetMs)} target`,
    );
  }
  for (const r of facts.runs.filter((x) => x.run.state === 'interrupted')) {
    known.push(`Run ${r.label} was interrupted by a rollbot restart`);
  }
  const items = [...known, toFill('what else made the impact larger or the recovery slower?')];
  return ['## Contributing Factors', '', ...items.map((item, i) => `${i + 1}. ${item}`), ''];
}

function correctiveActions(facts: RcaFacts): string[] {
  const immediate: string[] = [];
  if (facts.blocked)
    immediate.push(`Keep ${oneLine(facts.blocked.version, 80)} blocked from redeploy until a fix ships.`);
  for (const f of facts.failures.filter((x) => x.outcome === 'unknown')) {
    immediate.push(
      `Check ${oneLine(f.host, 80)} by hand: step '${oneLine(f.name, 120)}' had an unknown outcome.`,
    );
  }
  if (facts.incident.status === 'open')
    immediate.push('Confirm the service is stable, then mark the incident resolved.');
  const shortTerm = [...new Set(facts.failures.filter((f) => f.outcome !== 'unknown').map(stepFix))];
  for (const { r, ms } of overTarget(facts)) {
    shortTerm.push(
      `Bring ${levelParen(r)} back within its ${humanDuration(r.run.targetMs)} target (run ${r.label} took ${humanDuration(ms)}).`,
    );
  }
  const prompt = toFill('action, owner, due date');
  const list = (items: string[]) => [...items, prompt].map((item) => `   - ${item}`);
  return [
    '## Corrective Actions',
    '',
    '1. **Immediate** (< 24 hours):',
    ...list(immediate),
    '2. **Short-term** (< 1 week):',
    ...list(shortTerm),
    '3. **Long-term** (< 1 month):',
    ...list([]),
    '',
  ];
}

function stepFix(f: StepFailure): string {
  return `Make runbook step '${oneLine(f.name, 120)}' reliable on ${oneLine(f.host, 80)} (it failed during run ${f.run.label}).`;
}

const ENDINGS: Record<string, string> = {
  failed: 'failed',
  aborted: 'was aborted',
  interrupted: 'was interrupted',
  denied: 'was denied',
  expired: 'got no approval in time',
};

function lessonsLearned(facts: RcaFacts): string[] {
  const lessons: string[] = [];
  const restored = facts.restoredBy;
  const actual = restored ? runActual(restored, facts.now) : null;
  if (restored && actual) {
    const verdict = targetVerdict({
      state: restored.run.state,
      startedAt: restored.startedAt,
      finishedAt: restored.finishedAt,
      targetMs: restored.run.targetMs,
    });
    const target = humanDuration(restored.run.targetMs);
    const sinceRequest = humanDuration((restored.finishedAt ?? facts.now) - facts.incident.openedAt);
    lessons.push(
      `Rolled back with ${levelParen(restored)} in ${humanDuration(actual.ms)}, ${verdict} its ${target} target; service restored ${sinceRequest} after the request.`,
    );
  } else {
    lessons.push(`No rollback run succeeded: ${timeToRestore(facts)}.`);
  }
  facts.runs.forEach((r, i) => {
    const before = facts.runs[i - 1];
    if (!before) return;
    if (r.origin === 'escalation')
      lessons.push(`L${levelParen(before).slice(1)} was not enough: escalated to ${levelParen(r)}.`);
    if (r.origin === 'retry')
      lessons.push(
        `Run ${before.label} ${ENDINGS[before.run.state] ?? `ended ${before.run.state}`}; the retry ${r.label} skipped the steps that had already succeeded.`,
      );
  });
  return [
    '## Lessons Learned',
    '',
    ...[...lessons, toFill('key takeaways for the team.')].map((l) => `- ${l}`),
    '',
  ];
}
