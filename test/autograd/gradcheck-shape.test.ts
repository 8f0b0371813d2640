// gradcheck (float64 central differences) for every shape case in gradcheck-cases.ts.

import { test } from 'node:test';
import { gradcheck } from '../../src/index.js';
import { MATMUL_CASES, VIEW_CASES, INDEXING_CASES } from './gradcheck-cases.js';

for (const c of [MATMUL_CASES, VIEW_CASES, INDEXING_CASES].flat()) {
  test(`gradcheck: ${c.name}`, () => {
    gradcheck(c.fn, c.inputs(), c.options);
  });
}
