// A run killed with SIGKILL at 20 random moments (many of them during a checkpoint save, which
// happens after every step here) and resumed each time ends bit-identical to an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../helpers.js';
import { weightsOf } from './helpers.js';
import { setup } from './fixtures/train-child.js';
import { readManifest } from '../../src/train/checkpoint/manifest.js';

const child = fileURLToPath(new URL('./fixtures/train-child.js', import.meta.url));

/** When to kill a child: `delayMs` after it reports its `afterSteps`-th step of this run, or at
 *  `startupMs` after spawning if that comes first (a kill during start-up or resume). Timing kills
 *  from the child's progress keeps them mid-run however fast the machine is. */
interface KillPlan { afterSteps: number; delayMs: number; startupMs: number | null }

function runChild(dir: string, out: string, plan: KillPlan | null): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '', steps = 0;
    const timers: NodeJS.Timeout[] = [];
    const kill = (): void => { p.kill('SIGKILL'); };
    if (plan?.startupMs != null) timers.push(setTimeout(kill, plan.startupMs));
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('step ')) continue;
        steps++;
        if (plan && steps === plan.afterSteps) timers.push(setTimeout(kill, plan.delayMs));
      }
    });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`training child exited with ${code}: ${stderr}`));
    });
  });
}

test('SIGKILL at 20 random moments, resumed each time, ends bit-identical to an uninterrupted run', { timeout: 600_000 }, async () => {
  const reference = setup(null);
  const refHistory = await reference.loop.train({ epochs: reference.epochs, trainLoader: reference.trainLoader });

  const dir = mkdtempSync(join(tmpdir(), 'ody-kill-'));
  const out = join(dir, '..', `${dir.split('/').pop()}-result.json`);
  const r = rng(2024);
  let kills = 0;
  while (kills < 20) {
    // One kill in four during start-up or resume; the rest a few steps in, 0-4 ms after a step is
    // reported, which is while that step's checkpoint is being written or soon after.
    const plan: KillPlan = r() < 0.25
      ? { afterSteps: 1, delayMs: 0, startupMs: 20 + Math.floor(r() * 200) }
      : { afterSteps: 1 + Math.floor(r() * 5), delayMs: Math.floor(r() * 5), startupMs: null };
    const outcome = await runChild(dir, out, plan);
    if (outcome === 'finished') break;
    kills++;
    // After every kill the directory holds only the manager's files, and a readable manifest once
    // there is any checkpoint (a kill during start-up may come before the manager exists).
    const files = readdirSync(dir);
    for (const f of files) assert.ok(f === 'manifest.json' || f === '.lock' || f.endsWith('.safetensors') || f.endsWith('.tmp'), `unexpected file ${f}`);
    if (files.some((f) => f.endsWith('.safetensors'))) assert.ok(readManifest(dir), 'the manifest survives');
  }
  assert.equal(kills, 20, 'the run was interrupted 20 times before it could finish');
  if (!existsSync(out)) assert.equal(await runChild(dir, out, null), 'finished');
  const result = JSON.parse(readFileSync(out, 'utf8')) as { weights: Record<string, number[]>; history: number[][] };
  assert.deepEqual(result.weights, weightsOf(reference.model));
  assert.deepEqual(result.history, refHistory.map((h) => [h.train_loss, h.train_accuracy, h.step]));
  const files = readdirSync(dir);
  assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temporary files are left after the final start');
  assert.ok(files.filter((f) => f.endsWith('.safetensors')).length <= 3, 'retention held: 2 newest + best');
});
