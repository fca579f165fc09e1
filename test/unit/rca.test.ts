import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/records.js';
import { rcaFileName, rcaMarkdown } from '../../views/rca/draft.js';
import {
  createRecorder,
  goldenIncident,
  INC,
  incidentOf,
  LEDGER,
  MIMO,
  runOf,
  storedPlan,
} from '../fixtures/rca/scenario.js';

const GOLDEN = 'test/fixtures/rca/golden.md';
const R1 = `${INC}-r1`;
const R2 = `${INC}-r2`;

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

function timelineLines(markdown: string): string[] {
  return section(markdown, 'Timeline')
    .split('\n')
    .filter((l) => l.startsWith('- '));
}

/** An incident whose only events are its opening and notes at the given instants. */
function notesAt(openedIso: string, notes: Record<string, string>, resolvedIso?: string) {
  const rec = createRecorder(openedIso);
  const openedAt = rec.now();
  rec.emit(
    'incident.opened',
    'U0REQ',
    { incidentId: INC },
    { severity: 'critical', level: 1, reason: 'Crash loop' },
  );
  for (const [iso, text] of Object.entries(notes)) {
    rec.at(iso);
    rec.emit('note.added', 'U0ONCALL', { incidentId: INC }, { text });
  }
  if (resolvedIso) {
    rec.at(resolvedIso);
    rec.emit('incident.resolved', 'U0ONCALL', { incidentId: INC });
  }
  const incident = incidentOf({
    openedAt,
    severity: 'critical',
    level: 1,
    reason: 'Crash loop',
    ...(resolvedIso ? { status: 'resolved' as const, resolvedAt: rec.now() } : {}),
  });
  return { incident, runs: [], steps: {}, timeline: rec.events, now: rec.now() };
}

