/** Masks secret param values in rendered text, including the quoted and encoded forms templating produced. */
import { SECRET_MASK } from '../domain/plan.js';
import { shellQuote } from './quote.js';

/**
 * Replaces every occurrence of each secret with SECRET_MASK. A secret containing `'` is shell-quoted
 * as `'it'\''s'`, which does not contain the raw value, so its rendered forms are masked too, and
 * each of those as it reads inside JSON text (a stored plan: `'it'\\''s'`).
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of [secret, shellQuote(secret), encodeURIComponent(secret)]) {
      forms.add(form);
      forms.add(JSON.stringify(form).slice(1, -1));
    }
  }
  // Longest first, so a quoted form is replaced whole before its raw core.
  let masked = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    masked = masked.replaceAll(form, SECRET_MASK);
  }
  return masked;
}
