/** Fills `{{ name }}` placeholders, encoding each value for where it lands: shell, argv, URL or text. */
import { fail, type Result } from '../domain/result.js';
import { findPlaceholders, replacePlaceholders } from './placeholders.js';
import { promqlStringEscape } from './promql-context.js';
import { refusedCharacter, shellQuote } from './quote.js';

/**
 * - `shell`: a `run` script; each value becomes exactly one shell word.
 * - `argv`: one element of a `local` argv; the value stays inside that element, no shell involved.
 * - `url`: a health URL; values are percent-encoded.
 * - `text`: names, confirm questions, expected JSON values; inserted as they are.
 * - `promql`: a query step's PromQL, where placeholders only stand inside "double-quoted" strings
 *   (promql-context.ts); values are escaped for that string.
 */
export type TemplateContext = 'shell' | 'argv' | 'url' | 'text' | 'promql';

const ENCODERS: Record<TemplateContext, (value: string) => string> = {
  shell: shellQuote,
  argv: (value) => value,
  url: encodeURIComponent,
  text: (value) => value,
  promql: promqlStringEscape,
};

/**
 * `refs` (shell context only): names whose value the script reads from an environment variable
 * instead of the command line, e.g. `token` → `ROLLBOT_SECRET_TOKEN` renders `"$ROLLBOT_SECRET_TOKEN"`.
 * Placeholders only stand where a plain shell word may (quoted ones are refused when the runbook
 * loads), so the double-quoted expansion is the same single word the quoted value would be.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  context: TemplateContext,
  refs: Readonly<Record<string, string>> = {},
): Result<{ text: string }> {
  const problems: string[] = [];
  for (const { name } of findPlaceholders(template)) {
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
    const ref = context === 'shell' ? ownValue(refs, name) : undefined;
    return ref === undefined ? encode(ownValue(values, name)!) : `"$${ref}"`;
  };
  return { ok: true, text: replacePlaceholders(template, fill) };
}

/** Own properties only, so `{{constructor}}` never finds Object.prototype's. */
function ownValue(values: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}
