// Automatic mixed precision (torch.autocast): inside autocast(), the ops that gain from a lower
// precision (convolution, linear, matrix products) cast their float32 arguments to float16 or
// bfloat16, the ops that need range (softmax, log-softmax, losses) cast theirs to float32, and
// every other op follows type promotion. The casts are ordinary differentiable `to` ops, so
// float32 master weights receive float32 gradients. This file is the whole policy: the ops call
// autocastArgs() with their name and tensor arguments, nothing else knows about autocast.
//
// Like noGrad, the scope is synchronous (a scope that awaits would leak its mode into whatever
// else runs meanwhile). It lives in the autograd layer because the tensor layer's matmul asks it
// too; it touches tensors only through their methods.

import type { Tensor } from '../tensor/tensor.js';

export type AutocastDtype = 'float16' | 'bfloat16';

export interface AutocastOptions {
  /** The lower precision. Default 'float16'. */
  dtype?: AutocastDtype;
  /** false runs fn with autocast off (a float32 region inside an autocast one). Default true. */
  enabled?: boolean;
}

/** Ops run in the autocast dtype. */
const LOWER_PRECISION = new Set(['conv2d', 'linear', 'matmul']);
/** Ops run in float32 (they need the range or the precision of the sums). */
const FLOAT32 = new Set(['softmax', 'logSoftmax', 'crossEntropy', 'nllLoss', 'mseLoss', 'l1Loss', 'smoothL1Loss', 'binaryCrossEntropyWithLogits']);

export type AutocastOp = 'conv2d' | 'linear' | 'matmul' | 'softmax' | 'logSoftmax' | 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'l1Loss'
  | 'smoothL1Loss' | 'binaryCrossEntropyWithLogits';

let enabled = false;
let lowDtype: AutocastDtype = 'float16';

export function isAutocastEnabled(): boolean {
  return enabled;
}

/** The dtype the lower-precision ops run in (meaningful while autocast is enabled). */
export function autocastDtype(): AutocastDtype {
  return lowDtype;
}

/** Runs fn with autocast on (or off, with enabled: false); the previous state comes back even when fn throws. */
export function autocast<T>(options: AutocastOptions, fn: () => T): T {
  if (options === null || typeof options !== 'object') throw new TypeError(`autocast: expected an options object { dtype, enabled }, got ${options === null ? 'null' : typeof options}`);
  if (typeof fn !== 'function') throw new TypeError(`autocast: expected a function, got ${typeof fn}`);
  const dtype = options.dtype ?? lowDtype;
  if (dtype !== 'float16' && dtype !== 'bfloat16') throw new RangeError(`autocast: dtype must be 'float16' or 'bfloat16', got ${String(dtype)}`);
  const on = options.enabled ?? true;
  if (typeof on !== 'boolean') throw new TypeError(`autocast: enabled must be a boolean, got ${typeof on}`);
  const before = { enabled, lowDtype };
  enabled = on;
  if (on) lowDtype = dtype;
  try {
    const out = fn();
    if (out && typeof (out as { then?: unknown }).then === 'function') {
      throw new TypeError('autocast: the function returned a Promise; wrap only synchronous code (await outside the scope)');
    }
    return out;
  } finally {
    enabled = before.enabled;
    lowDtype = before.lowDtype;
  }
}

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).isFloatingPoint === 'function' && typeof (x as Tensor).dtype === 'string';
}

/**
 * The arguments op should run on under the current autocast state: unchanged when autocast is off
 * or the op follows promotion; otherwise each floating tensor that is not float64 (PyTorch leaves
 * float64 alone) cast to the op's dtype. Non-tensors pass through for the op's own checks.
 */
export function autocastArgs<T extends readonly unknown[]>(op: AutocastOp, ...args: T): T {
  if (!enabled) return args;
  const target = LOWER_PRECISION.has(op) ? lowDtype : FLOAT32.has(op) ? 'float32' : null;
  if (target === null) return args;
  return args.map((a) => (isTensorLike(a) && a.isFloatingPoint() && a.dtype !== 'float64' && a.dtype !== target ? a.to(target) : a)) as unknown as T;
}
