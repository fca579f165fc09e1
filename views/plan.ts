/**
 * The plan message: hosts, strategy, params, hash, and every step once with the hosts it runs on and
 * its exact command; a command that differs only by the host's own name or address is shown once
 * with `{{host.name}}` / `{{host.address}}`, and per-host text only where hosts really differ.
 */
import type { KnownBlock } from '@slack/types';
import {
  type HostRef,
  type Plan,
  type PlannedStep,
  type StepTarget,
  strategyText,
} from '../src/domain/plan.js';
import { querySampling } from '../src/domain/query-text.js';
import { shellQuote } from '../src/runbooks/quote.js';
import { context, fallback, fieldsSection, header, type MessageContent, section } from './blocks.js';
import { humanDuration, levelLabel, plural } from './format.js';
import { MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX } from './limits.js';
import { codeBlock, escapeFit, escapeMrkdwn, inlineCode } from './mrkdwn.js';

/** Characters of step detail shown before the rest is summarised: a plan should be read, not scrolled. */
export const PLAN_CHAR_BUDGET = 12_000;
/** Distinct commands shown per step before "N more hosts" (hosts with the same command share one block). */
const GROUPS_PER_STEP = 4;
const HOSTS_LISTED = 12;

export interface PlanMessageInput {
  /** The display form: params and commands already masked. */
  plan: Plan;
}

export function planMessage({ plan }: PlanMessageInput): MessageContent {
  const title = `📋 Plan: ${plan.service} · ${plan.env} · level ${levelLabel(plan.level, plan.levelName)}`;
  const head: KnownBlock[] = [header(title), fieldsSection(summaryFields(plan))];
  const footer = context(
    `Plan ${inlineCode(shortHash(plan.hash))} · approvals bind to this exact plan; any change needs new approvals`,
  );
  const roomForSteps = MESSAGE_BLOCKS_MAX - head.length - 2;
  const shown: KnownBlock[] = [];
  let used = 0;
  for (const step of plan.steps) {
    const text = stepText(step, plan);
    if (shown.length >= roomForSteps || (used + text.length > PLAN_CHAR_BUDGET && shown.length > 0)) break;
    shown.push(section(text));
    used += text.length;
  }
  const rest = plan.steps.slice(shown.length);
  const blocks = [...head, ...shown];
  if (rest.length > 0) blocks.push(section(moreSteps(plan, rest)));
  blocks.push(footer);
  const text = `Plan for ${plan.service} level ${plan.level} (${plan.levelName}) on ${plan.env}: ${plural(plan.steps.length, 'step')} on ${plural(plan.hosts.length, 'host')} · plan ${shortHash(plan.hash)}`;
  return { text: fallback(escapeMrkdwn(text)), blocks };
}

export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** What a person types to see the whole plan in a terminal. */
export function planCommand(plan: Pick<Plan, 'service' | 'level' | 'env'>): string {
  return `rollbot plan ${plan.service} --level ${plan.level} --env ${plan.env}`;
}

function summaryFields(plan: Plan): string[] {
  const names = plan.hosts.map((h) => h.name);
  const listed = names.slice(0, HOSTS_LISTED).join(', ');
  const more = names.length > HOSTS_LISTED ? ` (+${names.length - HOSTS_LISTED} more)` : '';
  const params = Object.entries(plan.params).map(([k, v]) => `${k}=${v}`);
  return [
    `*Hosts (${plan.hosts.length})*\n${escapeFit(`${listed}${more}`, 1500)}`,
    `*Strategy*\n${escapeMrkdwn(strategyText(plan))}`,
    `*Target*\n${humanDuration(plan.targetMs)}`,
    `*Params*\n${params.length === 0 ? '_none_' : escapeFit(params.join(', '), 1500)}`,
  ];
}

function stepText(step: PlannedStep, plan: Plan): string {
  const flags = [step.kind, `timeout ${humanDuration(step.timeoutMs)}`];
  if (step.continueOnError) flags.push('continues on error');
  const title = `*${step.index + 1}. ${escapeFit(step.name, 200)}* · ${flags.join(' · ')}`;
  if (step.kind === 'confirm') return `${title}\n⏸ asks: ${escapeFit(step.confirm ?? step.name, 1000)}`;
  if (step.targets.length === 0) return `${title}\n_no selected host: skipped_`;
  const groups = groupCommands(step.targets, plan.hosts);
  const head = `${title} · ${escapeFit(hostsText(step.targets, plan.hosts.length), 300)}`;
  const room = SECTION_TEXT_MAX - head.length - 300;
  const shown = groups.slice(0, GROUPS_PER_STEP);
  const each = Math.floor(room / shown.length);
  const parts =
    groups.length === 1
      ? [codeBlock(groups[0]!.command, room)]
      : shown.map((g) => `${hostsLabel(g.hosts)}\n${codeBlock(g.command, each - 120)}`);
  const rest = groups.slice(shown.length).reduce((n, g) => n + g.hosts.length, 0);
  if (rest > 0)
    parts.push(`_+ ${plural(rest, 'more host')} with their own command: ${inlineCode(planCommand(plan))}_`);
  if (groups.some((g) => g.perHost)) parts.push(`_${HOST_PLACEHOLDERS} stand for each host's own._`);
  return `${head}\n${parts.join('\n')}`;
}

