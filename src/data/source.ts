// Reading any dataset as plain arrays. Built-in datasets hand over their arrays directly; a user's
// dataset is read through get(i), whose tensors are recognised by their methods rather than by
// class, so that this file (which worker threads load) does not import the tensor library.

import { shapeText, type Image, type RawSample, type SampleSource } from './image.js';
import { buildFromRecipe, isRecipe, type Recipe } from './recipe.js';

/** What the loader needs from a dataset; see Dataset in dataset.ts for the user-facing type. */
export interface DatasetLike {
  readonly length: number;
  get(index: number): unknown;
  /** The samples as plain arrays (the fast path; worker threads use it too). */
  source?(): SampleSource;
  /** How a worker thread rebuilds this dataset, or null when it cannot. */
  workerRecipe?(): Recipe | null;
}

interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  toTypedArray(): ArrayLike<number | bigint>;
  toFloat32Array(): Float32Array;
  numel(): number;
  item(): number;
}

function isTensorLike(x: unknown): x is TensorLike {
  const t = x as TensorLike;
  return !!t && typeof t === 'object' && Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.toFloat32Array === 'function';
}

function isImage(x: unknown): x is Image {
  const i = x as Image;
  return !!i && typeof i === 'object' && (i.data instanceof Uint8Array || i.data instanceof Float32Array) && Array.isArray(i.shape);
}

function inputOf(x: unknown, where: string): Image {
  if (isImage(x)) return x;
  if (!isTensorLike(x)) throw new TypeError(`${where}: the input must be a Tensor (or { data: Uint8Array | Float32Array, shape }), got ${x === null ? 'null' : typeof x}`);
  // A [H, W] image gets its channel dimension, as torchvision's ToTensor does.
  const shape = x.shape.length === 2 ? [1, x.shape[0]!, x.shape[1]!] : x.shape.slice();
  const data = x.dtype === 'uint8' ? Uint8Array.from(x.toTypedArray() as ArrayLike<number>) : x.toFloat32Array();
  return { data, shape };
}

function labelOf(x: unknown, where: string): number {
  let v: unknown = x;
  if (isTensorLike(x)) {
    if (x.numel() !== 1) throw new TypeError(`${where}: the target must be one class index, got a tensor of shape ${shapeText(x.shape)}`);
    v = x.item();
  }
  if (typeof v === 'bigint') v = Number(v);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${where}: the target must be an integer class index, got ${typeof v === 'number' ? v : typeof v}`);
  return v;
}

/** One get(i) result, { input, target } or [input, target], as plain arrays. */
export function toRawSample(sample: unknown, where: string): RawSample {
  let input: unknown, target: unknown;
  if (Array.isArray(sample)) {
    if (sample.length !== 2) throw new TypeError(`${where}: expected [input, target], got an array of length ${sample.length}`);
    [input, target] = sample;
  } else if (sample && typeof sample === 'object' && 'input' in sample && 'target' in sample) {
    ({ input, target } = sample as { input: unknown; target: unknown });
  } else {
    throw new TypeError(`${where}: get() must return { input, target } or [input, target]`);
  }
  return { image: inputOf(input, where), label: labelOf(target, where) };
}

export function isDatasetLike(x: unknown): x is DatasetLike {
  const d = x as DatasetLike;
  return !!d && typeof d === 'object' && typeof d.get === 'function' && Number.isInteger(d.length) && d.length >= 0;
}

/** The dataset as a SampleSource: its own arrays when it has them, else through get(i). */
export function sourceOf(dataset: DatasetLike | SampleSource, name = 'dataset'): SampleSource {
  if (typeof (dataset as SampleSource).readSample === 'function') return dataset as SampleSource;
  const d = dataset as DatasetLike;
  if (typeof d.source === 'function') return d.source();
  if (!isDatasetLike(d)) throw new TypeError(`${name}: expected a dataset with a length and get(index)`);
  return {
    get length() { return d.length; },
    readSample(index: number): RawSample {
      return toRawSample(d.get(index), `${name}.get(${index})`);
    },
  };
}

/** The samples of `base` at `indices`. */
export function subsetSource(base: SampleSource, indices: Int32Array): SampleSource {
  return {
    length: indices.length,
    readSample: (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= indices.length) throw new RangeError(`Subset: index ${index} is out of range for ${indices.length} samples`);
      return base.readSample(indices[index]!);
    },
  };
}

/** Worker-side rebuilding of a Subset over its dataset's recipe. */
export async function subsetSourceFromRecipe(inner: Recipe, indices: Int32Array): Promise<SampleSource> {
  if (!isRecipe(inner)) throw new TypeError('subsetSourceFromRecipe: expected a recipe for the dataset');
  return subsetSource(sourceOf((await buildFromRecipe(inner, 'Subset')) as DatasetLike | SampleSource), indices);
}
