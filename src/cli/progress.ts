/** Live progress in the terminal: a step list redrawn in place on a TTY, one line per event otherwise. */

import stringWidth from 'string-width';
import { formatDuration } from '../domain/duration.js';
import type { Plan, PlannedStep } from '../domain/plan.js';
import { outcomeOf, type StepOutcome, type StepResult } from '../domain/step-result.js';
import type { RunObserver } from '../services/execute-plan.js';
import { createLiveArea, type Screen } from './live-area.js';
import type { TextOut } from './terminal-text.js';

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

interface Cell {
  state: CellState;
  startedAt: number;
  result?: StepResult;
}

export interface ProgressReporter extends RunObserver {
  /** A message that must stay readable (the Ctrl-C hint): above the live view, or on its own line. */
  notice(text: string): void;
  /** Final redraw; stops the refresh timer. */
  close(): void;
}

/** `screen` is the terminal when stdout is one (live view); without it, one line per event to `out`. */
export function createProgressReporter(plan: Plan, out: TextOut, screen?: Screen): ProgressReporter {
  const cells = new Map<string, Cell>();
  const key = (step: PlannedStep, host: string) => `${step.index}\u0000${host}`;
  const cell = (step: PlannedStep, host: string) => cells.get(key(step, host));
  if (!screen) return lineReporter(out);

  const live = createLiveArea(screen);
  const redraw = () => {
    const { lines, focus } = renderLines(plan, cell, screen.columns());
    live.update(lines, focus);
  };
  let timer: NodeJS.Timeout | undefined;
  const startTimer = () => {
    timer ??= setInterval(redraw, 250);
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  redraw();
  startTimer();
  return {
    stepStarted(step, host) {
      cells.set(key(step, host), { state: 'running', startedAt: Date.now() });
    },
    stepFinished(step, host, result) {
      cells.set(key(step, host), {
        state: outcomeOf(result),
        startedAt: Date.now() - result.durationMs,
        result,
      });
    },
    confirmRequested() {
      // The question is asked below the view: stop redrawing over it until it is answered.
      stopTimer();
      redraw();
      live.release();
    },
    confirmAnswered() {
      redraw();
      startTimer();
    },
    notice(text) {
      live.print(text);
    },
    close() {
      stopTimer();
      redraw();
      live.close();
    },
  };
}

/** Without a terminal (a pipe, a CI log): one timestamped line per event, failed output tails indented. */
function lineReporter(out: TextOut): ProgressReporter {
  const line = (text: string) => out.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  return {
    stepStarted(step, host) {
      line(`▶ ${stepLabel(step)} on ${host}`);
    },
    stepFinished(step, host, result) {
      const state = outcomeOf(result);
      const why = result.ok ? '' : ` — ${result.error ?? 'failed'}`;
      line(
        `${ICON[state]} ${stepLabel(step)} on ${host}: ${state} in ${formatDuration(result.durationMs)}${why}`,
      );
      if (!result.ok && result.tail) out.write(indent(lastLines(result.tail, 10)));
    },
    confirmRequested(step) {
      line(`? ${step.confirm ?? step.name}`);
    },
    confirmAnswered(step, answer) {
      line(
        `${answer.ok ? '✔' : '✖'} ${step.confirm ?? step.name} — ${answer.ok ? 'confirmed' : 'declined'} by ${answer.by}`,
      );
    },
    notice(text) {
      out.write(`${text}\n`);
    },
    close() {},
  };
}

/** The step list; `focus` is the first line of the earliest step not yet finished everywhere. */
function renderLines(
  plan: Plan,
  cell: (step: PlannedStep, host: string) => Cell | undefined,
  columns: number,
): { lines: string[]; focus: number } {
  const lines: string[] = [];
  let focus: number | undefined;
  for (const step of plan.steps) {
    if (step.kind === 'confirm') {
      lines.push(`  ? ${stepLabel(step)}`);
      continue;
    }
    const cells = step.targets.map((t) => cell(step, t.host));
    if (focus === undefined && cells.some((c) => !c || c.state === 'running')) focus = lines.length;
    const hosts = step.targets.map((t, i) => {
      const c = cells[i];
      const elapsed = c ? formatDuration(c.result ? c.result.durationMs : Date.now() - c.startedAt) : '';
      return `${ICON[c?.state ?? 'pending']} ${t.host}${elapsed ? ` ${elapsed}` : ''}`;
    });
    lines.push(`  ${stepLabel(step)}`);
    // Hosts wrap onto more lines rather than run off the terminal's edge, where they would be cut.
    for (const row of packHosts(hosts, columns - 1 - HOST_INDENT.length)) lines.push(`${HOST_INDENT}${row}`);
  }
  return { lines, focus: focus ?? 0 };
}

const HOST_INDENT = '      ';
const HOST_GAP = '   ';

/** Greedy: as many host cells per row as fit in `width` (always at least one). */
function packHosts(hosts: string[], width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const host of hosts) {
    const next = row === '' ? host : `${row}${HOST_GAP}${host}`;
    if (row !== '' && stringWidth(next) > width) {
      rows.push(row);
      row = host;
    } else row = next;
  }
  if (row !== '') rows.push(row);
  return rows;
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
