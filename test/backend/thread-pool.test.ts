// The native thread pool under oversubscription: more threads than cores, so workers are often
// descheduled while jobs come in quick succession. Every job must still finish (the caller does
// the tasks no worker joined) and give the same numbers as on one thread. Run in a child process
// with a timeout, so that a lost wake-up or a wait for a worker that never joined fails the test
// instead of hanging the suite.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { native } from '../helpers.js';

const script = (threads: number): string => `
  import { setBackend, getNativeBackend } from ${JSON.stringify(new URL('../../src/backend/index.js', import.meta.url).href)};
  import { randn, manualSeed } from ${JSON.stringify(new URL('../../src/tensor/index.js', import.meta.url).href)};
  setBackend('native');
  const nb = getNativeBackend();
  manualSeed(3);
  const big = randn([256, 300]), w = randn([300, 64]);
  const run = () => {
    const out = [];
    for (let i = 0; i < 150; i++) {
      const e = big.mul(0.01 * (i % 7)).exp();
      out.push(e.sum().item(), big.matmul(w).sum(1).sum().item(), e.add(big).amax().item());
    }
    return out;
  };
  nb.setNumThreads(1);
  const want = run();
  const counts = [${threads}, 1, ${threads}, 2, ${threads}];
  for (const t of counts) {
    nb.setNumThreads(t);
    const got = run();
    for (let i = 0; i < want.length; i++) {
      if (Math.abs(got[i] - want[i]) > 1e-3 * Math.max(1, Math.abs(want[i]))) throw new Error('threads ' + t + ', value ' + i + ': ' + got[i] + ' vs ' + want[i]);
    }
  }
  console.log('done');`;

test('thread pool: jobs in quick succession on more threads than cores all finish with the one-thread numbers', () => {
  if (!native()) return;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(8)], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.stdout.trim(), 'done', `child: status ${r.status}, signal ${r.signal}, stderr ${r.stderr}`);
});
