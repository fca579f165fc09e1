// Injected outages and rate limits: failNext/failFor queues plus an optional per-channel tier limiter.
import type { FailureSpec, Json } from './types.js';

interface Queued {
  method: string;
  spec: FailureSpec;
  remaining: number;
}

interface Conditional {
  method: string;
  when: (args: Json) => boolean;
  spec: FailureSpec;
}

interface Window {
  method: string;
  spec: FailureSpec;
  until: number;
}

const matches = (pattern: string, method: string) => pattern === '*' || pattern === method;

export class Faults {
  private readonly queued: Queued[] = [];
  private readonly windows: Window[] = [];
  private readonly conditional: Conditional[] = [];
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly tierLimits: Record<string, number>,
    private readonly now: () => number,
  ) {}

  /** The next `times` calls to `method` (or `'*'`) fail with `spec`. */
  failNext(method: string, spec: FailureSpec, times = 1): void {
    this.queued.push({ method, spec, remaining: times });
  }

  /** Every call to `method` (or `'*'`) fails with `spec` for the next `ms` milliseconds. */
  failFor(ms: number, method: string, spec: FailureSpec): void {
    this.windows.push({ method, spec, until: this.now() + ms });
  }

  /** Every call to `method` (or `'*'`) whose arguments match `when` fails with `spec`, until cleared. */
  failWhen(method: string, when: (args: Json) => boolean, spec: FailureSpec): void {
    this.conditional.push({ method, when, spec });
  }

  clear(): void {
    this.conditional.length = 0;
    this.queued.length = 0;
    this.windows.length = 0;
    this.hits.clear();
  }

  /** Returns the failure to answer with, or undefined to handle the call normally. */
  take(method: string, channel: string | undefined, args: Json = {}): FailureSpec | undefined {
    const c = this.conditional.find((x) => matches(x.method, method) && x.when(args));
    if (c) return c.spec;
    const i = this.queued.findIndex((q) => matches(q.method, method));
    const q = this.queued[i];
    if (q) {
      q.remaining -= 1;
      if (q.remaining <= 0) this.queued.splice(i, 1);
      return q.spec;
    }
    const now = this.now();
    const w = this.windows.find((x) => matches(x.method, method) && x.until > now);
    if (w) {
      const retryAfter = Math.max(1, Math.ceil((w.until - now) / 1000));
      return w.spec.status === 429 ? { status: 429, retryAfter: w.spec.retryAfter ?? retryAfter } : w.spec;
    }
    return this.tierLimit(method, channel ?? '*', now);
  }

  /** Sliding one-second window per method and channel, like Slack's "special" chat.update limits. */
  private tierLimit(method: string, channel: string, now: number): FailureSpec | undefined {
    const perSecond = this.tierLimits[method];
    if (perSecond === undefined) return undefined;
    const key = `${method}|${channel}`;
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= perSecond) {
      this.hits.set(key, recent);
      return { status: 429, retryAfter: 1 };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return undefined;
  }
}
