/** `rollbot deploys record|[service]` and `rollbot check-deploy`: the deploy pipeline's side of rollbot. */
import type { Core } from '../main.js';
import { onePositional, type ParsedArgs } from './args.js';
import type { Terminal } from './run-commands.js';

export async function deploysCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const [first, ...rest] = args.positionals;
  if (first === 'record') {
    const [service, version, ...extra] = rest;
    if (!service || !version || extra.length > 0) {
      term.err.write(
        'usage: rollbot deploys record <service> <version> [--env E] [--commit SHA] [--url URL]\n',
      );
      return 2;
    }
    const recorded = await core.services.recordDeploy({
      service,
      version,
      env: args.values.env ?? 'production',
      ...(args.values.commit ? { commit: args.values.commit } : {}),
      ...(args.values.url ? { url: args.values.url } : {}),
      by: term.actor,
    });
    if (!recorded.ok) {
      term.err.write(`${recorded.message}\n`);
      return 2;
    }
    term.out.write(`Recorded: ${service} ${version} deployed to ${recorded.deploy.env}.\n`);
    return 0;
  }
  const service = onePositional(args.positionals, 'service', false);
  const deploys = await core.store.deploys({
    ...(service ? { service } : {}),
    ...(args.values.env ? { env: args.values.env } : {}),
  });
  if (args.values.json) {
    term.out.write(`${JSON.stringify(deploys, null, 2)}\n`);
    return 0;
  }
  if (deploys.length === 0) {
    term.out.write('No deploys recorded.\n');
    return 0;
  }
  for (const d of deploys) {
    const extra = [d.commit ? `commit ${d.commit.slice(0, 12)}` : '', d.url ?? '']
      .filter(Boolean)
      .join(' · ');
    term.out.write(
      `${new Date(d.at).toISOString().slice(0, 16).replace('T', ' ')}  ${d.service} ${d.env} ${d.version}  by ${d.by}${extra ? `  ${extra}` : ''}\n`,
    );
  }
  return 0;
}

/** Exit 0: the version may be deployed; 1: it is blocked (the incident that blocked it is named). */
export async function checkDeployCommand(core: Core, args: ParsedArgs, term: Terminal): Promise<number> {
  const [service, version, ...extra] = args.positionals;
  if (!service || !version || extra.length > 0) {
    term.err.write('usage: rollbot check-deploy <service> <version> [--env E]\n');
    return 2;
  }
  const verdict = await core.services.checkDeploy(service, version);
  if (verdict.allowed) {
    term.out.write(`${service} ${version}: allowed.\n`);
    return 0;
  }
  const { blocked } = verdict;
  term.out.write(
    `${service} ${version}: BLOCKED${blocked.incidentId ? ` by ${blocked.incidentId}` : ''} (rolled back from; blocked by ${blocked.by} at ${new Date(blocked.blockedAt).toISOString()}). Lift it with /rollback unblock ${service} ${version}.\n`,
  );
  return 1;
}
