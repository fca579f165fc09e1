/** The failure part of the progress message: which host and step, why, the output tail, and what to click next. */
import type { Button, KnownBlock } from '@slack/types';
import type { StepRow } from '../src/domain/records.js';
import { actions, button, confirmDialog, context, section } from './blocks.js';
import { humanDuration } from './format.js';
import { ESCALATE, encodeActionValue, PROGRESS_ACTIONS_BLOCK, RETRY_STEP } from './ids.js';
import { SECTION_TEXT_MAX } from './limits.js';
import { codeBlock, escapeFit, inlineCode, mention } from './mrkdwn.js';
import { firstProblem } from './progress-grid.js';
import type { ProgressInput } from './progress-input.js';

export const TAIL_LINES = 15;
export const MAX_LEVEL = 3;

export function failureBlocks(
  input: ProgressInput,
  kind: 'failed' | 'interrupted',
  abort: Button,
): KnownBlock[] {
  const { run, plan } = input;
  const problem = firstProblem(input.steps);
  const blocks: KnownBlock[] = [];
  if (kind === 'interrupted') {
    blocks.push(
      section(
        '⚠️ *Interrupted:* rollbot restarted while this run was in progress. Nothing is re-run on its own. ' +
          'Check the hosts, then retry the step or escalate.',
      ),
    );
  }
  if (problem) blocks.push(...problemBlocks(input, problem));
  else if (kind === 'failed') blocks.push(section('❌ *The run failed* before any step reported a result.'));
  const retryAt = problem?.stepIndex ?? firstUnfinished(input);
  const buttons: Button[] = [];
  if (retryAt !== undefined) buttons.push(retryButton(run.id, plan.hash, retryAt, plan.steps[retryAt]?.name));
  const escalate = escalateButton(run.id, plan.level);
  if (escalate) buttons.push(escalate);
  buttons.push(abort);
  blocks.push(actions(PROGRESS_ACTIONS_BLOCK, buttons));
  return blocks;
}

/**
 * An aborted run: who aborted it, and what makes sense next: retry from the first step it did not
 * finish, escalate, or resolve (an abort is often "it recovered on its own").
 */
export function abortedBlocks(
  input: ProgressInput,
  by: string | undefined,
  resolved: Button | undefined,
): KnownBlock[] {
  const { run, plan } = input;
  const blocks: KnownBlock[] = [
    section(
      `⛔ *Aborted*${by ? ` by ${mention(by)}` : ''} — steps not yet started were skipped; steps that were running were signalled to stop.`,
    ),
  ];
  const buttons: Button[] = [];
  const retryAt = firstUnfinished(input);
  if (retryAt !== undefined) buttons.push(retryButton(run.id, plan.hash, retryAt, plan.steps[retryAt]?.name));
  const escalate = escalateButton(run.id, plan.level);
  if (escalate) buttons.push(escalate);
  if (resolved) buttons.push(resolved);
  if (buttons.length > 0) blocks.push(actions(PROGRESS_ACTIONS_BLOCK, buttons));
  return blocks;
}

function problemBlocks(input: ProgressInput, row: StepRow): KnownBlock[] {
  const step = input.plan.steps.find((s) => s.index === row.stepIndex);
  const name = escapeFit(step?.name ?? row.name, 150);
  const head = `❌ *Step ${row.stepIndex + 1} · ${name}* on ${inlineCode(row.host)}: ${whyText(row)}`;
  const error = row.error ? `\n${escapeFit(row.error, 500)}` : '';
  const tail = lastLines(row.tail ?? '', TAIL_LINES);
  const output = tail.trim() === '' ? '_no output_' : codeBlock(tail, SECTION_TEXT_MAX - 40, 'end');
  const blocks: KnownBlock[] = [
    section(`${head}${error}`),
    section(`*Output (last ${TAIL_LINES} lines)*\n${output}`),
  ];
  if (row.logFile) blocks.push(context(`Full output on the rollbot host: ${inlineCode(row.logFile)}`));
  return blocks;
}

function whyText(row: StepRow): string {
  switch (row.state) {
    case 'timed_out':
      return `timed out${row.durationMs !== null ? ` after ${humanDuration(row.durationMs)}` : ''}`;
    case 'unknown':
      return 'connection lost before an exit status arrived — *outcome unknown*; check the host before retrying';
    case 'canceled':
      return 'canceled';
    default:
      if (row.exitCode !== null) return `exit code ${row.exitCode}`;
      if (row.signal !== null) return `killed by ${inlineCode(row.signal)}`;
      return 'failed';
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

function firstUnfinished({ plan, steps, skipped = [] }: ProgressInput): number | undefined {
  // Done in this run or, for a retry, by the run it retries.
  const done = (index: number) =>
    steps.some((r) => r.stepIndex === index && r.state === 'ok') ||
    skipped.some((p) => p.stepIndex === index);
  return plan.steps.find((s) => !done(s.index))?.index;
}

export function retryButton(runId: string, planHash: string, stepIndex: number, stepName = ''): Button {
  return button({
    actionId: RETRY_STEP,
    text: `Retry step ${stepIndex + 1}`,
    value: encodeActionValue({ runId, planHash, stepIndex }),
    confirm: confirmDialog(
      `Retry step ${stepIndex + 1}?`,
      `${stepName || 'The step'} runs again on the hosts where it did not succeed.`,
      'Retry',
    ),
  });
}

/** Escalate to level N+1, offered only below level 3. */
export function escalateButton(runId: string, level: number): Button | undefined {
  if (level >= MAX_LEVEL) return undefined;
  return button({
    actionId: ESCALATE,
    text: `Escalate to level ${level + 1}`,
    value: encodeActionValue({ runId, level: level + 1 }),
  });
}
