// The gradients backward has computed but not yet delivered, one per node, and which of them the
// engine owns outright. Backward functions return fresh tensors or views of the gradient they were
// given, so counting how many pending gradients hold each storage tells when a gradient's memory is
// referenced nowhere else: then the node that receives it may overwrite it (ReLU's backward writes
// its result there), and a second gradient for the same node is added into it in place instead of
// into a new tensor. The caller's gradient is never owned.

import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Node } from './graph.js';

export class PendingGrads {
  private readonly grads = new Map<Node, Tensor>();
  private readonly holders = new Map<Storage, number>();

  constructor(start: Node, gradient: Tensor, private readonly foreign: Storage) {
    this.grads.set(start, gradient);
    this.hold(gradient);
  }

  private hold(t: Tensor): void {
    this.holders.set(t.storage, (this.holders.get(t.storage) ?? 0) + 1);
  }

  private unhold(t: Tensor): void {
    const n = this.holders.get(t.storage)! - 1;
    if (n === 0) this.holders.delete(t.storage);
    else this.holders.set(t.storage, n);
  }

  /** Whether nothing but this pending entry refers to t's memory, all of which it covers. */
  private owned(t: Tensor): boolean {
    return t.storage !== this.foreign && this.holders.get(t.storage) === 1 && t.isDense();
  }

  /** Adds g to the node's pending gradient (in place when that one is owned). */
  add(node: Node, g: Tensor): void {
    const prev = this.grads.get(node);
    if (!prev) {
      this.grads.set(node, g);
      this.hold(g);
      return;
    }
    if (this.owned(prev) && g.storage !== prev.storage && g.dtype === prev.dtype && (g.dtype === 'float32' || g.dtype === 'float64') &&
      g.shape.length === prev.shape.length && g.shape.every((d, i) => d === prev.shape[i])) {
      prev.add_(g); // backward runs without recording: the plain in-place kernel
      return;
    }
    const sum = prev.add(g);
    this.unhold(prev);
    this.grads.set(node, sum);
    this.hold(sum);
  }

  /** Whether a pending gradient refers to this memory. */
  holds(storage: Storage): boolean {
    return this.holders.has(storage);
  }

  /** Takes the node's gradient out, with whether the node may overwrite its memory. */
  take(node: Node): { grad: Tensor | undefined; free: boolean } {
    const grad = this.grads.get(node);
    if (!grad) return { grad, free: false };
    const free = this.owned(grad);
    this.grads.delete(node);
    this.unhold(grad);
    return { grad, free };
  }
}
