/** Timeline wording for the events of one run: requested again, escalated, started, finished, stopped. */
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { humanDuration, plural } from '../format.js';
import { levelColon, num, type RcaFacts, type RunFacts, str, strList } from './facts.js';
import { oneLine, who } from './text.js';

export function describeRunEvent(e: StoredTimelineEvent, run: RunFacts, facts: RcaFacts): string | undefined {
  const name = facts.runs.length > 1 ? `Run ${run.label}` : 'Run';
  const level = levelColon(run);
  switch (e.type) {
    case 'plan.rendered':
      // The first run is the incident request itself; an escalation has its own event.
      if (run.origin === 'retry')
        return `Retry requested by ${who(e.actor)} (${run.label}, ${level}; steps that already succeeded are skipped)`;
      return run.origin === 'new' ? `${name} requested by ${who(e.actor)} (${level})` : undefined;
    case 'level.escalated': {
      const to = num(e.data, 'to') ?? run.run.level;
      const name = run.levelName === null ? '' : ` (${oneLine(run.levelName, 80)})`;
      return `Escalated to level ${to}${name} by ${who(e.actor)}`;
    }
    case 'run.started': {
      const hosts = strList(e.data, 'hosts').length;
      return `${name} started (${level}${hosts > 0 ? `, ${plural(hosts, 'host')}` : ''})`;
    }
    case 'run.finished':
      return finished(e, run, name);
    case 'run.abort_requested':
      return `Abort requested by ${who(e.actor)}`;
    case 'run.interrupted': {
      const unknown = num(e.data, 'unknownSteps') ?? 0;
      const detail = unknown > 0 ? ` (${plural(unknown, 'step')} left with an unknown outcome)` : '';
      return `${name} interrupted: rollbot restarted${detail}`;
    }
    case 'run.confirm_requested':
      return `Confirmation asked: ${oneLine(str(e.data, 'question') ?? '', 200)}`;
    case 'run.confirmed': {
      const verb = e.data?.confirmed === true ? 'Confirmed' : 'Declined';
      return `${verb} by ${who(e.actor)}: ${oneLine(str(e.data, 'question') ?? '', 200)}`;
    }
    default:
      return undefined;
  }
}

function finished(e: StoredTimelineEvent, run: RunFacts, name: string): string | undefined {
  const status = str(e.data, 'status') ?? 'ended';
  const error = str(e.data, 'error');
  const took = run.startedAt === null ? null : humanDuration(e.at - run.startedAt);
  switch (status) {
    case 'succeeded':
      return `${name} succeeded${took ? ` in ${took}` : ''}`;
    case 'failed':
      return `${name} failed${took ? ` after ${took}` : ''}${error ? `: ${oneLine(error, 300)}` : ''}`;
    case 'aborted': {
      const by = e.actor === 'rollbot' ? '' : ` by ${who(e.actor)}`;
      const why = error && error !== 'aborted' ? `: ${oneLine(error, 300)}` : '';
      return took
        ? `${name} aborted${by} after ${took}${why}`
        : `${name} cancelled${by} before it started${why}`;
    }
    case 'denied':
      // approval.denied already says who denied it.
      return undefined;
    default:
      return `${name} ended: ${oneLine(status, 40)}`;
  }
}
