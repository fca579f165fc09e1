/** Which process drives an active run, so a start-up sweep never interrupts a run that is still alive. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface Owner {
  host: string;
  pid: number;
  /** Distinguishes this store instance from an earlier process that had the same pid (container restart). */
  token: string;
}

export function currentOwner(): Owner {
  return { host: hostname(), pid: process.pid, token: randomUUID() };
}

export interface OwnerColumns {
  owner_host: string | null;
  owner_pid: number | null;
  owner_token: string | null;
}

/**
 * A run's driver is gone when it was another host (the container was replaced), a pid that no longer
 * exists, or an earlier process that had our pid. Runs of this store instance or of another live
 * process on this host (a `rollbot history` next to `rollbot serve`) are left alone.
 */
export function ownerIsGone(row: OwnerColumns, self: Owner): boolean {
  if (row.owner_host === null || row.owner_pid === null) return true;
  if (row.owner_host !== self.host) return true;
  if (row.owner_pid === self.pid) return row.owner_token !== self.token;
  return !processAlive(row.owner_pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
