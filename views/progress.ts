/** The live progress message (edited in place): header, per-step × per-host grid, and the phase's outcome and buttons. */
import type { Button, KnownBlock } from '@slack/types';
import type { ProgressPhase } from '../src/domain/display.js';
import { type PlannedStep, strategyText } from '../src/domain/plan.js';
import {
  actions,
  button,
  confirmDialog,
  context,
  fallback,
  header,
  type MessageContent,
  section,
} from './blocks.js';
import { humanDuration, levelLabel } from './format.js';
import {
  ABORT,
  CONFIRM_CANCEL,
  CONFIRM_CONTINUE,
  encodeActionValue,
  PROGRESS_ACTIONS_BLOCK,
  RESOLVED,
} from './ids.js';
import { MESSAGE_BLOCKS_MAX } from './limits.js';
import { escapeFit, escapeMrkdwn, inlineCode } from './mrkdwn.js';
import { packLines } from './pack.js';
import { countLine, type StepCells } from './progress-count.js';
import { abortedBlocks, escalateButton, failureBlocks } from './progress-failure.js';
import { CELL_EMOJI, type CellContext, cellsOf, pairKey, stepLine } from './progress-grid.js';
import type { ProgressInput } from './progress-input.js';
import { withQueryFigure } from './query-figures.js';

export type { ProgressInput } from './progress-input.js';
export type { ProgressPhase };

const ENDED: readonly ProgressPhase['kind'][] = ['failed', 'succeeded', 'aborted', 'interrupted'];

const TITLES: Record<ProgressPhase['kind'], string> = {
  waiting: '⏳ Starting rollback',
  running: '🔄 Rolling back',
  confirm: '⏸ Waiting for confirmation',
  failed: '❌ Rollback failed',
  succeeded: '✅ Rolled back',
  aborted: '⛔ Rollback aborted',
  interrupted: '⚠️ Rollback interrupted',
};

export function progressMessage(input: ProgressInput): MessageContent {
  const { plan, run, phase } = input;
  const title = `${run.drill ? '🧪 DRILL · ' : ''}${TITLES[phase.kind]}: ${plan.service} · level ${levelLabel(plan.level, plan.levelName)}`;
  const elapsed =
    run.startedAt === null
      ? 'not started'
      : `${humanDuration((run.finishedAt ?? input.now) - run.startedAt)} elapsed`;
  const cells = stepCells(input);
  const counter = countLine(plan, cells);
  const meta = context(
    `*${escapeMrkdwn(counter)}*`,
    `Run ${inlineCode(run.id)} · ${escapeMrkdwn(plan.env)} · ${elapsed} · target ${humanDuration(plan.targetMs)} · ${escapeMrkdwn(strategyText(plan))}${legend(cells)}`,
  );
  const outcome = outcomeBlocks(input);
  const room = MESSAGE_BLOCKS_MAX - 2 - outcome.length;
  const blocks: KnownBlock[] = [header(title), meta, ...gridBlocks(input, cells, room), ...outcome];
  const attention = phase.kind === 'failed' ? ' — needs attention' : '';
  return { text: fallback(escapeMrkdwn(`${title} — ${counter}${attention}`)), blocks };
}

/** Every step's cells, with what the rows alone do not say (done earlier, confirmed, never started). */
function stepCells(input: ProgressInput): (StepCells & { step: PlannedStep })[] {
  const ctx: CellContext = {
    doneEarlier: new Set((input.skipped ?? []).map((p) => pairKey(p.stepIndex, p.host))),
    confirmed: new Set(input.confirmed ?? []),
    notStarted: new Set(input.notStarted ?? []),
    ended: ENDED.includes(input.phase.kind),
  };
  return input.plan.steps.map((step) => ({
    step,
    kind: step.kind,
    cells: cellsOf(step, input.steps, input.now, ctx),
  }));
}

