import { describe, expect, it } from 'vitest';
import { dataLossOf } from '../../src/domain/data-loss.js';
import type { Plan } from '../../src/domain/plan.js';
import type { HistoryRow, Incident, Run } from '../../src/domain/records.js';
import { loadRunbookFile } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { type ApprovalState, approvalMessage } from '../../views/approval.js';
import type { MessageContent } from '../../views/blocks.js';
import { approvalReminder } from '../../views/escalation.js';
import { errorWithUsage, helpText } from '../../views/help.js';
import { historyText } from '../../views/history.js';
import { APPROVE, DENY } from '../../views/ids.js';
import { INCIDENT_STATUSES, incidentMessage } from '../../views/incident.js';
import { impactOf, incidentFacts } from '../../views/incident-facts.js';
import { escapeMrkdwn, mention } from '../../views/mrkdwn.js';
import { planMessage } from '../../views/plan.js';
import { progressMessage } from '../../views/progress.js';
import { resolutionMessage, rollbackFailedMessage } from '../../views/resolution.js';
import { statusText } from '../../views/status.js';
import { testPlan } from '../support/records.js';

const EVIL = '<!channel> <@U123> & <script>alert(1)</script> @here <https://evil.example|click>';
const T0 = Date.UTC(2025, 10, 12, 14, 0);

function mimoPlan(level = 2, params: Record<string, string> = {}): Plan {
  const { runbook } = loadRunbookFile('test/fixtures/runbooks/valid/mimo.yml');
  const rendered = renderPlan(runbook!, {
    env: 'production',
    level,
    params,
    runId: 'INC-2025-0042-r1',
    incidentId: 'INC-2025-0042',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan;
}
const plan = mimoPlan();

function incidentOf(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-2025-0042',
    kind: 'incident',
    service: 'mimo',
    env: 'production',
    severity: 'critical',
    level: 2,
    reason: 'Error rate 8% on /api/ask',
    requestedBy: 'U0REQ',
    status: 'open',
    openedAt: T0,
    resolvedAt: null,
    slackChannel: 'C1',
    slackTs: '1.1',
    owner: 'U0ALICE',
    resolvedBy: null,
    resolution: null,
    ...over,
  };
}
function runOf(over: Partial<Run> = {}): Run {
  return {
    id: 'INC-2025-0042-r1',
    incidentId: 'INC-2025-0042',
    service: 'mimo',
    env: 'production',
    level: 2,
    drill: false,
    state: 'running',
    planHash: plan.hash,
    plan: testPlan(),
    executable: true,
    approvalsRequired: 1,
    owner: null,
    requestedBy: 'U0REQ',
    createdAt: T0,
    startedAt: T0 + 60_000,
    finishedAt: null,
    targetMs: 900_000,
    error: null,
    escalatedFrom: null,
    ...over,
  };
}
const drill = incidentOf({ id: 'DRL-2025-0003', kind: 'drill', env: 'staging' });
const drillRun = runOf({ id: 'DRL-2025-0003-r1', incidentId: 'DRL-2025-0003', env: 'staging', drill: true });

function approval(state: ApprovalState, over: Partial<Parameters<typeof approvalMessage>[0]> = {}) {
  return approvalMessage({
    runId: 'INC-2025-0042-r1',
    plan,
    requestedBy: 'U0REQ',
    approvers: ['S0PLATFORM', 'U0LEAD'],
    required: 2,
    approvedBy: ['U0LEAD'],
    expiresAt: T0 + 15 * 60_000,
    now: T0,
    state,
    ...over,
  });
}

type Json = Record<string, unknown>;
function collect(node: unknown, pick: (o: Json) => boolean, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) collect(n, pick, out);
  else if (typeof node === 'object' && node !== null) {
    const o = node as Json;
    if (pick(o)) out.push(o);
    for (const v of Object.values(o)) collect(v, pick, out);
  }
  return out;
}
const buttons = (m: MessageContent) => collect(m.blocks, (o) => o.type === 'button');
const all = (m: MessageContent) => JSON.stringify(m);

