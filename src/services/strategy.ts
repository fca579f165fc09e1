/** Canary then parallel batches: which hosts run together, in order. */
import type { Strategy } from '../domain/plan.js';

export function batchHosts<T>(hosts: readonly T[], strategy: Strategy): T[][] {
  const batches: T[][] = [];
  const canary = Math.min(Math.max(strategy.canary, 0), hosts.length);
  // A canary only means something when hosts remain after it.
  if (canary > 0 && canary < hosts.length) batches.push(hosts.slice(0, canary));
  const rest = canary < hosts.length ? hosts.slice(canary) : hosts.slice();
  const size = Math.max(strategy.parallel, 1);
  for (let i = 0; i < rest.length; i += size) batches.push(rest.slice(i, i + size));
  return batches;
}
