/** The fixed fields of the request modal: service, environment, severity with criteria, level, hosts, reason. */
import type { InputBlock, KnownBlock, PlainTextOption } from '@slack/types';
import { REQUEST_TEXT_MAX } from '../src/domain/records.js';
import { SEVERITIES, SEVERITY_INFO, type Severity } from '../src/domain/severity.js';
import type { Runbook, RunbookLevel } from '../src/runbooks/schema.js';
import { context, md, plain } from './blocks.js';
import { humanDuration, levelLabel, SEVERITY_EMOJI } from './format.js';
import * as ids from './ids.js';
import { OPTION_DESCRIPTION_MAX, OPTION_TEXT_MAX, OPTION_VALUE_MAX, SELECT_OPTIONS_MAX } from './limits.js';
import { escapeMrkdwn } from './mrkdwn.js';

/** The longest impact / reason a request may carry. */
export const REASON_MAX = REQUEST_TEXT_MAX;

/**
 * A static select holds at most 100 options; a larger catalogue gets an external select that
 * searches it (Slack asks the app for options as the user types: commands/service-options.ts).
 */
export function serviceInput(services: readonly string[], selected: string | undefined): InputBlock {
  const usable = services.filter((s) => s.length <= OPTION_VALUE_MAX);
  const chosen = selected !== undefined && usable.includes(selected) ? option(selected, selected) : undefined;
  const base = {
    type: 'input' as const,
    block_id: ids.SERVICE_BLOCK,
    dispatch_action: true,
    label: plain('Service'),
  };
  if (usable.length > SELECT_OPTIONS_MAX) {
    return {
      ...base,
      element: {
        type: 'external_select',
        action_id: ids.SERVICE_SELECT,
        placeholder: plain(`Search ${usable.length} services`),
        min_query_length: 0,
        ...(chosen ? { initial_option: chosen } : {}),
      },
    };
  }
  const options = usable.map((s) => option(s, s));
  return {
    ...base,
    element: {
      type: 'static_select',
      action_id: ids.SERVICE_SELECT,
      placeholder: plain('Choose a service'),
      options,
      ...(chosen ? { initial_option: chosen } : {}),
    },
  };
}

/** The services matching what the user typed into the external select: at most 100, prefix matches first. */
export function serviceOptions(services: readonly string[], query: string): PlainTextOption[] {
  const q = query.trim().toLowerCase();
  const usable = services.filter((s) => s.length <= OPTION_VALUE_MAX);
  const starts = usable.filter((s) => s.startsWith(q));
  const contains = usable.filter((s) => !s.startsWith(q) && s.includes(q));
  return [...starts, ...contains].slice(0, SELECT_OPTIONS_MAX).map((s) => option(s, s));
}

