import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, nn, tensor, randn, rand, type DType, type Tensor } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { fromFixture, loadFixture, type FixtureTensor } from './fixture.js';

const F = nn.functional;
const fixture = loadFixture('nn_losses.json');

interface LossCase {
  name: string;
  fn: 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'l1Loss' | 'smoothL1Loss' | 'binaryCrossEntropyWithLogits';
  options: Record<string, unknown>;
  input: FixtureTensor; target: FixtureTensor; tensors: Record<string, FixtureTensor>;
  loss: FixtureTensor; gradOutput: FixtureTensor; gradInput: FixtureTensor; gradTarget?: FixtureTensor;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (fn: LossCase['fn'], x: Tensor, t: Tensor, options: any): Tensor => (F[fn] as any)(x, t, options);

for (const dtype of ['float64', 'float32'] as DType[]) {
  const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 2e-5, atol: 2e-6 };
  test(`losses match PyTorch (${dtype}): every reduction, weights, ignoreIndex, label smoothing, probabilities, logits of 1e4`, () => {
    for (const c of fixture.cases as LossCase[]) {
      const x = fromFixture(c.input, dtype).requiresGrad_();
      const floatTarget = c.target.dtype.startsWith('float');
      const t = fromFixture(c.target, dtype);
      if (c.gradTarget) t.requiresGrad_();
      const options: Record<string, unknown> = { ...c.options };
      for (const [k, v] of Object.entries(c.tensors)) options[k] = fromFixture(v, dtype);
      const loss = call(c.fn, x, t, options);
      assert.equal(loss.dtype, dtype, c.name);
      assertTensorClose(loss, c.loss.data, tol, c.loss.shape, `${c.name}: loss`);
      loss.backward(fromFixture(c.gradOutput, dtype));
      assertTensorClose(x.grad!, c.gradInput.data, tol, c.input.shape, `${c.name}: input gradient`);
      if (c.gradTarget) assertTensorClose(t.grad!, c.gradTarget.data, tol, c.target.shape, `${c.name}: target gradient`);
      if (!floatTarget) {
        // int32 class indices work like int64
        const loss32 = call(c.fn, x.detach(), t.int(), options);
        assertTensorClose(loss32, c.loss.data, tol, c.loss.shape, `${c.name}: int32 target`);
      }
    }
  });
}

test('loss modules equal the functional losses and keep weights as PyTorch-named buffers', () => {
  const x = randn(4, 3, { dtype: 'float64' });
  const t = tensor([0, 2, 1, 2]);
  const w = tensor([1, 2, 0.5], { dtype: 'float64' });
  const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: 1 });
  assert.equal(ce.forward(x, t).item(), F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }).item());
  assert.deepEqual([...ce.stateDict().keys()], ['weight']);
  const bce = new nn.BCEWithLogitsLoss({ posWeight: tensor([2], { dtype: 'float64' }) });
  assert.deepEqual([...bce.stateDict().keys()], ['pos_weight']);
  const y = rand(4, 3, { dtype: 'float64' });
  assert.equal(bce.call(x, y).item(), F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor([2], { dtype: 'float64' }) }).item());
  assert.equal(new nn.MSELoss({ reduction: 'sum' }).forward(x, y).item(), F.mseLoss(x, y, { reduction: 'sum' }).item());
  assert.equal(new nn.L1Loss().forward(x, y).item(), F.l1Loss(x, y).item());
  assert.equal(new nn.SmoothL1Loss({ beta: 0.5 }).forward(x, y).item(), F.smoothL1Loss(x, y, { beta: 0.5 }).item());
  assert.equal(new nn.NLLLoss().forward(x, t).item(), F.nllLoss(x, t).item());
  assert.deepEqual([...new nn.MSELoss().stateDict().keys()], []);
});

