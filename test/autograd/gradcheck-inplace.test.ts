// gradcheck (float64 central differences) for every inplace case in gradcheck-cases.ts.

import { test } from 'node:test';
import { gradcheck } from '../../src/index.js';
import { INPLACE_CASES } from './gradcheck-cases.js';

for (const c of [INPLACE_CASES].flat()) {
  test(`gradcheck: ${c.name}`, () => {
    gradcheck(c.fn, c.inputs(), c.options);
  });
}
