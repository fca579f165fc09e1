/** What an HTTP endpoint answered (a health check, Prometheus), read the same way by every step that asks one. */

/** The body as a JSON object, or undefined when it is not one (an array, a scalar, not JSON). */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(body);
    return json !== null && typeof json === 'object' && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Why a fetch failed, in a word where Node gives one (ECONNREFUSED, a timeout), else its message. */
export function fetchFailure(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
