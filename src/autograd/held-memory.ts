// Forward activations whose only owner is a graph node. A node that saves a tensor nothing else
// will ever see holds its memory; when the node is released after its backward (no retainGraph),
// the buffer goes back to the pool (tensor/buffer-pool.ts) instead of waiting for the garbage
// collector. Library code that passes a tensor privately from one layer to the next (Sequential)
// names it as the consuming node's `consumed` input (autograd/graph.ts record).

import type { Tensor } from '../tensor/tensor.js';
import { recycleReleased } from '../tensor/buffer-pool.js';

export class MemoryHold {
  constructor(readonly tensor: Tensor) {}
}

const holds = new WeakMap<Tensor, MemoryHold>();

/**
 * The hold of a node on its input t, which its caller knows nothing but this node will see again.
 * Null for a view, or when another node already holds t (its memory then stays with the collector).
 */
export function holdConsumed(t: Tensor): MemoryHold | null {
  if (t._base !== null || holds.has(t)) return null;
  const h = new MemoryHold(t);
  holds.set(t, h);
  return h;
}

/** Drops a released node's hold, giving the memory back. */
export function dropHold(h: MemoryHold): void {
  if (holds.get(h.tensor) !== h) return;
  holds.delete(h.tensor);
  recycleReleased(h.tensor.storage);
}