function expectEscaped(m: MessageContent): void {
  const s = all(m);
  for (const raw of ['<!channel>', '<@U123>', '<script>', '<https://evil', '@here'])
    expect(s).not.toContain(raw);
  expect(s).toContain('&lt;!channel&gt;');
  expect(s).toContain('&lt;@U123&gt; &amp; &lt;script&gt;');
}

describe('user text is escaped everywhere', () => {
  it('in the incident, resolution, failure, denial, progress and error messages', () => {
    const incident = incidentOf({ reason: EVIL });
    expectEscaped(
      incidentMessage({
        incident,
        run: runOf(),
        levelName: 'Code rollback',
        targetMs: 900_000,
        status: 'rolling_back',
        currentAction: EVIL,
      }),
    );
    expectEscaped(
      resolutionMessage({
        incident,
        run: runOf(),
        levelName: 'Code rollback',
        params: { version: 'v2.3.0' },
        now: T0,
      }),
    );
    expectEscaped(
      rollbackFailedMessage({
        incident,
        run: runOf(),
        levelName: 'Code rollback',
        ending: 'failed',
        detail: EVIL,
        now: T0,
      }),
    );
    expectEscaped(approval({ kind: 'denied', by: 'U0LEAD', reason: EVIL }));
    expectEscaped(errorWithUsage(`unknown service "${EVIL}"`));
    const row = {
      runId: 'r',
      stepIndex: 0,
      host: 'mimo-1',
      name: 'x',
      kind: 'run' as const,
      state: 'failed' as const,
      exitCode: 2,
      signal: null,
      startedAt: T0,
      finishedAt: T0 + 1,
      durationMs: 1,
      tail: EVIL,
      error: EVIL,
      logFile: null,
    };
    expectEscaped(
      progressMessage({
        plan,
        run: runOf({ state: 'failed' }),
        steps: [row],
        now: T0,
        phase: { kind: 'failed' },
      }),
    );
  });

  it('escapes commands in the plan (a script with > and &&) but keeps real mentions for approvers', () => {
    const s = all(planMessage({ plan: mimoPlan(1) }));
    expect(s).toContain('ENABLE_PARALLEL_SPAWNING=false &gt;&gt; /opt/app/.env');
    const a = all(approval({ kind: 'pending' }, { approvers: ['S0PLATFORM', 'U0LEAD', '<!channel>'] }));
    expect(a).toContain('<!subteam^S0PLATFORM>');
    expect(a).toContain('<@U0LEAD>');
    expect(a).not.toContain('<!channel>');
    expect(mention('U0LEAD')).toBe('<@U0LEAD>');
    expect(mention('<@U1|x>')).toBe('&lt;@U1|x&gt;');
    expect(escapeMrkdwn('a & b <c>')).toBe('a &amp; b &lt;c&gt;');
  });

  it('marks every mrkdwn text verbatim, so Slack never auto-links names or URLs', () => {
    const messages = [
      incidentMessage({
        incident: incidentOf({ reason: 'see http://x.example' }),
        run: runOf(),
        levelName: 'Code rollback',
        targetMs: 1,
        status: 'rolling_back',
        currentAction: 'x',
      }),
      planMessage({ plan }),
      approval({ kind: 'pending' }),
    ];
    for (const m of messages) {
      const mrkdwn = collect(m.blocks, (o) => o.type === 'mrkdwn');
      expect(mrkdwn.length).toBeGreaterThan(0);
      for (const t of mrkdwn) expect(t.verbatim).toBe(true);
    }
  });
});

