// Builders for payloads shaped like Slack's: slash commands, block_actions, view_submission/closed, events.
import { randomBytes } from 'node:crypto';
import type { Issuer, Json, StoredMessage, StoredView } from './types.js';

/** What builders need to know about the workspace; a FakeSlack satisfies it. */
export interface PayloadContext extends Partial<Issuer> {
  teamId?: string;
  appId?: string;
  botUserId?: string;
  channelId?(ref: string): string | undefined;
  /** Shows a slash command's ack body (HTTP response) in the workspace, as Slack does. */
  recordAckPayload?(command: Json, body: Json): void;
}

export const VERIFICATION_TOKEN = 'fake-verification-token';
const hex = (n: number) => randomBytes(n).toString('hex');
const nowTs = () => (Date.now() / 1000).toFixed(6);

function team(ctx: PayloadContext) {
  return { id: ctx.teamId ?? 'T0TEST', domain: 'rollbot-test' };
}

function userOf(ctx: PayloadContext, user: string | { id: string; username?: string }) {
  const id = typeof user === 'string' ? user : user.id;
  const username = typeof user === 'string' ? id.toLowerCase() : (user.username ?? id.toLowerCase());
  return { id, username, name: username, team_id: team(ctx).id };
}

const channelOf = (ctx: PayloadContext, ref: string) => ctx.channelId?.(ref) ?? ref.replace(/^#/, '');
const triggerOf = (ctx: PayloadContext) => ctx.issueTriggerId?.() ?? `${Date.now()}.${hex(8)}`;
const responseUrlOf = (ctx: PayloadContext, channel: string, user: string, ts?: string) =>
  ctx.issueResponseUrl?.(channel, user, ts) ?? `https://hooks.slack.com/actions/${team(ctx).id}/${hex(6)}`;

export interface SlashCommandInput {
  command?: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  trigger_id?: string;
  response_url?: string;
}

/** The fields Slack form-encodes for a slash command (and sends as the Socket Mode payload). */
export function slashCommand(input: SlashCommandInput, ctx: PayloadContext = {}): Record<string, string> {
  const channel = channelOf(ctx, input.channel_id);
  return {
    token: VERIFICATION_TOKEN,
    team_id: team(ctx).id,
    team_domain: team(ctx).domain,
    channel_id: channel,
    channel_name: input.channel_name ?? input.channel_id.replace(/^#/, ''),
    user_id: input.user_id,
    user_name: input.user_name ?? input.user_id.toLowerCase(),
    command: input.command ?? '/rollback',
    text: input.text ?? '',
    api_app_id: ctx.appId ?? 'A0ROLLBOT',
    is_enterprise_install: 'false',
    response_url: input.response_url ?? responseUrlOf(ctx, channel, input.user_id),
    trigger_id: input.trigger_id ?? triggerOf(ctx),
  };
}

export interface BlockActionInput {
  user: string | { id: string; username?: string };
  actionId: string;
  value?: string;
  blockId?: string;
  /** Element type; `button` unless told. Extra element fields (selected_option...) go in `action`. */
  type?: string;
  action?: Json;
  /** The message the button sits in (a StoredMessage from the fake works). */
  message?: Pick<StoredMessage, 'ts'> & Partial<StoredMessage>;
  channel?: string;
  /** The modal the element sits in; the container becomes a view container. */
  view?: StoredView | Json;
  container?: Json;
}

/** Finds the block holding `actionId` in a message or view, so block_id and button text match. */
function locate(blocks: unknown, actionId: string): { blockId?: string; element?: Json } {
  if (!Array.isArray(blocks)) return {};
  for (const b of blocks as Json[]) {
    const elements = [...(Array.isArray(b.elements) ? b.elements : []), b.accessory, b.element] as Json[];
    const element = elements.find((e) => e?.action_id === actionId);
    if (element) return { blockId: typeof b.block_id === 'string' ? b.block_id : undefined, element };
  }
  return {};
}

export function blockAction(input: BlockActionInput, ctx: PayloadContext = {}): Json {
  const user = userOf(ctx, input.user);
  const channel = input.channel ? channelOf(ctx, input.channel) : input.message?.channel;
  const found = locate(input.view ? input.view.blocks : input.message?.blocks, input.actionId);
  const action: Json = {
    action_id: input.actionId,
    block_id: input.blockId ?? found.blockId ?? hex(3),
    type: input.type ?? (found.element?.type as string | undefined) ?? 'button',
    action_ts: nowTs(),
    ...(input.value !== undefined ? { value: input.value } : {}),
    ...(found.element?.text ? { text: found.element.text } : {}),
    ...input.action,
  };
  const payload: Json = {
    type: 'block_actions',
    user,
    api_app_id: ctx.appId ?? 'A0ROLLBOT',
    token: VERIFICATION_TOKEN,
    trigger_id: triggerOf(ctx),
    team: team(ctx),
    enterprise: null,
    is_enterprise_install: false,
    state: { values: {} },
    actions: [action],
  };
  if (input.view) {
    payload.container = input.container ?? { type: 'view', view_id: input.view.id };
    payload.view = input.view;
    return payload;
  }
  const ts = input.message?.ts;
  payload.container = input.container ?? {
    type: 'message',
    message_ts: ts,
    channel_id: channel,
    is_ephemeral: false,
    ...(input.message?.thread_ts ? { thread_ts: input.message.thread_ts } : {}),
  };
  if (channel) payload.channel = { id: channel, name: channel.toLowerCase() };
  if (input.message) payload.message = { type: 'message', ...input.message };
  if (channel) payload.response_url = responseUrlOf(ctx, channel, user.id, ts);
  return payload;
}

/** `{ block: { action: 'text' } }` → Slack's state.values; strings become plain_text_input values. */
export function stateValues(spec: Record<string, Record<string, string | Json>>) {
  const values: Record<string, Record<string, Json>> = {};
  for (const [blockId, actions] of Object.entries(spec)) {
    values[blockId] = {};
    for (const [actionId, v] of Object.entries(actions)) {
      values[blockId][actionId] = typeof v === 'string' ? { type: 'plain_text_input', value: v } : v;
    }
  }
  return { values };
}

export interface ViewPayloadInput {
  user: string | { id: string; username?: string };
  /** A stored view (from `slack.views`) or the fields that matter; `state` overrides. */
  view: Partial<StoredView> | Json;
  state?: { values: Record<string, Record<string, unknown>> };
}

function viewOf(ctx: PayloadContext, input: ViewPayloadInput): Json {
  const { via: _via, updates: _updates, ...v } = input.view as Partial<StoredView>;
  const id = v.id ?? `V0${hex(4).toUpperCase()}`;
  return {
    type: 'modal',
    team_id: team(ctx).id,
    app_id: ctx.appId ?? 'A0ROLLBOT',
    blocks: [],
    private_metadata: '',
    callback_id: '',
    hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
    root_view_id: id,
    previous_view_id: null,
    clear_on_close: false,
    notify_on_close: false,
    external_id: '',
    ...v,
    id,
    state: input.state ?? v.state ?? { values: {} },
  };
}

export function viewSubmission(input: ViewPayloadInput, ctx: PayloadContext = {}): Json {
  return {
    type: 'view_submission',
    team: team(ctx),
    user: userOf(ctx, input.user),
    api_app_id: ctx.appId ?? 'A0ROLLBOT',
    token: VERIFICATION_TOKEN,
    trigger_id: triggerOf(ctx),
    view: viewOf(ctx, input),
    response_urls: [],
    enterprise: null,
    is_enterprise_install: false,
  };
}

export function viewClosed(input: ViewPayloadInput, ctx: PayloadContext = {}): Json {
  const { trigger_id: _t, response_urls: _r, ...rest } = viewSubmission(input, ctx);
  return { ...rest, type: 'view_closed', is_cleared: false };
}

export interface BlockSuggestionInput {
  user: string | { id: string; username?: string };
  actionId: string;
  blockId: string;
  /** What the user typed into the external select. */
  value: string;
  /** The modal the select sits in. */
  view: StoredView | Json;
}

/** An external select asking for options as the user types (the ack body carries them). */
export function blockSuggestion(input: BlockSuggestionInput, ctx: PayloadContext = {}): Json {
  return {
    type: 'block_suggestion',
    user: userOf(ctx, input.user),
    container: { type: 'view', view_id: input.view.id },
    api_app_id: ctx.appId ?? 'A0ROLLBOT',
    token: VERIFICATION_TOKEN,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    team: team(ctx),
    enterprise: null,
    is_enterprise_install: false,
    view: input.view,
  };
}
