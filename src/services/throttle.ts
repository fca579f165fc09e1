/** Coalescing throttle: at most one call per interval, always ending with the latest state. */
export interface Throttle {
  /** Marks the state dirty; the publish function runs now or at the end of the interval. */
  poke(): void;
  /** Runs a final publish (if dirty or forced) and waits for in-flight work. */
  flush(force?: boolean): Promise<void>;
}

export function createThrottle(publish: () => Promise<void>, intervalMs: number): Throttle {
  let dirty = false;
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const run = () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    lastAt = Date.now();
    // Publishing errors are the publisher's to log; a failed update must never stop the run.
    inFlight = inFlight.then(publish).catch(() => {});
  };

  return {
    poke() {
      dirty = true;
      if (timer) return;
      const wait = Math.max(0, lastAt + intervalMs - Date.now());
      timer = setTimeout(run, wait);
    },
    async flush(force = false) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (force) dirty = true;
      run();
      await inFlight;
    },
  };
}
