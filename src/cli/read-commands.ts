/** The CLI's read-only commands: validate, plan, history, timeline, audit verify. */
import { formatDuration } from '../domain/duration.js';
import type { AppContext } from '../main.js';
import { formatRunbookErrors, loadRunbooks } from '../runbooks/load.js';
import { planToText } from '../runbooks/plan.js';
import { displayPlan } from '../services/rollback.js';
import { hostsOf, levelOf, onePositional, type ParsedArgs, paramsOf } from './args.js';
import type { Terminal } from './run-commands.js';

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
  const rows = app.store.history({ service, limit: 50 });
  if (args.values.json) {
    term.out.write(`${JSON.stringify({ runs: rows, mttr: app.store.mttr(service) }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    term.out.write(`No rollbacks recorded${service ? ` for ${service}` : ''}.\n`);
    return 0;
  }
  const table = [['Date', 'Executed by', 'Service', 'Env', 'Level', 'Kind', 'Result', 'Duration', 'Target']];
  for (const row of rows) {
    table.push([
      new Date(row.createdAt).toISOString().slice(0, 16).replace('T', ' '),
      row.requestedBy,
      row.service,
      row.env,
      String(row.level),
      row.drill ? 'drill' : 'incident',
      row.state,
      row.durationMs === null ? '—' : formatDuration(row.durationMs),
      formatDuration(row.targetMs),
    ]);
  }
  term.out.write(`${formatTable(table)}\n`);
  for (const m of app.store.mttr(service)) {
    term.out.write(`MTTR ${m.service}: ${formatDuration(m.meanMs)} over ${m.runs} successful rollback(s)\n`);
  }
  return 0;
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
