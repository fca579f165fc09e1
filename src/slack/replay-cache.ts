/** Signatures seen within the timestamp window: a signed request is accepted once, never replayed. */

export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

export interface ReplayCache {
  /** Records `signature` (of a request stamped `timestampMs`); says whether it was seen before. */
  claim(signature: string, timestampMs: number, now: number): ReplayVerdict;
  readonly size: number;
}

/**
 * `windowMs` is how long after its timestamp a request is still accepted; past that the timestamp
 * check refuses it, so its signature can be forgotten. Only verified signatures get here, so only
 * Slack can fill the cache; when it is full of live entries we refuse (fail closed) rather than
 * forget a signature that could then be replayed.
 */
export function createReplayCache(capacity: number, windowMs: number): ReplayCache {
  const seen = new Map<string, number>();
  const sweep = (now: number) => {
    for (const [signature, expiresAt] of seen) if (expiresAt < now) seen.delete(signature);
  };
  return {
    claim(signature, timestampMs, now) {
      const expiresAt = seen.get(signature);
      if (expiresAt !== undefined && expiresAt >= now) return 'replayed';
      if (seen.size >= capacity) sweep(now);
      if (seen.size >= capacity) return 'full';
      seen.set(signature, timestampMs + windowMs);
      return 'fresh';
    },
    get size() {
      return seen.size;
    },
  };
}
