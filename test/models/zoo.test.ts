// The zoo against the specification (../shared/spec/torch_models.py, via the committed fixture
// test/fixtures/models.json made by make_model_fixtures.py): state-dict names, shapes and dtypes,
// parameter counts, MACs, and the logits PyTorch computes with the same weights and input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nn, models, noGrad, Tensor, type DType } from '../../src/index.js';
import { assertClose } from '../helpers.js';

interface ModelFixture {
  inputShape: number[];
  params: number;
  stateDict: { name: string; shape: number[]; dtype: string }[];
  batch: number;
  evalLogits: number[];
  trainOutputs: number[][];
  runningStats: Record<string, number[]>;
  batchesTracked: Record<string, number>;
}

const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/models.json', import.meta.url)), 'utf8')) as Record<string, ModelFixture>;

/** A uniform number in [-1, 1) from integers (i, t): the fixture script's exact 32-bit hash. */
function uniformHash(i: number, t: number): number {
  let h = (i + Math.imul(0x9e3779b9, t + 1)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (2 * h) / 4294967296 - 1;
}

/** The value every state-dict entry gets (same formula as the fixture script). */
function deterministicValue(name: string, shape: readonly number[], t: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  for (let i = 0; i < n; i++) {
    const u = uniformHash(i, t);
    if (leaf === 'running_var') v[i] = 1 + 0.25 * (1 + u);
    else if (leaf === 'running_mean') v[i] = 0.1 * u;
    else if (shape.length >= 2) v[i] = u * Math.sqrt(6 / (n / shape[0]!));
    else if (leaf === 'weight') v[i] = 1 + 0.1 * u;
    else v[i] = 0.1 * u;
  }
  return Tensor.fromStorage(v, 'float32', shape);
}

function deterministicInput(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = uniformHash(i, 1000);
  return Tensor.fromStorage(v, 'float32', shape);
}

function loadDeterministicWeights(model: nn.Module): void {
  const sd = new Map<string, Tensor>();
  [...model.stateDict().entries()].forEach(([k, v], t) => sd.set(k, v.dtype === 'int64' ? v : deterministicValue(k, v.shape, t)));
  model.loadStateDict(sd);
}

const relativeTo = (values: number[]) => Math.max(1e-3, ...values.map(Math.abs));

for (const info of models.MODELS) {
  const fx = fixtures[info.name]!;

  test(`${info.name}: state-dict names, shapes, dtypes and parameter count match the specification`, () => {
    const model = info.build();
    const got = [...model.stateDict().entries()].map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype as DType }));
    assert.deepEqual(got, fx.stateDict);
    assert.equal(models.countParameters(model), fx.params);
    assert.equal(info.params, fx.params);
    assert.deepEqual(info.inputShape, fx.inputShape);
  });

  test(`${info.name}: logits match PyTorch with the same weights, in eval and train mode`, () => {
    const model = info.build();
    loadDeterministicWeights(model);
    const x = deterministicInput([fx.batch, ...fx.inputShape]);
    model.eval();
    const evalOut = noGrad(() => model.forward(x)) as Tensor;
    const scale = relativeTo(fx.evalLogits);
    assertClose(evalOut.toFloat32Array(), fx.evalLogits, { rtol: 1e-4, atol: 1e-4 * scale }, `${info.name} eval logits`);

    model.train();
    for (const m of model.modules()) if (m instanceof nn.Dropout) m.eval(); // dropout off, batch norm in training mode
    const trainOut = noGrad(() => model.forward(x)) as Tensor | Tensor[];
    const outs = Array.isArray(trainOut) ? trainOut : [trainOut];
    assert.equal(outs.length, fx.trainOutputs.length, 'number of training outputs (GoogLeNet: main and two auxiliary)');
    outs.forEach((o, i) => assertClose(o.toFloat32Array(), fx.trainOutputs[i]!, { rtol: 1e-4, atol: 1e-4 * relativeTo(fx.trainOutputs[i]!) }, `${info.name} train output ${i}`));
    const sd = model.stateDict();
    for (const [k, expected] of Object.entries(fx.runningStats)) {
      assertClose(sd.get(k)!.toFloat32Array(), expected, { rtol: 1e-4, atol: 1e-5 }, `${info.name} ${k}`);
    }
    for (const [k, count] of Object.entries(fx.batchesTracked)) assert.equal(sd.get(k)!.item(), count, `${info.name} ${k}`);
  });

  test(`${info.name}: MACs per image match the registry`, () => {
    assert.equal(models.countMacs(info.build(), info.inputShape), info.macs);
  });
}

test('zoo constructors validate their options and honour numClasses / inChannels', () => {
  assert.throws(() => models.createModel('resnet50'), /unknown model 'resnet50'; expected one of lenet5, /);
  assert.throws(() => models.resnet18({ numClasses: 0 }), /resnet18: numClasses must be a positive integer/);
  assert.throws(() => models.mobilenetv1({ alpha: 0 }), /alpha must be a positive number/);
  const m = models.resnet18({ numClasses: 100, inChannels: 1 });
  assert.deepEqual(m.stateDict().get('0.weight')!.shape, [64, 1, 3, 3]);
  assert.deepEqual(m.stateDict().get('13.weight')!.shape, [100, 512]);
  const half = models.mobilenetv1({ alpha: 0.5 });
  assert.deepEqual(half.stateDict().get('0.0.weight')!.shape, [16, 3, 3, 3]);
  assert.equal(models.googlenet({ aux: false }).stateDict().has('aux1.fc1.weight'), false);
});