export function envInput(envNames: readonly string[], selected: string): InputBlock {
  const options = envNames.slice(0, SELECT_OPTIONS_MAX).map((e) => option(e, e));
  const initial = options.find((o) => o.value === selected);
  return {
    type: 'input',
    block_id: ids.ENV_BLOCK,
    dispatch_action: true,
    label: plain('Environment'),
    element: {
      type: 'static_select',
      action_id: ids.ENV_SELECT,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** The seeds' severity criteria: the same text in every form, built once. */
export function severityCriteria(): KnownBlock {
  return SEVERITY_CRITERIA;
}

function buildSeverityCriteria(): KnownBlock {
  const parts = SEVERITIES.map((s) => {
    const info = SEVERITY_INFO[s];
    const items = info.criteria.map((c) => `• ${c}`).join('\n');
    return `${SEVERITY_EMOJI[s]} *${info.label}* — ${escapeMrkdwn(info.urgency)}\n${escapeMrkdwn(items)}`;
  });
  return { type: 'section', block_id: ids.SEVERITY_CRITERIA_BLOCK, text: md(parts.join('\n\n')) };
}

const SEVERITY_CRITERIA = buildSeverityCriteria();

export function severityInput(selected: Severity | undefined): InputBlock {
  const options = SEVERITIES.map((s) =>
    option(`${SEVERITY_EMOJI[s]} ${SEVERITY_INFO[s].label}`, s, SEVERITY_INFO[s].urgency),
  );
  const initial = options.find((o) => o.value === selected);
  return {
    type: 'input',
    block_id: ids.SEVERITY_BLOCK,
    // The severity decides the approvals, so the plan summary and the button follow it.
    dispatch_action: true,
    label: plain('Severity (criteria above)'),
    element: {
      type: 'radio_buttons',
      action_id: ids.SEVERITY_RADIO,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

export function levelInput(runbook: Runbook, selected: number | undefined): InputBlock {
  const options = levelNumbers(runbook).map((n) => {
    const level = levelOf(runbook, n)!;
    const text = `${levelLabel(n, level.name)} — target ${humanDuration(level.target)}`;
    return option(text, String(n), approvalsText(level));
  });
  const initial = options.find((o) => o.value === String(selected));
  return {
    type: 'input',
    block_id: ids.LEVEL_BLOCK,
    dispatch_action: true,
    label: plain('Rollback level'),
    hint: plain('If a level is not enough, escalate to the next one from the incident thread.'),
    element: {
      type: 'radio_buttons',
      action_id: ids.LEVEL_RADIO,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

export function hostsInput(runbook: Runbook, envName: string, prefilled: string[] | undefined): KnownBlock {
  const hosts = runbook.environments[envName]?.hosts ?? [];
  if (hosts.length > SELECT_OPTIONS_MAX) {
    return context(
      `All ${hosts.length} hosts of *${envName}* will be used (too many to list here; limit them with \`hosts=a,b\` in the command).`,
    );
  }
  const options = hosts.map((h) =>
    option(h.local ? `${h.name} · this machine` : `${h.name} · ${h.address}`, h.name),
  );
  const wanted = prefilled?.filter((name) => hosts.some((h) => h.name === name));
  const initial =
    wanted && wanted.length > 0 ? options.filter((o) => wanted.includes(o.value ?? '')) : options;
  return {
    type: 'input',
    block_id: ids.hostsBlockId(envName),
    dispatch_action: true,
    optional: true,
    label: plain('Hosts'),
    hint: plain(`All hosts of ${envName} are selected. Remove some to limit the rollback; empty means all.`),
    element: {
      type: 'multi_static_select',
      action_id: ids.HOSTS_SELECT,
      options,
      ...(initial.length > 0 ? { initial_options: initial } : {}),
    },
  };
}

export function reasonInput(prefilled: string | undefined): InputBlock {
  const initial = prefilled?.slice(0, REASON_MAX);
  return {
    type: 'input',
    block_id: ids.REASON_BLOCK,
    label: plain('What is broken'),
    element: {
      type: 'plain_text_input',
      action_id: ids.REASON_INPUT,
      multiline: true,
      max_length: REASON_MAX,
      placeholder: plain('What users see, e.g. "error rate 8% on /api/ask since 14:02"'),
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

/** Seed 002's "Affected users / features"; optional: the incident message shows the reason without it. */
export function impactInput(prefilled: string | undefined): InputBlock {
  const initial = prefilled?.slice(0, REASON_MAX);
  return {
    type: 'input',
    block_id: ids.IMPACT_BLOCK,
    optional: true,
    label: plain('Affected users / features'),
    element: {
      type: 'plain_text_input',
      action_id: ids.IMPACT_INPUT,
      max_length: REASON_MAX,
      placeholder: plain('e.g. "all EU customers: checkout fails"'),
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

function approvalsText(level: RunbookLevel): string {
  const a = level.approvals;
  if (typeof a === 'number')
    return a === 0 ? 'No approval needed' : `Needs ${a} approval${a === 1 ? '' : 's'}`;
  return `Approvals: critical ${a.critical} · major ${a.major} · minor ${a.minor}`;
}

export function levelNumbers(runbook: Runbook): number[] {
  return ([1, 2, 3] as const).filter((n) => levelOf(runbook, n) !== undefined);
}

export function levelOf(runbook: Runbook, n: number): RunbookLevel | undefined {
  return n === 1 ? runbook.levels[1] : n === 2 ? runbook.levels[2] : n === 3 ? runbook.levels[3] : undefined;
}

export function pick(value: string | undefined, allowed: readonly string[]): string | undefined {
  return value !== undefined && allowed.includes(value) ? value : undefined;
}

export function option(text: string, value: string, description?: string): PlainTextOption {
  return {
    text: plain(text, OPTION_TEXT_MAX),
    value,
    ...(description ? { description: plain(description, OPTION_DESCRIPTION_MAX) } : {}),
  };
}
