/** Live progress in the terminal: a step list redrawn in place on a TTY, one line per event otherwise. */

import { formatDuration } from '../domain/duration.js';
import type { Plan, PlannedStep } from '../domain/plan.js';
import { outcomeOf, type StepOutcome, type StepResult } from '../domain/step-result.js';
import type { RunObserver } from '../services/execute-plan.js';

type CellState = 'pending' | 'running' | StepOutcome;

const ICON: Record<CellState, string> = {
  pending: '·',
  running: '▶',
  ok: '✔',
  failed: '✖',
  timed_out: '⏱',
  canceled: '■',
  unknown: '?',
  skipped: '-',
};

export interface ProgressReporter extends RunObserver {
  /** Final redraw; stops the refresh timer. */
  close(): void;
}

export function createProgressReporter(
  plan: Plan,
  out: NodeJS.WritableStream,
  tty: boolean,
): ProgressReporter {
  const cells = new Map<string, { state: CellState; startedAt: number; result?: StepResult }>();
  const key = (step: PlannedStep, host: string) => `${step.index}\u0000${host}`;
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;

  const redraw = () => {
    const lines = renderLines(plan, (step, host) => cells.get(key(step, host)));
    out.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[J` : ''}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  if (tty) {
    redraw();
    timer = setInterval(redraw, 250);
  }
  const line = (text: string) => {
    if (!tty) out.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  };

  return {
    stepStarted(step, host) {
      cells.set(key(step, host), { state: 'running', startedAt: Date.now() });
      line(`▶ ${stepLabel(step)} on ${host}`);
    },
    stepFinished(step, host, result) {
      const state = outcomeOf(result);
      cells.set(key(step, host), { state, startedAt: Date.now() - result.durationMs, result });
      const why = result.ok ? '' : ` — ${result.error ?? 'failed'}`;
      line(
        `${ICON[state]} ${stepLabel(step)} on ${host}: ${state} in ${formatDuration(result.durationMs)}${why}`,
      );
      if (!result.ok && result.tail && !tty) out.write(indent(lastLines(result.tail, 10)));
    },
    confirmRequested(step) {
      if (tty) redraw();
      line(`? ${step.confirm ?? step.name}`);
    },
    confirmAnswered(step, answer) {
      line(
        `${answer.ok ? '✔' : '✖'} ${step.confirm ?? step.name} — ${answer.ok ? 'confirmed' : 'declined'} by ${answer.by}`,
      );
    },
    close() {
      if (timer) clearInterval(timer);
      if (tty) redraw();
    },
  };
}

function renderLines(
  plan: Plan,
  cell: (
    step: PlannedStep,
    host: string,
  ) => { state: CellState; startedAt: number; result?: StepResult } | undefined,
): string[] {
  const lines: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'confirm') {
      lines.push(`  ? ${stepLabel(step)}`);
      continue;
    }
    const hosts = step.targets.map((t) => {
      const c = cell(step, t.host);
      const state = c?.state ?? 'pending';
      const elapsed = c ? formatDuration(c.result ? c.result.durationMs : Date.now() - c.startedAt) : '';
      return `${ICON[state]} ${t.host}${elapsed ? ` ${elapsed}` : ''}`;
    });
    lines.push(`  ${stepLabel(step)}`);
    lines.push(`      ${hosts.join('   ')}`);
  }
  return lines;
}

function stepLabel(step: PlannedStep): string {
  return `${step.index + 1}. ${step.name}`;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text: string): string {
  return `${text
    .split('\n')
    .map((l) => `      │ ${l}`)
    .join('\n')}\n`;
}
