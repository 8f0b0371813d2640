import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, noGrad, randn, randint, Generator, manualSeed, type DType } from '../../src/index.js';

function smallCnn(): nn.Sequential {
  const g = new Generator(11);
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, generator: g }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 6, 3, { padding: 'same', groups: 2, bias: false, generator: g }),
    new nn.LocalResponseNorm(3, { k: 2 }),
    new nn.AdaptiveAvgPool2d(2),
    new nn.Flatten(),
    new nn.Dropout(0.2, { generator: g }),
    new nn.Linear(24, 5, { generator: g }),
  );
}

test('a small CNN overfits a fixed batch with plain SGD (every layer forward and backward)', () => {
  manualSeed(1);
  const model = smallCnn();
  const x = randn(16, 1, 8, 8), y = randint(0, 5, [16]);
  const lossFn = new nn.CrossEntropyLoss();
  let first = 0, last = 0;
  for (let step = 0; step < 80; step++) {
    model.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    noGrad(() => { for (const p of model.parameters()) p.sub_(p.grad!, 0.3); });
    if (step === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < 0.1 * first, `loss went from ${first} to ${last}`);
  model.eval();
  const predicted = model.call(x).argmax(1);
  const correct = predicted.eq(y).sum().item();
  assert.ok(correct >= 14, `${correct} of 16 right after training`);
});

test('a whole model in float64 passes gradcheck with respect to its input and a weight (train and eval mode)', () => {
  const model = smallCnn().double();
  model.at(8).eval(); // dropout off, batch norm still on batch statistics
  const x = randn(3, 1, 6, 6, { dtype: 'float64' as DType, requiresGrad: true });
  gradcheck((a) => model.call(a), [x], { atol: 1e-6, rtol: 1e-4 });
  model.eval();
  gradcheck((a) => model.call(a), [x], { atol: 1e-6, rtol: 1e-4 });
  const conv = model.at(4) as nn.Conv2d;
  gradcheck((w) => nn.functional.conv2d(model.at(3).call(model.at(2).call(model.at(1).call(model.at(0).call(x.detach())))), w, null, { padding: 'same', groups: 2 }).square(), [conv.weight]);
});
