// The Dataset interface users implement (a length and get(i)), and the in-memory datasets: one
// over arrays of images and labels (every built-in dataset), one over tensors, and subsets.

import { Tensor } from '../tensor/tensor.js';
import { ArraySource } from './array-source.js';
import { shapeText, type SampleSource } from './image.js';
import type { Recipe } from './recipe.js';
import { sourceOf, subsetSource, type DatasetLike } from './source.js';

export type Target = number | bigint | Tensor;
/** One sample: an input tensor ([C, H, W], or [H, W] for one channel) and its class index. */
export type Sample = { input: Tensor; target: Target } | readonly [Tensor, Target];

export interface Dataset extends DatasetLike {
  readonly length: number;
  get(index: number): Sample;
}

/** Images and labels in memory (on shared memory, so loader workers read them without copies). */
export class ImageDataset implements Dataset {
  constructor(readonly arrays: ArraySource) {
    if (!(arrays instanceof ArraySource)) throw new TypeError('ImageDataset: expected an ArraySource');
  }

  get name(): string { return this.arrays.name; }
  get length(): number { return this.arrays.length; }
  /** Shape of one input, e.g. [1, 28, 28]. */
  get sampleShape(): readonly number[] { return this.arrays.sampleShape; }
  get classes(): readonly string[] | null { return this.arrays.classes; }
  get numClasses(): number { return this.arrays.numClasses(); }

  /** The input as a new tensor (uint8 pixels, or float32) and the label. */
  get(index: number): { input: Tensor; target: number } {
    const { image, label } = this.arrays.readSample(index);
    const dtype = image.data instanceof Uint8Array ? 'uint8' : 'float32';
    return { input: Tensor.fromStorage(image.data.slice(), dtype, image.shape), target: label };
  }

  source(): SampleSource { return this.arrays; }
  workerRecipe(): Recipe { return this.arrays.recipe(); }

  /** The samples at `indices` (copied into a new dataset). */
  subset(indices: ArrayLike<number>, name?: string): ImageDataset {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`${this.name}.subset: index ${i} is out of range for ${this.length} samples`);
    }
    return new ImageDataset(this.arrays.subset(indices, name ?? this.name));
  }
}

/**
 * Like torch.utils.data.TensorDataset for classification: inputs [N, ...] (uint8 kept as pixels,
 * anything else as float32) and integer targets [N].
 */
export class TensorDataset extends ImageDataset {
  constructor(inputs: Tensor, targets: Tensor, options: { name?: string; classes?: readonly string[] } = {}) {
    const name = options.name ?? 'TensorDataset';
    if (!(inputs instanceof Tensor) || !(targets instanceof Tensor)) throw new TypeError(`${name}: expected inputs and targets as Tensors`);
    if (inputs.ndim < 1 || targets.ndim !== 1 || inputs.shape[0] !== targets.shape[0]) {
      throw new RangeError(`${name}: expected inputs [N, ...] and targets [N], got ${shapeText(inputs.shape)} and ${shapeText(targets.shape)}`);
    }
    if (targets.isFloatingPoint()) throw new TypeError(`${name}: targets must be integer class indices, got ${targets.dtype}`);
    const data = inputs.dtype === 'uint8' ? (inputs.toTypedArray() as Uint8Array) : inputs.toFloat32Array();
    const labels = Int32Array.from(targets.toTypedArray() as ArrayLike<number | bigint>, (v, i) => {
      const n = Number(v);
      if (n < 0 || n > 0x7fffffff) throw new RangeError(`${name}: target ${i} is ${n}, expected a class index in 0..2^31-1`);
      return n;
    });
    const sampleShape = inputs.shape.slice(1);
    super(new ArraySource({ name, data, sampleShape: sampleShape.length === 2 ? [1, ...sampleShape] : sampleShape, labels, classes: options.classes ? options.classes.slice() : null }));
  }
}

/** The samples of another dataset at given indices, without copying them. */
export class Subset implements Dataset {
  readonly indices: Int32Array;

  constructor(readonly dataset: Dataset, indices: ArrayLike<number>) {
    this.indices = Int32Array.from(indices);
    for (const i of this.indices) {
      if (i < 0 || i >= dataset.length) throw new RangeError(`Subset: index ${i} is out of range for a dataset of ${dataset.length} samples`);
    }
  }

  get length(): number { return this.indices.length; }
  get(index: number): Sample {
    if (!Number.isInteger(index) || index < 0 || index >= this.indices.length) throw new RangeError(`Subset: index ${index} is out of range for ${this.indices.length} samples`);
    return this.dataset.get(this.indices[index]!);
  }

  source(): SampleSource {
    return subsetSource(sourceOf(this.dataset), this.indices);
  }

  workerRecipe(): Recipe | null {
    const inner = this.dataset.workerRecipe?.() ?? null;
    return inner ? { module: new URL('./source.js', import.meta.url).href, export: 'subsetSourceFromRecipe', args: [inner, this.indices] } : null;
  }
}
