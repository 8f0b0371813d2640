// One manager per checkpoint directory: a lock file holding the owner's pid. A lock left by a
// process that no longer runs (killed mid-training) is taken over.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_NAME = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDirectoryLock(dir: string): void {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch { /* vanished meanwhile: retry */ }
    if (owner === process.pid) return;
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new Error(`CheckpointManager: ${dir} is in use by another running process (pid ${owner}); two runs must not share a checkpoint directory`);
    }
    try { unlinkSync(path); } catch { /* someone else took it over */ }
  }
  throw new Error(`CheckpointManager: could not lock ${dir}`);
}
