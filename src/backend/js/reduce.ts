// Reductions over the middle axis of a contiguous [outer, red, inner] block.

import type { StorageArray } from '../../tensor/dtype.js';
import type { ReduceOp } from '../ops.js';
import { arrayDType, numView } from './elementwise.js';

export function reduce(op: ReduceOp, x: StorageArray, xOff: number, outer: number, red: number, inner: number, out: StorageArray): void {
  const xv = numView(x, arrayDType(x));
  const ov = numView(out, arrayDType(out));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = xOff + o * red * inner + i;
      let acc: number;
      switch (op) {
        case 'sum': case 'mean': {
          acc = 0;
          for (let r = 0; r < red; r++) acc += xv.get(base + r * inner);
          if (op === 'mean') acc /= red;
          break;
        }
        case 'sumSquares': {
          acc = 0;
          for (let r = 0; r < red; r++) { const v = xv.get(base + r * inner); acc += v * v; }
          break;
        }
        case 'sumAbs': {
          acc = 0;
          for (let r = 0; r < red; r++) acc += Math.abs(xv.get(base + r * inner));
          break;
        }
        case 'maxAbs': {
          acc = 0;
          for (let r = 0; r < red; r++) { const v = Math.abs(xv.get(base + r * inner)); if (v > acc || v !== v) acc = v; if (acc !== acc) break; }
          break;
        }
        case 'prod': {
          acc = 1;
          for (let r = 0; r < red; r++) acc *= xv.get(base + r * inner);
          break;
        }
        case 'max': case 'min': {
          acc = op === 'max' ? -Infinity : Infinity;
          for (let r = 0; r < red; r++) {
            const v = xv.get(base + r * inner);
            if (v !== v) { acc = NaN; break; }
            if (op === 'max' ? v > acc : v < acc) acc = v;
          }
          break;
        }
        case 'argmax': case 'argmin': {
          // First occurrence of the extreme; a NaN wins (as PyTorch).
          let best = red > 0 ? xv.get(base) : NaN;
          acc = 0;
          if (best === best) {
            for (let r = 1; r < red; r++) {
              const v = xv.get(base + r * inner);
              if (v !== v) { acc = r; break; }
              if (op === 'argmax' ? v > best : v < best) { best = v; acc = r; }
            }
          }
          break;
        }
        case 'any': {
          acc = 0;
          for (let r = 0; r < red; r++) if (xv.get(base + r * inner) !== 0) { acc = 1; break; }
          break;
        }
        case 'all': {
          acc = 1;
          for (let r = 0; r < red; r++) if (xv.get(base + r * inner) === 0) { acc = 0; break; }
          break;
        }
      }
      ov.set(o * inner + i, acc);
    }
  }
}