test('losses pass gradcheck in float64', () => {
  const opts = { dtype: 'float64' as DType, requiresGrad: true };
  const x = randn(3, 4, opts), y = randn(3, 4, opts);
  const idx = tensor([1, 0, 3]);
  const w = tensor([0.3, 1, 2, 0.7], { dtype: 'float64' });
  const probs = rand(3, 4, opts);
  const img = randn(2, 3, 2, 2, opts);
  const imgT = tensor([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]);
  gradcheck((a) => F.crossEntropy(a, idx), [x]);
  gradcheck((a) => F.crossEntropy(a, idx, { weight: w, labelSmoothing: 0.2, ignoreIndex: 0 }), [x]);
  gradcheck((a, p) => F.crossEntropy(a, p, { weight: w, labelSmoothing: 0.1, reduction: 'none' }), [x, probs]);
  gradcheck((a) => F.crossEntropy(a, imgT, { reduction: 'sum', labelSmoothing: 0.3 }), [img]);
  gradcheck((a) => F.nllLoss(a, idx, { weight: w, reduction: 'none' }), [x]);
  gradcheck((a, b) => F.mseLoss(a, b), [x, y]);
  gradcheck((a, b) => F.l1Loss(a, b, { reduction: 'sum' }), [x, y]);
  gradcheck((a, b) => F.smoothL1Loss(a, b, { beta: 0.7, reduction: 'none' }), [x, y]);
  gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: tensor([1, 2, 3, 0.5], { dtype: 'float64' }), weight: tensor([[2], [1], [0.5]], { dtype: 'float64' }) }), [x, probs]);
});

test('the weighted mean divides by the weight of the counted targets; all ignored gives NaN', () => {
  // hand derivation: log-probabilities chosen directly
  const logp = tensor([[-1, -2], [-3, -4], [-5, -6]], { dtype: 'float64' });
  const w = tensor([2, 3], { dtype: 'float64' });
  // targets 0, 1, ignored: (2*1 + 3*4) / (2 + 3)
  assert.equal(F.nllLoss(logp, tensor([0, 1, -100]), { weight: w }).item(), 14 / 5);
  assert.ok(Number.isNaN(F.nllLoss(logp, tensor([-100, -100, -100])).item()));
});

test('half-precision losses compute in float32 and round once', () => {
  const x = randn(6, 5).mul(4), t = tensor([0, 4, 2, 1, 3, 3]);
  const ref = F.crossEntropy(x.half().float(), t, { labelSmoothing: 0.1 });
  const h = F.crossEntropy(x.half(), t, { labelSmoothing: 0.1 });
  assert.equal(h.dtype, 'float16');
  assert.equal(h.item(), ref.half().item());
  const a = randn(8), b = randn(8);
  assert.equal(F.mseLoss(a.bfloat16(), b.bfloat16()).item(), F.mseLoss(a.bfloat16().float(), b.bfloat16().float()).bfloat16().item());
});

test('loss arguments are checked before anything runs', () => {
  const x = randn(3, 4);
  assert.throws(() => F.crossEntropy(x, tensor([0, 4, 1])), /crossEntropy|nllLoss/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 4, 1])), /target 4 is out of bounds for 4 classes/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1])), /crossEntropy: expected class-index target of shape \[3\] for input \[3, 4\], got \[2\]/);
  assert.throws(() => F.crossEntropy(x, randn(3, 5)), /crossEntropy: class-probability target must have the input's shape \[3, 4\], got \[3, 5\]/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2]), { weight: randn(3) }), /crossEntropy: expected weight of shape \[4\]/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2]), { labelSmoothing: 1.5 }), /labelSmoothing between 0 and 1/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => F.mseLoss(x, x, { reduction: 'avg' as any }), /mseLoss: expected reduction 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => F.mseLoss(x, randn(3, 1)), /mseLoss: input has shape \[3, 4\] but target has shape \[3, 1\]/);
  assert.throws(() => F.nllLoss(x, randn(3)), /nllLoss: expected target to hold class indices \(int64 or int32\), got float32/);
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, rand(3, 4), { posWeight: randn(3) }), /posWeight of shape \[3\] does not broadcast to the input \[3, 4\]/);
  assert.throws(() => F.smoothL1Loss(x, x, { beta: -1 }), /smoothL1Loss: expected beta >= 0/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => F.crossEntropy(x as any, [0, 1, 2] as any), /crossEntropy: expected target to be a Tensor/);
});
