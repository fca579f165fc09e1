/** One modal input per param a level uses: a select for enums, a text input otherwise; never a secret. */
import type { InputBlock, KnownBlock, PlainTextOption } from '@slack/types';
import type { Runbook, RunbookParam } from '../src/runbooks/schema.js';
import { context, plain } from './blocks.js';
import { PARAM_ACTION, paramBlockId } from './ids.js';
import {
  ID_MAX,
  INPUT_HINT_MAX,
  INPUT_INITIAL_VALUE_MAX,
  INPUT_LABEL_MAX,
  OPTION_TEXT_MAX,
  OPTION_VALUE_MAX,
  SELECT_OPTIONS_MAX,
} from './limits.js';

/**
 * Input blocks for `names` (at most `room` blocks). When there are too many, params without a usable
 * value come first, and the rest keep their defaults, which a context line says.
 */
export function paramInputs(
  runbook: Runbook,
  names: readonly string[],
  prefill: Readonly<Record<string, string>>,
  room: number,
  sources: Readonly<Record<string, string>> = {},
): KnownBlock[] {
  // Slack never asks for a secret (it would pass through Slack's servers): the bot reads it itself.
  const secrets = names.filter((n) => runbook.params[n]?.secret);
  const typed = names.filter((n) => !runbook.params[n]?.secret);
  const usable = typed.filter((n) => paramBlockId(n).length <= ID_MAX);
  const initialValueOf = (name: string) =>
    Object.hasOwn(prefill, name) ? prefill[name] : runbook.params[name]?.default;
  const untypable = typed.length - usable.length;
  const cap = Math.max(
    (usable.length > room || untypable > 0 ? room - 1 : room) - (secrets.length > 0 ? 1 : 0),
    0,
  );
  const needed = usable.filter((n) => initialValueOf(n) === undefined);
  const keep = new Set([...needed, ...usable.filter((n) => initialValueOf(n) !== undefined)].slice(0, cap));
  const shown = usable.filter((n) => keep.has(n));
  const hidden = usable.filter((n) => !keep.has(n));
  const blocks: KnownBlock[] = shown.map((name) =>
    paramInput(name, runbook.params[name] ?? {}, initialValueOf(name), sources[name]),
  );
  if (hidden.length > 0 || untypable > 0) {
    const parts = [];
    if (hidden.length > 0)
      parts.push(`${hidden.length} more parameters keep their defaults (${hidden.join(', ')})`);
    if (untypable > 0) parts.push(`${untypable} parameters have names too long for Slack`);
    blocks.push(context(`${parts.join('; ')}. Set them with \`name=value\` in the /rollback command.`));
  }
  if (secrets.length > 0) {
    const from = secrets.map((n) => `${n} (${runbook.params[n]?.from ?? 'no source: terminal only'})`);
    blocks.push(context(`🔒 Read by rollbot when the step runs, never typed here: ${from.join(', ')}.`));
  }
  if (blocks.length === 0) blocks.push(context('This level needs no parameters.'));
  return blocks;
}

type ParamSpec = Pick<RunbookParam, 'description' | 'pattern' | 'enum' | 'secret'>;

function paramInput(
  name: string,
  param: Partial<ParamSpec>,
  value: string | undefined,
  source: string | undefined,
): InputBlock {
  const hint = [source, hintOf(param)].filter(Boolean).join(' · ') || undefined;
  const base = {
    type: 'input' as const,
    block_id: paramBlockId(name),
    label: plain(name, INPUT_LABEL_MAX),
    ...(hint ? { hint: plain(hint, INPUT_HINT_MAX) } : {}),
  };
  if (param.enum !== undefined) {
    const options = param.enum
      .filter((v) => v.length <= OPTION_VALUE_MAX)
      .slice(0, SELECT_OPTIONS_MAX)
      .map((v): PlainTextOption => ({ text: plain(v, OPTION_TEXT_MAX), value: v }));
    const initial = options.find((o) => o.value === value);
    return {
      ...base,
      element: {
        type: 'static_select',
        action_id: PARAM_ACTION,
        options,
        placeholder: plain(`Choose ${name}`, 150),
        ...(initial ? { initial_option: initial } : {}),
      },
    };
  }
  const initial = value !== undefined && value.length <= INPUT_INITIAL_VALUE_MAX ? value : undefined;
  return {
    ...base,
    element: {
      type: 'plain_text_input',
      action_id: PARAM_ACTION,
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

function hintOf(param: Partial<ParamSpec>): string | undefined {
  const parts: string[] = [];
  if (param.description) parts.push(param.description);
  if (param.pattern !== undefined && param.enum === undefined) parts.push(`Format: ${param.pattern}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
