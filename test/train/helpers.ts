// A small, fast classification problem for the training tests: three Gaussian blobs in 2-D.

import { nn, tensor, Tensor, Generator, data } from '../../src/index.js';

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
