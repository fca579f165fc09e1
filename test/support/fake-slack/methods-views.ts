// views.open / views.update / views.push / views.publish: one-shot trigger ids, view ids, hashes, the modal stack, Home tabs.
import { randomBytes } from 'node:crypto';
import { checkView } from './limits.js';
import { arr, bool, fail, failLimit, type MethodContext, type MethodSpec, str } from './method-kit.js';
import type { Json, MethodResult, StoredView } from './types.js';

const newHash = (now: number) => `${Math.floor(now / 1000)}.${randomBytes(6).toString('hex')}`;

export function viewJson(v: StoredView): Json {
  const { via: _via, updates: _updates, ...json } = v;
  return json;
}

function build(ctx: MethodContext, raw: Json, via: StoredView['via'], base?: StoredView): StoredView {
  const { ws } = ctx;
  const id = base?.id ?? ws.nextId('V');
  return {
    id,
    hash: newHash(ws.now()),
    type: String(raw.type),
    callback_id: str(raw.callback_id) ?? '',
    external_id: str(raw.external_id) ?? '',
    private_metadata: str(raw.private_metadata) ?? '',
    title: raw.title,
    submit: raw.submit,
    close: raw.close,
    blocks: arr(raw.blocks) ?? [],
    state: base?.state ?? { values: {} },
    root_view_id: base?.root_view_id ?? id,
    previous_view_id: base?.previous_view_id ?? null,
    team_id: ws.teamId,
    app_id: ws.appId,
    bot_id: ws.botId,
    notify_on_close: bool(raw.notify_on_close),
    clear_on_close: bool(raw.clear_on_close),
    via,
    updates: base ? base.updates + 1 : 0,
  };
}

function precheck(ctx: MethodContext, needsTrigger: boolean): MethodResult | Json {
  const view = ctx.args.view;
  const limit = checkView(view);
  if (limit) return failLimit(limit);
  const ext = str((view as Json).external_id);
  const taken = ext && [...ctx.ws.views.values()].some((v) => v.external_id === ext);
  if (needsTrigger && taken) return fail('duplicate_external_id');
  if (needsTrigger) {
    const trigger = String(ctx.args.trigger_id ?? ctx.args.interactivity_pointer ?? '');
    const verdict = ctx.ws.consumeTrigger(trigger, ctx.options.triggerTtlMs ?? 3000);
    if (verdict !== 'ok') return fail(verdict);
  }
  return view as Json;
}

const isResult = (x: MethodResult | Json): x is MethodResult => x.ok === false;

const open: MethodSpec = {
  token: 'bot',
  required: ['trigger_id', 'view'],
  handle(ctx) {
    const view = precheck(ctx, true);
    if (isResult(view)) return view;
    const stored = build(ctx, view, 'views.open');
    ctx.ws.views.set(stored.id, stored);
    ctx.ws.modalStack = [stored.id];
    return { ok: true, view: viewJson(stored) };
  },
};

const push: MethodSpec = {
  token: 'bot',
  required: ['trigger_id', 'view'],
  handle(ctx) {
    const stack = ctx.ws.modalStack;
    if (stack.length >= 3) return fail('push_limit_reached');
    const view = precheck(ctx, true);
    if (isResult(view)) return view;
    const top = stack.length > 0 ? ctx.ws.views.get(stack[stack.length - 1] ?? '') : undefined;
    const stored = build(ctx, view, 'views.push');
    if (top) {
      stored.root_view_id = top.root_view_id;
      stored.previous_view_id = top.id;
    }
    ctx.ws.views.set(stored.id, stored);
    stack.push(stored.id);
    return { ok: true, view: viewJson(stored) };
  },
};

const update: MethodSpec = {
  token: 'bot',
  required: ['view'],
  handle(ctx) {
    const { ws, args } = ctx;
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId) return fail('invalid_arguments', ['must provide view_id or external_id']);
    const current = viewId
      ? ws.views.get(viewId)
      : [...ws.views.values()].find((v) => v.external_id === externalId);
    if (!current) return fail('not_found');
    const hash = str(args.hash);
    if (hash && hash !== current.hash) return fail('hash_conflict');
    const view = precheck(ctx, false);
    if (isResult(view)) return view;
    const stored = build(ctx, view, 'views.update', current);
    ws.views.set(stored.id, stored);
    return { ok: true, view: viewJson(stored) };
  },
};

/** A user's Home tab: no trigger needed; a `hash` must match the published one (race protection). */
const publish: MethodSpec = {
  token: 'bot',
  required: ['user_id', 'view'],
  handle(ctx) {
    const { ws, args } = ctx;
    const user = String(args.user_id);
    if (!ws.users.has(user)) return fail('user_not_found');
    const raw = args.view as Json | undefined;
    if (raw?.type !== 'home') return fail('invalid_arguments', ['must be home [json-pointer:/view/type]']);
    const current = ws.homes.get(user);
    const hash = str(args.hash);
    if (hash && hash !== current?.hash) return fail('hash_conflict');
    const view = precheck(ctx, false);
    if (isResult(view)) return view;
    const stored = build(ctx, view, 'views.publish', current);
    ws.homes.set(user, stored);
    return { ok: true, view: viewJson(stored) };
  },
};

export const viewMethods: Record<string, MethodSpec> = {
  'views.publish': publish,
  'views.open': open,
  'views.push': push,
  'views.update': update,
};
