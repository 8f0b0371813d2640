// The data of a run: the dataset's train and test splits, an optional limit, the validation split
// held out of the training split, per-channel statistics, the transforms that fit the images to
// the model (resize, gray to RGB), and the three DataLoaders.
//
// Validation rule (fixed, documented in --help and the README): training sample i (in the
// split's order, after --limit) is held out when floor((i + 1) * f) > floor(i * f), f being
// --val-split: every 10th sample for 0.1, spread evenly through the split. The test split is used
// only for the final evaluation.

import { createHash } from 'node:crypto';
import { DataLoader } from '../data/loader.js';
import { ImageDataset } from '../data/dataset.js';
import { createDataset, listDatasets, type DatasetOptions } from '../data/datasets.js';
import * as T from '../data/transforms.js';
import type { ModelInfo } from '../models/registry.js';
import { UsageError } from './args.js';
import type { TrainConfig } from './train-options.js';

/** Datasets of digits and letters, which a horizontal flip would change into other classes. */
const NO_FLIP = new Set(['mnist-sample', 'mnist', 'emnist']);

export interface DataStats {
  /** Per channel of the dataset's images, on the [0, 1] scale. */
  mean: number[];
  std: number[];
}

export interface RunData {
  train: ImageDataset;
  val: ImageDataset | null;
  test: ImageDataset;
  trainLoader: DataLoader;
  valLoader: DataLoader | null;
  testLoader: DataLoader;
  stats: DataStats;
  numClasses: number;
  /** Input channels the model is built for. */
  inChannels: number;
  /** Shape of one model input after the transforms. */
  inputShape: readonly number[];
  /** The transforms, for the record: e.g. ['resize 32x32', 'gray to RGB', 'normalize']. */
  pipeline: string[];
  close(): Promise<void>;
}

export function checkDatasetName(name: string): void {
  const known = listDatasets().map((d) => d.name);
  if (!known.includes(name)) throw new UsageError(`train: option --dataset: expected one of ${known.join(', ')}, got ${JSON.stringify(name)}`);
}

function load(config: Pick<TrainConfig, 'dataset' | 'dataDir'>, split: 'train' | 'test'): ImageDataset {
  const options: DatasetOptions = { split };
  if (config.dataDir !== null && config.dataset === 'mnist-sample') throw new UsageError(`train: option --data-dir: mnist-sample ships with the package and reads no directory; leave --data-dir out, or choose a --dataset that reads one (mnist, fashion-mnist, emnist, cifar10, cifar100)`);
  if (config.dataDir !== null) options.root = config.dataDir;
  let ds;
  try {
    ds = createDataset(config.dataset, options);
  } catch (e) {
    // A dataset that has no default location: say which option gives it.
    if (e instanceof TypeError && /pass root/.test(e.message)) throw new UsageError(`train: dataset ${config.dataset} needs --data-dir: ${e.message}`);
    throw e;
  }
  if (!(ds instanceof ImageDataset)) throw new UsageError(`dataset ${config.dataset}: the command needs an in-memory image dataset`);
  return ds;
}

/** N samples spread evenly through the dataset (all of them when N is 0 or too big). */
export function evenlySpaced(length: number, limit: number): Int32Array {
  if (limit <= 0 || limit >= length) return Int32Array.from({ length }, (_, i) => i);
  return Int32Array.from({ length: limit }, (_, k) => Math.floor((k * length) / limit));
}

/** Indices of the training samples held out for validation, and of those kept. */
export function validationSplit(length: number, fraction: number): { train: Int32Array; val: Int32Array } {
  const train: number[] = [], val: number[] = [];
  for (let i = 0; i < length; i++) (Math.floor((i + 1) * fraction) > Math.floor(i * fraction) ? val : train).push(i);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

/** Mean and standard deviation of each channel of uint8 (or float) images, on the [0, 1] scale. */
export function channelStats(ds: ImageDataset): DataStats {
  const { data } = ds.arrays;
  const [c, h, w] = ds.sampleShape as [number, number, number];
  const plane = h * w, scale = data instanceof Uint8Array ? 1 / 255 : 1;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  for (let base = 0; base < data.length; base += c * plane) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0, q = 0;
      for (let i = base + ch * plane, end = i + plane; i < end; i++) {
        const v = data[i]!;
        s += v;
        q += v * v;
      }
      sum[ch]! += s;
      sq[ch]! += q;
    }
  }
  const n = (data.length / c) || 1;
  const mean = Array.from(sum, (s) => (s / n) * scale);
  const std = Array.from(sq, (q, ch) => Math.sqrt(Math.max(q / n - (sum[ch]! / n) ** 2, 0)) * scale || 1);
  return { mean: mean.map((m) => Number(m.toFixed(6))), std: std.map((s) => Number(s.toFixed(6))) };
}

