// The native fused update kernels against the TypeScript reference: the same bits for every
// option combination, on sizes that exercise vector tails (0, 1, odd) and the thread split, under
// every instruction set and on 1 and 2 threads. Also float64 through the reference path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend, type Backend } from '../../src/backend/index.js';
import type { AdamCoefficients, RmspropCoefficients, SgdCoefficients } from '../../src/backend/backend.js';
import { forEachIsa, forEachThreadCount, native, randomArray } from '../helpers.js';

const SIZES = [0, 1, 7, 16, 17, 31, 1000, 100_003];

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (a !== e && !(Number.isNaN(a) && Number.isNaN(e)) || Object.is(a, -0) !== Object.is(e, -0)) {
      assert.fail(`${what}: element ${i} is ${a}, the reference gives ${e}`);
    }
  }
}

/** Random data for one run: parameter and gradient at offsets, n-element state arrays. */
function inputs(n: number, seed: number, states: number) {
  const pOff = 3, gOff = 5;
  const p = randomArray(n + pOff + 2, seed, -2, 2) as Float32Array;
  const g = randomArray(n + gOff, seed + 1, -1, 1) as Float32Array;
  if (n > 4) g[gOff + 2] = 0; // exact zeros take the eps path
  const s = Array.from({ length: states }, (_, k) => randomArray(n, seed + 2 + k, 0, 0.5) as Float32Array);
  return { pOff, gOff, p, g, s };
}

const copy = (a: Float32Array | null) => (a ? a.slice() : null);

type Run = (b: Backend, n: number, p: Float32Array, pOff: number, g: Float32Array, gOff: number, s: (Float32Array | null)[]) => void;

function crossCheck(name: string, states: (n: number) => boolean[], run: Run): void {
  const nb = native();
  if (!nb) return;
  forEachIsa((isa) => forEachThreadCount((threads) => {
    SIZES.forEach((n, k) => {
      const used = states(n);
      const x = inputs(n, 100 * k + 7, used.length);
      const s0 = x.s.map((a, i) => (used[i] ? a : null));
      const pr = x.p.slice(), sr = s0.map(copy);
      run(jsBackend, n, pr, x.pOff, x.g, x.gOff, sr);
      const pn = x.p.slice(), sn = s0.map(copy);
      run(nb, n, pn, x.pOff, x.g, x.gOff, sn);
      const what = `${name}, n ${n}, ${isa}, ${threads} thread(s)`;
      sameBits(pn, pr, `${what}: param`);
      sn.forEach((a, i) => { if (a) sameBits(a, sr[i]!, `${what}: state ${i}`); });
    });
  }));
}

const sgdCases: [string, SgdCoefficients][] = [
  ['plain', { gradSign: 1, weightDecay: 0, momentum: 0, oneMinusDampening: 1, nesterov: false, initBuffer: false, negLr: -0.1 }],
  ['momentum first step', { gradSign: 1, weightDecay: 0, momentum: 0.9, oneMinusDampening: 1, nesterov: false, initBuffer: true, negLr: -0.1 }],
  ['momentum dampening wd', { gradSign: 1, weightDecay: 0.01, momentum: 0.9, oneMinusDampening: 0.7, nesterov: false, initBuffer: false, negLr: -0.05 }],
  ['nesterov maximize', { gradSign: -1, weightDecay: 0.1, momentum: 0.8, oneMinusDampening: 1, nesterov: true, initBuffer: false, negLr: -0.03 }],
  ['nesterov first step', { gradSign: 1, weightDecay: 0, momentum: 0.8, oneMinusDampening: 1, nesterov: true, initBuffer: true, negLr: -0.03 }],
];
for (const [label, c] of sgdCases) {
  test(`sgdUpdate native = reference: ${label}`, () => {
    crossCheck(`sgd ${label}`, () => [c.momentum !== 0], (b, n, p, pOff, g, gOff, s) => b.sgdUpdate(n, p, pOff, g, gOff, s[0]!, c));
  });
}

