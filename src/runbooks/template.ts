/** Fills `{{ name }}` placeholders, encoding each value for where it lands: shell, argv, URL or text. */
import { fail, type Result } from '../domain/result.js';
import { SECRET_MASK, secretMarker } from '../domain/secrets.js';
import { findPlaceholders, replacePlaceholders } from './placeholders.js';
import { promqlStringEscape } from './promql-context.js';
import { refusedCharacter, shellQuote } from './quote.js';

/**
 * - `shell`: a `run` script; each value becomes exactly one shell word.
 * - `argv`: one element of a `local` argv; the value stays inside that element, no shell involved.
 * - `url`: a health URL; values are percent-encoded.
 * - `text`: expected JSON values; inserted as they are.
 * - `display`: step names and confirm questions, only ever shown; a secret shows as the mask.
 * - `promql`: a query step's PromQL, where placeholders only stand inside "double-quoted" strings
 *   (promql-context.ts); values are escaped for that string.
 */
export type TemplateContext = 'shell' | 'argv' | 'url' | 'text' | 'display' | 'promql';

const ENCODERS: Record<TemplateContext, (value: string) => string> = {
  shell: shellQuote,
  argv: (value) => value,
  url: encodeURIComponent,
  text: (value) => value,
  display: (value) => value,
  promql: promqlStringEscape,
};

/**
 * `secrets`: secret param names → the environment variable a script reads each from. A secret
 * never has a value here: in a script it renders `"$ROLLBOT_SECRET_TOKEN"`, in a name the mask,
 * anywhere else a marker the executing process fills in (domain/secrets.ts). Placeholders only
 * stand where a plain shell word may (quoted ones are refused when the runbook loads), so the
 * double-quoted expansion is the same single word the quoted value would be.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  context: TemplateContext,
  secrets: Readonly<Record<string, string>> = {},
): Result<{ text: string }> {
  const problems: string[] = [];
  for (const { name } of findPlaceholders(template)) {
    if (ownValue(secrets, name) !== undefined) continue;
    const value = ownValue(values, name);
    if (value === undefined) {
      problems.push(`no value for {{${name}}}`);
      continue;
    }
    const refused = refusedCharacter(value);
    // The message never echoes the value: it may be a secret.
    if (refused) problems.push(`value of {{${name}}} contains ${refused}, which is refused`);
  }
  if (problems.length > 0) return fail('invalid_input', [...new Set(problems)].join('; '));
  const encode = ENCODERS[context];
  const fill = (name: string): string => {
    const variable = ownValue(secrets, name);
    if (variable === undefined) return encode(ownValue(values, name)!);
    if (context === 'shell') return `"$${variable}"`;
    return context === 'display' ? SECRET_MASK : secretMarker(name);
  };
  return { ok: true, text: replacePlaceholders(template, fill) };
}

/** Own properties only, so `{{constructor}}` never finds Object.prototype's. */
function ownValue(values: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}