describe('drills never say INCIDENT', () => {
  it('in the root message, resolution, failure and progress, in every status', () => {
    const messages: MessageContent[] = INCIDENT_STATUSES.map((status) =>
      incidentMessage({
        incident: drill,
        run: drillRun,
        levelName: 'Code rollback',
        targetMs: 900_000,
        status,
        currentAction: 'Step 2',
        now: T0 + 120_000,
      }),
    );
    messages.push(
      resolutionMessage({
        incident: { ...drill, resolvedAt: T0 + 300_000 },
        run: drillRun,
        levelName: 'Code rollback',
        params: {},
        now: T0,
      }),
    );
    for (const ending of ['failed', 'aborted', 'interrupted', 'denied', 'expired'] as const) {
      messages.push(
        rollbackFailedMessage({
          incident: drill,
          run: drillRun,
          levelName: 'Code rollback',
          ending,
          now: T0,
        }),
      );
    }
    for (const kind of ['running', 'succeeded', 'failed'] as const) {
      messages.push(progressMessage({ plan, run: drillRun, steps: [], now: T0, phase: { kind } }));
    }
    for (const m of messages) expect(all(m)).not.toMatch(/incident/i);
    expect(all(messages[0]!)).toContain('🧪 DRILL');
  });
});

describe('incident root message', () => {
  it('follows seed 004 and seed 002: severity, level, status, requester, ETA', () => {
    const m = incidentMessage({
      incident: incidentOf(),
      run: runOf(),
      levelName: 'Code rollback',
      targetMs: 900_000,
      status: 'rolling_back',
      currentAction: 'Step 3/6 Clean install',
      now: T0 + 5 * 60_000,
    });
    expect(m.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '🚨 INCIDENT: mimo production issue detected' },
    });
    const s = all(m);
    for (const part of [
      'INC-2025-0042',
      '🔴 CRITICAL',
      '2 · Code rollback',
      '🔄 Rolling back',
      '*Owner*\\n<@U0REQ> (requested it)',
      'Step 3/6 Clean install',
      '*Data loss*\\nNone expected',
      '*Affected users / features*\\nError rate 8% on /api/ask',
    ]) {
      expect(s).toContain(part);
    }
    // Without history the ETA is the level target minus the time elapsed, and says so.
    expect(s).toMatch(/≈ <!date\^\d+\^\{time\}\|[^>]+> \(~11m left as of <!date\^/);
    expect(s).toContain('4m elapsed + ~11m (level target 15m; no earlier runs to go by)');
    expect(m.text).toContain('🚨 INCIDENT: mimo production issue detected');
  });

  it('adds data loss, affected users, owner and an ETA from earlier runs (seed 002 template)', () => {
    const m = incidentMessage({
      incident: incidentOf({ reason: 'checkout 500s since v2.4.0' }),
      run: runOf({ level: 3 }),
      levelName: 'Full restore',
      targetMs: 45 * 60_000,
      status: 'rolling_back',
      currentAction: 'Step 4/7',
      now: T0 + 5 * 60_000,
      dataLoss: dataLossOf(3),
      impact: 'All EU customers cannot check out',
      owner: 'U0ONCALL',
      eta: { elapsedMs: 5 * 60_000, remainingMs: 130_000, basis: 'history', runs: 4 },
    });
    const s = all(m);
    expect(s).toContain('*Data loss*\\n⚠️ Writes since the backup are lost');
    expect(s).toContain('*Affected users / features*\\nAll EU customers cannot check out');
    expect(s).toContain('*Issue*\\ncheckout 500s since v2.4.0');
    expect(s).toContain('*Owner*\\n<@U0ONCALL> · requested by <@U0REQ>');
    expect(s).toContain('(~2m 10s left as of <!date^');
    expect(s).toContain('5m elapsed + ~2m 10s (median of 4 earlier runs)');
    expect(s).not.toContain('level target');
    const waiting = all(
      incidentMessage({
        incident: incidentOf(),
        run: runOf({ state: 'pending_approval', startedAt: null }),
        levelName: 'Code rollback',
        targetMs: 900_000,
        status: 'awaiting_approval',
        currentAction: 'Waiting for 1 approval',
        now: T0,
        eta: { elapsedMs: 0, remainingMs: 429_000, basis: 'history', runs: 3 },
      }),
    );
    expect(waiting).toContain('~7m 9s once it starts (median of 3 earlier runs)');
  });

  it('once resolved, drops the 🚨 header and the ETA and adds "✅ Resolved in 12m"', () => {
    const m = incidentMessage({
      incident: incidentOf({ status: 'resolved', resolvedAt: T0 + 12 * 60_000 }),
      run: runOf({ state: 'succeeded' }),
      levelName: 'Code rollback',
      targetMs: 900_000,
      status: 'resolved',
      currentAction: '',
    });
    expect(all(m)).toContain('✅ *Resolved in 12m*');
    expect(all(m)).toContain('✅ Resolved');
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { text: '✅ RESOLVED: mimo production' } });
    expect(all(m)).not.toContain('🚨');
    expect(all(m)).not.toContain('*ETA*');
    expect(m.text).not.toContain('INCIDENT');
  });
});

