// The recorded graph: a node per differentiable op, pointing to the nodes of its inputs. Leaves
// that require grad end in an AccumulateGrad node. The graph touches tensors only through their
// methods and fields, so the tensor layer can record into it without a cycle.

import type { Tensor } from '../tensor/tensor.js';
import { dropHold, holdConsumed, type MemoryHold } from './held-memory.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * Gradients for the op's inputs from the gradient of its output. `gradIsFree`: the engine holds
 * the only reference to grad's memory, so the function may write its result there. A backward
 * function returns fresh tensors or views of grad and keeps no reference to grad or to what it
 * returns: the engine reuses the memory of gradients it has delivered (autograd/pending-grads.ts).
 */
export type BackwardFn = (grad: Tensor, gradIsFree: boolean) => readonly (Tensor | null | undefined)[];

export abstract class Node {
  /** One entry per input of the op: where that input's gradient goes (null: it needs none). */
  readonly next: (Node | null)[];
  /** Non-leaf tensors that asked for .grad (retainGrad). */
  retained: Tensor | null = null;
  constructor(readonly name: string, next: (Node | null)[]) {
    this.next = next;
  }
  abstract apply(grad: Tensor, gradIsFree?: boolean): readonly (Tensor | null | undefined)[];
  /** Drops what backward needed (after a backward without retainGraph). */
  release(): void {}
}

/** Sink for a leaf: adds the incoming gradient into variable.grad (in place once it exists). */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', []);
  }
  apply(grad: Tensor, gradIsFree = false): readonly Tensor[] {
    this.variable._accumulateGrad(grad, gradIsFree);
    return [];
  }
}

interface Saved {
  tensor: Tensor;
  version: number;
}

/** A node whose backward is a closure over what the forward saved. */
export class FunctionNode extends Node {
  private backwardFn: BackwardFn | null;
  private saved: Saved[];
  /** Memory this node holds (autograd/held-memory.ts), dropped on release. */
  private holds: MemoryHold[];
  constructor(name: string, next: (Node | null)[], backwardFn: BackwardFn, saved: readonly Tensor[], readonly inputShapes: readonly (readonly number[])[],
    holds: MemoryHold[] = []) {
    super(name, next);
    this.backwardFn = backwardFn;
    this.saved = saved.map((tensor) => ({ tensor, version: tensor._version }));
    this.holds = holds;
  }

  apply(grad: Tensor, gradIsFree = false): readonly (Tensor | null | undefined)[] {
    if (!this.backwardFn) {
      throw new Error(`${this.name}: trying to backward through the graph a second time (its saved values were freed); call backward({ retainGraph: true }) the first time`);
    }
    for (const s of this.saved) {
      if (s.tensor._version !== s.version) {
        throw new Error(`${this.name}: a tensor needed for its gradient (shape [${s.tensor.shape.join(', ')}]) was modified by an in-place operation after it was saved (version ${s.version}, now ${s.tensor._version})`);
      }
    }
    return this.backwardFn(grad, gradIsFree);
  }

  override release(): void {
    this.backwardFn = null;
    this.saved = [];
    for (const h of this.holds) dropHold(h);
    this.holds = [];
  }
}

/** The node a tensor's gradient flows into, or null if it needs none. */
export function edgeOf(t: Tensor): Node | null {
  return t._edge();
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Records `out` as produced by op `name` from `inputs` (when any requires grad and recording is
 * on). backward receives the gradient of out and returns one gradient per input, shaped like it.
 * `saved` lists tensors backward reads, to detect in-place changes to them. `memory` (see
 * autograd/held-memory.ts): `consumed`, an input (not a view) that the caller knows no user code
 * will see again and no other node saved, whose buffer is reused once the node holding
 * it was released after backward.
 */
export function record(out: Tensor, name: string, inputs: readonly (Tensor | null | undefined)[], backward: BackwardFn, saved: readonly Tensor[] = [],
  memory: { consumed?: Tensor | null } = {}): Tensor {
  if (!needsGrad(inputs)) return out;
  const next = inputs.map((t) => (t ? edgeOf(t) : null));
  const holds: MemoryHold[] = [];
  if (memory.consumed) {
    const h = holdConsumed(memory.consumed);
    if (h) holds.push(h);
  }
  out.requiresGrad = true;
  out.gradFn = new FunctionNode(name, next, backward, saved, inputs.map((t) => (t ? t.shape : [])), holds);
  return out;
}
