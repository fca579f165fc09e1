/** The CLI's read-only commands: validate, plan, history, timeline, audit verify. */
import { writeFileSync } from 'node:fs';
import { formatDuration } from '../domain/duration.js';
import { targetVerdict } from '../domain/figures.js';
import type { Core } from '../main.js';
import { formatRunbookErrors, loadRunbooks } from '../runbooks/load.js';
import { planToText } from '../runbooks/plan.js';
import { displayPlan } from '../services/plans.js';
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

export function planCommand(core: Core, args: ParsedArgs, term: Terminal): number {
  const service = onePositional(args.positionals, 'service')!;
  const preview = core.services.preview({
    service,
    env: args.values.env ?? 'production',
    level: levelOf(args.values.level),
    params: paramsOf(args.values.set),
    ...(args.values.hosts ? { hosts: hostsOf(args.values.hosts)! } : {}),
    typedSecrets: true,
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

export async function historyCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const service = onePositional(args.positionals, 'service', false);
  const incidents = await core.store.history({ ...(service ? { service } : {}), drill: false, limit: 50 });
  const drills = await core.store.history({ ...(service ? { service } : {}), drill: true, limit: 50 });
  const mttr = await core.store.mttr(service);
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
    term.out.write(
      `Mean time to restore ${m.service}: ${formatDuration(m.meanMs)} over ${m.incidents} restored incident(s)\n`,
    );
  }
  if (drills.length > 0) {
    const table = [
      ['Date (UTC)', 'By', 'Service', 'Env', 'Level', 'Success', 'Actual', 'Target', 'Within target'],
    ];
    for (const r of drills) {
      const verdict = targetVerdict(r);
      const within = verdict === 'within' ? 'yes' : verdict === 'over' ? 'no' : '—';
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

export async function timelineCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const id = onePositional(args.positionals, 'incident id')!;
  if (!(await core.store.getIncident(id))) {
    term.err.write(`No incident ${id}.\n`);
    return 2;
  }
  const events = await core.store.timeline(id);
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

export async function rcaCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const id = onePositional(args.positionals, 'incident id')!;
  const draft = await core.services.draftRca(id);
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

export async function auditCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const [verb, id, ...rest] = args.positionals;
  const head = args.values.head;
  if (verb !== 'verify' || rest.length > 0 || (head !== undefined && !/^[0-9a-f]{12,64}$/.test(head))) {
    term.err.write('usage: rollbot audit verify [incident-id] [--head <hash, at least 12 hex digits>]\n');
    return 2;
  }
  if (id !== undefined && !(await core.store.getIncident(id))) {
    term.err.write(`No incident ${id}.\n`);
    return 2;
  }
  const result = await core.store.verifyTimeline({
    ...(id !== undefined ? { incidentId: id } : {}),
    ...(head !== undefined ? { head } : {}),
  });
  if (!result.ok) {
    term.err.write(`Timeline broken at seq ${result.seq} (${result.problem}): ${result.message}\n`);
    return 1;
  }
  const scope = id !== undefined ? ` of ${id}` : '';
  term.out.write(`Timeline intact: ${result.count} event(s)${scope} verified; head ${result.head}.\n`);
  if (head !== undefined)
    term.out.write(`Head ${head} is in the chain: nothing up to it was removed or rewritten.\n`);
  if (!result.keyed) {
    term.out.write(
      'Warning: ROLLBOT_AUDIT_KEY is not set, so the chain is unkeyed: anyone who can write the database can rewrite it and recompute every hash. Set the key, and check published heads with --head.\n',
    );
  } else if (result.unkeyed > 0) {
    term.out.write(
      `Note: the first ${result.unkeyed} event(s) were written before ROLLBOT_AUDIT_KEY was set (unkeyed).\n`,
    );
  }
  return 0;
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