describe('approval message', () => {
  it('says who may approve, how many are given, when it expires and which plan it binds to', () => {
    const m = approval({ kind: 'pending' });
    const s = all(m);
    expect(s).toContain('1 of 2 given');
    expect(s).toContain('not the requester, <@U0REQ>');
    expect(s).toContain(`Binds to plan \`${plan.hash.slice(0, 12)}\``);
    expect(s).toContain('expires in 15 min');
    expect(m.text).toContain('expires in 15 min');
  });

  it('lets the approver decide from the message: severity, impact, target version, data-loss risk', () => {
    const m = approval(
      { kind: 'pending' },
      {
        severity: 'critical',
        reason: 'checkout 500s since v2.4.0',
        impact: 'All EU customers cannot pay',
      },
    );
    const s = all(m);
    expect(s).toContain('*Severity*\\n🔴 CRITICAL');
    expect(s).toContain('*Target version*\\n`v2.3.0`');
    expect(s).toContain('*Data loss risk*\\nNone expected');
    expect(s).toContain('*Impact:* All EU customers cannot pay\\n*Issue:* checkout 500s since v2.4.0');
    const restore = all(
      approval(
        { kind: 'pending' },
        { plan: mimoPlan(3, { backup: 'b.tar.gz' }), severity: 'major', reason: 'data corrupted' },
      ),
    );
    expect(restore).toContain('*Data loss risk*\\n⚠️ Writes since the backup are lost');
    expect(restore).toContain('*Impact / reason:* data corrupted');
    const noVersion = { ...plan, params: { backup: 'b.tar.gz' } };
    expect(all(approval({ kind: 'pending' }, { plan: noVersion }))).toContain(
      '*Target version*\\n_no version param_ · backup=b.tar.gz',
    );
    const stated = all(
      approval({ kind: 'pending' }, { plan: { ...plan, dataLoss: 'Sessions are dropped' } }),
    );
    expect(stated).toContain('*Data loss risk*\\n⚠️ Sessions are dropped');
  });

  it('carries only ids in Approve / Deny, and both ask for confirmation', () => {
    const [approve, deny] = buttons(approval({ kind: 'pending' }));
    expect(approve).toMatchObject({ action_id: APPROVE, style: 'primary' });
    expect(deny).toMatchObject({ action_id: DENY, style: 'danger', confirm: { style: 'danger' } });
    for (const b of [approve!, deny!]) {
      expect(JSON.parse(b.value as string)).toEqual({ runId: 'INC-2025-0042-r1', planHash: plan.hash });
      expect(b.confirm).toBeDefined();
    }
  });

  it('drops the buttons once decided and says how', () => {
    expect(buttons(approval({ kind: 'approved' }, { approvedBy: ['U0LEAD', 'U0OPS'] }))).toEqual([]);
    expect(all(approval({ kind: 'approved' }, { approvedBy: ['U0LEAD', 'U0OPS'] }))).toContain(
      'Approved* by <@U0LEAD> <@U0OPS>',
    );
    const denied = approval({ kind: 'denied', by: 'U0LEAD', reason: 'wrong tag' });
    expect(buttons(denied)).toEqual([]);
    expect(all(denied)).toContain('Denied* by <@U0LEAD> — reason: wrong tag');
    const expired = approval({ kind: 'expired' });
    expect(buttons(expired)).toEqual([]);
    expect(all(expired)).toMatch(/expired.*nothing was run/);
  });
});

