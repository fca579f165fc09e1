/** Slack Block Kit limits as constants, and the truncation helpers every builder uses to stay inside them. */
import type { KnownBlock } from '@slack/types';

export const SECTION_TEXT_MAX = 3000;
export const SECTION_FIELD_MAX = 2000;
export const SECTION_FIELDS_MAX = 10;
export const HEADER_TEXT_MAX = 150;
export const MESSAGE_BLOCKS_MAX = 50;
export const MODAL_BLOCKS_MAX = 100;
export const MODAL_TITLE_MAX = 24;
export const MODAL_BUTTON_MAX = 24;
export const PRIVATE_METADATA_MAX = 3000;
export const BUTTON_VALUE_MAX = 2000;
export const BUTTON_TEXT_MAX = 75;
export const ID_MAX = 255;
export const OPTION_TEXT_MAX = 75;
export const OPTION_DESCRIPTION_MAX = 75;
export const OPTION_VALUE_MAX = 150;
export const INPUT_LABEL_MAX = 2000;
export const INPUT_HINT_MAX = 2000;
export const INPUT_INITIAL_VALUE_MAX = 3000;
export const PLACEHOLDER_MAX = 150;
export const CONTEXT_ELEMENTS_MAX = 10;
export const CONTEXT_TEXT_MAX = 3000;
export const SELECT_OPTIONS_MAX = 100;
export const RADIO_OPTIONS_MAX = 10;
export const ACTIONS_ELEMENTS_MAX = 25;
export const CONFIRM_TITLE_MAX = 100;
export const CONFIRM_TEXT_MAX = 300;
export const CONFIRM_BUTTON_MAX = 30;
export const MESSAGE_TEXT_MAX = 40000;

const ELLIPSIS = '…';

/** Cuts `text` to at most `max` UTF-16 units, ending in an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, Math.max(end, 0))}${ELLIPSIS}`;
}

/** Keeps the end of `text` (output tails matter most at the bottom), starting with an ellipsis. */
export function truncateStart(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let start = text.length - (max - ELLIPSIS.length);
  if (start < text.length && isLowSurrogate(text.charCodeAt(start))) start += 1;
  return `${ELLIPSIS}${text.slice(start)}`;
}

/**
 * Truncates already-escaped mrkdwn: a cut inside `&amp;` would leave a stray `&am`, so a trailing
 * partial entity is dropped as well.
 */
export function truncateMrkdwn(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  const cut = truncate(escaped, max);
  return cut.replace(/&[a-z]{0,4}…$/, ELLIPSIS);
}

/** Keeps the first blocks and replaces the overflow with one context line saying how many were left out. */
export function fitBlocks(blocks: readonly KnownBlock[], max: number): KnownBlock[] {
  if (blocks.length <= max) return [...blocks];
  if (max <= 0) return [];
  const kept = blocks.slice(0, max - 1);
  const omitted = blocks.length - kept.length;
  const note: KnownBlock = {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `… ${omitted} more block${omitted === 1 ? '' : 's'} omitted to fit Slack's limits`,
      },
    ],
  };
  return [...kept, note];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
