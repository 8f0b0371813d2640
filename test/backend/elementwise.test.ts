import { test } from 'node:test';
import { jsBackend } from '../../src/backend/index.js';
import { UNARY } from '../../src/backend/js/elementwise.js';
import type { UnaryOp } from '../../src/backend/ops.js';
import { assertClose, forEachIsa, native, randomArray } from '../helpers.js';

test('native unary float32 kernels match the TypeScript backend on every ISA', () => {
  const nb = native();
  if (!nb) return;
  const specials = [0, -0, 1, -1, 1e-30, -1e-30, 88, 89, -87, -104, -110, 1e30, Infinity, -Infinity, NaN];
  for (const n of [0, 1, 7, 33, 1000, 70001]) {
    const x = randomArray(n, n + 1, -20, 20) as Float32Array;
    for (let i = 0; i < Math.min(n, specials.length); i++) x[i] = specials[i]!;
    for (const op of Object.keys(UNARY) as UnaryOp[]) {
      const expected = new Float32Array(n);
      jsBackend.unary(op, x, 0, expected, 0, n, 0.1, 3);
      forEachIsa((isa) => {
        const got = new Float32Array(n);
        nb.unary(op, x, 0, got, 0, n, 0.1, 3);
        assertClose(got, expected, { rtol: 4e-7, atol: 1e-37 }, `${op} n=${n} ${isa}`);
      });
    }
  }
});