describe('resolution and failure messages', () => {
  it('names the version rolled back to, or the level when there is none', () => {
    const resolved = incidentOf({ status: 'resolved', resolvedAt: T0 + 12 * 60_000 });
    const m = resolutionMessage({
      incident: resolved,
      run: runOf(),
      levelName: 'Code rollback',
      params: { version: 'v2.3.0' },
      resolvedBy: 'U0REQ',
      now: T0,
    });
    expect(m.blocks[0]).toMatchObject({ text: { text: '✅ RESOLVED: mimo rolled back to v2.3.0' } });
    const s = all(m);
    expect(s).toContain('*Duration*\\n12m');
    expect(s).toContain('Root cause:* pending — RCA draft in thread');
    const noVersion = resolutionMessage({
      incident: resolved,
      run: runOf({ level: 1 }),
      levelName: 'Feature toggle',
      params: {},
      now: T0,
    });
    expect(noVersion.text).toContain('✅ RESOLVED: mimo rolled back to level 1: Feature toggle');
  });

  it('says what to do next when a rollback ended badly, offering escalation below level 3', () => {
    const m = rollbackFailedMessage({
      incident: incidentOf(),
      run: runOf(),
      levelName: 'Code rollback',
      ending: 'failed',
      now: T0 + 600_000,
    });
    expect(m.text).toContain('❌ ROLLBACK FAILED: mimo level 2');
    expect(all(m)).toContain('Escalate to level 3');
    const top = rollbackFailedMessage({
      incident: incidentOf(),
      run: runOf({ level: 3 }),
      levelName: 'Full restore',
      ending: 'aborted',
      now: T0,
    });
    expect(all(top)).not.toContain('Escalate to level');
    expect(top.text).toContain('⛔ ROLLBACK ABORTED');
  });
});

describe('thread and slash-command texts', () => {
  it('pings the escalation list while approval waits', () => {
    const m = approvalReminder({
      waitedMs: 5 * 60_000,
      notify: ['U0ONCALL', 'S0TECHLEADS'],
      expiresInMs: 10 * 60_000,
    });
    expect(m.text).toBe('⏰ Still waiting for approval after 5m — <@U0ONCALL> <!subteam^S0TECHLEADS>');
  });

  it('prints the whole grammar for /rollback help', () => {
    const s = all(helpText());
    for (const cmd of [
      'drill &lt;service&gt; level=N',
      'status',
      'history [service]',
      'rca &lt;INC-id&gt;',
      'note &lt;INC-id&gt; &lt;text&gt;',
      'unblock &lt;service&gt; &lt;version&gt;',
      'reason=\\"free text\\"',
    ]) {
      expect(s).toContain(cmd);
    }
    expect(helpText().response_type).toBe('ephemeral');
    expect(helpText().text).not.toMatch(/[<>]/);
    expect(s).not.toContain('<service>');
    expect(errorWithUsage('level must be 1, 2 or 3')).toMatchObject({
      response_type: 'ephemeral',
      text: '⚠️ level must be 1, 2 or 3',
    });
  });

  it('lists active runs, or says there are none', () => {
    expect(statusText([], T0).text).toBe('No active incidents or runs.');
    const s = all(
      statusText(
        [
          {
            incident: incidentOf(),
            run: runOf({ state: 'pending_approval' }),
            permalink: 'https://x.slack.com/archives/C1/p1',
          },
        ],
        T0 + 5 * 60_000,
      ),
    );
    expect(s).toContain('<https://x.slack.com/archives/C1/p1|INC-2025-0042>');
    expect(s).toContain('⏳ Awaiting approval');
    expect(s).toContain('5m');
    const bad = all(
      statusText([{ incident: incidentOf(), run: runOf(), permalink: 'javascript:alert(1)|x' }], T0),
    );
    expect(bad).not.toContain('javascript:');
  });

  it('shows history like seed 003, with drills timed against their target', () => {
    const row = (over: Partial<HistoryRow>): HistoryRow => ({
      runId: 'r1',
      incidentId: 'INC-2025-0042',
      service: 'mimo',
      env: 'production',
      level: 2,
      drill: false,
      requestedBy: 'U0REQ',
      state: 'succeeded',
      createdAt: T0,
      startedAt: T0,
      finishedAt: T0 + 252_000,
      durationMs: 252_000,
      targetMs: 900_000,
      ...over,
    });
    const m = historyText(
      [
        row({}),
        row({ state: 'failed', durationMs: null }),
        row({ drill: true, env: 'staging', finishedAt: T0 + 1_000_000, durationMs: 1_000_000 }),
        row({ drill: true, env: 'staging', state: 'failed', finishedAt: T0 + 60_000, durationMs: 60_000 }),
      ],
      [{ service: 'mimo', incidents: 1, meanMs: 252_000 }],
    );
    const s = all(m);
    expect(s).toContain('2025-11-12 14:00 UTC · <@U0REQ> · mimo production · level 2 · ✅ Yes · 4m 12s');
    expect(s).toContain('❌ No · —');
    expect(s).toContain('*Drills*');
    expect(s).toContain('16m 40s vs target 15m (over)');
    // A failed drill restored nothing: it is never "within" its target.
    expect(s).toContain('❌ No · 1m vs target 15m');
    expect(s).not.toContain('1m vs target 15m (within)');
    expect(s).toContain(
      '*Mean time to restore* (incident opened → service restored): mimo 4m 12s (1 incident)',
    );
    expect(historyText([], [], 'mimo').text).toBe('No rollbacks recorded for mimo yet.');
  });
});

