// The `checkpoint` section of the benchmark: saving and loading a ResNet-18 checkpoint (weights,
// batch-norm buffers and Adam's two moment tensors per parameter, 11.2M parameters: about 134 MB)
// through CheckpointManager, into a temporary directory. A save is the whole durable write:
// state dicts, safetensors serialisation, SHA-256, temporary file, fsync, rename, directory fsync
// and the manifest. A load reads, verifies the checksum and structure, and restores the model and
// the optimizer. Both are wall-clock times (the disk is part of the cost), median of several.
// The target: a save under 1 s.
//
// Run with the harness: npm run bench -- --only checkpoint [--quick]

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resnet18 } from '../src/models/index.js';
import { F } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { manualSeed } from '../src/tensor/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { CheckpointManager } from '../src/train/checkpoint/checkpoint-manager.js';
import { fmt } from './timing.js';
import { median } from './steps.js';
import { syntheticBatch } from './train-child.js';

export interface CheckpointBenchResult {
  bytes: number;
  saves: number;
  /** median wall milliseconds */
  saveMs: number;
  loadMs: number;
  /** median CPU milliseconds (the process's, all threads) */
  saveCpuMs: number;
  loadCpuMs: number;
  directory: string;
}

function timed(fn: () => void): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const u = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (u.user + u.system) / 1e3 };
}

export function runCheckpointBench(options: { quick?: boolean } = {}): CheckpointBenchResult {
  const reps = options.quick ? 2 : 7;
  manualSeed(0);
  const model = resnet18();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const { input, target } = syntheticBatch('resnet18', 2); // one small step so that Adam has its state
  F.crossEntropy(model.forward(input) as Tensor, target).backward();
  optimizer.step();
  const dir = mkdtempSync(path.join(tmpdir(), 'ody-bench-ckpt-'));
  try {
    const manager = new CheckpointManager({ directory: dir, maxToKeep: 2, monitor: 'train_loss', warn: () => {} });
    const save: { wall: number; cpu: number }[] = [], load: { wall: number; cpu: number }[] = [];
    let file = '';
    for (let i = 0; i < reps; i++) {
      save.push(timed(() => { file = manager.save({ model, optimizer, epoch: i, step: i, metrics: { train_loss: 1 } }); }));
      load.push(timed(() => { manager.loadLatest()!.restore({ model, optimizer }); }));
    }
    return {
      bytes: statSync(file).size, saves: reps, directory: dir,
      saveMs: median(save.map((s) => s.wall)), loadMs: median(load.map((s) => s.wall)),
      saveCpuMs: median(save.map((s) => s.cpu)), loadCpuMs: median(load.map((s) => s.cpu)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatCheckpointBench(r: CheckpointBenchResult): string {
  const mb = r.bytes / 1e6;
  return [
    `ResNet-18 checkpoint (model + Adam state, ${mb.toFixed(1)} MB) through CheckpointManager in ${path.dirname(r.directory)}; median of ${r.saves}, wall ms (CPU ms); target: save under 1000 ms`,
    `save ${fmt.num(r.saveMs, 1, 8)} (${r.saveCpuMs.toFixed(1)})  ${(mb / (r.saveMs / 1e3)).toFixed(0)} MB/s`,
    `load ${fmt.num(r.loadMs, 1, 8)} (${r.loadCpuMs.toFixed(1)})  ${(mb / (r.loadMs / 1e3)).toFixed(0)} MB/s (read, verify, restore model and optimizer)`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const r = runCheckpointBench({ quick: args.includes('--quick') });
  console.log(args.includes('--json') ? JSON.stringify(r, null, 2) : formatCheckpointBench(r));
}
