/** Waiting for something another process may do: woken by the store's notifications, and polling. */
import type { Store, WakeChannel } from './store-port.js';

export interface WaitOptions {
  signal: AbortSignal;
  /**
   * How often to look anyway: processes on one SQLite file cannot notify each other, and a
   * notification lost with a dropped connection must not leave a run waiting forever.
   */
  pollMs: number;
}

/** Resolves with `check`'s first defined value, or undefined once `signal` aborts. */
export async function waitFor<T>(
  store: Pick<Store, 'listen'>,
  channel: WakeChannel,
  check: () => Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T | undefined> {
  let wake: () => void = () => {};
  const stop = await store.listen(channel, () => wake());
  try {
    for (;;) {
      if (opts.signal.aborted) return undefined;
      const value = await check();
      if (value !== undefined) return value;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, opts.pollMs);
        opts.signal.addEventListener('abort', done, { once: true });
        wake = done;
        function done() {
          clearTimeout(timer);
          opts.signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  } finally {
    await stop();
  }
}