/** Everything a run reads, as the config asks. `stats` given (a resumed run's) are used as they are. */
/**
 * SHA-256 of the images and labels the run uses (training, validation and test splits after
 * --limit), recorded in config.json so a resume notices data that changed. Hashing is ~1 GB/s:
 * a fraction of a second for Fashion-MNIST.
 */
export function dataFingerprint(data: RunData): string {
  const hash = createHash('sha256');
  for (const ds of [data.train, data.val, data.test]) {
    if (!ds) { hash.update('none'); continue; }
    const { data: pixels, labels } = ds.arrays;
    hash.update(`${ds.length}:${ds.sampleShape.join('x')}:`);
    hash.update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  }
  return hash.digest('hex');
}

/** Training needs a batch no larger than its split (checked before the first batch is allocated and before a run directory is made). */
export function checkBatchSize(command: string, batchSize: number, data: RunData): void {
  const n = data.train.length;
  if (batchSize > n) throw new UsageError(`${command}: option --batch-size ${batchSize}: expected at most ${n} (the training split has ${n} images)`);
}

export function setupData(config: TrainConfig, model: ModelInfo, givenStats: DataStats | null = null): RunData {
  checkDatasetName(config.dataset);
  const fullTrain = load(config, 'train'), fullTest = load(config, 'test');
  const limitedTrain = config.limit > 0 ? fullTrain.subset(evenlySpaced(fullTrain.length, config.limit)) : fullTrain;
  const test = config.limit > 0 ? fullTest.subset(evenlySpaced(fullTest.length, config.limit)) : fullTest;
  let train = limitedTrain, val: ImageDataset | null = null;
  if (config.valSplit > 0) {
    const split = validationSplit(limitedTrain.length, config.valSplit);
    if (split.val.length === 0 || split.train.length === 0) throw new UsageError(`train: option --val-split ${config.valSplit} leaves ${split.train.length} training and ${split.val.length} validation images of ${limitedTrain.length}; use a larger --limit or another fraction`);
    train = limitedTrain.subset(split.train, `${config.dataset} (train)`);
    val = limitedTrain.subset(split.val, `${config.dataset} (validation)`);
  }
  if (train.length === 0) throw new UsageError(`train: dataset ${config.dataset} has no training images`);

  const [dc, dh, dw] = train.sampleShape as [number, number, number];
  const [mc, mh, mw] = model.inputShape;
  const stats = givenStats ?? channelStats(train);
  const pipeline: string[] = [];
  const steps: T.Transform[] = [];
  // Fit the image to the model: its size, then its channels (gray repeated to RGB, or the model
  // built for the dataset's channels when it takes fewer, as LeNet-5 on CIFAR).
  if (dh !== mh || dw !== mw) {
    steps.push(T.resize([mh, mw]));
    pipeline.push(`resize ${dh}x${dw} to ${mh}x${mw}`);
  }
  let inChannels = dc, mean = stats.mean, std = stats.std;
  if (dc === 1 && mc === 3) {
    steps.push(T.grayToRgb());
    pipeline.push('gray to RGB');
    inChannels = 3;
    mean = [mean[0]!, mean[0]!, mean[0]!];
    std = [std[0]!, std[0]!, std[0]!];
  }
  const augment: T.Transform[] = [];
  if (config.augment) {
    augment.push(T.randomCrop([mh, mw], { padding: Math.max(1, Math.round(mh / 8)) }));
    pipeline.push(`random crop (padding ${Math.max(1, Math.round(mh / 8))})`);
    if (!NO_FLIP.has(config.dataset)) {
      augment.push(T.randomHorizontalFlip());
      pipeline.push('random horizontal flip');
    }
  }
  const tail = [T.toTensor(), T.normalize(mean, std)];
  pipeline.push(`normalize (mean ${mean.join(', ')}; std ${std.join(', ')})`);
  const trainTransform = T.compose([...steps, ...augment, ...tail]);
  const evalTransform = T.compose([...steps, ...tail]);

  const workers = config.workers;
  const trainLoader = new DataLoader(train, { batchSize: config.batchSize, shuffle: true, seed: config.seed, transform: trainTransform, numWorkers: workers, persistentWorkers: workers > 0 });
  const evalBatch = Math.max(config.batchSize, 256);
  const evalLoader = (ds: ImageDataset) => new DataLoader(ds, { batchSize: evalBatch, transform: evalTransform, numWorkers: workers, persistentWorkers: workers > 0 });
  const valLoader = val ? evalLoader(val) : null;
  const testLoader = evalLoader(test);
  return {
    train, val, test, trainLoader, valLoader, testLoader, stats, numClasses: fullTrain.numClasses, inChannels,
    inputShape: trainLoader.sampleShape, pipeline,
    close: async () => { await Promise.all([trainLoader.close(), valLoader?.close(), testLoader.close()]); },
  };
}
