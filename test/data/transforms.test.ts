import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Generator, data } from '../../src/index.js';
import type { Image } from '../../src/data/image.js';
import { transformFromSpec, type Transform } from '../../src/data/transforms.js';
import { assertClose } from '../helpers.js';

const T = data.transforms;
const FIXTURES = fileURLToPath(new URL('../../../test/data/fixtures/', import.meta.url));

function u8(shape: number[], values: number[]): Image {
  return { data: Uint8Array.from(values), shape };
}
function f32(shape: number[], values: number[]): Image {
  return { data: Float32Array.from(values), shape };
}
const gen = (): Generator => new Generator(42);

test('toTensor scales bytes to [0, 1] in float32; normalize is (x - mean) / std per channel', () => {
  const img = u8([2, 1, 2], [0, 51, 255, 128]);
  const t = T.toTensor().apply(img, gen());
  assert.ok(t.data instanceof Float32Array);
  assert.deepEqual(Array.from(t.data), [0, Math.fround(0.2), 1, Math.fround(128 / 255)]);
  const n = T.normalize([0.5, 0.25], [0.5, 2]).apply(t, gen());
  const fr = Math.fround;
  assert.deepEqual(Array.from(n.data), [-1, fr(fr(fr(0.2) - 0.5) / 0.5), fr(0.75 / 2), fr(fr(fr(128 / 255) - 0.25) / 2)]);
  // One mean/std serves every channel.
  assert.deepEqual(Array.from(T.normalize(1, 2).apply(f32([2, 1, 1], [3, 5]), gen()).data), [1, 2]);
  assert.throws(() => T.normalize([0, 0, 0], [1, 1, 1]).apply(t, gen()), /mean has 3 values but the image has 2 channels/);
  assert.throws(() => T.normalize(0, 1).apply(img, gen()), /expects float32 input; put toTensor\(\) before it/);
  assert.throws(() => T.normalize(0, 0), /std must not be zero/);
});

test('compose runs toTensor + normalize as one table lookup with identical results', () => {
  const pixels = u8([3, 2, 2], Array.from({ length: 12 }, (_, i) => (i * 23) % 256));
  const mean = [0.4914, 0.4822, 0.4465], std = [0.2470, 0.2435, 0.2616];
  const fused = T.compose([T.toTensor(), T.normalize(mean, std)]).apply(pixels, gen());
  const stepwise = T.normalize(mean, std).apply(T.toTensor().apply(pixels, gen()), gen());
  assert.deepEqual(Array.from(fused.data), Array.from(stepwise.data));
  assert.deepEqual(T.compose([T.toTensor(), T.normalize(mean, std)]).describe({ shape: [3, 2, 2], dtype: 'uint8' }), { shape: [3, 2, 2], dtype: 'float32' });
});

