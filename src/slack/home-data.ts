/** What the App Home shows, read from the store and the runbooks. */
import type { HomeData, HomeIncident, HomeService } from '../../views/home.js';
import type { Incident } from '../domain/records.js';
import { levelNumbers } from '../runbooks/schema.js';
import type { Clock } from '../services/ports.js';
import type { Store } from '../services/store-port.js';
import type { RunbookCatalog } from '../services/plans.js';
import type { Directory } from '../services/notifier.js';

export interface HomeSources {
  store: Pick<Store, 'history' | 'openIncidents' | 'runsOfIncident'>;
  catalog: RunbookCatalog;
  directory: Directory;
  /** The workspace URL from auth.test (`https://acme.slack.com/`), for thread links. */
  teamUrl: string | undefined;
  notice(): string | undefined;
  clock: Clock;
}

const OPEN_MAX = 40;
const RECENT_PER_SERVICE = 3;

export function createHomeQuery(src: HomeSources): (user: string) => Promise<HomeData> {
  return async (user) => {
    const [open, services] = await Promise.all([openIncidents(src), servicesFor(src, user)]);
    const notice = src.notice();
    return { user, open, services, ...(notice ? { notice } : {}), now: src.clock.now() };
  };
}

/** An incident is open until someone resolves it; newest first. */
async function openIncidents(src: HomeSources): Promise<HomeIncident[]> {
  const open: HomeIncident[] = [];
  for (const incident of (await src.store.openIncidents()).reverse()) {
    const run = (await src.store.runsOfIncident(incident.id)).at(-1);
    const url = threadUrl(src.teamUrl, incident);
    open.push({ incident, ...(run ? { run } : {}), ...(url ? { threadUrl: url } : {}) });
    if (open.length >= OPEN_MAX) break;
  }
  return open;
}

async function servicesFor(src: HomeSources, user: string): Promise<HomeService[]> {
  return Promise.all(
    src.catalog.names().flatMap((name) => {
      const runbook = src.catalog.get(name);
      if (!runbook) return [];
      return [
        (async (): Promise<HomeService> => ({
          service: runbook.service,
          description: runbook.description,
          envs: Object.keys(runbook.environments),
          levels: levelNumbers(runbook).map((level) => {
            const l = runbook.levels[String(level) as '1' | '2' | '3']!;
            return { level, name: l.name, targetMs: l.target, approvals: l.approvals };
          }),
          approver: (await src.directory.members(runbook.approvers)).has(user),
          recent: await src.store.history({ service: name, limit: RECENT_PER_SERVICE }),
        }))(),
      ];
    }),
  );
}

/** `https://acme.slack.com/archives/C123/p1712345678000100`: a message link Slack resolves. */
export function threadUrl(teamUrl: string | undefined, incident: Incident): string | undefined {
  if (!teamUrl || !incident.slackChannel || !incident.slackTs) return undefined;
  const base = teamUrl.endsWith('/') ? teamUrl : `${teamUrl}/`;
  return `${base}archives/${incident.slackChannel}/p${incident.slackTs.replace('.', '')}`;
}
