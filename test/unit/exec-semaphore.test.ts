import { describe, expect, it } from 'vitest';
import { createSemaphore } from '../../src/exec/semaphore.js';

describe('createSemaphore', () => {
  it('admits up to the limit and hands slots over in FIFO order', async () => {
    const sem = createSemaphore(2);
    const a = await sem.acquire();
    await sem.acquire();
    const order: string[] = [];
    const c = sem.acquire().then((release) => {
      order.push('c');
      return release;
    });
    const d = sem.acquire().then(() => order.push('d'));
    expect(sem.waiting).toBe(2);
    a();
    a(); // releasing twice must not free a second slot
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(sem.active).toBe(2);
    releaseC();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  it('lets an aborted waiter leave the queue without taking a slot', async () => {
    const sem = createSemaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    controller.abort('timeout');
    await expect(waiting).rejects.toBe('timeout');
    expect(sem.waiting).toBe(0);
    release();
    expect(sem.active).toBe(0);
  });
});
