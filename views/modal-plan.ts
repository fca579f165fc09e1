/**
 * The request form's plan summary and submit words: the exact plan the current choices give, shown
 * before anything runs, and a button that says what a click does (issue 10 item 2).
 */
import type { KnownBlock, SectionBlock } from '@slack/types';
import { type Plan, strategyText } from '../src/domain/plan.js';
import { context, divider, md } from './blocks.js';
import { humanDuration, plural } from './format.js';
import { planPreviewBlockId } from './ids.js';
import { escapeFit, inlineCode } from './mrkdwn.js';
import { packLines } from './pack.js';
import { groupCommands, hostsText, planCommand, shortHash } from './plan.js';

/** What the current choices give: the plan and its approvals (undefined until a severity is picked), or why not. */
export type ModalPreview =
  | { ok: true; plan: Plan; approvals: number | undefined }
  | { ok: false; message: string };

/** Nothing else stands between this click and production. */
export const SUBMIT_NOW = 'Roll back now';
/** The click posts the plan and waits for approvers; nothing runs before. */
export const SUBMIT_APPROVAL = 'Request approval';
/** The form is not complete: a click can only show what is missing. */
export const SUBMIT_INCOMPLETE = 'Submit request';

export function submitLabel(preview: ModalPreview | undefined): string {
  if (!preview?.ok || preview.approvals === undefined) return SUBMIT_INCOMPLETE;
  return preview.approvals === 0 ? SUBMIT_NOW : SUBMIT_APPROVAL;
}

const PLAN_SECTIONS = 2;

/** At most five blocks: divider, an optional notice, up to two plan sections, the consequence line. */
export function planSummary(preview: ModalPreview | undefined, notice?: string): KnownBlock[] {
  const blocks = summaryBlocks(preview);
  return notice ? [blocks[0]!, context(`⚠️ ${escapeFit(notice, 500)}`), ...blocks.slice(1)] : blocks;
}

function summaryBlocks(preview: ModalPreview | undefined): KnownBlock[] {
  if (preview === undefined) {
    return [
      divider(),
      context('*Plan:* pick a level and a severity to see the exact commands and what the button does.'),
    ];
  }
  if (!preview.ok) {
    return [
      divider(),
      { type: 'section', text: md(`*Plan:* ⚠️ ${escapeFit(preview.message, 1500)}`) },
      context('Fix this to see the plan. Nothing runs from an incomplete form.'),
    ];
  }
  const { plan } = preview;
  const head = `*Plan* · ${plural(plan.steps.length, 'step')} on ${plural(plan.hosts.length, 'host')} · ${escapeFit(strategyText(plan), 100)} · target ${humanDuration(plan.targetMs)} · plan ${inlineCode(shortHash(plan.hash))}`;
  const sections = packLines([head, ...plan.steps.map((step) => stepLine(plan, step))], PLAN_SECTIONS);
  // The first section carries the hash the submit listener checks; the rest are plain.
  const blocks: KnownBlock[] = sections.map((text, i) =>
    i === 0 ? previewSection(planPreviewBlockId(plan.hash), text) : { type: 'section', text: md(text) },
  );
  return [divider(), ...blocks, context(consequence(preview.approvals, plan))];
}

function previewSection(blockId: string, text: string): SectionBlock {
  return { type: 'section', block_id: blockId, text: md(text) };
}

function stepLine(plan: Plan, step: Plan['steps'][number]): string {
  const name = `${step.index + 1}. *${escapeFit(step.name, 120)}*`;
  if (step.kind === 'confirm') return `${name} · ⏸ asks: ${escapeFit(step.confirm ?? step.name, 200)}`;
  if (step.targets.length === 0) return `${name} · _no selected host: skipped_`;
  const groups = groupCommands(step.targets, plan.hosts);
  const where = escapeFit(hostsText(step.targets, plan.hosts.length), 120);
  if (groups.length > 1)
    return `${name} · ${where} · ${groups.length} different commands (\`${planCommand(plan)}\`)`;
  const first = groups[0]!.command.split('\n')[0] ?? '';
  const more = groups[0]!.command.includes('\n') ? ' …' : '';
  return `${name} · ${where}: ${inlineCode(first.length > 160 ? `${first.slice(0, 159)}…` : first)}${more}`;
}

function consequence(approvals: number | undefined, plan: Plan): string {
  const env = escapeFit(plan.env, 60);
  if (approvals === undefined) return 'Pick a severity: it decides how many approvals this level needs.';
  if (approvals === 0) {
    return `⚠️ *${SUBMIT_NOW}* runs this plan on ${env} at once: this level needs no approval at this severity.`;
  }
  return `*${SUBMIT_APPROVAL}* posts this plan in the incident thread and waits for ${plural(approvals, 'approval')}; nothing runs before.`;
}
