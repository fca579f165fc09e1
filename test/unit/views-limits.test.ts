import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.js';
import type { HistoryRow, Incident, MttrRow, Run, StepRow } from '../../src/domain/records.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { type Runbook, runbookSchema } from '../../src/runbooks/schema.js';
import { approvalMessage } from '../../views/approval.js';
import { approvalReminder } from '../../views/escalation.js';
import { errorWithUsage, helpText } from '../../views/help.js';
import { historyText } from '../../views/history.js';
import { incidentMessage } from '../../views/incident.js';
import { fitBlocks, truncate, truncateStart } from '../../views/limits.js';
import { requestModal } from '../../views/modal.js';
import { planMessage } from '../../views/plan.js';
import { type ProgressPhase, progressMessage } from '../../views/progress.js';
import { resolutionMessage, rollbackFailedMessage } from '../../views/resolution.js';
import { statusText } from '../../views/status.js';
import { checkMessage, checkView } from '../support/fake-slack/limits.js';
import { testPlan } from '../support/records.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string | undefined =>
  isObj(v) && typeof v.text === 'string' ? v.text : undefined;

/** Walks Block Kit JSON and lists every limit it breaks (empty when Slack would accept it). */
function checkBlockKitLimits(blocks: unknown[], surface: 'message' | 'modal'): string[] {
  const problems: string[] = [];
  const max = (what: string, value: string | undefined, limit: number) => {
    if (value !== undefined && value.length > limit) problems.push(`${what}: ${value.length} > ${limit}`);
  };
  const maxBlocks = surface === 'message' ? 50 : 100;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const blockIds = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${path}/${i}`);
      return;
    }
    if (!isObj(node)) return;
    for (const key of ['block_id', 'action_id', 'callback_id'] as const) {
      const id = node[key];
      if (typeof id !== 'string') continue;
      max(`${path} ${key}`, id, 255);
      if (!/^[\x20-\x7e]+$/.test(id)) problems.push(`${path} ${key} is not plain ASCII: ${id}`);
    }
    if (node.type === 'plain_text' || node.type === 'mrkdwn') {
      if (typeof node.text !== 'string' || node.text.length === 0) problems.push(`${path}: empty text`);
      max(`${path} text`, node.text as string, 3000);
    }
    if (node.type === 'button') {
      max(`${path} button text`, textOf(node.text), 75);
      max(`${path} button value`, node.value as string | undefined, 2000);
    }
    if (isObj(node.confirm)) {
      max(`${path} confirm title`, textOf(node.confirm.title), 100);
      max(`${path} confirm text`, textOf(node.confirm.text), 300);
      max(`${path} confirm button`, textOf(node.confirm.confirm), 30);
      max(`${path} confirm deny`, textOf(node.confirm.deny), 30);
    }
    if (Array.isArray(node.options)) {
      const limit = node.type === 'radio_buttons' || node.type === 'checkboxes' ? 10 : 100;
      if (node.options.length > limit) problems.push(`${path}: ${node.options.length} options > ${limit}`);
      if (node.options.length === 0) problems.push(`${path}: no options`);
      for (const [i, o] of node.options.entries()) {
        max(`${path}/options/${i} text`, textOf(isObj(o) ? o.text : undefined), 75);
        max(`${path}/options/${i} description`, textOf(isObj(o) ? o.description : undefined), 75);
        max(`${path}/options/${i} value`, isObj(o) ? (o.value as string) : undefined, 150);
      }
    }
    max(`${path} initial_value`, node.initial_value as string | undefined, 3000);
    max(`${path} placeholder`, textOf(node.placeholder), 150);
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
  };
  for (const [i, block] of blocks.entries()) {
    if (!isObj(block)) continue;
    const path = `/blocks/${i}`;
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) problems.push(`${path}: duplicate block_id ${block.block_id}`);
      blockIds.add(block.block_id);
    }
    if (block.type === 'header') max(`${path} header`, textOf(block.text), 150);
    if (block.type === 'section') {
      max(`${path} section`, textOf(block.text), 3000);
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (fields.length > 10) problems.push(`${path}: ${fields.length} fields > 10`);
      for (const f of fields) max(`${path} field`, textOf(f), 2000);
    }
    if (block.type === 'context' && Array.isArray(block.elements) && block.elements.length > 10)
      problems.push(`${path}: ${block.elements.length} context elements > 10`);
    if (block.type === 'actions' && Array.isArray(block.elements) && block.elements.length > 25)
      problems.push(`${path}: ${block.elements.length} actions > 25`);
    if (block.type === 'input') {
      max(`${path} label`, textOf(block.label), 2000);
      max(`${path} hint`, textOf(block.hint), 2000);
    }
    walk(block, path);
  }
  return problems;
}

function expectMessageFits(content: { text: string; blocks: unknown[] }): void {
  expect(content.text.length).toBeGreaterThan(0);
  expect(content.text.length).toBeLessThanOrEqual(40000);
  expect(checkBlockKitLimits(content.blocks, 'message')).toEqual([]);
  expect(checkMessage({ text: content.text, blocks: content.blocks })).toBeUndefined();
}

// ---- large inputs -------------------------------------------------------------------------------

const HUGE_REASON = `${'<!channel> users see 500s & <@U123> '.repeat(140)}`.slice(0, 5000);
const HUGE_TAIL = Array.from(
  { length: 2000 },
  (_, i) => `line ${i} <script>alert(1)</script> & ${'x'.repeat(20)}`,
).join('\n');

function bigRunbook(params: number, steps: number, hosts: number): Runbook {
  const paramDefs = Object.fromEntries(
    Array.from({ length: params }, (_, i) => [
      `param${i}`,
      i % 3 === 0
        ? {
            description: `Enum param ${i} ${'d'.repeat(300)}`,
            enum: Array.from({ length: 150 }, (_, j) => `v${j}`),
          }
        : {
            description: `Param ${i} ${'d'.repeat(300)}`,
            pattern: '^[a-z0-9]+$',
            default: 'x'.repeat(10),
            secret: i % 5 === 0,
          },
    ]),
  );
  const stepDefs = Array.from({ length: steps }, (_, i) => ({
    name: `Step ${i} with a fairly long name to make lines wide ${'n'.repeat(40)}`,
    run: `echo {{host.name}} ${Array.from({ length: params }, (_, j) => `{{param${j}}}`).join(' ')} ${'# padding & <stuff>\n'.repeat(100)}`,
  }));
  return runbookSchema.parse({
    service: 'big',
    approvers: ['U0LEAD', 'S0PLATFORM'],
    environments: {
      production: {
        hosts: Array.from({ length: hosts }, (_, i) => ({ name: `big-${i}`, address: `10.0.0.${i}` })),
        strategy: { canary: 1, parallel: 5 },
      },
    },
    params: paramDefs,
    levels: {
      1: { name: 'Feature toggle', target: '2m', approvals: 0, steps: stepDefs.slice(0, 3) },
      2: { name: 'Code rollback', target: '15m', approvals: 1, steps: stepDefs },
    },
  });
}

function bigPlan(): Plan {
  const runbook = bigRunbook(6, 60, 50);
  const params = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`param${i}`, i % 3 === 0 ? 'v1' : 'abc']),
  );
  const rendered = renderPlan(runbook, {
    env: 'production',
    level: 2,
    params,
    runId: 'R1',
    incidentId: 'INC-2025-0001',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan;
}

const plan = bigPlan();
const incident: Incident = {
  id: 'INC-2025-0001',
  kind: 'incident',
  service: 'big',
  env: 'production',
  severity: 'critical',
  level: 2,
  reason: HUGE_REASON,
  requestedBy: 'U0REQ',
  status: 'open',
  openedAt: 1_700_000_000_000,
  resolvedAt: null,
  slackChannel: 'C1',
  slackTs: '1.2',
  owner: 'U0ALICE',
  resolvedBy: null,
  resolution: null,
};
const run: Run = {
  id: 'INC-2025-0001-r1',
  incidentId: incident.id,
  service: 'big',
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
  createdAt: incident.openedAt,
  startedAt: incident.openedAt + 1000,
  finishedAt: null,
  targetMs: plan.targetMs,
  error: null,
  escalatedFrom: null,
};

function allRows(): StepRow[] {
  return plan.steps.flatMap((step) =>
    step.targets.map((t, h): StepRow => {
      const failed = step.index === 30 && h === 7;
      return {
        runId: run.id,
        stepIndex: step.index,
        host: t.host,
        name: step.name,
        kind: step.kind,
        state: failed
          ? 'failed'
          : step.index < 30
            ? 'ok'
            : step.index === 30
              ? h % 2
                ? 'running'
                : 'ok'
              : 'skipped',
        exitCode: failed ? 1 : 0,
        signal: null,
        startedAt: run.startedAt! + step.index * 1000,
        finishedAt: run.startedAt! + step.index * 1000 + 900,
        durationMs: 900,
        tail: HUGE_TAIL,
        error: failed ? `boom ${HUGE_REASON}` : null,
        logFile: `/var/log/rollbot/${'deep/'.repeat(200)}out.log`,
      };
    }),
  );
}

describe('every builder stays within Slack limits for large inputs', () => {
  it('request modal: 30 params, 150 params, 5,000-char prefilled reason, a 60-step plan summary', () => {
    for (const count of [30, 150]) {
      const runbook = bigRunbook(count, 5, 120);
      const view = requestModal({
        services: Array.from({ length: 300 }, (_, i) => `svc-${i}`).concat('big'),
        runbook,
        prefill: {
          service: 'big',
          level: 2,
          params: { param1: 'p'.repeat(5000) },
          reason: HUGE_REASON,
          impact: HUGE_REASON,
        },
        privateMetadata: JSON.stringify({ channel: 'C123', user: 'U123' }),
        // The plan summary of 60 steps × 50 hosts with 2 KB commands.
        preview: { ok: true, plan, approvals: 0 },
      });
      expect(checkBlockKitLimits(view.blocks, 'modal')).toEqual([]);
      expect(checkView(view)).toBeUndefined();
      expect((view.title?.text ?? '').length).toBeLessThanOrEqual(24);
    }
  });

  it('plan: 60 steps × 50 hosts collapses into the limits with a summary', () => {
    const content = planMessage({ plan });
    expectMessageFits(content);
    expect(JSON.stringify(content.blocks)).toMatch(
      /more steps\* — full plan: `rollbot plan big --level 2 --env production`/,
    );
  });

  it('progress: 60 steps × 50 hosts and a 100 KB tail, in every phase', () => {
    const rows = allRows();
    const phases: ProgressPhase[] = [
      { kind: 'waiting' },
      { kind: 'running' },
      { kind: 'confirm', stepIndex: 2 },
      { kind: 'failed' },
      { kind: 'succeeded' },
      { kind: 'aborted', by: 'U0ONCALL' },
      { kind: 'interrupted' },
    ];
    for (const phase of phases) {
      expectMessageFits(progressMessage({ plan, run, steps: rows, now: run.startedAt! + 90_000, phase }));
    }
  });

  it('incident, resolution, failure, approval, reminder with huge user text', () => {
    expectMessageFits(
      incidentMessage({
        incident,
        run,
        levelName: 'Code rollback',
        targetMs: plan.targetMs,
        status: 'rolling_back',
        currentAction: HUGE_REASON,
        now: run.startedAt! + 5000,
        impact: HUGE_REASON,
        dataLoss: { text: HUGE_REASON, losesData: true },
        owner: 'U0OWNER',
      }),
    );
    expectMessageFits(
      resolutionMessage({
        incident,
        run,
        levelName: 'Code rollback',
        params: { version: 'v'.repeat(500) },
        now: 1_700_000_900_000,
      }),
    );
    expectMessageFits(
      rollbackFailedMessage({
        incident,
        run,
        levelName: 'Code rollback',
        ending: 'failed',
        detail: HUGE_REASON,
        now: 1_700_000_900_000,
      }),
    );
    const approvers = Array.from({ length: 300 }, (_, i) => `U0APPROVER${i}`);
    for (const state of [
      { kind: 'pending' },
      { kind: 'approved' },
      { kind: 'denied', by: 'U9', reason: HUGE_REASON },
      { kind: 'expired' },
    ] as const) {
      expectMessageFits(
        approvalMessage({
          runId: run.id,
          plan: { ...plan, dataLoss: HUGE_REASON, params: { version: 'v'.repeat(5000) } },
          requestedBy: 'U0REQ',
          severity: 'critical',
          reason: HUGE_REASON,
          impact: HUGE_REASON,
          approvers,
          required: 2,
          approvedBy: approvers.slice(0, 150),
          expiresAt: 1_700_000_900_000,
          now: 1_700_000_000_000,
          state,
        }),
      );
    }
    expectMessageFits(approvalReminder({ waitedMs: 300_000, notify: approvers, expiresInMs: 600_000 }));
  });

  it('help, error, status and history', () => {
    expectMessageFits(helpText());
    expectMessageFits(errorWithUsage(HUGE_REASON));
    const active = Array.from({ length: 400 }, (_, i) => ({
      incident: { ...incident, id: `INC-2025-${i}` },
      run,
    }));
    expectMessageFits(statusText(active, run.startedAt! + 60_000));
    const rows: HistoryRow[] = Array.from({ length: 500 }, (_, i) => ({
      runId: `R${i}`,
      incidentId: `INC-2025-${i}`,
      service: 'big',
      env: 'production',
      level: 2,
      drill: i % 4 === 0,
      requestedBy: 'U0REQ',
      state: 'succeeded',
      createdAt: 1_700_000_000_000 + i,
      startedAt: 1_700_000_000_000,
      finishedAt: 1_700_000_200_000,
      durationMs: 200_000,
      targetMs: 900_000,
    }));
    const mttr: MttrRow[] = Array.from({ length: 200 }, (_, i) => ({
      service: `svc-${i}`,
      incidents: 3,
      meanMs: 240_000,
    }));
    expectMessageFits(historyText(rows, mttr, 'big'));
  });
});

describe('the limit checker itself', () => {
  it('catches what Slack would reject', () => {
    const bad = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', block_id: 'x', text: { type: 'mrkdwn', text: '' } },
      {
        type: 'actions',
        block_id: 'x',
        elements: [
          {
            type: 'button',
            action_id: '🚨',
            text: { type: 'plain_text', text: 'ok' },
            value: 'v'.repeat(2001),
          },
        ],
      },
    ];
    const problems = checkBlockKitLimits(bad, 'message');
    expect(problems.join('\n')).toMatch(/header: 151 > 150/);
    expect(problems.join('\n')).toMatch(/empty text/);
    expect(problems.join('\n')).toMatch(/duplicate block_id/);
    expect(problems.join('\n')).toMatch(/not plain ASCII/);
    expect(problems.join('\n')).toMatch(/button value: 2001 > 2000/);
    expect(
      checkBlockKitLimits(
        Array.from({ length: 51 }, () => ({ type: 'divider' })),
        'message',
      ),
    ).toHaveLength(1);
  });
});

describe('truncation helpers', () => {
  it('truncate keeps short text and cuts long text with an ellipsis, never inside an emoji', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    const cut = truncate('ab🚨🚨🚨', 4);
    expect(cut.length).toBeLessThanOrEqual(4);
    expect(cut).toBe('ab…');
    expect(truncateStart('0123456789', 5)).toBe('…6789');
  });

  it('fitBlocks keeps the first blocks and says how many were omitted', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => ({
      type: 'section' as const,
      text: { type: 'mrkdwn' as const, text: `b${i}` },
    }));
    const fitted = fitBlocks(blocks, 50);
    expect(fitted).toHaveLength(50);
    expect(fitted[48]).toEqual(blocks[48]);
    expect(JSON.stringify(fitted[49])).toContain('11 more blocks omitted');
    expect(fitBlocks(blocks.slice(0, 3), 50)).toHaveLength(3);
  });
});
