// A small, fast classification problem for the training tests: three Gaussian blobs in 2-D.

import assert from 'node:assert/strict';
import { nn, optim, tensor, Tensor, Generator, data, train, manualSeed } from '../../src/index.js';

export function blobs(n: number, seed: number): { x: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const centers = [[2, 0], [-1, 1.7], [-1, -1.7]];
  const xs = new Float32Array(n * 2), ys: number[] = [];
  const noise = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    g.fillNormal(noise, 0, 0.5);
    xs[2 * i] = centers[c]![0]! + noise[0]!;
    xs[2 * i + 1] = centers[c]![1]! + noise[1]!;
    ys.push(c);
  }
  return { x: Tensor.fromStorage(xs, 'float32', [n, 2]), y: tensor(ys) };
}

export function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

export function loader(n: number, seed: number, batchSize = 16, shuffle = true): data.DataLoader {
  const { x, y } = blobs(n, seed);
  return new data.DataLoader(new data.TensorDataset(x, y), { batchSize, shuffle, seed });
}

/** All of a model's parameters and buffers as plain arrays, for bit-exact comparisons. */
export function weightsOf(model: nn.Module): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of model.stateDict()) out[k] = Array.from(v.toTypedArray() as ArrayLike<number | bigint>, Number);
  return out;
}

/**
 * A small seeded run for the resume tests: an MLP with dropout, Adam, StepLR, a checkpoint every 3
 * steps into `checkpointDir` (none when null), plus the given loop options.
 */
export function resumableRun(checkpointDir: string | null, options: Partial<train.TrainingLoopOptions> = {}): ResumeSetup {
  const quiet = () => {};
  manualSeed(12);
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 3));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
  const checkpoints = checkpointDir ? new train.CheckpointManager({ directory: checkpointDir, warn: quiet }) : null;
  const loop = new train.TrainingLoop({
    model, optimizer, scheduler, loss: (out: Tensor, t: Tensor) => nn.F.crossEntropy(out, t), checkpoints, checkpointEverySteps: 3, seed: 5, log: quiet, ...options,
  });
  return { model, loop, trainLoader: loader(100, 15) };
}

export interface ResumeSetup {
  model: nn.Module;
  loop: train.TrainingLoop;
  trainLoader: data.DataLoader;
}

/**
 * The crash-and-resume check: a reference run without checkpoints, a run with checkpoints in
 * `dir` that throws at batch `crashAt`, and a fresh setup resumed from `dir`; returns all three
 * for the caller's comparisons (the weights are compared here).
 */
export async function crashAndResume<S extends ResumeSetup>(setup: (checkpointDir: string | null) => S, dir: string, epochs: number, crashAt: number) {
  const reference = setup(null);
  const refHistory = await reference.loop.train({ epochs, trainLoader: reference.trainLoader });
  const crashing = setup(dir);
  let batches = 0;
  crashing.loop.callbacks.push({ onBatchEnd: () => { if (++batches === crashAt) throw new Error('simulated crash'); } });
  await assert.rejects(crashing.loop.train({ epochs, trainLoader: crashing.trainLoader }), /simulated crash/);
  const resumed = setup(dir);
  const history = await resumed.loop.train({ epochs, trainLoader: resumed.trainLoader, resume: true });
  assert.deepEqual(weightsOf(resumed.model), weightsOf(reference.model));
  return { reference, refHistory, resumed, history };
}
