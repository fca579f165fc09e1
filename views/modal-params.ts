/** One modal input per param a level uses: a select for enums, a text input otherwise, secrets flagged. */
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
): KnownBlock[] {
  const usable = names.filter((n) => paramBlockId(n).length <= ID_MAX);
  // A secret is never sent back to Slack as a prefilled value, wherever it came from.
  const initialValueOf = (name: string) =>
    runbook.params[name]?.secret
      ? undefined
      : Object.hasOwn(prefill, name)
        ? prefill[name]
        : runbook.params[name]?.default;
  const untypable = names.length - usable.length;
  const cap = usable.length > room || untypable > 0 ? Math.max(room - 1, 0) : room;
  const needed = usable.filter((n) => initialValueOf(n) === undefined);
  const keep = new Set([...needed, ...usable.filter((n) => initialValueOf(n) !== undefined)].slice(0, cap));
  const shown = usable.filter((n) => keep.has(n));
  const hidden = usable.filter((n) => !keep.has(n));
  const blocks: KnownBlock[] = shown.map((name) =>
    paramInput(name, runbook.params[name] ?? {}, initialValueOf(name)),
  );
  if (hidden.length > 0 || untypable > 0) {
    const parts = [];
    if (hidden.length > 0)
      parts.push(`${hidden.length} more parameters keep their defaults (${hidden.join(', ')})`);
    if (untypable > 0) parts.push(`${untypable} parameters have names too long for Slack`);
    blocks.push(context(`${parts.join('; ')}. Set them with \`name=value\` in the /rollback command.`));
  }
  if (blocks.length === 0) blocks.push(context('This level needs no parameters.'));
  return blocks;
}

type ParamSpec = Pick<RunbookParam, 'description' | 'pattern' | 'enum' | 'secret'>;

function paramInput(name: string, param: Partial<ParamSpec>, value: string | undefined): InputBlock {
  const hint = hintOf(param);
  const base = {
    type: 'input' as const,
    block_id: paramBlockId(name),
    label: plain(param.secret ? `${name} 🔒` : name, INPUT_LABEL_MAX),
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
  if (param.secret) {
    parts.push('Secret: Slack shows what you type here, but after submit the value is masked everywhere.');
  }
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
