// float16 training end to end: LeNet-5 with float16 parameters, activations and gradients (every
// accumulation in float32 inside the kernels) ends within one point of float32 accuracy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, optim, models, manualSeed, data, train, type Tensor } from '../../src/index.js';

async function lenetAccuracy(precision: 'float32' | 'float16'): Promise<{ accuracy: number; dtypes: Set<string> }> {
  manualSeed(3);
  const model = models.lenet5();
  if (precision === 'float16') model.to('float16');
  // 4,000 training digits and 1,000 test digits keep the test short; the comparison is the same.
  const first = (n: number) => Array.from({ length: n }, (_, i) => i * 2);
  const trainSet = new data.Subset(data.createDataset('mnist-sample', { split: 'train' }), first(4000));
  const testSet = new data.Subset(data.createDataset('mnist-sample', { split: 'test' }), first(1000));
  const trainLoader = new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 4 });
  const testLoader = new data.DataLoader(testSet, { batchSize: 500 });
  const dtypes = new Set<string>();
  const loop = new train.TrainingLoop({
    model, optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), loss: (o: Tensor, t: Tensor) => nn.F.crossEntropy(o, t), log: () => {},
    callbacks: [{ onBatchEnd: () => { for (const p of model.parameters()) { dtypes.add(p.dtype); dtypes.add(p.grad!.dtype); } } }],
  });
  await loop.train({ epochs: 3, trainLoader });
  return { accuracy: (await loop.evaluate(testLoader)).accuracy, dtypes };
}

test('LeNet-5 trained in float16 on MNIST digits ends within 1 point of float32 accuracy', { timeout: 300_000 }, async () => {
  const f32 = await lenetAccuracy('float32');
  const f16 = await lenetAccuracy('float16');
  assert.deepEqual([...f16.dtypes], ['float16'], 'parameters and gradients stay float16');
  assert.ok(f32.accuracy > 0.92, `float32 accuracy ${f32.accuracy}`);
  if (process.env.ODYSSEY_TEST_VERBOSE) console.log(`float32 ${f32.accuracy}, float16 ${f16.accuracy}`);
  assert.ok(Math.abs(f16.accuracy - f32.accuracy) <= 0.01, `float16 ${f16.accuracy} vs float32 ${f32.accuracy}`);
});
