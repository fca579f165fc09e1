/** Before a run changes anything: which version does each host report? (The one to block later.) */
import type { Plan } from '../domain/plan.js';
import type { HealthProbe } from './ports.js';

const OBSERVE_TIMEOUT_MS = 1500;

/** Probes the plan's first health URL on every host; hosts that do not answer map to null. */
export async function observeVersions(
  probe: HealthProbe,
  plan: Plan,
  signal: AbortSignal,
): Promise<Record<string, string | null>> {
  const step = plan.steps.find((s) => s.kind === 'check' || s.kind === 'monitor');
  if (!step) return {};
  const answers = await Promise.all(
    step.targets.map(async (target) => {
      if (target.kind !== 'check' && target.kind !== 'monitor') return [target.host, null] as const;
      const answer = await probe.probe({
        url: target.url,
        expect: { status: 200, json: {} },
        requestTimeoutMs: OBSERVE_TIMEOUT_MS,
        signal,
      });
      return [target.host, answer.version ?? null] as const;
    }),
  );
  return Object.fromEntries(answers);
}

/** The version most hosts reported, if any did. */
export function prevailingVersion(versions: Record<string, string | null>): string | undefined {
  const counts = new Map<string, number>();
  for (const v of Object.values(versions)) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
