// Every optimizer and option combination against PyTorch 1.13: the same parameters and
// gradients, compared after every step (parameters and state), in float32 and float64.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { loadJson, makeOptimizer, type OptimizerCase, type QuadraticCase } from './fixtures.js';

const data = loadJson<{ optimizers: OptimizerCase[]; quadratic: QuadraticCase[] }>('optim_optimizers.json');

// Differences of an ulp or two: PyTorch's CPU kernels fuse some multiply-adds, ours never do. An
// ulp lost where state values cancel (a momentum buffer of magnitude 10 falling to 0.3) stays an
// ulp of the larger magnitude, so the absolute tolerance scales with the tensor's largest value.
const REL = { float32: 2e-6, float64: 1e-13 };

function close(actual: number[], expected: number[], rel: number, what: string): void {
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assertClose(actual, expected, { rtol: rel, atol: rel * scale }, what);
}

function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Float32Array);
}

for (const c of data.optimizers) {
  test(`${c.optimizer} matches PyTorch: ${c.name}`, () => {
    const params = c.initial.map((v, i) => tensor(v, { dtype: c.dtype, requiresGrad: true }).reshape(c.shapes[i]!).detach().requiresGrad_());
    const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
    const rel = REL[c.dtype];
    c.expected.forEach((exp, step) => {
      params.forEach((p, i) => {
        const g = c.grads[step]![i];
        p.grad = g ? tensor(g, { dtype: c.dtype }).reshape(c.shapes[i]!) : null;
      });
      opt.step();
      params.forEach((p, i) => close(values(p), exp.params[i]!, rel, `step ${step + 1}, param ${i}`));
      const sd = opt.stateDict();
      assert.deepEqual(Object.keys(sd.state).sort(), Object.keys(exp.state).sort(), `step ${step + 1}: parameters with state`);
      for (const [idx, st] of Object.entries(exp.state)) {
        const mine = sd.state[Number(idx)]!;
        assert.deepEqual(Object.keys(mine).sort(), Object.keys(st).sort(), `step ${step + 1}, param ${idx}: state keys`);
        for (const [key, v] of Object.entries(st)) {
          const got = mine[key];
          if (v === null || typeof v === 'number') assert.equal(got, v, `step ${step + 1}, param ${idx}, ${key}`);
          else close(values(got as Tensor), v, rel, `step ${step + 1}, param ${idx}, ${key}`);
        }
      }
    });
  });
}

for (const c of data.quadratic) {
  test(`${c.optimizer} with a closure matches PyTorch: ${c.name}`, () => {
    const p = tensor(c.initial, { dtype: 'float32', requiresGrad: true });
    const target = tensor(c.target, { dtype: 'float32' });
    const opt = makeOptimizer(c.optimizer, [p], c.options);
    c.expected.forEach((exp, step) => {
      const loss = opt.step(() => {
        opt.zeroGrad();
        const l = p.sub(target).pow(2).sum();
        l.backward();
        return l;
      });
      assertClose([loss!.item()], [c.losses[step]!], { rtol: 1e-5, atol: 1e-7 }, `step ${step + 1}: loss`);
      assertClose(values(p), exp, { rtol: 1e-5, atol: 1e-6 }, `step ${step + 1}: params`);
    });
  });
}
