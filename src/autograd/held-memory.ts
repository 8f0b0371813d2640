// Forward activations whose only owners are graph nodes. A node that saves a tensor nothing else
// will ever see holds its memory; when the last holder is released after its backward (no
// retainGraph), the buffer goes back to the pool (tensor/buffer-pool.ts) instead of waiting for the
// garbage collector. A node that saves its own output (fused batch norm + ReLU) cannot know who
// sees that output next, so the output also gets an open hold, which is never dropped unless a
// consumer that library code gave the tensor privately (Sequential) takes it over.

import type { Tensor } from '../tensor/tensor.js';
import { recycleReleased } from '../tensor/buffer-pool.js';

export class MemoryHold {
  count: number;
  open: boolean;
  constructor(readonly tensor: Tensor, count: number, open: boolean) {
    this.count = count;
    this.open = open;
  }
}

const holds = new WeakMap<Tensor, MemoryHold>();

/** The hold of a node that saves its own output t, plus t's open hold. */
export function holdOutput(t: Tensor): MemoryHold | null {
  if (t._base !== null || holds.has(t)) return null;
  const h = new MemoryHold(t, 2, true);
  holds.set(t, h);
  return h;
}

/**
 * The hold of a node on its input t, which its caller knows nothing but graph nodes will see
 * again: takes over t's open hold, or, when no node holds t, is its only hold (the caller also
 * knows that no node saved t without a hold). Null for a view, or when t is held and not open.
 */
export function holdConsumed(t: Tensor): MemoryHold | null {
  if (t._base !== null) return null;
  const h = holds.get(t);
  if (!h) {
    const only = new MemoryHold(t, 1, false);
    holds.set(t, only);
    return only;
  }
  if (!h.open) return null;
  h.open = false;
  return h;
}

/** Drops a released node's hold; the last one gives the memory back. */
export function dropHold(h: MemoryHold): void {
  if (--h.count > 0) return;
  holds.delete(h.tensor);
  recycleReleased(h.tensor.storage);
}
