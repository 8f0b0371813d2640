// Many random, mostly wrong calls at every public function and Tensor method, in a child process
// (see fuzz-child.ts): the process must survive, every error must be an Error that names its op,
// and no call may take long.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fuzz-child.js', import.meta.url));

for (const seed of [1, 2, 3]) {
  test(`fuzzing the public API with bad arguments (seed ${seed}): no crash, no hang, every error names its op`, () => {
    const r = spawnSync(process.execPath, [child, String(seed), '20000'], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, `the child exited with ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { calls: number; threw: number; bad: string[]; badCount: number; slow: string[] };
    assert.equal(report.calls, 20000);
    assert.ok(report.threw > 5000 && report.threw < 20000, `most calls are wrong and throw, some succeed (threw ${report.threw})`);
    assert.deepEqual(report.bad, [], `${report.badCount} calls misbehaved`);
    assert.deepEqual(report.slow, []);
  });
}
