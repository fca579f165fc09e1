/** Block Kit constructors that apply the limits, so every builder gets truncation for free. */
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import {
  BUTTON_TEXT_MAX,
  CONFIRM_BUTTON_MAX,
  CONFIRM_TEXT_MAX,
  CONFIRM_TITLE_MAX,
  CONTEXT_ELEMENTS_MAX,
  CONTEXT_TEXT_MAX,
  HEADER_TEXT_MAX,
  MESSAGE_TEXT_MAX,
  SECTION_FIELD_MAX,
  SECTION_FIELDS_MAX,
  SECTION_TEXT_MAX,
  truncate,
  truncateMrkdwn,
} from './limits.js';

/** What every message builder returns: blocks plus the fallback text notifications and screen readers use. */
export interface MessageContent {
  text: string;
  blocks: KnownBlock[];
}

/** An ephemeral reply to a slash command (respond() / response_url body). */
export interface EphemeralContent extends MessageContent {
  response_type: 'ephemeral';
}

export function plain(text: string, max = Number.MAX_SAFE_INTEGER): PlainTextElement {
  return { type: 'plain_text', text: truncate(text === '' ? ' ' : text, max), emoji: true };
}

/** Mrkdwn is always verbatim: Slack must not auto-link URLs or names in it; our own links are explicit. */
export function md(text: string, max = SECTION_TEXT_MAX): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(text === '' ? ' ' : text, max), verbatim: true };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, HEADER_TEXT_MAX) };
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: md(text) };
}

export function fieldsSection(fields: readonly string[]): SectionBlock {
  return {
    type: 'section',
    fields: fields.slice(0, SECTION_FIELDS_MAX).map((f) => md(f, SECTION_FIELD_MAX)),
  };
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, CONTEXT_ELEMENTS_MAX).map((t) => md(t, CONTEXT_TEXT_MAX)),
  };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

export function actions(blockId: string, elements: Button[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements };
}

export interface ButtonSpec {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmationDialog;
}

export function button(spec: ButtonSpec): Button {
  return {
    type: 'button',
    action_id: spec.actionId,
    text: plain(spec.text, BUTTON_TEXT_MAX),
    value: spec.value,
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.confirm ? { confirm: spec.confirm } : {}),
  };
}

/** A confirm dialog. Plain text only (Slack's confirm text is plain_text), so nothing in it is parsed. */
export function confirmDialog(
  title: string,
  text: string,
  confirm: string,
  deny = 'Go back',
  style?: 'primary' | 'danger',
): ConfirmationDialog {
  return {
    title: plain(title, CONFIRM_TITLE_MAX),
    text: plain(text, CONFIRM_TEXT_MAX),
    confirm: plain(confirm, CONFIRM_BUTTON_MAX),
    deny: plain(deny, CONFIRM_BUTTON_MAX),
    ...(style ? { style } : {}),
  };
}

/** Fallback text, capped at Slack's message text limit. */
export function fallback(text: string): string {
  return truncateMrkdwn(text, MESSAGE_TEXT_MAX);
}
