// Every zoo model can fit a fixed batch of 16 images to 100% training accuracy: forward,
// backward and the optimizer work together through the whole architecture.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, optim, models, manualSeed, randn, Tensor, noGrad } from '../../src/index.js';
import { correctTopK } from '../../src/train/metrics.js';

for (const info of models.MODELS) {
  test(`${info.name} overfits a fixed batch of 16 to 100% training accuracy`, { timeout: 300_000 }, () => {
    manualSeed(1);
    const model = info.build();
    const x = randn([16, ...info.inputShape]);
    const y = Tensor.fromStorage(BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i % 10)), 'int64', [16]);
    const opt = new optim.Adam(model.parameters(), { lr: info.name === 'alexnet' ? 1e-4 : 1e-3 });
    // Dropout off so that the batch can be memorised; batch norm stays in training mode.
    for (const m of model.modules()) if (m instanceof nn.Dropout) m.eval();
    let accuracy = 0, steps = 0;
    for (; steps < 60 && accuracy < 1; steps++) {
      const out = model.forward(x) as Tensor | Tensor[];
      const main = Array.isArray(out) ? out[0]! : out;
      let loss = nn.F.crossEntropy(main, y);
      if (Array.isArray(out)) for (const a of out.slice(1)) loss = loss.add(nn.F.crossEntropy(a, y).mul(0.3));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      accuracy = noGrad(() => correctTopK(main, y, 1)) / 16;
    }
    if (process.env.ODYSSEY_TEST_VERBOSE) console.log(`${info.name}: ${steps} steps`);
    assert.equal(accuracy, 1, `${info.name}: training accuracy ${accuracy} after ${steps} steps`);
  });
}
