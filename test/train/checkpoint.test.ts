import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, tensor, manualSeed, Tensor, Generator, io } from '../../src/index.js';
import { CheckpointManager, CheckpointError } from '../../src/train/checkpoint/checkpoint-manager.js';
import { readManifest, writeManifest } from '../../src/train/checkpoint/manifest.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ody-ckpt-'));
}

function model(seed = 1): nn.Module {
  manualSeed(seed);
  return new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
}

/** A stand-in optimizer with tensor and scalar state (the real ones share the protocol). */
class FakeOptimizer {
  state = { step: 3, buffers: [tensor([1, 2, 3], { dtype: 'float32' })], lr: 0.1 };
  stateDict() { return { state: { step: this.state.step, buffers: this.state.buffers }, param_groups: [{ lr: this.state.lr }] }; }
  loadStateDict(sd: { state: { step: number; buffers: Tensor[] }; param_groups: { lr: number }[] }) {
    this.state = { step: sd.state.step, buffers: sd.state.buffers, lr: sd.param_groups[0]!.lr };
  }
}

const quiet = () => {};

test('save then loadLatest restores model, optimizer and extra state exactly', () => {
  const dir = tmp();
  const m = model(1), opt = new FakeOptimizer();
  const gen = new Generator(7);
  gen.nextUint32();
  const mgr = new CheckpointManager({ directory: dir, warn: quiet });
  const path = mgr.save({ model: m, optimizer: opt, epoch: 2, step: 40, metrics: { val_loss: 0.5, val_accuracy: 0.9 }, extra: { generator: gen.getState(), loader: { position: 17 } } });
  assert.ok(existsSync(path));

  const fresh = model(99), opt2 = new FakeOptimizer();
  opt2.state.step = 0;
  const c = new CheckpointManager({ directory: dir, warn: quiet }).loadLatest()!;
  assert.equal(c.epoch, 2);
  assert.equal(c.step, 40);
  assert.deepEqual(c.metrics, { val_loss: 0.5, val_accuracy: 0.9 });
  c.restore({ model: fresh, optimizer: opt2 });
  for (const [k, v] of m.stateDict()) assert.deepEqual(fresh.stateDict().get(k)!.toArray(), v.toArray(), k);
  assert.equal(opt2.state.step, 3);
  assert.deepEqual(opt2.state.buffers[0]!.toArray(), [1, 2, 3]);
  assert.deepEqual((c.extra.loader as { position: number }).position, 17);
  const g2 = new Generator(0).setState(c.extra.generator as never);
  assert.equal(g2.nextUint32(), gen.nextUint32());
  // The weights sit under their PyTorch names in a plain safetensors file.
  const loaded = io.safetensors.loadFile(path);
  assert.ok(loaded.tensors.has('0.weight') && loaded.tensors.has('2.bias'));
  assert.equal(loaded.metadata.format, 'pt');
});

test('retention keeps the newest maxToKeep plus the best and deletes only its own files', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  writeFileSync(join(dir, 'checkpoint-e0009-s00000009.safetensors'), 'not written by the manager');
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 2, warn: quiet });
  const m = model();
  const losses = [0.9, 0.3, 0.5, 0.6, 0.7, NaN, 0.4];
  losses.forEach((l, i) => mgr.save({ model: m, epoch: i, step: i * 10, metrics: { val_loss: l } }));
  const names = mgr.list().map((e) => e.file);
  assert.deepEqual(names, ['checkpoint-e0001-s00000010.safetensors', 'checkpoint-e0005-s00000050.safetensors', 'checkpoint-e0006-s00000060.safetensors']);
  assert.deepEqual(mgr.best, { file: 'checkpoint-e0001-s00000010.safetensors', value: 0.3 });
  const onDisk = readdirSync(dir).sort();
  assert.ok(onDisk.includes('notes.txt') && onDisk.includes('checkpoint-e0009-s00000009.safetensors'));
  assert.equal(onDisk.filter((f) => f.endsWith('.safetensors')).length, 4);
  // Re-opening many times never leaves more, and the best survives.
  for (let r = 0; r < 3; r++) {
    const again = new CheckpointManager({ directory: dir, maxToKeep: 2, warn: quiet });
    again.save({ model: m, epoch: 10 + r, step: 100 + r, metrics: { val_loss: 1 } });
    assert.equal(again.list().length, 3);
    assert.equal(again.best!.value, 0.3);
  }
});

