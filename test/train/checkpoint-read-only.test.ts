// Reading checkpoints without a manager (no lock, nothing written): readFile and inspect, as the
// odyssey eval and checkpoints commands do beside a running training.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, manualSeed } from '../../src/index.js';
import { CheckpointManager } from '../../src/train/checkpoint/checkpoint-manager.js';

test('readFile verifies against the manifest; inspect lists validity and the best without taking the lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-ckpt-ro-'));
  manualSeed(4);
  const model = new nn.Sequential(new nn.Linear(3, 2));
  const manager = new CheckpointManager({ directory: dir, warn: () => {} });
  const a = manager.save({ model, epoch: 1, step: 10, metrics: { val_loss: 0.5 } });
  const b = manager.save({ model, epoch: 2, step: 20, metrics: { val_loss: 0.7 } });
  const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]);

  // The manager of a running training holds the lock; reading still works.
  const c = CheckpointManager.readFile(b);
  assert.equal(c.epoch, 2);
  assert.equal(c.step, 20);
  const fresh = new nn.Sequential(new nn.Linear(3, 2));
  c.restore({ model: fresh });
  assert.deepEqual([...fresh.stateDict().get('0.weight')!.toFloat32Array()], [...model.stateDict().get('0.weight')!.toFloat32Array()]);

  const list = CheckpointManager.inspect(dir);
  assert.deepEqual(list.map((e) => [e.epoch, e.valid, e.isBest]), [[1, true, true], [2, true, false]]);
  assert.deepEqual(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]), before, 'nothing written or removed');

  const bytes = readFileSync(a);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(a, bytes);
  assert.throws(() => CheckpointManager.readFile(a), /checksum mismatch/);
  const damaged = CheckpointManager.inspect(dir);
  assert.equal(damaged[0]!.valid, false);
  assert.match(damaged[0]!.problem!, /checksum mismatch/);
  assert.throws(() => CheckpointManager.inspect(tmpdir()), /no manifest.json/);
  assert.throws(() => CheckpointManager.readFile(join(dir, 'missing.safetensors')), /does not exist/);
});
