// The checkpoint directory's lock names its owner by pid, process start time and boot id, so a
// lock whose pid now belongs to an unrelated process (after a reboot) does not block the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDirectoryLock, bootId, processStartTime } from '../../src/train/checkpoint/lock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ody-lock-'));
const linux = bootId() !== null && processStartTime(1) !== null;

test('the lock records pid, boot id and start time', { skip: !linux && 'needs Linux /proc' }, () => {
  const dir = tmp();
  acquireDirectoryLock(dir);
  const text = readFileSync(join(dir, '.lock'), 'utf8');
  assert.equal(text, `${process.pid}\nboot=${bootId()}\nstart=${processStartTime(process.pid)}\n`);
});

test('a lock whose pid runs but started at another time, or before a reboot, is taken over with a warning', { skip: !linux && 'needs Linux /proc' }, () => {
  for (const stale of [`1\nboot=${bootId()}\nstart=999999999999\n`, `1\nboot=00000000-0000-0000-0000-000000000000\nstart=${processStartTime(1)}\n`]) {
    const dir = tmp();
    writeFileSync(join(dir, '.lock'), stale);
    const warnings: string[] = [];
    acquireDirectoryLock(dir, (m) => warnings.push(m));
    assert.match(warnings.join('\n'), /took over .*\.lock, left by process 1, which no longer runs/);
    assert.match(readFileSync(join(dir, '.lock'), 'utf8'), new RegExp(`^${process.pid}\n`));
  }
});

test('a lock of the running process that wrote it is refused; a pid-only lock says how to clear it', { skip: !linux && 'needs Linux /proc' }, () => {
  const dir = tmp();
  writeFileSync(join(dir, '.lock'), `1\nboot=${bootId()}\nstart=${processStartTime(1)}\n`);
  assert.throws(() => acquireDirectoryLock(dir), (e: Error) => /in use by another running process \(pid 1\); two runs must not share a checkpoint directory$/.test(e.message));
  writeFileSync(join(dir, '.lock'), '1');
  assert.throws(() => acquireDirectoryLock(dir), new RegExp(`may be an unrelated process that reused the pid.*delete ${join(dir, '.lock').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
