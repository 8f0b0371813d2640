import { test } from 'node:test';
import { jsBackend } from '../../src/backend/index.js';
import type { StorageArray } from '../../src/tensor/dtype.js';
import { NATIVE_FILL_MIN } from '../../src/backend/native-cast.js';
import { forEachIsa, forEachThreadCount, native, rng } from '../helpers.js';
import { assertSame, contiguousStrides, numel, randomLayout, randomShape } from './strided-cases.js';

type Kind = { name: string; make: (n: number, seed: number) => StorageArray };
const KINDS: Kind[] = [
  { name: 'float32 (4 bytes)', make: (n, s) => { const r = rng(s); return Float32Array.from({ length: n }, () => r()); } },
  { name: 'float64 (8 bytes)', make: (n, s) => { const r = rng(s); return Float64Array.from({ length: n }, () => r()); } },
  { name: 'int64 (8 bytes)', make: (n, s) => { const r = rng(s); return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * 2 ** 40)) - 7n); } },
  { name: 'int32 (4 bytes)', make: (n, s) => { const r = rng(s); return Int32Array.from({ length: n }, () => Math.floor(r() * 2 ** 31)); } },
  { name: 'float16 (2 bytes)', make: (n, s) => { const r = rng(s); return Uint16Array.from({ length: n }, () => Math.floor(r() * 65536)); } },
  { name: 'uint8 (1 byte)', make: (n, s) => { const r = rng(s); return Uint8Array.from({ length: n }, () => Math.floor(r() * 256)); } },
];

function copyBoth(src: StorageArray, srcOff: number, srcStrides: number[], dstSize: number, dstOff: number, dstStrides: number[], shape: number[], kind: Kind, what: string): void {
  const nb = native()!;
  const before = kind.make(dstSize, 99); // untouched elements must keep these values
  const want = before.slice();
  jsBackend.copyStrided(src, srcOff, srcStrides, want, dstOff, dstStrides, shape);
  forEachThreadCount((t) => forEachIsa((isa) => {
    const got = before.slice();
    nb.copyStrided(src, srcOff, srcStrides, got, dstOff, dstStrides, shape);
    assertSame(got as Uint8Array, want as Uint8Array, `${what} ${kind.name} ${isa} ${t} threads`);
  }));
}

test('native copyStrided matches the TypeScript backend on random views of every element size', () => {
  if (!native()) return;
  const r = rng(3);
  for (let trial = 0; trial < 80; trial++) {
    const shape = randomShape(r);
    const ls = randomLayout(shape, r, true);
    const ld = r() < 0.4 ? { off: 0, strides: contiguousStrides(shape), size: numel(shape) } : randomLayout(shape, r, false);
    const kind = KINDS[trial % KINDS.length]!;
    const src = kind.make(Math.max(ls.size, 0), trial);
    copyBoth(src, ls.off, ls.strides, Math.max(ld.size, 0), ld.off, ld.strides, shape, kind, `[${shape}] src ${JSON.stringify(ls)} dst ${JSON.stringify(ld)}`);
  }
});

test('native copyStrided: permutes (NCHW <-> NHWC, 2-d transposes), sliced rows and broadcasts, large and threaded', () => {
  if (!native()) return;
  const [n, c, h, w] = [2, 40, 31, 29];
  const nchw = [c * h * w, h * w, w, 1], nhwc = [h * w * c, 1, w * c, c];
  const cases: { what: string; shape: number[]; src: number[]; dst: number[]; srcSize: number; off?: number }[] = [
    { what: 'NHWC data viewed as NCHW -> contiguous', shape: [n, c, h, w], src: nhwc, dst: nchw, srcSize: n * c * h * w },
    { what: 'NCHW -> NHWC layout', shape: [n, c, h, w], src: nchw, dst: nhwc, srcSize: n * c * h * w },
    { what: '2-d transpose 317 x 233', shape: [317, 233], src: [1, 317], dst: [233, 1], srcSize: 317 * 233 },
    { what: 'rows of a slice', shape: [100, 700], src: [1400, 1], dst: [700, 1], srcSize: 100 * 1400, off: 5 },
    { what: 'broadcast row', shape: [250, 300], src: [0, 1], dst: [300, 1], srcSize: 300 },
    { what: 'every other element', shape: [75000], src: [2], dst: [1], srcSize: 150000 },
  ];
  // one kind per element size (each size has its own native path); the threads split copies above 256 KiB
  for (const k of KINDS.filter((x) => !x.name.startsWith('int'))) {
    for (const cs of cases) {
      const src = k.make(cs.srcSize + (cs.off ?? 0), 5);
      const dstSize = cs.shape.reduce((s, d, i) => s + (d - 1) * cs.dst[i]!, 1);
      copyBoth(src, cs.off ?? 0, cs.src, dstSize, 0, cs.dst, cs.shape, k, cs.what);
    }
  }
});

test('native fill writes what a typed array store would, for every element size, below and above the native threshold', () => {
  const nb = native();
  if (!nb) return;
  const arrays: [string, (n: number) => StorageArray, number][] = [
    ['float32', (m) => new Float32Array(m), 0.1], ['float32', (m) => new Float32Array(m), NaN], ['float64', (m) => new Float64Array(m), -1 / 3],
    ['int32', (m) => new Int32Array(m), -7.9], ['int32', (m) => new Int32Array(m), 2 ** 32 + 5], ['uint16 (half bits)', (m) => new Uint16Array(m), 0x3c00],
    ['uint8', (m) => new Uint8Array(m), -1], ['uint8', (m) => new Uint8Array(m), 300], ['int64', (m) => new BigInt64Array(m), -3],
  ];
  for (const n of [0, 1, 100, NATIVE_FILL_MIN + 7]) {
    for (const [name, make, v] of arrays) {
      const want = make(n + 5);
      jsBackend.fill(want, 2, n, v);
      forEachThreadCount((t) => {
        const got = make(n + 5);
        nb.fill(got, 2, n, v);
        assertSame(got as Uint8Array, want as Uint8Array, `fill ${name} with ${v}, n=${n}, ${t} threads`);
      });
    }
  }
});
