// Sequential reuses the memory of a plain Conv2d's output that only the batch norm after it read,
// once that batch norm's backward has run (autograd/graph.ts record's `consumed`). These tests
// check that the memory does come back, that an output user code kept never does, and that the
// gradients are those of the same layers called one by one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, randn, Generator, type Tensor } from '../../src/index.js';
import { pooledByteCount } from '../../src/tensor/buffer-pool.js';
import { assertTensorClose } from '../helpers.js';

/** A Conv2d whose forward keeps its output where user code can read it. */
class KeepingConv2d extends nn.Conv2d {
  kept: Tensor | null = null;
  override forward(input: Tensor): Tensor {
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

/** How much backward adds to the pool, with 64 KiB buffers already pooled for any it allocates. */
function pooledGrowth(model: nn.Sequential, x: Tensor): number {
  const y = model.forward(x).sum();
  const w = randn([128, 128], { requiresGrad: true });
  w.mul(2).mul(3).mul(4).mul(5).sum().backward(); // pools [128, 128] float32 (64 KiB) gradients
  const before = pooledByteCount();
  y.backward();
  return pooledByteCount() - before;
}

test('a plain Conv2d output read only by the next batch norm is reused after backward; one user code kept is not', () => {
  const x = randn(INPUT, { generator: new Generator(1) });
  const plain = pooledGrowth(block(false, 5), x);
  const keeping = block(true, 5);
  const kept = pooledGrowth(keeping, x);
  assert.equal(plain - kept, OUT_BYTES, `pool grew by ${plain} bytes with a plain Conv2d, ${kept} with one whose output is kept`);
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
  y.backward({ retainGraph: true });
  const once = x.grad!.toFloat32Array();
  randn([2, 8, 32, 32]).mul(2); // would take the conv output's memory had it been released
  y.backward();
  assertTensorClose(x.grad!, once.map((v) => 2 * v), { rtol: 1e-5, atol: 1e-6 });
});
