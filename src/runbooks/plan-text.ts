/** A plan as terminal text: every step, every host, the exact command, secrets masked, then the hash. */
import { formatDuration } from '../domain/duration.js';
import { type Plan, type PlannedStep, type StepTarget, strategyText } from '../domain/plan.js';
import { querySampling } from '../domain/query-text.js';
import { maskMarkers } from '../domain/secrets.js';
import { shellQuote } from './quote.js';

export function planToText(plan: Plan): string {
  const hosts = plan.hosts.map((h) =>
    h.local ? `${h.name} (local)` : `${h.name} (${h.user}@${h.address}:${h.port})`,
  );
  const params = Object.entries(plan.params).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `Plan: ${plan.service} · ${plan.env} · level ${plan.level} ${plan.levelName} (target ${formatDuration(plan.targetMs)})`,
    `Hosts: ${hosts.join(', ')}`,
    `Strategy: ${strategyText(plan)}`,
    `Params: ${params.length > 0 ? params.join(', ') : '(none)'}`,
    ...plan.secrets.map(
      (s) => `Secret: ${s.param} read from ${s.from === 'typed' ? 'the terminal (--set)' : s.from}`,
    ),
    '',
    ...plan.steps.flatMap(stepLines),
    '',
    `Plan hash: ${plan.hash}`,
  ];
  return maskMarkers(lines.join('\n'));
}

function stepLines(step: PlannedStep): string[] {
  const flags = [step.kind, `timeout ${formatDuration(step.timeoutMs)}`];
  if (step.continueOnError) flags.push('continue on error');
  const head = `${step.index + 1}. ${step.name}  [${flags.join(', ')}]`;
  if (step.kind === 'confirm') return [head, `     ? ${step.confirm ?? step.name}`];
  if (step.targets.length === 0) return [head, '     (no selected host: skipped)'];
  return [head, ...step.targets.map(targetLine)];
}

function targetLine(target: StepTarget): string {
  const prefix = `     ${target.host}`;
  switch (target.kind) {
    case 'run':
      return `${prefix} $ ${target.script.replaceAll('\n', `\n${' '.repeat(prefix.length + 3)}`)}`;
    case 'local':
      return `${prefix} (on rollbot) ${target.argv.map(shellQuote).join(' ')}`;
    case 'check':
    case 'monitor': {
      const json = Object.keys(target.expect.json).length > 0 ? ` ${JSON.stringify(target.expect.json)}` : '';
      const expect = `expect ${target.expect.status}${json}`;
      const window =
        target.kind === 'monitor'
          ? ` every ${formatDuration(target.everyMs)} for ${formatDuration(target.forMs)}`
          : '';
      return `${prefix} GET ${target.url} ${expect}${window}`;
    }
    case 'query': {
      const indent = '       ';
      const query = target.query.replaceAll('\n', `\n${indent}`);
      return `${prefix} PromQL on ${target.prometheus}:\n${indent}${query}\n${indent}${querySampling(target)}`;
    }
  }
}
