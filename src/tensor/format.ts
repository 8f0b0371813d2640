// Printing tensors: values with the shape and dtype, long dimensions elided in the middle.

import type { Tensor } from './tensor.js';
import { contiguousCopy, readValue } from './ops/convert.js';

const EDGE = 3;

function formatNumber(v: number, isFloat: boolean): string {
  if (!isFloat) return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4);
  return Number(v.toPrecision(6)).toString();
}

export function formatTensor(t: Tensor): string {
  const c = t.isContiguous() ? t : contiguousCopy(t);
  const isFloat = t.isFloatingPoint();
  const strides = c.strides;
  const walk = (d: number, base: number): string => {
    if (d === t.ndim) return formatNumber(readValue(c.dtype, c.data, base), isFloat);
    const n = t.shape[d]!;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (n > 2 * EDGE && i === EDGE) {
        parts.push('...');
        i = n - EDGE - 1;
        continue;
      }
      parts.push(walk(d + 1, base + i * strides[d]!));
    }
    const sep = d === t.ndim - 1 ? ', ' : ',\n' + ' '.repeat(d + 8);
    return `[${parts.join(sep)}]`;
  };
  const grad = t.gradFn ? `, gradFn=${t.gradFn.name}` : t.requiresGrad ? ', requiresGrad=true' : '';
  return `tensor(${walk(0, c.offset)}, shape=[${t.shape.join(', ')}], dtype=${t.dtype}${grad})`;
}
