/** The CLI's read-only commands: validate, plan, history, timeline, audit verify. */
import { writeFileSync } from 'node:fs';
import { formatDuration } from '../domain/duration.js';
import type { AppContext } from '../main.js';
import { buildRcaDraft } from '../rca-draft.js';
import { formatRunbookErrors, loadRunbooks } from '../runbooks/load.js';
import { planToText } from '../runbooks/plan.js';
import { displayPlan } from '../services/rollback.js';
import { hostsOf, levelOf, onePositional, type ParsedArgs, paramsOf } from './args.js';
import type { Terminal } from './run-commands.js';
import { terminalText } from './terminal-text.js';

export function validateCommand(dir: string, term: Terminal): number {
  const { runbooks, errors } = loadRunbooks(dir);
  if (errors.length > 0) {
    term.err.write(`${formatRunbookErrors(errors)}\n${errors.length} error(s) in ${dir}\n`);
    return 2;
  }
  term.out.write(`${runbooks.size} runbook(s) valid in ${dir}: ${[...runbooks.keys()].sort().join(', ')}\n`);
  return 0;
}

export function planCommand(app: AppContext, args: ParsedArgs, term: Terminal): number {
  const service = onePositional(args.positionals, 'service')!;
  const preview = app.rollback.preview({
    service,
    env: args.values.env ?? 'production',
    level: levelOf(args.values.level),
    params: paramsOf(args.values.set),
    hosts: hostsOf(args.values.hosts),
  });
  if (!preview.ok) {
    term.err.write(`${preview.message}\n`);
    return 2;
  }
  term.out.write(
    args.values.json
      ? `${JSON.stringify(displayPlan(preview.plan), null, 2)}\n`
      : `${planToText(preview.plan)}\n`,
  );
  return 0;
}

export function historyCommand(app: AppContext, args: ParsedArgs, term: Terminal): number {
  const service = onePositional(args.positionals, 'service', false);
  const incidents = app.store.history({ ...(service ? { service } : {}), drill: false, limit: 50 });
  const drills = app.store.history({ ...(service ? { service } : {}), drill: true, limit: 50 });
  const mttr = app.store.mttr(service);
  if (args.values.json) {
    term.out.write(`${JSON.stringify({ runs: incidents, drills, mttr }, null, 2)}\n`);
    return 0;
  }
  const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const took = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
  term.out.write(`Rollback execution history${service ? ` — ${service}` : ''}\n\n`);
  if (incidents.length === 0) term.out.write('No rollbacks recorded.\n');
  else {
    const table = [
      ['Date (UTC)', 'Executed by', 'Service', 'Env', 'Level', 'Success', 'Duration', 'Incident'],
    ];
    for (const r of incidents) {
      table.push([
        when(r.createdAt),
        r.requestedBy,
        r.service,
        r.env,
        String(r.level),
        success(r.state),
        took(r.durationMs),
        r.incidentId,
      ]);
    }
    term.out.write(`${formatTable(table)}\n`);
  }
  for (const m of mttr) {
    term.out.write(`MTTR ${m.service}: ${formatDuration(m.meanMs)} over ${m.runs} successful rollback(s)\n`);
  }
  if (drills.length > 0) {
    const table = [
      ['Date (UTC)', 'By', 'Service', 'Env', 'Level', 'Success', 'Actual', 'Target', 'Within target'],
    ];
    for (const r of drills) {
      const within = r.durationMs === null ? '—' : r.durationMs <= r.targetMs ? 'yes' : 'no';
      table.push([
        when(r.createdAt),
        r.requestedBy,
        r.service,
        r.env,
        String(r.level),
        success(r.state),
        took(r.durationMs),
        formatDuration(r.targetMs),
        within,
      ]);
    }
    term.out.write(`\nDrills\n${formatTable(table)}\n`);
  }
  return 0;
}

function success(state: string): string {
  return state === 'succeeded' ? 'yes' : `no (${state})`;
}

export function timelineCommand(app: AppContext, args: ParsedArgs, term: Terminal): number {
  const id = onePositional(args.positionals, 'incident id')!;
  if (!app.store.getIncident(id)) {
    term.err.write(`No incident ${id}.\n`);
    return 2;
  }
  const events = app.store.timeline(id);
  if (args.values.json) {
    term.out.write(`${JSON.stringify(events, null, 2)}\n`);
    return 0;
  }
  for (const e of events) {
    const data = e.data && Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : '';
    term.out.write(
      `${new Date(e.at).toISOString()}  ${e.type.padEnd(22)} ${e.actor}${e.runId ? ` ${e.runId}` : ''}${data}\n`,
    );
  }
  return 0;
}

export function rcaCommand(app: AppContext, args: ParsedArgs, term: Terminal): number {
  const id = onePositional(args.positionals, 'incident id')!;
  const draft = buildRcaDraft(app.store, id, app.config.timeZone, app.clock.now());
  if (!draft) {
    term.err.write(`No incident ${id}.\n`);
    return 2;
  }
  if (args.values.out) {
    // Read in a terminal too (`cat`, `less -R`): the same escaping as what is printed.
    writeFileSync(args.values.out, terminalText(draft.markdown));
    term.out.write(`RCA draft for ${id} written to ${args.values.out}\n`);
  } else {
    term.out.write(draft.markdown);
  }
  return 0;
}

export function auditCommand(app: AppContext, args: ParsedArgs, term: Terminal): number {
  const [verb, id, ...rest] = args.positionals;
  if (verb !== 'verify' || rest.length > 0) {
    term.err.write('usage: rollbot audit verify [incident-id]\n');
    return 2;
  }
  const result = app.store.verifyTimeline(id);
  if (result.ok) {
    term.out.write(`Timeline intact: ${result.count} event(s) verified.\n`);
    return 0;
  }
  term.err.write(`Timeline broken at seq ${result.seq} (${result.problem}): ${result.message}\n`);
  return 1;
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