describe('incident facts from the records', () => {
  it('reads the impact typed in the form, and estimates what is left from earlier runs', () => {
    const l2 = mimoPlan(2);
    const samples = [0, 1, 2, 3, 4, 5].flatMap((stepIndex) =>
      ['a', 'b', 'c'].map((runId, i) => ({ runId, stepIndex, durationMs: (10 + i) * 1000 })),
    );
    const ok = (stepIndex: number, host: string) => ({
      runId: 'r',
      stepIndex,
      host,
      name: 's',
      kind: 'run' as const,
      state: 'ok' as const,
      exitCode: 0,
      signal: null,
      startedAt: T0,
      finishedAt: T0 + 1,
      durationMs: 1,
      tail: '',
      error: null,
      logFile: null,
    });
    const facts = incidentFacts({
      plan: l2,
      run: { startedAt: T0 },
      requestedBy: 'U0REQ',
      // The canary (mimo-1) did steps 1-6; mimo-2 did steps 1-2 in an earlier run.
      rows: [0, 1, 2, 3, 4, 5].map((i) => ok(i, 'mimo-1')),
      skipped: [
        { stepIndex: 0, host: 'mimo-2' },
        { stepIndex: 1, host: 'mimo-2' },
      ],
      batches: [['mimo-1'], ['mimo-2']],
      samples,
      events: [
        {
          type: 'request.submitted',
          actor: 'U0REQ',
          incidentId: 'INC-2025-0042',
          data: { via: 'slack', impact: 'EU checkout' },
          seq: 1,
          at: T0,
          hash: 'h',
        },
      ],
      now: T0 + 90_000,
    });
    // Four steps left on mimo-2 at a median of 11 s each.
    expect(facts.eta).toEqual({ elapsedMs: 90_000, remainingMs: 44_000, basis: 'history', runs: 3 });
    expect(facts.impact).toBe('EU checkout');
    expect(facts.owner).toBe('U0REQ');
    expect(facts.dataLoss).toEqual({ text: 'None expected', losesData: false });
    expect(impactOf([])).toBeUndefined();
  });
});
