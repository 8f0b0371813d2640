// Filling one batch: read each sample, transform it, copy it into the batch's input array and its
// label into the target array. The same code runs in the main thread (numWorkers = 0) and in the
// workers, and the random draws depend only on the epoch's seed and the batch index, so both
// modes give the same bytes.

import { Generator } from '../tensor/random.js';
import { pixelType, shapeText, type SampleSource } from './image.js';
import type { Transform } from './transforms.js';

export interface BatchTask {
  /** Index of the batch in its epoch. */
  batch: number;
  /** Dataset indices of its samples, in order. */
  indices: Int32Array;
  /** The epoch's augmentation seed (32 bits). */
  epochSeed: number;
}

/** The generator for a batch's random transforms: seeded by (epoch seed, batch index). */
export function batchGenerator(epochSeed: number, batch: number): Generator {
  return new Generator((BigInt(epochSeed >>> 0) << 32n) | BigInt(batch));
}

/** Writes the batch into input ([n, ...sampleShape] float32) and target ([n] int64). */
export function fillBatch(source: SampleSource, transform: Transform | null, task: BatchTask, sampleShape: readonly number[],
  input: Float32Array, target: BigInt64Array): void {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const generator = batchGenerator(task.epochSeed, task.batch);
  const { indices } = task;
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k]!;
    const { image, label } = source.readSample(index);
    const out = transform ? transform.apply(image, generator) : image;
    if (!(out.data instanceof Float32Array)) {
      throw new TypeError(`DataLoader: sample ${index} is ${pixelType(out.data)} after the transform; the batch input is float32 (end the transform with toTensor())`);
    }
    if (out.data.length !== size || out.shape.length !== sampleShape.length || out.shape.some((d, i) => d !== sampleShape[i])) {
      throw new RangeError(`DataLoader: sample ${index} has shape ${shapeText(out.shape)} after the transform, but the batch holds ${shapeText(sampleShape)} (the first sample's shape); resize the samples to one size`);
    }
    input.set(out.data, k * size);
    target[k] = BigInt(label);
  }
}
