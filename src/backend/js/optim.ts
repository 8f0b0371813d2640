// The optimizer updates in TypeScript: the reference the native kernels are tested against, and
// the path for float64 parameters. Each follows PyTorch's single-tensor implementation op by op.
// On Float32Array data every coefficient and every intermediate result is rounded to float32
// (Math.fround), which is exactly what float32 hardware arithmetic without fused multiply-add
// gives: +, -, *, / and sqrt of float32 values computed in float64 and rounded once are correctly
// rounded float32 results. On Float64Array data nothing is rounded.

import type { AdamCoefficients, RmspropCoefficients, SgdCoefficients } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';

const same = (x: number): number => x;
const rounding = (a: FloatArray): ((x: number) => number) => (a instanceof Float32Array ? Math.fround : same);

export function sgdUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, buf: FloatArray | null, c: SgdCoefficients): void {
  const r = rounding(p);
  const sign = c.gradSign, wd = r(c.weightDecay), mom = r(c.momentum), omd = r(c.oneMinusDampening), negLr = r(c.negLr);
  for (let i = 0; i < n; i++) {
    const pv = p[pOff + i]!;
    let d = sign * g[gOff + i]!;
    if (c.weightDecay !== 0) d = r(d + r(wd * pv));
    if (buf) {
      const b = c.initBuffer ? d : r(r(buf[i]! * mom) + r(omd * d));
      buf[i] = b;
      d = c.nesterov ? r(d + r(mom * b)) : b;
    }
    p[pOff + i] = r(pv + r(negLr * d));
  }
}

export function adamUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, expAvg: FloatArray, expAvgSq: FloatArray, maxExpAvgSq: FloatArray | null, c: AdamCoefficients): void {
  const r = rounding(p);
  const sign = c.gradSign, wd = r(c.weightDecay), decay = r(c.decoupledDecay);
  const b1 = r(c.beta1), omb1 = r(c.oneMinusBeta1), b2 = r(c.beta2), omb2 = r(c.oneMinusBeta2);
  const bc2 = r(c.biasCorrection2Sqrt), eps = r(c.eps), negStep = r(c.negStepSize);
  const decoupled = c.decoupledDecay !== 1, l2 = c.weightDecay !== 0, vmax = c.amsgrad ? maxExpAvgSq : null;
  for (let i = 0; i < n; i++) {
    let pv = p[pOff + i]!;
    if (decoupled) pv = r(pv * decay);
    let gv = sign * g[gOff + i]!;
    if (l2) gv = r(gv + r(wd * pv));
    const m = r(r(expAvg[i]! * b1) + r(omb1 * gv));
    const v = r(r(expAvgSq[i]! * b2) + r(r(omb2 * gv) * gv));
    expAvg[i] = m;
    expAvgSq[i] = v;
    let vv = v;
    if (vmax) {
      const old = vmax[i]!;
      vv = old !== old || v !== v ? old + v : old > v ? old : v; // torch.maximum: NaN propagates
      vmax[i] = vv;
    }
    const denom = r(r(r(Math.sqrt(vv)) / bc2) + eps);
    p[pOff + i] = r(pv + r(r(negStep * m) / denom));
  }
}

export function rmspropUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, squareAvg: FloatArray, gradAvg: FloatArray | null, buf: FloatArray | null, c: RmspropCoefficients): void {
  const r = rounding(p);
  const sign = c.gradSign, wd = r(c.weightDecay), alpha = r(c.alpha), oma = r(c.oneMinusAlpha), eps = r(c.eps);
  const mom = r(c.momentum), negLr = r(c.negLr);
  const l2 = c.weightDecay !== 0, ga = c.centered ? gradAvg : null, mb = c.momentum > 0 ? buf : null;
  for (let i = 0; i < n; i++) {
    const pv = p[pOff + i]!;
    let gv = sign * g[gOff + i]!;
    if (l2) gv = r(gv + r(wd * pv));
    const sq = r(r(squareAvg[i]! * alpha) + r(r(oma * gv) * gv));
    squareAvg[i] = sq;
    let avg: number;
    if (ga) {
      const a = r(r(ga[i]! * alpha) + r(oma * gv));
      ga[i] = a;
      avg = r(Math.sqrt(r(sq - r(a * a))));
    } else {
      avg = r(Math.sqrt(sq));
    }
    avg = r(avg + eps);
    if (mb) {
      const b = r(r(mb[i]! * mom) + r(gv / avg));
      mb[i] = b;
      p[pOff + i] = r(pv + r(negLr * b));
    } else {
      p[pOff + i] = r(pv + r(r(negLr * gv) / avg));
    }
  }
}
