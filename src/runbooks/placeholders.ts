/** `{{ name }}` placeholders: finding them, and the names every template may use. */

/** Values rollbot supplies itself; runbooks cannot declare params with these names. */
export const BUILTIN_PLACEHOLDERS = [
  'host.name',
  'host.address',
  'host.port',
  'host.user',
  'run.id',
  'incident.id',
  'service',
  'env',
  'level',
] as const;

export const HOST_PLACEHOLDERS: readonly string[] = BUILTIN_PLACEHOLDERS.filter((n) => n.startsWith('host.'));

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export interface PlaceholderMatch {
  name: string;
  start: number;
  end: number;
}

export function findPlaceholders(text: string): PlaceholderMatch[] {
  return [...text.matchAll(PLACEHOLDER_RE)].map((m) => ({
    name: m[1]!,
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** A `{{` that is not part of a well-formed placeholder: almost always a typo such as `{{version}`. */
export function hasMalformedPlaceholder(text: string): boolean {
  return text.replace(PLACEHOLDER_RE, '').includes('{{');
}

export function isBuiltin(name: string): boolean {
  return (BUILTIN_PLACEHOLDERS as readonly string[]).includes(name);
}

/** Replaces each placeholder with `replace(name)`; the callback decides quoting. */
export function replacePlaceholders(text: string, replace: (name: string) => string): string {
  return text.replace(PLACEHOLDER_RE, (_m, name: string) => replace(name));
}
