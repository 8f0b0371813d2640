// Gradient clipping, in place: by total norm (any p > 0, Infinity included) and by value.
// Norms are accumulated in float64 whatever the gradients' dtype, with a max-scaling step so that
// huge gradients do not overflow before the root is taken.

import { backend } from '../backend/index.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/dtype.js';
import { contiguousAs } from '../tensor/ops/convert.js';
import { Parameter } from '../nn/parameter.js';

export interface ClipGradNormOptions {
  /** p of the p-norm: any number > 0, or Infinity (max |g|). Default 2. */
  normType?: number;
  /** Throw (before touching any gradient) when the total norm is NaN or infinite. */
  errorIfNonfinite?: boolean;
}

/** Parameters (their .grad is used) or gradient tensors themselves; null grads are skipped. */
export type ParamsOrGrads = Iterable<Tensor> | Tensor;

function gradsOf(items: ParamsOrGrads, op: string): Tensor[] {
  const list = items instanceof Tensor ? [items] : items;
  if (list === null || list === undefined || typeof (list as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${op}: expected a tensor or an iterable of tensors (parameters or gradients), got ${describe(items)}`);
  }
  const out: Tensor[] = [];
  for (const t of list as Iterable<Tensor>) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected tensors, got ${describe(t)}`);
    // A parameter (or any tensor that requires grad) contributes its .grad; any other tensor is
    // taken to be a gradient itself. A frozen Parameter contributes nothing.
    const g = t instanceof Parameter || t.requiresGrad ? t.grad : t;
    if (g) {
      if (!g.isFloatingPoint()) throw new TypeError(`${op}: gradients must be floating point, got ${g.dtype}`);
      out.push(g);
    }
  }
  return out;
}

/** A contiguous float32/float64 copy or view of g's values for reading. */
function readable(g: Tensor): Tensor {
  return g.dtype === 'float64' ? contiguousAs(g, 'float64') : contiguousAs(g, 'float32');
}

function reduceToDouble(op: 'maxAbs' | 'sumSquares' | 'sumAbs', g: Tensor): number {
  const r = readable(g);
  const out = new Float64Array(1);
  if (r.numel() > 0) backend().reduce(op, r.data, r.offset, 1, r.numel(), 1, out);
  return out[0]!;
}

/** The p-norm of one tensor, in float64, overflow-safe. */
function tensorNorm(g: Tensor, p: number): number {
  if (g.numel() === 0) return 0;
  const maxAbs = reduceToDouble('maxAbs', g);
  if (p === Infinity || maxAbs === 0 || !Number.isFinite(maxAbs)) return maxAbs;
  if (p === 1) return reduceToDouble('sumAbs', g);
  if (p === 2) {
    const ss = reduceToDouble('sumSquares', g);
    if (Number.isFinite(ss)) return Math.sqrt(ss);
  }
  // General p (and p = 2 past double range): norm = max * (sum (|g| / max)^p)^(1/p)
  const scaled = noGrad(() => readable(g).to('float64').abs().div(maxAbs).pow(p).sum().item());
  return maxAbs * Math.pow(scaled, 1 / p);
}

/** Combines per-tensor p-norms into the total p-norm (overflow-safe). */
function combine(norms: readonly number[], p: number): number {
  if (norms.length === 0) return 0;
  let max = 0;
  for (const n of norms) {
    if (Number.isNaN(n)) return NaN;
    if (n > max) max = n;
  }
  if (p === Infinity || max === 0 || max === Infinity) return max;
  let s = 0;
  for (const n of norms) s += Math.pow(n / max, p);
  return max * Math.pow(s, 1 / p);
}

/**
 * Scales gradients in place so that their total p-norm is at most maxNorm, and returns the total
 * norm before clipping (the p-norm of the per-tensor p-norms). The factor maxNorm / (total + 1e-6)
 * is applied only when it is below 1.
 */
export function clipGradNorm(paramsOrGrads: ParamsOrGrads, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`clipGradNorm: expected an options object, got ${describe(opts)}`);
  const options = opts;
  const p = options.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) throw new RangeError(`clipGradNorm: maxNorm must be a non-negative number, got ${describe(maxNorm)}`);
  if (typeof p !== 'number' || Number.isNaN(p) || p <= 0) throw new RangeError(`clipGradNorm: normType must be > 0 (or Infinity), got ${describe(p)}`);
  const grads = gradsOf(paramsOrGrads, 'clipGradNorm');
  const total = combine(grads.map((g) => tensorNorm(g, p)), p);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`clipGradNorm: the total norm of order ${p} of the gradients is ${total}; the gradients were left unchanged (set errorIfNonfinite: false to clip anyway)`);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) noGrad(() => { for (const g of grads) g.mul_(coef); });
  return total;
}

/** Clamps every gradient in place to [-clipValue, clipValue]. */
export function clipGradValue(paramsOrGrads: ParamsOrGrads, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) throw new RangeError(`clipGradValue: clipValue must be a non-negative number, got ${describe(clipValue)}`);
  const grads = gradsOf(paramsOrGrads, 'clipGradValue');
  noGrad(() => { for (const g of grads) g.clamp_(-clipValue, clipValue); });
}
