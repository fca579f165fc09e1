/**
 * Secret params by reference (DESIGN §3): a plan never holds a secret's value. Where a value would
 * stand in a URL, an argv element or an expected JSON value, the plan holds a marker naming the
 * param; a `run` script reads `"$ROLLBOT_SECRET_<NAME>"`. The process that executes a step reads
 * the value from the param's source at that moment and fills the markers in.
 */

export const SECRET_MASK = '••••••';

/** Where a secret's value is read: `env:NAME`, `file:/path`, or typed at the terminal (break-glass). */
export type SecretSource = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'typed' };

export interface SecretRef {
  param: string;
  /** `env:NAME`, `file:/abs/path`, or `typed` (the value lives only in the process that was given it). */
  from: string;
  /** The variable a `run` script reads it from, e.g. `ROLLBOT_SECRET_TOKEN`. */
  variable: string;
  /** The param's rules: a value read at execution must pass them like a typed one. */
  pattern?: string;
  enum?: string[];
}

const ENV_SOURCE_RE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE_SOURCE_RE = /^file:(\/[^\0\n]*)$/;

export function parseSecretSource(from: string): SecretSource | undefined {
  if (from === 'typed') return { kind: 'typed' };
  const env = ENV_SOURCE_RE.exec(from);
  if (env) return { kind: 'env', name: env[1]! };
  const file = FILE_SOURCE_RE.exec(from);
  if (file) return { kind: 'file', path: file[1]! };
  return undefined;
}

// The brackets never come out of any encoder templating uses, and runbook text may not contain them.
const MARKER_OPEN = '⟦secret:';
const MARKER_CLOSE = '⟧';
const MARKER_RE = /⟦secret:([A-Za-z][A-Za-z0-9_-]*)⟧/g;

export function secretMarker(param: string): string {
  return `${MARKER_OPEN}${param}${MARKER_CLOSE}`;
}

export function hasMarkerSyntax(text: string): boolean {
  return text.includes('⟦') || text.includes('⟧');
}

/** The params whose markers stand in `text`. */
export function markedParams(text: string): string[] {
  return [...text.matchAll(MARKER_RE)].map((m) => m[1]!);
}

/** Every marker replaced by `fill(param)`; `undefined` leaves the marker (a value not resolved). */
export function fillMarkers(text: string, fill: (param: string) => string | undefined): string {
  return text.replace(MARKER_RE, (marker, param: string) => fill(param) ?? marker);
}

/** What people see: each marker as the mask. */
export function maskMarkers(text: string): string {
  return fillMarkers(text, () => SECRET_MASK);
}

/**
 * The variable each secret param reaches a `run` script in: `api-token` → `ROLLBOT_SECRET_API_TOKEN`,
 * suffixed `_2`, `_3`… when two names would collide.
 */
export function secretVariables(names: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  const taken = new Set<string>();
  for (const name of names) {
    const base = `ROLLBOT_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    vars[name] = candidate;
  }
  return vars;
}
