// odyssey train --precision mixed-float16 / mixed-bfloat16: float32 weights in the checkpoints,
// the loss scaler's state beside them (float16), and eval reproducing the summary under autocast.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '../../src/index.js';
import { odyssey, tempDir, QUICK } from './helpers.js';

for (const precision of ['mixed-float16', 'mixed-bfloat16']) {
  test(`odyssey train --precision ${precision}: float32 checkpoints with the scaler state; eval reproduces the summary`, async () => {
    const cwd = tempDir(precision);
    const r = await odyssey(['train', ...QUICK, '--precision', precision, '--run-dir', 'run'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const run = join(cwd, 'run');
    assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).precision, precision);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    assert.ok(summary.test.accuracy > 0.5, `test accuracy ${summary.test.accuracy}`);
    const files = readdirSync(join(run, 'checkpoints')).filter((f) => f.endsWith('.safetensors')).sort();
    const last = join('run', 'checkpoints', files.at(-1)!);
    const c = train.CheckpointManager.readFile(join(cwd, last));
    for (const [k, t] of c.modelState) if (t.isFloatingPoint()) assert.equal(t.dtype, 'float32', k);
    const scaler = c.extra.gradScaler as { scale?: number } | null;
    if (precision === 'mixed-float16') assert.equal(scaler?.scale, 65536);
    else assert.equal(scaler, null);
    const ev = await odyssey(['eval', '--checkpoint', last, '--json'], cwd);
    assert.equal(ev.code, 0, ev.stderr);
    const e = JSON.parse(ev.stdout);
    assert.equal(e.accuracy, summary.test.accuracy);
    assert.ok(Math.abs(e.loss - summary.test.loss) < 1e-6);
  });
}
