import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsBackend, type Backend } from '../../src/backend/index.js';
import { assertClose, forEachIsa, forEachThreadCount, native, randomArray } from '../helpers.js';
import { loadFixtures, num, values, type FixtureCase } from './nn-fixtures.js';

function runFixture(b: Backend, f: FixtureCase, C: Float32ArrayConstructor | Float64ArrayConstructor): void {
  const outer = num(f, 'outer'), dim = num(f, 'dim'), inner = num(f, 'inner');
  const log = f.op === 'log_softmax';
  const x = C.from(values(f, 'x')), dy = C.from(values(f, 'dy'));
  const y = new C(x.length), dx = new C(x.length);
  const what = `${f.op} ${f.name} (${b.name}, ${C.name})`;
  b.softmaxForward(outer, dim, inner, x, y, log);
  assertClose(y, values(f, 'y'), { rtol: 1e-5, atol: 1e-6 }, `${what}: y`);
  b.softmaxBackward(outer, dim, inner, y, dy, dx, log);
  assertClose(dx, values(f, 'dx'), { rtol: 1e-5, atol: 1e-6 }, `${what}: dx`);
}

test('softmax and log-softmax match PyTorch (inner axes, logits of 1e4, -Infinity rows give NaN)', () => {
  const cases = loadFixtures('softmax.json');
  assert.ok(cases.length >= 8);
  for (const f of cases) {
    for (const C of [Float32Array, Float64Array]) runFixture(jsBackend, f, C);
    const nb = native();
    if (nb) forEachIsa(() => runFixture(nb, f, Float32Array));
  }
});

test('native softmax matches the TypeScript reference on every ISA and thread count', () => {
  const nb = native();
  if (!nb) return;
  const shapes: [number, number, number][] = [
    [5, 10, 1], [3, 1000, 1], [2, 1, 1], [1, 37, 1], [64, 17, 1], [2, 5, 3], [3, 7, 300], [1, 3, 1000], [2, 1, 9], [0, 5, 1], [4, 0, 3],
  ];
  shapes.forEach(([outer, dim, inner], s) => {
    const n = outer * dim * inner;
    const x = randomArray(n, 200 + s, -1e4, 1e4) as Float32Array;
    if (n > 0) x[0] = NaN;  // a NaN row
    if (dim > 1 && outer > 1) for (let d = 0; d < dim; d++) x[(1 * dim + d) * inner] = -Infinity;  // an all -Infinity row
    const small = randomArray(n, 300 + s, -5, 5) as Float32Array;
    const dy = randomArray(n, 400 + s) as Float32Array;
    for (const log of [false, true]) {
      for (const [name, input] of [['logits of 1e4', x], ['small logits', small]] as const) {
        const expected = new Float32Array(n), dxExpected = new Float32Array(n);
        jsBackend.softmaxForward(outer, dim, inner, input, expected, log);
        jsBackend.softmaxBackward(outer, dim, inner, expected, dy, dxExpected, log);
        forEachIsa((isa) => forEachThreadCount((threads) => {
          const what = `${log ? 'log_softmax' : 'softmax'} [${outer}, ${dim}, ${inner}] ${name} (${isa}, ${threads} threads)`;
          const y = new Float32Array(n), dx = new Float32Array(n).fill(7);
          nb.softmaxForward(outer, dim, inner, input, y, log);
          assertClose(y, expected, { rtol: 2e-6, atol: log ? 2e-3 : 1e-7 }, `${what}: y`);
          nb.softmaxBackward(outer, dim, inner, expected, dy, dx, log);
          assertClose(dx, dxExpected, { rtol: 1e-5, atol: 1e-6 }, `${what}: dx`);
        }));
      }
    }
  });
});

test('a softmax row of -Infinity is NaN, and a row with one finite logit is exactly one-hot', () => {
  for (const b of [jsBackend, native()]) {
    if (!b) continue;
    const x = Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, 3, -Infinity]);
    const y = new Float32Array(6), ly = new Float32Array(6);
    b.softmaxForward(2, 3, 1, x, y, false);
    b.softmaxForward(2, 3, 1, x, ly, true);
    assert.ok(y.slice(0, 3).every(Number.isNaN) && ly.slice(0, 3).every(Number.isNaN), `${b.name}: NaN row`);
    assert.deepEqual(Array.from(y.slice(3)), [0, 1, 0], b.name);
    assert.deepEqual(Array.from(ly.slice(3)), [-Infinity, 0, -Infinity], b.name);
  }
});
