/* The batch scheduler: seeded epoch plans, a bounded prefetching stream, and resume cursors. */
import { createRng } from '@dgpose/core';
import { bad } from './batcher-config';

export type Cursor = { epoch: number; position: number; step: number };

/**
 * Epoch e's visiting order over M items (a permutation from `fork(prefix + 'epoch:e')`, identity
 * without shuffle) and its flips (`fork(prefix + 'flip:e')`): pure in (seed, prefix, e). The last
 * three epochs are cached.
 */
export function epochPlanner(
  M: number,
  seed: number,
  shuffle: boolean,
  flip: boolean,
  prefix: string,
): (e: number) => { order: number[]; flips: Uint8Array } {
  const root = createRng(seed);
  const items = Array.from({ length: M }, (_, i) => i);
  const cache = new Map<number, { order: number[]; flips: Uint8Array }>();
  return (e) => {
    let p = cache.get(e);
    if (!p) {
      const order = shuffle ? root.fork(`${prefix}epoch:${e}`).shuffle(items.slice()) : items.slice();
      const flips = new Uint8Array(M);
      if (flip) {
        const fr = root.fork(`${prefix}flip:${e}`);
        for (let i = 0; i < M; i++) flips[i] = fr.next() < 0.5 ? 1 : 0;
      }
      p = { order, flips };
      if (cache.size >= 3) cache.delete(cache.keys().next().value as number);
      cache.set(e, p);
    }
    return p;
  };
}

/**
 * The epoch/prefetch machinery over M items: epoch e visits them in a permutation from
 * `fork('epoch:e')` (identity without shuffle) with flips from `fork('flip:e')`; `build` turns a
 * slice of the order into a batch. Pure in (seed, epoch), so a cursor is a complete state.
 */
export function createStream<T>(o: {
  M: number;
  batchSize: number;
  dropLast: boolean;
  seed: number;
  shuffle: boolean;
  flip: boolean;
  prefetch: number;
  start: Cursor;
  build: (items: number[], flips: boolean[], at: Cursor) => Promise<T>;
}): { next(): Promise<T>; cursor(): Cursor; close(): Promise<void>; batchesPerEpoch: number } {
  const { M, batchSize } = o;
  const batchesPerEpoch = o.dropLast ? Math.floor(M / batchSize) : Math.ceil(M / batchSize);
  const epochPlan = epochPlanner(M, o.seed, o.shuffle, o.flip, '');
  let cursor: Cursor = { ...o.start };
  // the scheduler runs ahead of the consumer by the prefetched batches
  let sched: Cursor = { ...cursor };
  let queue: Array<{ promise: Promise<T>; at: Cursor }> = [];
  const advance = (c: Cursor): Cursor => {
    let position = c.position + batchSize;
    let epoch = c.epoch;
    if (position >= batchesPerEpoch * batchSize || position >= M) {
      epoch += 1;
      position = 0;
    }
    return { epoch, position, step: c.step + 1 };
  };
  const schedule = (): void => {
    const at = sched;
    const plan = epochPlan(at.epoch);
    const end = Math.min(at.position + batchSize, M);
    const promise = o.build(
      plan.order.slice(at.position, end),
      Array.from(plan.flips.subarray(at.position, end), (v) => v === 1),
      at,
    );
    promise.catch(() => undefined); // surfaced when this batch is requested
    queue.push({ promise, at });
    sched = advance(sched);
  };
  return {
    batchesPerEpoch,
    next: () => {
      if (queue.length === 0) schedule();
      const item = queue.shift() as { promise: Promise<T>; at: Cursor };
      cursor = advance(item.at);
      while (queue.length < o.prefetch) schedule();
      return item.promise;
    },
    cursor: () => ({ ...cursor }),
    close: async () => {
      const pending = queue;
      queue = [];
      sched = { ...cursor };
      await Promise.allSettled(pending.map((q) => q.promise));
    },
  };
}

/** Checks a saved state against the batcher's own values and returns its cursor (E_CONFIG otherwise). */
export function resumeCursor(s0: unknown, expect: Array<[string, unknown]>, epochLength: number): Cursor {
  const s = s0 as Record<string, unknown>;
  if (typeof s !== 'object' || s === null || s.version !== 1) bad('state', 'a state from state() (version 1)', s0);
  for (const [k, v] of expect) if (s[k] !== v) bad(`state.${k}`, `${String(v)} (the batcher's own value)`, s[k]);
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (!ok(s.epoch) || !ok(s.position) || !ok(s.step) || s.position >= epochLength) {
    bad('state', 'non-negative integers epoch, position (inside the epoch), step', s0);
  }
  return { epoch: s.epoch as number, position: s.position as number, step: s.step as number };
}
