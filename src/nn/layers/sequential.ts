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
    return this._forwardPrivate(input, false)[0];
  }

  /**
   * @internal The forward. `inputPrivate`: no user code will see the input again and no node saved
   * it without a hold, which the output's flag says in turn (see the note below the class).
   */
  _forwardPrivate(input: Tensor, inputPrivate: boolean): [Tensor, boolean] {
    let x = input;
    let private_ = inputPrivate;
    let pending: BatchNormBase | null = null; // a batch norm held back to see whether a ReLU follows
    for (const m of this._modules.values()) {
      if (!m) continue;
      if (pending) {
        const fuse = isPlainRelu(m);
        [x, private_] = normalize(pending, x, fuse, private_);
        pending = null;
        if (fuse) continue;
      }
      if (isPlainBatchNorm(m)) {
        pending = m;
      } else if (isPlainConv(m)) {
        x = m._forwardPrivate(x, private_);
        private_ = true; // the convolution's node does not keep its output
      } else if (isPlainSequential(m)) {
        [x, private_] = m._forwardPrivate(x, private_);
      } else {
        x = m.forward(x) as Tensor;
        private_ = false;
      }
    }
    return pending ? normalize(pending, x, false, private_) : [x, private_];
  }
}

// Activation memory: between the library's own layers in Sequentials, a tensor passes through no
// user code. Once the last graph node that saved it has run backward, its memory is reused
// (autograd/held-memory.ts) rather than left to the garbage collector: a convolution's output that
// only the batch norm after it read, and a fused batch norm + ReLU output that only the batch norm
// and the next block's convolution read. An input given to forward, and every output it returns
// to its caller, stay private only when the caller is a Sequential running this one.
// The library's own methods, as loaded: one replaced on the prototype (countMacs instruments
// Conv2d.prototype.forward) or overridden by a subclass makes the layer user code.
const CONV_FORWARD = Conv2d.prototype.forward, CONV_PRIVATE = Conv2d.prototype._forwardPrivate;
const SEQ_FORWARD = Sequential.prototype.forward, SEQ_PRIVATE = Sequential.prototype._forwardPrivate;
const BN_FORWARD = BatchNormBase.prototype.forward, BN_RELU = BatchNormBase.prototype.forwardRelu, BN_PRIVATE = BatchNormBase.prototype._forwardPrivate;
const RELU_FORWARD = ReLU.prototype.forward;

function normalize(bn: BatchNormBase, x: Tensor, relu: boolean, private_: boolean): [Tensor, boolean] {
  if (bn.forwardRelu === BN_RELU && bn._forwardPrivate === BN_PRIVATE) return bn._forwardPrivate(x, relu, private_);
  return [relu ? bn.forwardRelu(x) : bn.forward(x), false];
}

function isPlainConv(m: Module): m is Conv2d {
  return m instanceof Conv2d && m.forward === CONV_FORWARD && m._forwardPrivate === CONV_PRIVATE;
}

function isPlainSequential(m: Module): m is Sequential {
  return m instanceof Sequential && m.forward === SEQ_FORWARD && m._forwardPrivate === SEQ_PRIVATE;
}

// A batch norm directly followed by a ReLU runs as one op: the batch norm's output is seen by
// nothing but the ReLU, and the fused kernel gives the same values and gradients in one pass.
// Only the library's own forwards qualify (a subclass may override them).
function isPlainBatchNorm(m: Module): m is BatchNormBase {
  return m instanceof BatchNormBase && m.forward === BN_FORWARD;
}

function isPlainRelu(m: Module): boolean {
  return m instanceof ReLU && m.forward === RELU_FORWARD;
}
