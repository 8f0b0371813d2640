// Samples held in memory as one array: N inputs of one shape (uint8 pixels or float32 values) and
// N integer labels. Every built-in dataset is one of these. The arrays live on SharedArrayBuffers,
// so the DataLoader's worker threads read the same memory instead of decoding the files again.

import { shapeText, type Image, type PixelArray, type RawSample, type SampleSource } from './image.js';
import { shareArray, type Recipe } from './recipe.js';

export interface ArraySourceState {
  /** Dataset name, for errors and display. */
  name: string;
  /** All inputs back to back, [length, ...sampleShape]. */
  data: PixelArray;
  /** Shape of one input, e.g. [1, 28, 28]. */
  sampleShape: number[];
  /** One integer label per input. */
  labels: Int32Array;
  /** Class names by label, when known. */
  classes: string[] | null;
}

export class ArraySource implements SampleSource {
  readonly name: string;
  readonly data: PixelArray;
  readonly sampleShape: readonly number[];
  readonly labels: Int32Array;
  readonly classes: readonly string[] | null;
  readonly length: number;
  private readonly sampleSize: number;

  constructor(state: ArraySourceState) {
    const { name, data, sampleShape, labels, classes } = state;
    if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) throw new TypeError(`${name}: inputs must be a Uint8Array or Float32Array`);
    if (!(labels instanceof Int32Array)) throw new TypeError(`${name}: labels must be an Int32Array`);
    if (!Array.isArray(sampleShape) || sampleShape.some((d) => !Number.isInteger(d) || d < 0)) throw new TypeError(`${name}: invalid sample shape ${String(sampleShape)}`);
    this.sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    if (data.length !== labels.length * this.sampleSize) {
      throw new RangeError(`${name}: ${labels.length} labels need ${labels.length * this.sampleSize} input values of shape ${shapeText(sampleShape)}, got ${data.length}`);
    }
    this.name = name;
    this.data = shareArray(data);
    this.labels = shareArray(labels);
    this.sampleShape = sampleShape.slice();
    this.classes = classes ? classes.slice() : null;
    this.length = labels.length;
  }

  /** The input as a view of the shared array (no copy: do not write to it). */
  image(index: number): Image {
    const at = index * this.sampleSize;
    return { data: this.data.subarray(at, at + this.sampleSize), shape: this.sampleShape };
  }

  readSample(index: number): RawSample {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new RangeError(`${this.name}: index ${index} is out of range for ${this.length} samples`);
    return { image: this.image(index), label: this.labels[index]! };
  }

  /** Number of classes: the class names' count, else the largest label + 1. */
  numClasses(): number {
    if (this.classes) return this.classes.length;
    let max = -1;
    for (let i = 0; i < this.labels.length; i++) if (this.labels[i]! > max) max = this.labels[i]!;
    return max + 1;
  }

  /** The samples at `indices`, as a new source (for splits); the arrays are copied. */
  subset(indices: ArrayLike<number>, name = this.name): ArraySource {
    const data = this.data instanceof Uint8Array ? new Uint8Array(indices.length * this.sampleSize) : new Float32Array(indices.length * this.sampleSize);
    const labels = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      data.set(this.image(i).data, k * this.sampleSize);
      labels[k] = this.labels[i]!;
    }
    return new ArraySource({ name, data, sampleShape: this.sampleShape.slice(), labels, classes: this.classes ? this.classes.slice() : null });
  }

  state(): ArraySourceState {
    return { name: this.name, data: this.data, sampleShape: this.sampleShape.slice(), labels: this.labels, classes: this.classes ? this.classes.slice() : null };
  }

  /** How a worker thread rebuilds this source over the same shared memory. */
  recipe(): Recipe {
    return { module: import.meta.url, export: 'arraySourceFromState', args: [this.state()] };
  }
}

export function arraySourceFromState(state: ArraySourceState): ArraySource {
  return new ArraySource(state);
}
