// A DataLoader worker thread: rebuilds the dataset and the transform from their recipes, then
// fills the batches it is sent and transfers them back. The buffers come back from the main
// thread once it has copied them, so after warm-up a worker allocates nothing per batch.

import { parentPort, workerData } from 'node:worker_threads';
import { fillBatch, type BatchTask } from './batch.js';
import type { SampleSource } from './image.js';
import { buildFromRecipe, type Recipe } from './recipe.js';
import { sourceOf, type DatasetLike } from './source.js';
import { transformFromSpec, type Transform, type TransformSpec } from './transforms.js';

export interface WorkerInit {
  source: Recipe;
  transform: { spec: TransformSpec } | { recipe: Recipe } | null;
  sampleShape: number[];
  batchSize: number;
}

export type ToWorker =
  | ({ type: 'task' } & BatchTask)
  | { type: 'recycle'; input: ArrayBuffer; target: ArrayBuffer };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'batch'; batch: number; count: number; input: ArrayBuffer; target: ArrayBuffer }
  | { type: 'error'; batch: number; message: string };

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  let source: SampleSource;
  let transform: Transform | null = null;
  try {
    source = sourceOf((await buildFromRecipe(init.source, 'DataLoader worker: dataset')) as DatasetLike | SampleSource, 'dataset');
    if (init.transform && 'spec' in init.transform) transform = transformFromSpec(init.transform.spec);
    else if (init.transform) transform = (await buildFromRecipe(init.transform.recipe, 'DataLoader worker: transform')) as Transform;
  } catch (e) {
    port.postMessage({ type: 'init-error', message: (e as Error)?.message ?? String(e) } satisfies FromWorker);
    return;
  }
  const sampleSize = init.sampleShape.reduce((a, b) => a * b, 1);
  const free: { input: ArrayBuffer; target: ArrayBuffer }[] = [];
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'recycle') {
      free.push({ input: msg.input, target: msg.target });
      return;
    }
    const buffers = free.pop() ?? { input: new ArrayBuffer(init.batchSize * sampleSize * 4), target: new ArrayBuffer(init.batchSize * 8) };
    try {
      const count = msg.indices.length;
      fillBatch(source, transform, msg, init.sampleShape, new Float32Array(buffers.input, 0, count * sampleSize), new BigInt64Array(buffers.target, 0, count));
      port.postMessage({ type: 'batch', batch: msg.batch, count, input: buffers.input, target: buffers.target } satisfies FromWorker, [buffers.input, buffers.target]);
    } catch (e) {
      free.push(buffers);
      port.postMessage({ type: 'error', batch: msg.batch, message: (e as Error)?.message ?? String(e) } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

void main();
