// Runs backward over the recorded graph: nodes in topological order (each node once all of its
// consumers have sent their gradients), gradients summed where a tensor fed several ops. Without
// retainGraph each node drops what its forward saved as soon as its backward has run (as
// PyTorch does), so activations are freed during backward rather than all at its end.

import type { Tensor } from '../tensor/tensor.js';
import { FunctionNode, Node } from './graph.js';
import { noGrad } from './grad-mode.js';
import { PendingGrads } from './pending-grads.js';
import { recycleStorage, withRecycling } from '../tensor/buffer-pool.js';

export interface BackwardOptions {
  /** Keep what backward needs so it can run again through the same graph. */
  retainGraph?: boolean;
}

export function runBackward(root: Tensor, gradient: Tensor, options: BackwardOptions = {}): void {
  const start = root.gradFn ?? (root.requiresGrad ? root._accumulator() : null);
  if (!start) return;
  withRecycling(() => noGrad(() => {
    // Count, for each node, how many edges from the reachable graph point at it.
    const pending = new Map<Node, number>();
    const stack: Node[] = [start];
    pending.set(start, 0);
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const child of node.next) {
        if (!child) continue;
        const seen = pending.get(child);
        if (seen === undefined) {
          pending.set(child, 1);
          stack.push(child);
        } else {
          pending.set(child, seen + 1);
        }
      }
    }

    const grads = new PendingGrads(start, gradient, gradient.storage);
    const ready: Node[] = [start];
    while (ready.length > 0) {
      const node = ready.pop()!;
      const { grad, free } = grads.take(node);
      let outs: readonly (Tensor | null | undefined)[] = [];
      if (grad) {
        if (node.retained) node.retained._accumulateGrad(grad);
        outs = node.apply(grad, free);
        if (node instanceof FunctionNode) checkGrads(node, outs);
      }
      if (!options.retainGraph) node.release();
      for (let i = 0; i < node.next.length; i++) {
        const child = node.next[i];
        if (!child) continue;
        const g = outs[i];
        if (g) grads.add(child, g);
        const left = pending.get(child)! - 1;
        pending.set(child, left);
        if (left === 0) ready.push(child);
      }
      // An owned gradient the node consumed without passing its memory on is dead: reuse it
      // (only if this backward allocated it, see tensor/buffer-pool.ts).
      if (grad && free && !grads.holds(grad.storage)) recycleStorage(grad.storage);
    }
  }));
}

function checkGrads(node: FunctionNode, outs: readonly (Tensor | null | undefined)[]): void {
  for (let i = 0; i < node.next.length; i++) {
    const g = outs[i];
    if (!g || !node.next[i]) continue;
    const want = node.inputShapes[i]!;
    const got = g.shape;
    if (want.length !== got.length || want.some((d, j) => d !== got[j])) {
      throw new Error(`${node.name} backward: gradient for input ${i} has shape [${got.join(', ')}], expected [${want.join(', ')}] (internal error)`);
    }
  }
}
