// Sequential: runs its children in order, each on the previous one's output. Children are named
// "0", "1", ... (PyTorch's keys), or by the names given in a Map / entry list.

import { describe } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { BatchNormBase } from './batchnorm.js';
import { ReLU } from './activation.js';
import { Conv2d } from './conv2d.js';

export class Sequential extends Module {
  constructor(...modules: Module[]);
  constructor(named: Map<string, Module> | readonly (readonly [string, Module])[]);
  constructor(...args: unknown[]) {
    super();
    const first = args[0];
    if (args.length === 1 && (first instanceof Map || (Array.isArray(first) && first.every((e) => Array.isArray(e))))) {
      for (const [name, m] of first instanceof Map ? first : (first as [string, Module][])) this.registerModule(name, m);
      return;
    }
    args.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: expected modules, got ${describe(m)} at position ${i}`);
      this.registerModule(String(i), m);
    });
  }

  get length(): number {
    return this._modules.size;
  }

  /** The child at index i (negative counts from the end). */
  at(i: number): Module {
    const list = [...this._modules.values()];
    const j = i < 0 ? i + list.length : i;
    const m = Number.isInteger(j) ? list[j] : undefined;
    if (!m) throw new RangeError(`Sequential.at: index ${i} is out of range for ${list.length} modules`);
    return m;
  }

  /** Adds a module at the end (named by its position). */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return [...this._modules.values()].filter((m): m is Module => m !== null)[Symbol.iterator]();
  }

  override forward(input: Tensor): Tensor {
    let x = input;
    let pending: BatchNormBase | null = null; // a batch norm held back to see whether a ReLU follows
    let private_ = false; // x is a plain Conv2d's output, seen by nothing else yet
    for (const m of this._modules.values()) {
      if (!m) continue;
      if (pending) {
        const fuse = isPlainRelu(m);
        x = normalize(pending, x, fuse, private_);
        pending = null;
        private_ = false;
        if (fuse) continue;
      }
      if (isPlainBatchNorm(m)) {
        pending = m;
      } else {
        x = m.forward(x) as Tensor;
        private_ = isPlainConv(m);
      }
    }
    return pending ? normalize(pending, x, false, private_) : x;
  }
}

// A batch norm's input that came straight from a plain Conv2d is seen by nothing but the batch
// norm: the convolution's graph node keeps no reference to its output, and no user code ran in
// between, so once the batch norm's backward has used it, its memory is reused.
function normalize(bn: BatchNormBase, x: Tensor, relu: boolean, private_: boolean): Tensor {
  if (private_) return bn._forwardConsuming(x, relu);
  return relu ? bn.forwardRelu(x) : bn.forward(x);
}

function isPlainConv(m: Module): boolean {
  return m instanceof Conv2d && m.forward === Conv2d.prototype.forward;
}

// A batch norm directly followed by a ReLU runs as one op: the batch norm's output is seen by
// nothing but the ReLU, and the fused kernel gives the same values and gradients in one pass.
// Only the library's own forwards qualify (a subclass may override them).
function isPlainBatchNorm(m: Module): m is BatchNormBase {
  return m instanceof BatchNormBase && m.forward === BatchNormBase.prototype.forward;
}

function isPlainRelu(m: Module): boolean {
  return m instanceof ReLU && m.forward === ReLU.prototype.forward;
}
