// gradcheck (float64 central differences) for every elementwise case in gradcheck-cases.ts.

import { test } from 'node:test';
import { gradcheck } from '../../src/index.js';
import { UNARY_CASES, BINARY_CASES } from './gradcheck-cases.js';

for (const c of [UNARY_CASES, BINARY_CASES].flat()) {
  test(`gradcheck: ${c.name}`, () => {
    gradcheck(c.fn, c.inputs(), c.options);
  });
}