test('pad: constant, edge, reflect and symmetric, as torchvision', () => {
  // One channel, 2 rows x 3 columns:  1 2 3 / 4 5 6; pad left 2, top 1, right 1, bottom 0.
  const img = u8([1, 2, 3], [1, 2, 3, 4, 5, 6]);
  const rows = (t: Transform): number[][] => {
    const out = t.apply(img, gen());
    const [, h, w] = out.shape as number[];
    return Array.from({ length: h! }, (_, y) => Array.from(out.data.subarray(y * w!, (y + 1) * w!)));
  };
  const sides = [2, 1, 1, 0];
  assert.deepEqual(rows(T.pad(sides, { fill: 9 })), [[9, 9, 9, 9, 9, 9], [9, 9, 1, 2, 3, 9], [9, 9, 4, 5, 6, 9]]);
  assert.deepEqual(rows(T.pad(sides, { mode: 'edge' })), [[1, 1, 1, 2, 3, 3], [1, 1, 1, 2, 3, 3], [4, 4, 4, 5, 6, 6]]);
  assert.deepEqual(rows(T.pad(sides, { mode: 'reflect' })), [[6, 5, 4, 5, 6, 5], [3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
  assert.deepEqual(rows(T.pad(sides, { mode: 'symmetric' })), [[2, 1, 1, 2, 3, 3], [2, 1, 1, 2, 3, 3], [5, 4, 4, 5, 6, 6]]);
  assert.deepEqual(T.pad(1).describe({ shape: [3, 28, 28], dtype: 'uint8' }).shape, [3, 30, 30]);
  assert.deepEqual(T.pad([1, 2]).describe({ shape: [1, 5, 5], dtype: 'float32' }).shape, [1, 9, 7]);
  assert.throws(() => T.pad(2, { mode: 'reflect' }).apply(img, gen()), /reflect padding of \[2, 2, 2, 2\] does not fit an image of 2x3/);
  assert.throws(() => T.pad([1, 2, 3]), /padding must be a non-negative integer or an array of 2 or 4/);
  assert.throws(() => T.pad(1, { mode: 'wrap' as never }), /mode must be one of constant, edge, reflect, symmetric/);
});

test('randomCrop takes the window at the generator\'s draw, after padding', () => {
  const w = 6, h = 5;
  const img = f32([1, h, w], Array.from({ length: h * w }, (_, i) => i + 1));
  const crop = T.randomCrop([3, 4], { padding: 1 });
  for (let seed = 0; seed < 20; seed++) {
    const out = crop.apply(img, new Generator(seed));
    const g = new Generator(seed);
    const top = g.nextInt(0, h + 2 - 3 + 1), left = g.nextInt(0, w + 2 - 4 + 1);
    const expected: number[] = [];
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const sy = top + y - 1, sx = left + x - 1;
        expected.push(sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : sy * w + sx + 1);
      }
    }
    assert.deepEqual(Array.from(out.data), expected, `seed ${seed}`);
    assert.deepEqual(out.shape, [1, 3, 4]);
  }
  // A crop of the whole image draws nothing and returns it unchanged.
  const g = new Generator(3);
  assert.deepEqual(Array.from(T.randomCrop([h, w]).apply(img, g).data), Array.from(img.data));
  assert.equal(g.nextUint32(), new Generator(3).nextUint32());
  assert.throws(() => T.randomCrop(8).describe({ shape: [1, 5, 6], dtype: 'uint8' }), /the 8x8 crop does not fit in the 5x6 image; pass padIfNeeded/);
  assert.deepEqual(T.randomCrop(8, { padIfNeeded: true }).apply(img, gen()).shape, [1, 8, 8]);
});

test('randomHorizontalFlip mirrors with probability p, one draw per image', () => {
  const img = u8([2, 1, 3], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(T.randomHorizontalFlip(1).apply(img, gen()).data), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(T.randomHorizontalFlip(0).apply(img, gen()).data), [1, 2, 3, 4, 5, 6]);
  const g = new Generator(7), draws = new Generator(7);
  let flipped = 0;
  for (let i = 0; i < 200; i++) {
    const out = T.randomHorizontalFlip(0.5).apply(img, g);
    const expectFlip = draws.nextDouble() < 0.5;
    assert.equal(out.data[0] === 3, expectFlip);
    if (expectFlip) flipped++;
  }
  assert.ok(flipped > 70 && flipped < 130, `flipped ${flipped} of 200`);
  assert.throws(() => T.randomHorizontalFlip(2), /p must be in \[0, 1\]/);
});

test('resize matches PyTorch bilinear interpolation (align_corners=False, no antialias)', () => {
  const cases = JSON.parse(readFileSync(`${FIXTURES}resize_bilinear.json`, 'utf8')) as {
    name: string; inShape: number[]; size: [number, number]; uint8: boolean; input: number[]; output: number[];
  }[];
  for (const c of cases) {
    const img: Image = c.uint8 ? u8(c.inShape, c.input) : f32(c.inShape, c.input);
    const out = T.resize(c.size).apply(img, gen());
    assert.deepEqual(out.shape, [c.inShape[0], ...c.size], c.name);
    if (c.uint8) {
      assert.ok(out.data instanceof Uint8Array, c.name);
      assert.deepEqual(Array.from(out.data), c.output, c.name);
    } else {
      assertClose(out.data, c.output, { rtol: 1e-6, atol: 1e-6 }, c.name);
    }
  }
  // One number resizes the shorter side, keeping the aspect ratio (torchvision's rule).
  assert.deepEqual(T.resize(32).describe({ shape: [1, 28, 28], dtype: 'uint8' }).shape, [1, 32, 32]);
  assert.deepEqual(T.resize(16).describe({ shape: [3, 20, 30], dtype: 'uint8' }).shape, [3, 16, 24]);
  assert.deepEqual(T.resize(16).describe({ shape: [3, 30, 20], dtype: 'uint8' }).shape, [3, 24, 16]);
});

test('grayToRgb repeats one channel three times; three channels pass through', () => {
  const out = T.grayToRgb().apply(u8([1, 1, 2], [7, 9]), gen());
  assert.deepEqual(out.shape, [3, 1, 2]);
  assert.deepEqual(Array.from(out.data), [7, 9, 7, 9, 7, 9]);
  const rgb = f32([3, 1, 1], [1, 2, 3]);
  assert.equal(T.grayToRgb().apply(rgb, gen()), rgb);
  assert.throws(() => T.grayToRgb().describe({ shape: [2, 4, 4], dtype: 'uint8' }), /expected 1 \(or 3\) channels, got 2/);
  assert.throws(() => T.grayToRgb().describe({ shape: [4, 4], dtype: 'uint8' }), /expected an image of shape \[C, H, W\], got \[4, 4\]/);
});

test('a pipeline rebuilt from its spec (as in a worker) gives the same bytes', () => {
  const pipeline = T.compose([
    T.resize(32), T.grayToRgb(), T.randomCrop(32, { padding: 4, mode: 'reflect' }), T.randomHorizontalFlip(),
    T.toTensor(), T.normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
  ]);
  const rebuilt = transformFromSpec(JSON.parse(JSON.stringify(pipeline.spec)));
  const img = u8([1, 28, 28], Array.from({ length: 784 }, (_, i) => (i * 37) % 256));
  for (let seed = 0; seed < 5; seed++) {
    const a = pipeline.apply(img, new Generator(seed)), b = rebuilt.apply(img, new Generator(seed));
    assert.deepEqual(a.shape, [3, 32, 32]);
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
  }
  assert.throws(() => transformFromSpec({ name: 'blur', options: {} }), /unknown transform "blur"/);
  assert.throws(() => T.compose([{} as Transform]), /expected an array of transforms/);
});
