/**
 * views.open over plain fetch. A trigger_id is valid for 3 s and only once, so WebClient's retries
 * cannot help here, and its per-call overhead competes with the acks still in flight.
 */
export function createViewOpener(apiUrl: string, token: string) {
  return async (triggerId: string, view: object): Promise<void> => {
    const res = await fetch(`${apiUrl}views.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ trigger_id: triggerId, view }),
      signal: AbortSignal.timeout(3000),
    });
    const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: string };
    if (!res.ok || !body.ok) throw new Error(`views.open failed: ${body.error ?? `HTTP ${res.status}`}`);
  };
}
