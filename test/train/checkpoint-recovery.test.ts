// The manifest is a record, not the only copy: when it is missing or damaged, the manager rebuilds
// it from the checkpoint files' own metadata instead of starting over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, manualSeed } from '../../src/index.js';
import { CheckpointManager } from '../../src/train/checkpoint/checkpoint-manager.js';
import { readManifest } from '../../src/train/checkpoint/manifest.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ody-ckrec-'));
}

function model(seed = 1): nn.Module {
  manualSeed(seed);
  return new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
}

/** Three checkpoints; the middle one has the lowest val_loss. */
function threeCheckpoints(dir: string): void {
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 5, warn: () => {} });
  [0.9, 0.4, 0.6].forEach((v, i) => mgr.save({ model: model(i), epoch: i + 1, step: 10 * (i + 1), metrics: { val_loss: v } }));
}

for (const damage of ['missing', 'corrupt'] as const) {
  test(`a ${damage} manifest is rebuilt from the checkpoint files: latest, best and checksums`, () => {
    const dir = tmp();
    threeCheckpoints(dir);
    const original = readManifest(dir)!;
    if (damage === 'missing') rmSync(join(dir, 'manifest.json'));
    else writeFileSync(join(dir, 'manifest.json'), 'garbage{');
    const warnings: string[] = [];
    const mgr = new CheckpointManager({ directory: dir, maxToKeep: 5, warn: (m) => warnings.push(m) });
    assert.match(warnings.join('\n'), /rebuilt it from 3 checkpoint file\(s\)/);
    if (damage === 'corrupt') {
      assert.match(warnings.join('\n'), /not valid JSON.*moved it to manifest\.json\.corrupt-\d+/);
      assert.equal(readdirSync(dir).filter((f) => f.startsWith('manifest.json.corrupt-')).length, 1, 'the damaged manifest is kept aside');
    }
    const latest = mgr.loadLatest()!;
    assert.equal(latest.step, 30);
    assert.deepEqual(mgr.best, original.best);
    const rebuilt = readManifest(dir)!;
    assert.deepEqual(rebuilt.checkpoints.map((e) => [e.file, e.sha256, e.step]), original.checkpoints.map((e) => [e.file, e.sha256, e.step]));
    // `checkpoints` on such a directory (read-only) lists them too.
  });
}

test('inspectManifest lists a directory without a manifest from its files, read-only', () => {
  const dir = tmp();
  threeCheckpoints(dir);
  rmSync(join(dir, 'manifest.json'));
  const r = CheckpointManager.inspectManifest(dir);
  assert.match(r.problem!, /no manifest\.json; listed from the checkpoint files/);
  assert.equal(r.checkpoints.length, 3);
  assert.ok(r.checkpoints.every((c) => c.valid));
  assert.equal(r.checkpoints.find((c) => c.isBest)!.step, 20);
  assert.equal(readManifest(dir), null, 'nothing written');
});

test('a file that does not parse is left out of the rebuilt manifest (and left on disk)', () => {
  const dir = tmp();
  threeCheckpoints(dir);
  rmSync(join(dir, 'manifest.json'));
  writeFileSync(join(dir, 'checkpoint-e0009-s00000090.safetensors'), 'not a checkpoint');
  const warnings: string[] = [];
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 5, warn: (m) => warnings.push(m) });
  assert.match(warnings.join('\n'), /checkpoint-e0009-s00000090\.safetensors is not a valid checkpoint, left out/);
  assert.equal(mgr.loadLatest()!.step, 30);
  assert.ok(readdirSync(dir).includes('checkpoint-e0009-s00000090.safetensors'));
});

test('loadLatest skipping a corrupt newest checkpoint takes it out: not the best, not kept, renamed aside', () => {
  const dir = tmp();
  const mgr0 = new CheckpointManager({ directory: dir, maxToKeep: 2, warn: () => {} });
  [0.9, 0.6, 0.4].forEach((v, i) => mgr0.save({ model: model(i), epoch: i + 1, step: 10 * (i + 1), metrics: { val_loss: v } }));
  const newest = 'checkpoint-e0003-s00000030.safetensors';
  assert.equal(mgr0.best!.file, newest);
  const bytes = readFileSync(join(dir, newest));
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(join(dir, newest), bytes);

  const warnings: string[] = [];
  const mgr = new CheckpointManager({ directory: dir, maxToKeep: 2, warn: (m) => warnings.push(m) });
  const c = mgr.loadLatest()!;
  assert.equal(c.step, 20);
  assert.deepEqual(c.skipped.map((s) => s.file), [newest]);
  assert.deepEqual(mgr.best, { file: 'checkpoint-e0002-s00000020.safetensors', value: 0.6 });
  assert.deepEqual(readManifest(dir)!.best, mgr.best);
  assert.ok(!mgr.list().some((e) => e.file === newest));
  assert.ok(readdirSync(dir).includes(`${newest}.corrupt`));
  // Saving the step again: the valid copy takes the original name and becomes the best.
  mgr.save({ model: model(2), epoch: 3, step: 30, metrics: { val_loss: 0.4 } });
  assert.deepEqual(mgr.best, { file: newest, value: 0.4 });
  assert.ok(mgr.list({ verify: true }).every((e) => e.valid));
});

test('restoring into another architecture says so in one line, naming a few keys', () => {
  const dir = tmp();
  const mgr = new CheckpointManager({ directory: dir, warn: () => {} });
  mgr.save({ model: model(1), epoch: 1, step: 1 });
  manualSeed(1);
  const other = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2), new nn.ReLU(), new nn.Linear(2, 2));
  assert.throws(() => mgr.loadLatest()!.restore({ model: other }), (e: Error) => {
    assert.match(e.message, /it holds a different model: 2 of this model's 6 tensors are not in it \('4\.weight', '4\.bias'\), and 0 of its 4 are not in this model; expected a checkpoint of the same architecture$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});