describe('rcaMarkdown golden file', () => {
  it('renders the recorded incident exactly as the reviewed golden file', () => {
    const markdown = rcaMarkdown({ ...goldenIncident(), timeZone: 'Europe/Berlin' });
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it("follows seed 002's template: every section, in order", () => {
    const markdown = rcaMarkdown({ ...goldenIncident(), timeZone: 'Europe/Berlin' });
    const headings = markdown.split('\n').filter((l) => /^#{1,2} /.test(l));
    expect(headings).toEqual([
      '# Root Cause Analysis: mimo production — INC-2026-0001',
      '## Timeline',
      '## Figures',
      '## Root Cause',
      '## Contributing Factors',
      "## Why It Wasn't Caught Earlier",
      '## Corrective Actions',
      '## Prevention Measures',
      '## Lessons Learned',
    ]);
  });

  it('never prints step output tails, and neutralises broadcasts in user text', () => {
    const markdown = rcaMarkdown({ ...goldenIncident(), timeZone: 'Europe/Berlin' });
    expect(markdown).not.toContain('ECONNRESET');
    expect(markdown).not.toContain('added 412 packages');
    expect(markdown).not.toMatch(/<!(here|channel)/);
    expect(markdown).not.toMatch(/(^|[^\u200b])@channel/);
    expect(markdown).toContain('<@U0ONCALL>');
  });
});

describe('rcaMarkdown deploy line', () => {
  it('names the deploy being rolled back and how long before the incident it went out', () => {
    const golden = goldenIncident();
    const deploy = {
      id: 7,
      service: 'mimo',
      env: 'production',
      version: 'v2.4.1',
      commit: '3f9c2ab1d0e4aa55',
      at: golden.incident.openedAt - 38 * 60_000,
      by: 'pipeline',
    };
    const markdown = rcaMarkdown({ ...golden, deploy, timeZone: 'UTC' });
    const line = markdown.split('\n').find((l) => l.startsWith('- **Deploy**'));
    expect(line).toBe(
      `- **Deploy**: v2.4.1 at ${new Date(deploy.at).toISOString().slice(0, 16).replace('T', ' ')} UTC (commit 3f9c2ab1d0e4), 38m before the incident was opened`,
    );
    // Without a reported deploy there is no line (and the golden file is unchanged).
    expect(rcaMarkdown({ ...golden, timeZone: 'UTC' })).not.toContain('**Deploy**');
  });
});

describe('rcaMarkdown time zones', () => {
  it('shows Berlin wall-clock times across the 2026-03-29 spring-forward (02:00 → 03:00)', () => {
    const input = notesAt('2026-03-29T00:50:00Z', {
      '2026-03-29T00:59:00Z': 'before the change',
      '2026-03-29T01:01:00Z': 'after the change',
    });
    const markdown = rcaMarkdown({ ...input, timeZone: 'Europe/Berlin' });
    expect(markdown).toContain('- **Date**: 2026-03-29 01:50 UTC+01:00 (Europe/Berlin)');
    expect(markdown).toContain('_Times in Europe/Berlin (UTC+01:00)._');
    expect(timelineLines(markdown)).toEqual([
      '- 01:50 — Rollback requested by <@U0REQ> (level 1, CRITICAL): Crash loop',
      '- 01:59 — Note from <@U0ONCALL>: before the change',
      '- 03:01 UTC+02:00 — Note from <@U0ONCALL>: after the change',
    ]);
  });

  it('shows New York times across its 2026-03-08 spring-forward, with the date when midnight passes', () => {
    const input = notesAt('2026-03-08T04:55:00Z', {
      '2026-03-08T06:59:00Z': 'before the change',
      '2026-03-08T07:01:00Z': 'after the change',
    });
    const markdown = rcaMarkdown({ ...input, timeZone: 'America/New_York' });
    expect(markdown).toContain('- **Date**: 2026-03-07 23:55 UTC-05:00 (America/New_York)');
    expect(timelineLines(markdown)).toEqual([
      '- 2026-03-07 23:55 — Rollback requested by <@U0REQ> (level 1, CRITICAL): Crash loop',
      '- 2026-03-08 01:59 — Note from <@U0ONCALL>: before the change',
      '- 03:01 UTC-04:00 — Note from <@U0ONCALL>: after the change',
    ]);
  });

  it('tells the two 02:30s apart when Berlin falls back on 2026-10-25', () => {
    const input = notesAt(
      '2026-10-25T00:20:00Z',
      { '2026-10-25T00:30:00Z': 'first 02:30', '2026-10-25T01:30:00Z': 'second 02:30' },
      '2026-10-25T01:40:00Z',
    );
    const markdown = rcaMarkdown({ ...input, timeZone: 'Europe/Berlin' });
    expect(timelineLines(markdown)).toEqual([
      '- 02:20 — Rollback requested by <@U0REQ> (level 1, CRITICAL): Crash loop',
      '- 02:30 — Note from <@U0ONCALL>: first 02:30',
      '- 02:30 UTC+01:00 — Note from <@U0ONCALL>: second 02:30',
      '- 02:40 — Resolved by <@U0ONCALL>',
    ]);
    expect(markdown).toContain('- **Status**: Resolved (2026-10-25 02:40 UTC+01:00, by <@U0ONCALL>)');
  });

  it('renders the same instants in UTC without offsets or dates', () => {
    const input = notesAt('2026-03-29T00:50:00Z', { '2026-03-29T01:01:00Z': 'after' });
    const markdown = rcaMarkdown({ ...input, timeZone: 'UTC' });
    expect(timelineLines(markdown)).toEqual([
      '- 00:50 — Rollback requested by <@U0REQ> (level 1, CRITICAL): Crash loop',
      '- 01:01 — Note from <@U0ONCALL>: after',
    ]);
  });

  it('refuses a time zone it does not know instead of silently using UTC', () => {
    const input = notesAt('2026-03-29T00:50:00Z', {});
    expect(() => rcaMarkdown({ ...input, timeZone: 'Europe/Atlantis' })).toThrow(RangeError);
  });
});

describe('rcaMarkdown secrets', () => {
  const TOKEN = 'tok_SuperSecret_123';

  function leakedIncident() {
    const rec = createRecorder('2026-03-28T10:00:00Z');
    const plan = storedPlan(LEDGER, 2, { revision: '42', token: TOKEN }, R1);
    const openedAt = rec.now();
    rec.emit(
      'incident.opened',
      'U0REQ',
      { incidentId: INC },
      { severity: 'major', level: 2, reason: 'p99 10s' },
    );
    rec.emit('run.started', 'U0REQ', { runId: R1 }, { hosts: ['ledger-a', 'ledger-b', 'ledger-c'] });
    rec.step(R1, {
      index: 1,
      name: `Notify deploy API with ${TOKEN}`,
      host: 'ledger-b',
      ms: 2_000,
      outcome: 'failed',
      exitCode: null,
      error: `curl: (22) 401 for deploy:${TOKEN}`,
      tail: `Authorization: Basic ${TOKEN}`,
    });
    rec.emit(
      'run.finished',
      'rollbot',
      { runId: R1 },
      { status: 'failed', error: `token ${TOKEN} rejected` },
    );
    // Long enough that a naive cut at 500 characters would leave the start of the token behind.
    const note = `${'x'.repeat(490)} ${TOKEN} tail`;
    rec.emit('note.added', 'U0ONCALL', { incidentId: INC }, { text: note });
    rec.emit(
      'note.added',
      'U0ONCALL',
      { incidentId: INC },
      { text: `quoted "${TOKEN}" and ${encodeURIComponent(TOKEN)}` },
    );
    const run = runOf({
      id: R1,
      ...plan,
      service: 'ledger',
      state: 'failed',
      startedAt: openedAt,
      finishedAt: rec.now(),
    });
    return {
      incident: incidentOf({ service: 'ledger', openedAt, reason: `p99 10s (token ${TOKEN})` }),
      runs: [run],
      steps: rec.steps,
      timeline: rec.events,
      now: rec.now(),
    };
  }

  it('never prints output tails', () => {
    const markdown = rcaMarkdown({ ...leakedIncident(), timeZone: 'UTC' });
    expect(markdown).not.toContain('Authorization: Basic');
  });
});

describe('rcaMarkdown figures', () => {
  const golden = () => rcaMarkdown({ ...goldenIncident(), timeZone: 'Europe/Berlin' });

  it('computes time to acknowledge, approval and restore from the events', () => {
    const figures = section(golden(), 'Figures');
    // Opened 22:50:00Z; first approval 22:56:30Z.
    expect(figures).toContain('| Time to acknowledge | 6m 30s (request → first approval) |');
    // r1: requested 22:50:01Z, approved 22:56:30Z; r2: requested 23:11:00Z, approved 23:12:15Z.
    expect(figures).toContain('| Time to approval | r1: 6m 29s; r2: 1m 15s |');
    // r2 started 23:12:16Z and ran 112 + 3 + 2 + 300 s: finished 23:19:13Z, 29m 13s after 22:50:00Z.
    expect(figures).toContain('| Time to restore | 29m 13s (request → run r2 succeeded) |');
  });

  it("compares each run with its level's target", () => {
    const figures = section(golden(), 'Figures');
    // r1: 22:56:31Z → 23:09:34Z (canary 417 s, second batch 61 s, mimo-3's last steps 305 s).
    // r1 failed: it restored nothing, so it is never "within target", however quickly it ended.
    expect(figures).toContain('| r1 | 2 · Code rollback | failed | 15m | 13m 3s | not a restore |');
    expect(figures).toContain('| r2 | 2 · Code rollback | succeeded | 15m | 6m 57s | within target |');
    // Estimates: the median over 3 earlier runs of each step's slowest host (110, 120, 85 s → 1m 50s).
    expect(figures).toContain(
      '| 3. Clean install | 1m 50s (3 runs) | 1m 40s | mimo-1, mimo-3 ok; mimo-2 failed (exit 1) |',
    );
    expect(figures).toContain('| 1. Back up current state | 10s (3 runs) | — | 3 done in r1 |');
    expect(figures).toContain('| **Total** | **7m 9s** · level target 15m | **6m 57s** | |');
    expect(figures).not.toContain('Budget');
    expect(figures).toContain('- **Rolled back from**: v2.4.0 (blocked from redeploy)');
    expect(figures).toContain('- **Rolled back to**: v2.3.0');
  });

  it('says "no history" for a step no earlier successful run timed, never the step timeout', () => {
    const input = goldenIncident();
    const samples = (input.stepSamples?.[2] ?? []).filter((x) => x.stepIndex !== 2);
    const figures = section(
      rcaMarkdown({ ...input, stepSamples: { 2: samples }, timeZone: 'UTC' }),
      'Figures',
    );
    expect(figures).toContain('| 3. Clean install | no history | 1m 40s |');
    expect(figures).toContain('| **Total** | **no history** · level target 15m |');
    const none = section(rcaMarkdown({ ...input, stepSamples: {}, timeZone: 'UTC' }), 'Figures');
    expect(none).toContain('| 1. Back up current state | no history | 9s | 3 ok |');
    expect(none).not.toMatch(/\| 10m \|/);
  });

  it('flags a run over its target, a restore without approval, and names the over-run as a factor', () => {
    const rec = createRecorder('2026-05-04T09:00:00Z');
    const plan = storedPlan(LEDGER, 1, {}, R1);
    const openedAt = rec.now();
    rec.emit(
      'incident.opened',
      'U0REQ',
      { incidentId: INC },
      { severity: 'critical', level: 1, reason: 'Crash' },
    );
    rec.wait(20);
    rec.emit('run.started', 'U0REQ', { runId: R1 }, { hosts: ['ledger-a', 'ledger-b'] });
    const startedAt = rec.now();
    rec.wait(185);
    rec.emit('run.finished', 'rollbot', { runId: R1 }, { status: 'succeeded' });
    const run = runOf({ id: R1, ...plan, service: 'ledger', level: 1, startedAt, finishedAt: rec.now() });
    const markdown = rcaMarkdown({
      incident: incidentOf({ service: 'ledger', level: 1, severity: 'critical', openedAt }),
      runs: [run],
      steps: {},
      timeline: rec.events,
      timeZone: 'UTC',
      now: rec.now() + 60_000,
    });
    const figures = section(markdown, 'Figures');
    expect(figures).toContain('| Time to acknowledge | 20s (request → first run started) |');
    expect(figures).toContain('| Time to approval | no approval requested |');
    expect(figures).toContain('| Time to restore | 3m 25s (request → run succeeded) |');
    expect(figures).toContain('| r1 | 1 · Drain | succeeded | 1m | 3m 5s | over target |');
    expect(figures).toContain('- **Rolled back to**: level 1: Drain');
    expect(figures).toContain('- **Rolled back from**: not recorded');
    expect(section(markdown, 'Contributing Factors')).toContain(
      'Run r1 (level 1: Drain) took 3m 5s against its 1m target',
    );
    expect(section(markdown, 'Lessons Learned')).toContain('in 3m 5s, over its 1m target');
    expect(markdown).toContain('- **Status**: Open');
  });

  it('reports an open incident whose retry still waits for approval', () => {
    const rec = createRecorder('2026-05-04T09:00:00Z');
    const openedAt = rec.now();
    rec.emit(
      'incident.opened',
      'U0REQ',
      { incidentId: INC },
      { severity: 'major', level: 2, reason: 'Slow' },
    );
    rec.emit('run.started', 'U0REQ', { runId: R1 }, {});
    rec.wait(60);
    rec.emit('run.finished', 'rollbot', { runId: R1 }, { status: 'failed', error: 'Reload on mimo-1: boom' });
    rec.emit('approval.requested', 'rollbot', { runId: R2 }, { required: 2, approvers: ['U0LEAD'] });
    rec.wait(600);
    rec.emit('escalation.pinged', 'rollbot', { runId: R2 }, { after: '10m', notify: ['S0TECHLEADS'] });
    const runs: Run[] = [
      runOf({ id: R1, state: 'failed', startedAt: openedAt, finishedAt: openedAt + 60_000 }),
      runOf({ id: R2, state: 'pending_approval', escalatedFrom: R1 }),
    ];
    const markdown = rcaMarkdown({
      incident: incidentOf({ openedAt }),
      runs,
      steps: {},
      timeline: rec.events,
      timeZone: 'UTC',
      now: rec.now(),
    });
    const figures = section(markdown, 'Figures');
    expect(figures).toContain('| Time to approval | r2: not approved (waiting for approval) |');
    expect(figures).toContain('| Time to restore | not restored (open for 11m) |');
    expect(figures).toContain('| r2 | 2 · Code rollback | waiting for approval | 15m | — | not run |');
    expect(markdown).toContain('Escalation ping to user group S0TECHLEADS (no decision after 10m)');
    expect(section(markdown, 'Contributing Factors')).toContain(
      'Approval of run r2 waited 10m; 1 escalation ping went out before anyone approved',
    );
    expect(section(markdown, 'Corrective Actions')).toContain(
      'Confirm the service is stable, then mark the incident resolved.',
    );
  });
});

describe('rcaMarkdown wording', () => {
  function escalated() {
    const rec = createRecorder('2026-06-01T12:00:00Z');
    const plan2 = storedPlan(MIMO, 2, { version: 'v2.3.0' }, R1);
    const plan3 = storedPlan(MIMO, 3, { version: 'v2.3.0', backup: 'mimo-0531.tar.gz' }, R2);
    const openedAt = rec.now();
    rec.emit(
      'incident.opened',
      'U0REQ',
      { incidentId: INC },
      { severity: 'critical', level: 2, reason: 'Data loss' },
    );
    rec.emit('run.started', 'U0REQ', { runId: R1 }, { hosts: ['mimo-1', 'mimo-2', 'mimo-3'] });
    rec.step(R1, {
      index: 4,
      name: 'Verify version',
      kind: 'check',
      host: 'mimo-1',
      ms: 60_000,
      outcome: 'timed_out',
    });
    rec.step(R1, {
      index: 3,
      name: 'Reload',
      host: 'mimo-2',
      ms: 5_000,
      outcome: 'unknown',
      error: 'connection lost before an exit status arrived',
    });
    rec.emit('run.finished', 'rollbot', { runId: R1 }, { status: 'failed' });
    const r1Finished = rec.now();
    rec.wait(30);
    rec.emit('plan.rendered', 'U0ONCALL', { incidentId: INC, runId: R2 }, { level: 3 });
    rec.emit('level.escalated', 'U0ONCALL', { runId: R2 }, { from: 2, to: 3, previousRun: R1 });
    rec.emit('approval.requested', 'rollbot', { runId: R2 }, { required: 2, approvers: ['U0LEAD', 'W0OPS'] });
    rec.emit('approval.granted', 'U0LEAD', { runId: R2 }, { count: 1 });
    rec.emit('approval.refused', 'U0LEAD', { runId: R2 }, { decision: 'approve', code: 'already_decided' });
    rec.emit('approval.refused', 'U0NOBODY', { runId: R2 }, { decision: 'approve', code: 'not_authorized' });
    rec.emit('approval.granted', 'W0OPS', { runId: R2 }, { count: 2 });
    rec.emit('run.approved', 'W0OPS', { runId: R2 }, { approvedBy: ['U0LEAD', 'W0OPS'] });
    rec.emit('run.started', 'W0OPS', { runId: R2 }, {});
    rec.emit(
      'run.confirm_requested',
      'rollbot',
      { runId: R2 },
      { question: 'Writes since backup will be lost. Continue?' },
    );
    rec.emit(
      'run.confirmed',
      'U0ONCALL',
      { runId: R2 },
      { question: 'Writes since backup will be lost. Continue?', confirmed: true },
    );
    rec.wait(1200);
    rec.emit('run.finished', 'rollbot', { runId: R2 }, { status: 'succeeded' });
    rec.emit('note.added', 'cli:alice', { incidentId: 'INC-2026-0002' }, { text: 'another incident' });
    rec.emit('incident.resolved', 'U0ONCALL', { incidentId: INC }, { fromVersion: 'v2.4.1' });
    const runs: Run[] = [
      runOf({ id: R1, ...plan2, state: 'failed', startedAt: openedAt, finishedAt: r1Finished }),
      runOf({
        id: R2,
        ...plan3,
        level: 3,
        escalatedFrom: R1,
        startedAt: r1Finished + 30_000,
        finishedAt: rec.now(),
      }),
    ];
    const incident = incidentOf({
      openedAt,
      status: 'resolved',
      resolvedAt: rec.now(),
      severity: 'critical',
    });
    return { incident, runs, steps: rec.steps, timeline: rec.events, now: rec.now() };
  }

  it('describes an escalation to level 3 in the header, timeline and lessons', () => {
    const markdown = rcaMarkdown({ ...escalated(), timeZone: 'UTC' });
    expect(markdown).toContain('- **Rollback level(s)**: 2 (Code rollback), escalated to 3 (Full restore)');
    const lines = timelineLines(markdown).map((l) => l.slice(l.indexOf('— ') + 2));
    expect(lines).toEqual([
      'Rollback requested by <@U0REQ> (level 2, CRITICAL): Data loss',
      'Run r1 started (level 2: Code rollback, 3 hosts)',
      "Step 5 'Verify version' timed out on mimo-1 (after 1m)",
      "Step 4 'Reload' had an unknown outcome on mimo-2: connection lost before an exit status arrived",
      'Run r1 failed after 1m 5s',
      'Escalated to level 3 (Full restore) by <@U0ONCALL>',
      'Approval requested from <@U0LEAD>, <@W0OPS> (2 approvals needed)',
      'Approved by <@U0LEAD> (1/2)',
      'Approval refused for <@U0LEAD> (already decided)',
      'Approval refused for <@U0NOBODY> (not an approver)',
      'Approved by <@W0OPS> (2/2)',
      'Run r2 started (level 3: Full restore)',
      'Confirmation asked: Writes since backup will be lost. Continue?',
      'Confirmed by <@U0ONCALL>: Writes since backup will be lost. Continue?',
      'Run r2 succeeded in 20m',
      'Resolved by <@U0ONCALL>',
    ]);
    expect(markdown).toContain('- **Rolled back from**: v2.4.1\n');
    expect(section(markdown, 'Lessons Learned')).toContain(
      '- Level 2 (Code rollback) was not enough: escalated to level 3 (Full restore).',
    );
    expect(section(markdown, 'Corrective Actions')).toContain(
      "Check mimo-2 by hand: step 'Reload' had an unknown outcome.",
    );
    expect(markdown).not.toContain('another incident');
  });

  it('neutralises Slack broadcasts in user text but keeps user mentions', () => {
    const input = notesAt('2026-03-29T10:00:00Z', {
      '2026-03-29T10:01:00Z':
        'ping <!channel> and <!subteam^S0ALL|@all> and @here, cc <@U0LEAD>\n# not a heading',
    });
    const markdown = rcaMarkdown({ ...input, timeZone: 'UTC' });
    expect(timelineLines(markdown)[1]).toBe(
      '- 10:01 — Note from <@U0ONCALL>: ping &lt;!channel&gt; and &lt;!subteam^S0ALL|@all&gt; and @\u200bhere, cc <@U0LEAD> # not a heading',
    );
  });

  it('names terminal users and rollbot itself, and drops events of other incidents', () => {
    const rec = createRecorder('2026-06-01T12:00:00Z');
    const openedAt = rec.now();
    rec.emit(
      'incident.opened',
      'cli:alice',
      { incidentId: INC },
      { severity: 'minor', level: 1, reason: 'Drill' },
    );
    rec.emit('approval.granted', 'cli:bob', { runId: R1 }, { via: 'terminal' });
    rec.emit('run.started', 'cli:alice', { runId: R1 }, { hosts: ['localhost'] });
    rec.emit(
      'run.interrupted',
      'rollbot',
      { runId: R1, incidentId: INC },
      { from: 'running', unknownSteps: 1 },
    );
    rec.emit('note.added', 'U0OTHER', { incidentId: 'INC-2026-0002' }, { text: 'another incident' });
    rec.emit('run.started', 'U0OTHER', { runId: 'INC-2026-0002-r1' }, {});
    const markdown = rcaMarkdown({
      incident: incidentOf({
        openedAt,
        kind: 'drill',
        severity: 'minor',
        level: 1,
        requestedBy: 'cli:alice',
      }),
      runs: [runOf({ id: R1, level: 1, state: 'interrupted', startedAt: openedAt, finishedAt: openedAt })],
      steps: {},
      timeline: rec.events,
      timeZone: 'UTC',
      now: openedAt,
    });
    expect(markdown.split('\n')[0]).toBe('# Root Cause Analysis (drill): mimo production — INC-2026-0001');
    expect(timelineLines(markdown)).toEqual([
      '- 12:00 — Drill requested by alice (terminal) (level 1, MINOR): Drill',
      '- 12:00 — Approved by bob (terminal)',
      '- 12:00 — Run started (level 1: Feature toggle, 1 host)',
      '- 12:00 — Run interrupted: rollbot restarted (1 step left with an unknown outcome)',
    ]);
    expect(section(markdown, 'Contributing Factors')).toContain(
      'Run r1 was interrupted by a rollbot restart',
    );
  });

  it('names the file after the incident id', () => {
    expect(rcaFileName(incidentOf())).toBe('RCA-INC-2026-0001.md');
    expect(rcaFileName({ id: '../DRL 2026/0003' })).toBe('RCA-___DRL_2026_0003.md');
  });
});