test('best is strictly better in the chosen mode; accuracy with mode min is refused', () => {
  const dir = tmp();
  const mgr = new CheckpointManager({ directory: dir, monitor: 'val_accuracy', warn: quiet });
  assert.equal(mgr.mode, 'max');
  const m = model();
  mgr.save({ model: m, epoch: 0, step: 1, metrics: { val_accuracy: 0.5 } });
  mgr.save({ model: m, epoch: 1, step: 2, metrics: { val_accuracy: 0.5 } });
  assert.equal(mgr.best!.file, 'checkpoint-e0000-s00000001.safetensors');
  mgr.save({ model: m, epoch: 2, step: 3, metrics: { val_accuracy: NaN } });
  assert.equal(mgr.best!.value, 0.5);
  assert.throws(() => new CheckpointManager({ directory: tmp(), monitor: 'val_acc', mode: 'min' }), /accuracy but mode is 'min'/);
  assert.throws(() => new CheckpointManager({ directory: dir, monitor: 'val_loss', warn: quiet }), /tracks the best by val_accuracy/);
  assert.throws(() => new CheckpointManager({ directory: tmp(), maxToKeep: 0 }), /maxToKeep must be a positive integer/);
});

test('corrupted or truncated checkpoints are named; loadLatest falls back and says which it skipped', () => {
  const dir = tmp();
  const warnings: string[] = [];
  const mgr = new CheckpointManager({ directory: dir, warn: (w) => warnings.push(w) });
  const m = model();
  const first = mgr.save({ model: m, epoch: 0, step: 1 });
  const second = mgr.save({ model: m, epoch: 1, step: 2 });
  const bytes = readFileSync(second);
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(second, bytes);
  assert.throws(() => mgr.load(second), (e: Error) => e instanceof CheckpointError && /checkpoint-e0001-s00000002\.safetensors: checksum mismatch/.test(e.message));
  const c = mgr.loadLatest()!;
  assert.equal(c.path, first);
  assert.equal(c.skipped.length, 1);
  assert.match(warnings.join('\n'), /skipped checkpoint-e0001-s00000002\.safetensors: .*checksum mismatch/);
  writeFileSync(first, readFileSync(first).subarray(0, 100));
  assert.throws(() => mgr.load(first), /has 100 bytes, the manifest recorded/);
  assert.equal(mgr.loadLatest(), null);
  // A file the manifest does not know is checked for structure alone.
  const outside = join(tmp(), 'x.safetensors');
  writeFileSync(outside, Buffer.from([1, 2, 3]));
  assert.throws(() => mgr.load(outside), /x\.safetensors/);
  assert.throws(() => mgr.load(join(dir, 'missing.safetensors')), /does not exist/);
});

test('a crash at any step of a save is recovered at the next start', () => {
  const dir = tmp();
  const m = model();
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 1, warn: quiet });
  const a = mgr.save({ model: m, epoch: 0, step: 1, metrics: { val_loss: 1 } });
  const b = mgr.save({ model: m, epoch: 1, step: 2, metrics: { val_loss: 2 } });
  const man = readManifest(dir)!;
  // Crash after the rename of a new file but before the manifest recorded it:
  const c = join(dir, 'checkpoint-e0002-s00000003.safetensors');
  writeFileSync(c, readFileSync(b));
  man.pending.push('checkpoint-e0002-s00000003.safetensors');
  // ... and a half-done deletion, a pending file that never got written, and a stale temp file:
  man.pending.push('checkpoint-e0003-s00000004.safetensors');
  writeFileSync(join(dir, '.checkpoint-e0003-s00000004.safetensors.999999.0123abcd.tmp'), 'partial');
  writeManifest(dir, man);
  const warnings: string[] = [];
  const again = new CheckpointManager({ directory: dir, maxToKeep: 1, warn: (w) => warnings.push(w) });
  const files = again.list().map((e) => e.file);
  assert.ok(files.includes('checkpoint-e0002-s00000003.safetensors'), 'the completed file is adopted');
  assert.ok(files.includes('checkpoint-e0000-s00000001.safetensors'), 'the best stays');
  assert.equal(files.length, 2);
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'temporary files are removed');
  assert.ok(existsSync(a));
  assert.match(warnings.join('\n'), /recovered checkpoint-e0002-s00000003/);
  assert.deepEqual(readManifest(dir)!.pending, []);
  rmSync(dir, { recursive: true });
});

test('protect keeps a checkpoint through retention until unprotected', () => {
  const dir = tmp();
  const m = model();
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 1, saveBest: false, warn: quiet });
  const first = mgr.save({ model: m, epoch: 0, step: 1 });
  mgr.protect(first);
  mgr.save({ model: m, epoch: 1, step: 2 });
  mgr.save({ model: m, epoch: 2, step: 3 });
  assert.ok(existsSync(first));
  mgr.unprotect(first);
  assert.ok(!existsSync(first));
  assert.equal(mgr.list().length, 1);
});
