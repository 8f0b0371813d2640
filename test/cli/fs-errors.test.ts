// File-system failures name the directory or file, the option that named it, and the real cause
// (exit 1, no stack trace offered): a file where a directory should be, a read-only file system,
// a full disk. The last two need a tmpfs mount and are skipped where mounting is not permitted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { odyssey, tempDir } from './helpers.js';

const TRAIN = ['train', '--limit', '300', '--epochs', '1', '--threads', '1', '--workers', '0'];

test('a --run-dir or --checkpoint-dir that is, or is under, a file: exit 1 naming the option, path and cause', async () => {
  const cwd = tempDir('fs');
  writeFileSync(join(cwd, 'afile'), 'x');
  const cases: [string[], RegExp][] = [
    [['--run-dir', 'afile'], /^odyssey: cannot create the run directory \(--run-dir\) \S+\/afile: a file of that name exists and is not a directory \(EEXIST\)\n$/],
    [['--run-dir', 'afile/run'], /^odyssey: cannot create the run directory \(--run-dir\) \S+\/afile\/run: a part of the path is a file, not a directory \(ENOTDIR\)\n$/],
    [['--run-dir', 'r', '--checkpoint-dir', 'afile/c'], /^odyssey: cannot create the checkpoint directory \(--checkpoint-dir\) \S+\/afile\/c: a part of the path is a file/],
  ];
  for (const [args, re] of cases) {
    const r = await odyssey([...TRAIN, ...args], cwd);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});

/** Mounts a tmpfs (root only); null when not permitted. */
function mountTmpfs(dir: string, options: string): (() => void) | null {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
  return r.status === 0 ? () => { spawnSync('umount', [dir], { stdio: 'ignore' }); } : null;
}

test('a read-only file system and a full disk are named as such, with the path', async (t) => {
  const cwd = tempDir('fsmount');
  const ro = join(cwd, 'ro'), full = join(cwd, 'full');
  const unmountRo = mountTmpfs(ro, 'ro,size=64k');
  if (!unmountRo) return t.skip('mount not permitted');
  const unmountFull = mountTmpfs(full, 'size=300k');
  try {
    const r = await odyssey([...TRAIN, '--run-dir', join(ro, 'run')], cwd);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^odyssey: cannot create the run directory \(--run-dir\) \S+\/ro\/run: read-only file system \(EROFS\)\n$/);
    if (unmountFull) {
      const f = await odyssey([...TRAIN, '--run-dir', join(full, 'run')], cwd);
      assert.equal(f.code, 1, f.stderr);
      assert.match(f.stderr, /odyssey: cannot write \S+\/full\/run\/\S+: no space left on device \(ENOSPC\)\n$/);
      assert.doesNotMatch(f.stderr, /--verbose/);
    }
  } finally {
    unmountRo();
    unmountFull?.();
  }
});
