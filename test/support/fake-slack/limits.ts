// Block Kit limits as Slack enforces them, reported in Slack's "reason [json-pointer:/path]" style.

type Problems = string[];

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function tooLong(p: Problems, value: unknown, max: number, path: string): void {
  if (typeof value === 'string' && value.length > max) {
    p.push(`must be less than ${max + 1} characters [json-pointer:${path}]`);
  }
}

function tooMany(p: Problems, value: unknown, max: number, path: string): void {
  if (Array.isArray(value) && value.length > max)
    p.push(`must be less than ${max + 1} items [json-pointer:${path}]`);
}

function textObject(p: Problems, value: unknown, max: number, path: string, plainOnly = false): void {
  const t = obj(value);
  if (!t) return;
  if (plainOnly && t.type !== 'plain_text')
    p.push(`must be a plain_text text object [json-pointer:${path}/type]`);
  if (typeof t.text !== 'string') p.push(`must provide a string [json-pointer:${path}/text]`);
  else if (t.text.length === 0) p.push(`must be more than 0 characters [json-pointer:${path}/text]`);
  tooLong(p, t.text, max, `${path}/text`);
}

function options(p: Problems, value: unknown, max: number, path: string): void {
  tooMany(p, value, max, path);
  if (!Array.isArray(value)) return;
  for (const [i, o] of value.entries()) {
    textObject(p, obj(o)?.text, 75, `${path}/${i}/text`);
    tooLong(p, obj(o)?.value, 150, `${path}/${i}/value`);
  }
}

function element(p: Problems, value: unknown, path: string): void {
  const e = obj(value);
  if (!e) return;
  tooLong(p, e.action_id, 255, `${path}/action_id`);
  textObject(p, e.placeholder, 150, `${path}/placeholder`);
  const confirm = obj(e.confirm);
  if (confirm) {
    textObject(p, confirm.title, 100, `${path}/confirm/title`);
    textObject(p, confirm.text, 300, `${path}/confirm/text`);
    textObject(p, confirm.confirm, 30, `${path}/confirm/confirm`);
    textObject(p, confirm.deny, 30, `${path}/confirm/deny`);
  }
  if (e.type === 'button') {
    textObject(p, e.text, 75, `${path}/text`);
    tooLong(p, e.value, 2000, `${path}/value`);
    tooLong(p, e.url, 3000, `${path}/url`);
  }
  if (e.type === 'static_select' || e.type === 'multi_static_select')
    options(p, e.options, 100, `${path}/options`);
  if (e.type === 'overflow') options(p, e.options, 5, `${path}/options`);
  if (e.type === 'checkboxes' || e.type === 'radio_buttons') options(p, e.options, 10, `${path}/options`);
  if (e.type === 'plain_text_input') tooLong(p, e.initial_value, 3000, `${path}/initial_value`);
}

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'input',
  'rich_text',
  'markdown',
  'file',
  'video',
  'table',
  'context_actions',
]);

function block(p: Problems, value: unknown, path: string, seen: Set<string>): void {
  const b = obj(value);
  if (!b || typeof b.type !== 'string')
    return void p.push(`must provide an object with a type [json-pointer:${path}]`);
  if (!BLOCK_TYPES.has(b.type)) return void p.push(`unsupported type: ${b.type} [json-pointer:${path}/type]`);
  tooLong(p, b.block_id, 255, `${path}/block_id`);
  if (typeof b.block_id === 'string') {
    if (seen.has(b.block_id)) p.push(`duplicate block_id: ${b.block_id} [json-pointer:${path}/block_id]`);
    seen.add(b.block_id);
  }
  switch (b.type) {
    case 'section':
      if (b.text === undefined && b.fields === undefined)
        p.push(`must provide text or fields [json-pointer:${path}]`);
      textObject(p, b.text, 3000, `${path}/text`);
      tooMany(p, b.fields, 10, `${path}/fields`);
      if (Array.isArray(b.fields))
        for (const [i, f] of b.fields.entries()) textObject(p, f, 2000, `${path}/fields/${i}`);
      element(p, b.accessory, `${path}/accessory`);
      break;
    case 'header':
      textObject(p, b.text, 150, `${path}/text`, true);
      break;
    case 'context':
      tooMany(p, b.elements, 10, `${path}/elements`);
      break;
    case 'actions':
      tooMany(p, b.elements, 25, `${path}/elements`);
      if (Array.isArray(b.elements))
        for (const [i, e] of b.elements.entries()) element(p, e, `${path}/elements/${i}`);
      break;
    case 'input':
      textObject(p, b.label, 2000, `${path}/label`, true);
      textObject(p, b.hint, 2000, `${path}/hint`, true);
      if (!obj(b.element)) p.push(`must provide an element [json-pointer:${path}/element]`);
      element(p, b.element, `${path}/element`);
      break;
    case 'image':
      tooLong(p, b.image_url, 3000, `${path}/image_url`);
      tooLong(p, b.alt_text, 2000, `${path}/alt_text`);
      break;
    case 'markdown':
      tooLong(p, b.text, 12000, `${path}/text`);
      break;
  }
}

function blocks(p: Problems, value: unknown, max: number, path: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) return void p.push(`must be an array [json-pointer:${path}]`);
  tooMany(p, value, max, path);
  const seen = new Set<string>();
  for (const [i, b] of value.entries()) block(p, b, `${path}/${i}`, seen);
}

export interface LimitError {
  error: string;
  problems: string[];
}

/** chat.postMessage / chat.update / chat.postEphemeral / response_url bodies. */
export function checkMessage(args: Record<string, unknown>, needsContent = true): LimitError | undefined {
  const text = args.text;
  if (typeof text === 'string' && text.length > 40000) return { error: 'msg_too_long', problems: [] };
  if (needsContent && !text && !args.blocks && !args.attachments) return { error: 'no_text', problems: [] };
  const p: Problems = [];
  blocks(p, args.blocks, 50, '/blocks');
  return p.length > 0 ? { error: 'invalid_blocks', problems: p } : undefined;
}

/** views.open / views.update / views.push `view` argument. */
export function checkView(value: unknown): LimitError | undefined {
  const p: Problems = [];
  const v = obj(value);
  if (!v) return { error: 'invalid_arguments', problems: ['must provide an object [json-pointer:/view]'] };
  if (v.type !== 'modal' && v.type !== 'home') p.push('must be one of modal, home [json-pointer:/view/type]');
  if (v.type === 'modal') {
    if (!v.title) p.push('must provide a title [json-pointer:/view/title]');
    textObject(p, v.title, 24, '/view/title', true);
    textObject(p, v.submit, 24, '/view/submit', true);
    textObject(p, v.close, 24, '/view/close', true);
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => obj(b)?.type === 'input');
    if (hasInput && !v.submit)
      p.push('must provide a submit property when using input blocks [json-pointer:/view]');
  }
  if (!Array.isArray(v.blocks)) p.push('must provide an array [json-pointer:/view/blocks]');
  blocks(p, v.blocks, 100, '/view/blocks');
  tooLong(p, v.private_metadata, 3000, '/view/private_metadata');
  tooLong(p, v.callback_id, 255, '/view/callback_id');
  tooLong(p, v.external_id, 255, '/view/external_id');
  return p.length > 0 ? { error: 'invalid_arguments', problems: p } : undefined;
}
