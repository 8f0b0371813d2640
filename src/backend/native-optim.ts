// Native fused optimizer updates (native/bind_optim.cc, native/kernels/optim.inl) for float32;
// float64 goes to the TypeScript reference. The coefficients travel in one reused Float64Array
// whose layout the kernels read (keep the two in step).

import type { Backend } from './backend.js';

export interface OptimAddon {
  /** h = [gradSign, weightDecay, momentum, oneMinusDampening, negLr, nesterov, initBuffer] */
  sgdF32(n: number, p: Float32Array, pOff: number, g: Float32Array, gOff: number, buf: Float32Array | null, h: Float64Array): void;
  /** h = [gradSign, weightDecay, decoupledDecay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2Sqrt, eps, negStepSize, amsgrad] */
  adamF32(n: number, p: Float32Array, pOff: number, g: Float32Array, gOff: number, expAvg: Float32Array, expAvgSq: Float32Array, maxExpAvgSq: Float32Array | null, h: Float64Array): void;
  /** h = [gradSign, weightDecay, alpha, oneMinusAlpha, eps, momentum, negLr, centered] */
  rmspropF32(n: number, p: Float32Array, pOff: number, g: Float32Array, gOff: number, squareAvg: Float32Array, gradAvg: Float32Array | null, buf: Float32Array | null, h: Float64Array): void;
}

const f32 = (a: unknown): a is Float32Array => a instanceof Float32Array;

/** Cheap guards (the kernels trust their arguments): every array holds the n elements it is read at. */
function checkSpans(op: string, n: number, p: Float32Array, pOff: number, g: Float32Array, gOff: number, states: readonly (Float32Array | null)[]): void {
  const ok = Number.isInteger(n) && n >= 0 && Number.isInteger(pOff) && Number.isInteger(gOff) && pOff >= 0 && gOff >= 0
    && pOff + n <= p.length && gOff + n <= g.length && states.every((s) => s === null || s.length >= n);
  if (!ok) throw new RangeError(`${op}: arrays too short for ${n} elements at offsets ${pOff}, ${gOff}`);
}

function required(op: string, what: string, a: Float32Array | null): Float32Array {
  if (a === null) throw new TypeError(`${op}: ${what} is required by these coefficients`);
  return a;
}

export function optimOverrides(addon: OptimAddon, js: Backend): Pick<Backend, 'sgdUpdate' | 'adamUpdate' | 'rmspropUpdate'> {
  const h = new Float64Array(16);
  return {
    sgdUpdate(n, p, pOff, g, gOff, buf, c) {
      if (!f32(p) || !f32(g) || (buf !== null && !f32(buf))) { js.sgdUpdate(n, p, pOff, g, gOff, buf, c); return; }
      h[0] = c.gradSign; h[1] = c.weightDecay; h[2] = c.momentum; h[3] = c.oneMinusDampening; h[4] = c.negLr;
      h[5] = c.nesterov ? 1 : 0; h[6] = c.initBuffer ? 1 : 0;
      checkSpans('sgdUpdate', n, p, pOff, g, gOff, [buf]);
      addon.sgdF32(n, p, pOff, g, gOff, buf, h);
    },

    adamUpdate(n, p, pOff, g, gOff, m, v, vmax, c) {
      if (!f32(p) || !f32(g) || !f32(m) || !f32(v) || (vmax !== null && !f32(vmax))) { js.adamUpdate(n, p, pOff, g, gOff, m, v, vmax, c); return; }
      h[0] = c.gradSign; h[1] = c.weightDecay; h[2] = c.decoupledDecay; h[3] = c.beta1; h[4] = c.oneMinusBeta1;
      h[5] = c.beta2; h[6] = c.oneMinusBeta2; h[7] = c.biasCorrection2Sqrt; h[8] = c.eps; h[9] = c.negStepSize;
      h[10] = c.amsgrad ? 1 : 0;
      const mx = c.amsgrad ? required('adamUpdate', 'maxExpAvgSq', vmax) : null;
      checkSpans('adamUpdate', n, p, pOff, g, gOff, [m, v, mx]);
      addon.adamF32(n, p, pOff, g, gOff, m, v, mx, h);
    },

    rmspropUpdate(n, p, pOff, g, gOff, sq, ga, buf, c) {
      if (!f32(p) || !f32(g) || !f32(sq) || (ga !== null && !f32(ga)) || (buf !== null && !f32(buf))) { js.rmspropUpdate(n, p, pOff, g, gOff, sq, ga, buf, c); return; }
      h[0] = c.gradSign; h[1] = c.weightDecay; h[2] = c.alpha; h[3] = c.oneMinusAlpha; h[4] = c.eps;
      h[5] = c.momentum; h[6] = c.negLr; h[7] = c.centered ? 1 : 0;
      const a = c.centered ? required('rmspropUpdate', 'gradAvg', ga) : null;
      const b = c.momentum > 0 ? required('rmspropUpdate', 'the momentum buffer', buf) : null;
      checkSpans('rmspropUpdate', n, p, pOff, g, gOff, [sq, a, b]);
      addon.rmspropF32(n, p, pOff, g, gOff, sq, a, b, h);
    },
  };
}