function adam(over: Partial<AdamCoefficients>): AdamCoefficients {
  const beta1 = 0.9, beta2 = 0.999, step = 3;
  return {
    gradSign: 1, weightDecay: 0, decoupledDecay: 1, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, amsgrad: false,
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step), eps: 1e-8, negStepSize: -(1e-3 / (1 - beta1 ** step)), ...over,
  };
}
const adamCases: [string, AdamCoefficients][] = [
  ['plain', adam({})],
  ['l2 weight decay', adam({ weightDecay: 0.1 })],
  ['decoupled weight decay (AdamW)', adam({ decoupledDecay: 1 - 1e-3 * 0.01 })],
  ['amsgrad maximize', adam({ amsgrad: true, gradSign: -1 })],
  ['amsgrad l2 large eps', adam({ amsgrad: true, weightDecay: 0.05, eps: 1e-3, beta1: 0.5, oneMinusBeta1: 0.5 })],
];
for (const [label, c] of adamCases) {
  test(`adamUpdate native = reference: ${label}`, () => {
    crossCheck(`adam ${label}`, () => [true, true, c.amsgrad], (b, n, p, pOff, g, gOff, s) => b.adamUpdate(n, p, pOff, g, gOff, s[0]!, s[1]!, s[2]!, c));
  });
}

function rms(over: Partial<RmspropCoefficients>): RmspropCoefficients {
  return { gradSign: 1, weightDecay: 0, alpha: 0.99, oneMinusAlpha: 1 - 0.99, eps: 1e-8, centered: false, momentum: 0, negLr: -0.01, ...over };
}
const rmsCases: [string, RmspropCoefficients][] = [
  ['plain', rms({})],
  ['centered', rms({ centered: true, alpha: 0.9, oneMinusAlpha: 1 - 0.9 })],
  ['momentum l2', rms({ momentum: 0.9, weightDecay: 0.1 })],
  ['centered momentum maximize', rms({ centered: true, momentum: 0.5, gradSign: -1, eps: 1e-4 })],
];
for (const [label, c] of rmsCases) {
  test(`rmspropUpdate native = reference: ${label}`, () => {
    // centered: the squared average must stay above the squared mean, as it does in training
    crossCheck(`rmsprop ${label}`, () => [true, c.centered, c.momentum > 0], (b, n, p, pOff, g, gOff, s) => {
      if (c.centered && s[1]) for (let i = 0; i < n; i++) s[1][i] = s[1][i]! * 0.1;
      b.rmspropUpdate(n, p, pOff, g, gOff, s[0]!, s[1]!, s[2]!, c);
    });
  });
}

test('the native backend sends float64 to the reference', () => {
  const nb = native();
  if (!nb) return;
  const n = 9, c = adam({ weightDecay: 0.1, amsgrad: true });
  const mk = (seed: number) => randomArray(n, seed, 0, 1, Float64Array) as Float64Array;
  const run = (b: Backend) => {
    const p = mk(1), m = mk(2), v = mk(3), vmax = mk(4);
    b.adamUpdate(n, p, 0, mk(5), 0, m, v, vmax, c);
    return [p, m, v, vmax];
  };
  assert.deepEqual(run(nb), run(jsBackend));
});

test('the native kernels refuse arrays too short for n (no out-of-bounds access)', () => {
  const nb = native();
  if (!nb) return;
  const p = new Float32Array(4), g = new Float32Array(4), m = new Float32Array(4), v = new Float32Array(3);
  assert.throws(() => nb.adamUpdate(4, p, 0, g, 0, m, v, null, adam({})), /adamUpdate: arrays too short for 4 elements/);
  assert.throws(() => nb.sgdUpdate(4, p, 1, g, 0, null, sgdCases[0]![1]), /sgdUpdate: arrays too short/);
  assert.throws(() => nb.adamUpdate(4, p, 0, g, 0, m, m, null, adam({ amsgrad: true })), /adamUpdate: maxExpAvgSq is required/);
  assert.throws(() => nb.rmspropUpdate(4, p, 0, g, 0, m, null, null, rms({ momentum: 0.9 })), /rmspropUpdate: the momentum buffer is required/);
});
