/** `rollbot run` and `rollbot drill`: the same use cases, store and timeline as Slack, from a terminal. */
import { createInterface } from 'node:readline/promises';
import { typedTextProblem } from '../domain/control-chars.js';
import { REQUEST_TEXT_MAX } from '../domain/records.js';
import type { Core } from '../main.js';
import { approvalsNeeded } from '../runbooks/approvals.js';
import { planToText } from '../runbooks/plan.js';
import { executeRun } from '../services/execute.js';
import { watchAbort } from '../services/executor.js';
import type { Confirmer } from '../services/ports.js';
import type { RollbackRequest } from '../services/request.js';
import type { Store } from '../services/store-port.js';
import {
  hostsOf,
  levelOf,
  onePositional,
  type ParsedArgs,
  paramsOf,
  severityOf,
  UsageError,
} from './args.js';
import { type Screen, ttyScreen } from './live-area.js';
import { createProgressReporter } from './progress.js';
import { type TextOut, terminalText, textOut } from './terminal-text.js';

export interface Terminal {
  /** Standard output; every write is escaped (terminal-text.ts). */
  out: TextOut;
  err: TextOut;
  /** Present when standard output is a terminal: the live progress view draws on it. */
  screen?: Screen;
  /** Standard input and output are both terminals: the operator can be asked. */
  interactive: boolean;
  actor: string;
  ask(question: string): Promise<string>;
}

export function requestOf(args: ParsedArgs, actor: string, drill: boolean): RollbackRequest {
  const service = onePositional(args.positionals, 'service')!;
  const { values } = args;
  const hosts = hostsOf(values.hosts);
  return {
    service,
    env: values.env ?? (drill ? 'staging' : 'production'),
    level: levelOf(values.level),
    severity: drill ? 'minor' : severityOf(values.severity),
    reason: drill ? `Rollback drill, level ${values.level}` : reasonOf(values.reason),
    requestedBy: actor,
    params: paramsOf(values.set),
    ...(hosts ? { hosts } : {}),
    drill,
  };
}

function reasonOf(reason: string | undefined): string {
  const text = reason?.trim();
  if (!text) throw new UsageError('--reason is required: say what is broken (it opens the incident)');
  const problem = typedTextProblem(text, '--reason', REQUEST_TEXT_MAX);
  if (problem) throw new UsageError(problem);
  return text;
}

/**
 * Confirm steps at a terminal: --yes answers for the operator, otherwise the operator types yes.
 * The answer goes on the timeline like a click in Slack.
 */
export function terminalConfirmer(term: Terminal, assumeYes: boolean): (store: Store) => Confirmer {
  return (store) => ({
    async confirm(question, { runId, stepIndex }) {
      const answer = assumeYes
        ? { ok: true, by: term.actor }
        : !term.interactive
          ? { ok: false, by: `${term.actor} (no terminal to ask; pass --yes)` }
          : {
              ok: (await term.ask(`${question} Type "yes" to continue: `)).trim().toLowerCase() === 'yes',
              by: term.actor,
            };
      await store.appendTimeline({
        type: 'run.confirmed',
        actor: term.actor,
        runId,
        data: { step: stepIndex, question, confirmed: answer.ok, via: 'terminal' },
      });
      return answer;
    },
  });
}

export async function runCommand(core: Core, term: Terminal, request: RollbackRequest, assumeYes: boolean) {
  const preview = core.services.preview({ ...request, typedSecrets: true });
  if (!preview.ok) {
    term.err.write(`${preview.message}\n`);
    return 2;
  }
  term.out.write(`${planToText(preview.plan)}\n`);
  // A drill on a drill environment needs nobody; anything else needs what a real run there needs,
  // and at the terminal that is the operator typing the service name (break-glass).
  const needsApproval = !request.drill || approvalsNeeded(preview.runbook, request) > 0;
  if (needsApproval && !assumeYes) {
    if (!term.interactive) {
      term.err.write('Refusing to run without confirmation: stdin is not a terminal. Re-run with --yes.\n');
      return 2;
    }
    const where = request.drill
      ? `${request.env} (not a drill environment: this changes ${request.env})`
      : request.env;
    const answer = await term.ask(
      `Run this plan on ${where}? Type the service name (${request.service}) to approve: `,
    );
    if (answer.trim() !== request.service) {
      term.err.write('Not approved; nothing was run.\n');
      return 1;
    }
  }
  const opened = await core.services.request(request, { via: 'terminal', preApproved: needsApproval });
  if (!opened.ok) {
    term.err.write(`${opened.message}\n`);
    return opened.code === 'locked' ? 1 : 2;
  }
  const { incident, run } = opened;
  term.out.write(
    `${request.drill ? 'Drill' : 'Incident'} ${incident.id} opened; run ${run.id} (plan ${run.planHash.slice(0, 12)})\n`,
  );
  const controller = new AbortController();
  const stopHeartbeat = core.startHeartbeat();
  // An abort asked for anywhere (this Ctrl-C, or a click in Slack) reaches the steps the same way.
  const watcher = watchAbort(core.store, run.id, controller, core.store.dialect === 'postgres' ? 2000 : 250);
  const progress = createProgressReporter(opened.view.plan, term.out, term.screen);
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    // Through the progress view: written behind its back, the redraw would erase the hint.
    progress.notice('Aborting: signalling the running steps (Ctrl-C again to quit at once)…');
    void core.services.abort({ user: term.actor, runId: run.id }, { trusted: true });
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await executeRun(core.services.executeDeps, run.id, {
      actor: term.actor,
      signal: controller.signal,
      observer: progress,
    });
    progress.close();
    if (!result.ok) {
      term.err.write(`${result.message}\n`);
      return 1;
    }
    const { outcome } = result;
    const took =
      result.run.startedAt && result.run.finishedAt ? result.run.finishedAt - result.run.startedAt : 0;
    term.out.write(`\nRun ${run.id}: ${outcome.status.toUpperCase()} in ${Math.round(took / 1000)}s\n`);
    if (result.run.error && outcome.failures.length === 0 && outcome.status === 'failed') {
      term.out.write(`  ✖ ${result.run.error}\n`);
    }
    for (const failure of outcome.failures) {
      term.out.write(`  ✖ ${failure.step.name} on ${failure.host}: ${failure.result.error ?? 'failed'}\n`);
      if (failure.result.logFile) term.out.write(`    full output: ${failure.result.logFile}\n`);
    }
    if (outcome.notStarted.length > 0) term.out.write(`  not started: ${outcome.notStarted.join(', ')}\n`);
    if (outcome.abortReason) term.out.write(`  ${outcome.abortReason}\n`);
    term.out.write(`Audit head: ${await core.store.timelineHead()}\n`);
    return outcome.status === 'succeeded' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    watcher.abort();
    stopHeartbeat();
  }
}

export function stdioTerminal(actor: string): Terminal {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return {
    out: textOut(process.stdout),
    err: textOut(process.stderr),
    ...(process.stdout.isTTY ? { screen: ttyScreen(process.stdout) } : {}),
    interactive,
    actor,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(terminalText(question));
      } finally {
        rl.close();
      }
    },
  };
}