const HOST_PLACEHOLDERS = '`{{host.name}}` / `{{host.address}}`';

/** "on all 50 hosts", or "on 3 of 50 hosts: a, b, c". */
export function hostsText(targets: readonly StepTarget[], planHosts: number): string {
  if (targets.length === planHosts)
    return planHosts === 1 ? `on ${targets[0]!.host}` : `on all ${planHosts} hosts`;
  const names = targets.map((t) => t.host);
  const listed = names.slice(0, 6).join(', ');
  const more = names.length > 6 ? ` +${names.length - 6}` : '';
  return `on ${names.length} of ${planHosts} hosts: ${listed}${more}`;
}

function hostsLabel(hosts: readonly string[]): string {
  const listed = hosts.slice(0, 6).join(', ');
  const more = hosts.length > 6 ? ` +${hosts.length - 6}` : '';
  return `on ${escapeFit(`${listed}${more}`, 100)}:`;
}

export interface CommandGroup {
  command: string;
  hosts: string[];
  /** The command has host placeholders in it. */
  perHost: boolean;
}

/**
 * Hosts grouped by command. Each host's own name and address are also replaced by placeholders
 * (only where substituting them back gives the exact command), and whichever grouping needs fewer
 * groups is shown: 50 hosts that differ only by `{{host.name}}` read as one command.
 */
export function groupCommands(targets: readonly StepTarget[], hosts: readonly HostRef[]): CommandGroup[] {
  const exact = groupBy(targets.map((t) => ({ host: t.host, command: commandOf(t), perHost: false })));
  if (exact.length === 1) return exact;
  const generalised = groupBy(
    targets.map((t) => {
      const command = commandOf(t);
      const host = hosts.find((h) => h.name === t.host);
      const template = host ? withHostPlaceholders(command, host) : command;
      return { host: t.host, command: template, perHost: template !== command };
    }),
  );
  return generalised.length < exact.length ? generalised : exact;
}

function groupBy(entries: readonly { host: string; command: string; perHost: boolean }[]): CommandGroup[] {
  const groups = new Map<string, CommandGroup>();
  for (const e of entries) {
    const group = groups.get(e.command) ?? { command: e.command, hosts: [], perHost: e.perHost };
    group.hosts.push(e.host);
    groups.set(e.command, group);
  }
  return [...groups.values()];
}

// A host value counts only as a whole token: `shop-1` is not part of `shop-10`, nor 10.0.0.1 of 10.0.0.12.
const TOKEN_CHAR = '[A-Za-z0-9_-]';

/** The command with this host's address and name as placeholders, or unchanged if that would not round-trip. */
export function withHostPlaceholders(command: string, host: Pick<HostRef, 'name' | 'address'>): string {
  const pairs = [
    { value: host.address, placeholder: '{{host.address}}' },
    { value: host.name, placeholder: '{{host.name}}' },
  ]
    .filter((p) => p.value !== '' && p.value !== 'localhost')
    .sort((a, b) => b.value.length - a.value.length);
  let template = command;
  for (const { value, placeholder } of pairs) {
    const re = new RegExp(`(?<!${TOKEN_CHAR})${escapeRegExp(value)}(?!${TOKEN_CHAR})`, 'g');
    template = template.replace(re, placeholder);
  }
  const back = template.replaceAll('{{host.address}}', host.address).replaceAll('{{host.name}}', host.name);
  return back === command ? template : command;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The exact command as a person would read it; `local` steps run on the bot, without a shell. */
export function commandOf(target: StepTarget): string {
  switch (target.kind) {
    case 'run':
      return target.script;
    case 'local':
      return `(on rollbot) ${target.argv.map(shellQuote).join(' ')}`;
    case 'check':
    case 'monitor': {
      const json = Object.keys(target.expect.json).length > 0 ? ` ${JSON.stringify(target.expect.json)}` : '';
      const window =
        target.kind === 'monitor'
          ? ` every ${humanDuration(target.everyMs)} for ${humanDuration(target.forMs)}`
          : '';
      return `GET ${target.url} → expect ${target.expect.status}${json}${window}`;
    }
    case 'query':
      return `PromQL on ${target.prometheus}:\n${target.query}\n→ ${querySampling(target)}`;
  }
}

function moreSteps(plan: Plan, rest: readonly PlannedStep[]): string {
  const names = rest.map((s) => `${s.index + 1}. ${s.name}`).join(' · ');
  const head = `*+ ${plural(rest.length, 'more step')}* — full plan: ${inlineCode(planCommand(plan))}`;
  return `${head}\n${escapeFit(names, SECTION_TEXT_MAX - head.length - 10)}`;
}
