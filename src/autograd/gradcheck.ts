// Finite-difference gradient checking in float64: compares the analytic gradients that backward
// computes with central differences of the function, for every input that requires grad.

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on failure (default) or return false. */
  raiseException?: boolean;
}

function sumOutput(out: Tensor | readonly Tensor[], weights: readonly Tensor[]): Tensor {
  const outs = Array.isArray(out) ? (out as readonly Tensor[]) : [out as Tensor];
  let total: Tensor | null = null;
  outs.forEach((o, i) => {
    const term = o.mul(weights[i]!).sum();
    total = total ? total.add(term) : term;
  });
  return total!;
}

/**
 * Checks fn's gradients at inputs (float64 tensors; those with requiresGrad are checked). Each
 * output is contracted with a fixed random weight so that every output element is checked.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[], inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options?.eps ?? 1e-6, atol = options?.atol ?? 1e-5, rtol = options?.rtol ?? 1e-3;
  const raise = options?.raiseException ?? true;
  if (typeof fn !== 'function') throw new TypeError(`gradcheck: expected fn to be a function, got ${typeof fn}`);
  if (!Array.isArray(inputs) || inputs.some((x) => !(x instanceof Tensor))) throw new TypeError('gradcheck: expected inputs to be an array of tensors');
  if (options === null || typeof options !== 'object') throw new TypeError(`gradcheck: expected options to be an object, got ${typeof options}`);
  for (const [i, x] of inputs.entries()) {
    if (x.requiresGrad && x.dtype !== 'float64') throw new TypeError(`gradcheck: input ${i} must be float64 to be checked, got ${x.dtype}`);
  }
  const probe = noGrad(() => fn(...inputs.map((x) => x.detach())));
  const probeOuts = Array.isArray(probe) ? (probe as readonly Tensor[]) : [probe as Tensor];
  if (probeOuts.length === 0 || probeOuts.some((o) => !(o instanceof Tensor))) throw new TypeError('gradcheck: expected fn to return a Tensor or a non-empty array of tensors');
  // Fixed pseudo-random weights in [0.5, 1.5) so no output element is left out or cancels.
  const weights = probeOuts.map((o, k) => {
    const w = Tensor.empty(o.shape, 'float64');
    const d = w.data as Float64Array;
    for (let j = 0; j < d.length; j++) d[j] = 0.5 + (((j + 1) * 2654435761 + k * 97) % 1000) / 1000;
    return w;
  });

  for (const x of inputs) x.grad = null;
  const out = fn(...inputs);
  sumOutput(out, weights).backward();

  for (const [i, x] of inputs.entries()) {
    if (!x.requiresGrad) continue;
    const analytic = x.grad ? (x.grad.toTypedArray() as Float64Array) : new Float64Array(x.numel());
    const xc = x.isContiguous() ? x : null;
    if (!xc) throw new TypeError(`gradcheck: input ${i} must be contiguous`);
    const data = x.data as Float64Array;
    const numeric = new Float64Array(x.numel());
    noGrad(() => {
      for (let j = 0; j < numeric.length; j++) {
        const at = x.offset + j;
        const orig = data[at]!;
        data[at] = orig + eps;
        const plus = sumOutput(fn(...inputs), weights).item();
        data[at] = orig - eps;
        const minus = sumOutput(fn(...inputs), weights).item();
        data[at] = orig;
        numeric[j] = (plus - minus) / (2 * eps);
      }
    });
    for (let j = 0; j < numeric.length; j++) {
      const a = analytic[j]!, n = numeric[j]!;
      if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
        const msg = `gradcheck: input ${i} element ${j}: analytic gradient ${a}, numerical ${n} (atol ${atol}, rtol ${rtol})`;
        if (raise) throw new Error(msg);
        return false;
      }
    }
  }
  return true;
}
