// Sequential reuses activation memory that only graph nodes held once they have run backward
// (autograd/held-memory.ts): a plain Conv2d's output that only the batch norm after it read, and a
// fused batch norm + ReLU output that only that batch norm and the next block's Conv2d read. These
// tests check that the memory does come back, that tensors user code kept or was given never do,
// and that the gradients are those of the same layers with nothing reused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, Generator, type Tensor } from '../../src/index.js';
import { releasedByteCount } from '../../src/tensor/buffer-pool.js';
import { assertTensorClose } from '../helpers.js';

/** A Conv2d whose forward keeps its input and output where user code can read them. */
class KeepingConv2d extends nn.Conv2d {
  input: Tensor | null = null;
  kept: Tensor | null = null;
  override forward(input: Tensor): Tensor {
    this.input = input;
    this.kept = super.forward(input);
    return this.kept;
  }
}

// conv output [2, 8, 32, 32] float32: 64 KiB, the smallest buffer the pool takes
const INPUT = [2, 3, 32, 32];
const OUT_BYTES = 2 * 8 * 32 * 32 * 4;

function block(keep: boolean, seed: number, inC = 3): nn.Sequential {
  const g = new Generator(seed);
  const options = { padding: 1, bias: false, generator: g };
  const conv = keep ? new KeepingConv2d(inC, 8, 3, options) : new nn.Conv2d(inC, 8, 3, options);
  return new nn.Sequential(conv, new nn.BatchNorm2d(8), new nn.ReLU());
}

/** Bytes of activations backward gives back to the pool. */
function released(model: nn.Sequential, x: Tensor): number {
  const y = model.forward(x).sum();
  const before = releasedByteCount();
  y.backward();
  return releasedByteCount() - before;
}

test('a plain Conv2d output read only by the next batch norm is reused after backward; one user code kept is not', () => {
  const x = randn(INPUT, { generator: new Generator(1) });
  const plain = released(block(false, 5), x);
  const keeping = block(true, 5);
  const kept = released(keeping, x);
  assert.deepEqual([plain, kept], [OUT_BYTES, 0], 'bytes given back with a plain Conv2d, and with one whose output is kept');
  // the kept output survives allocations of its size that take pooled memory and overwrite it
  const out = (keeping.at(0) as KeepingConv2d).kept!;
  const values = out.toFloat32Array();
  for (let i = 0; i < 4; i++) randn([2, 8, 32, 32]).mul(3);
  assert.deepEqual(out.toFloat32Array(), values);
});

test('conv, batch norm and ReLU in a Sequential: the same gradients as the layers called one by one, step after step', () => {
  const seq = new nn.Sequential(block(false, 7), block(false, 8, 8));
  const layers = new nn.Sequential(block(true, 7), block(true, 8, 8)); // KeepingConv2d: nothing is reused
  const x = randn(INPUT, { generator: new Generator(2) });
  for (let step = 0; step < 3; step++) {
    for (const m of [seq, layers]) {
      for (const p of m.parameters()) p.grad = null;
      m.forward(x).square().sum().backward();
      randn([4, 8, 32, 32]); // takes pooled memory between steps
    }
    const a = seq.parameters(), b = layers.parameters();
    assert.equal(a.length, b.length);
    a.forEach((p, i) => assertTensorClose(p.grad!, b[i]!.grad!.toFloat32Array(), { rtol: 1e-5, atol: 1e-6 }));
  }
});

test('a retained graph keeps the conv output: backward twice gives twice the gradients', () => {
  const model = block(false, 9);
  const x = randn(INPUT, { generator: new Generator(3), requiresGrad: true });
  const y = model.forward(x).square().sum();
  const before = releasedByteCount();
  y.backward({ retainGraph: true });
  assert.equal(releasedByteCount(), before);
  const once = x.grad!.toFloat32Array();
  randn([2, 8, 32, 32]).mul(2); // would take the conv output's memory had it been released
  y.backward();
  assertTensorClose(x.grad!, once.map((v) => 2 * v), { rtol: 1e-5, atol: 1e-6 });
});

test('a block\'s batch norm + ReLU output read only by the next block\'s Conv2d is reused; one the next block\'s user code saw is not', () => {
  const x = randn(INPUT, { generator: new Generator(4) });
  const plain = released(new nn.Sequential(block(false, 10), block(false, 11, 8)), x);
  const keeping = new nn.Sequential(block(false, 10), block(true, 11, 8));
  const kept = released(keeping, x);
  // plain: both conv outputs and the first block's output; keeping: the first conv's output only
  assert.deepEqual([plain, kept], [3 * OUT_BYTES, OUT_BYTES], 'bytes given back with plain blocks, and with a second conv that keeps its input');
  const seen = ((keeping.at(1) as nn.Sequential).at(0) as KeepingConv2d).input!;
  const values = seen.toFloat32Array();
  for (let i = 0; i < 4; i++) randn([2, 8, 32, 32]).mul(3);
  assert.deepEqual(seen.toFloat32Array(), values);
});

test('the output a Sequential returns is never reused, nor a tensor it was given', () => {
  const model = new nn.Sequential(block(false, 12), block(false, 13, 8));
  const inner = new nn.Sequential(block(false, 14, 8)); // its input, the output of a plain conv + BN, comes from user code
  const x = randn(INPUT, { generator: new Generator(5) });
  const y = model.forward(x);
  const z = inner.forward(y);
  const yv = y.toFloat32Array(), zv = z.toFloat32Array();
  const before = releasedByteCount();
  z.square().sum().backward();
  // three conv outputs and the first block's output; y (given to inner by user code) and z are not
  assert.equal(releasedByteCount() - before, 4 * OUT_BYTES);
  for (let i = 0; i < 6; i++) randn([2, 8, 32, 32]).mul(3);
  assert.deepEqual(y.toFloat32Array(), yv);
  assert.deepEqual(z.toFloat32Array(), zv);
});