/** Says what the two less obvious symbols mean, only when they appear. */
function legend(cells: readonly StepCells[]): string {
  const states = new Set(cells.flatMap((s) => s.cells.map((c) => c.state)));
  const parts = [];
  if (states.has('done_earlier')) parts.push(`${CELL_EMOJI.done_earlier} done by an earlier run`);
  if (states.has('not_started')) parts.push(`${CELL_EMOJI.not_started} not started`);
  return parts.length === 0 ? '' : ` · ${parts.join(' · ')}`;
}

/** Step lines packed into as few sections as fit, at most `room` blocks. */
function gridBlocks(
  input: ProgressInput,
  cells: readonly (StepCells & { step: PlannedStep })[],
  room: number,
): KnownBlock[] {
  const waitingAt = input.phase.kind === 'confirm' ? input.phase.stepIndex : -1;
  const lines = cells.map(({ step, cells }) =>
    withQueryFigure(stepLine(step, cells, step.index === waitingAt), step, input.steps),
  );
  return packLines(lines, room).map(section);
}

function outcomeBlocks(input: ProgressInput): KnownBlock[] {
  const { run, phase, plan } = input;
  const abort = abortButton(run.id);
  switch (phase.kind) {
    case 'waiting':
    case 'running':
      return [actions(PROGRESS_ACTIONS_BLOCK, [abort])];
    case 'confirm': {
      const step = plan.steps.find((s) => s.index === phase.stepIndex);
      const question = escapeFit(step?.confirm ?? step?.name ?? 'Continue?', 2000);
      return [
        section(`⏸ *Step ${phase.stepIndex + 1} asks:* ${question}`),
        actions(PROGRESS_ACTIONS_BLOCK, confirmButtons(run.id, phase.stepIndex)),
      ];
    }
    case 'failed':
    case 'interrupted':
      return failureBlocks(input, phase.kind, abort);
    case 'succeeded':
      return successBlocks(input);
    case 'aborted':
      return abortedBlocks(input, phase.by, run.drill ? undefined : resolvedButton(run.id));
  }
}

function successBlocks({ run, plan, now }: ProgressInput): KnownBlock[] {
  const took = run.startedAt === null ? 0 : (run.finishedAt ?? now) - run.startedAt;
  const over = took - plan.targetMs;
  const verdict = over > 0 ? ` — ⚠️ ${humanDuration(over)} over target` : '';
  const verb = run.drill ? 'Drill finished' : 'Rolled back';
  const line = `✅ *${verb} in ${humanDuration(took)}* (target ${humanDuration(plan.targetMs)})${verdict}`;
  if (run.drill) return [section(line)];
  const buttons: Button[] = [resolvedButton(run.id)];
  const escalate = escalateButton(run.id, plan.level);
  if (escalate) buttons.push(escalate);
  return [
    section(`${line}\nIs the incident resolved? If not, escalate to the next level.`),
    actions(PROGRESS_ACTIONS_BLOCK, buttons),
  ];
}

function resolvedButton(runId: string): Button {
  return button({
    actionId: RESOLVED,
    text: 'Resolved',
    value: encodeActionValue({ runId }),
    style: 'primary',
  });
}

function abortButton(runId: string): Button {
  return button({
    actionId: ABORT,
    text: 'Abort',
    value: encodeActionValue({ runId }),
    style: 'danger',
    confirm: confirmDialog(
      'Abort this rollback?',
      'Running commands are signalled to stop and no further steps start. Hosts may be left half rolled back.',
      'Abort',
      'Keep going',
      'danger',
    ),
  });
}

function confirmButtons(runId: string, stepIndex: number): Button[] {
  const value = encodeActionValue({ runId, stepIndex });
  return [
    button({ actionId: CONFIRM_CONTINUE, text: 'Continue', value, style: 'primary' }),
    button({
      actionId: CONFIRM_CANCEL,
      text: 'Cancel rollback',
      value,
      style: 'danger',
      confirm: confirmDialog(
        'Cancel the rollback?',
        'No further steps run. Steps already done are not undone.',
        'Cancel rollback',
        'Go back',
        'danger',
      ),
    }),
  ];
}
