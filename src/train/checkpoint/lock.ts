// One manager per checkpoint directory: a lock file naming its owner by pid, the process's start
// time and the machine's boot id. A lock whose process no longer runs (killed mid-training), or
// whose pid now belongs to another process (reused after a reboot), is taken over.

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

/** The boot id (Linux), or null where the platform has none. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** When a process started, in clock ticks since boot (Linux /proc), or null if unknown. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the command name's closing parenthesis start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

interface LockOwner {
  pid: number;
  boot: string | null;
  start: string | null;
}

/** The lock's content: `pid`, then `boot=<id>` and `start=<ticks>` lines (older locks hold the pid alone). */
function parseLock(text: string): LockOwner {
  const lines = text.split('\n');
  const field = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) || null;
  return { pid: Number.parseInt(lines[0] ?? '', 10), boot: field('boot'), start: field('start') };
}

/** Whether the lock's owner is still the running process that wrote it (true when unsure). */
function ownerRuns(o: LockOwner): { runs: boolean; sure: boolean } {
  if (!Number.isInteger(o.pid) || o.pid <= 0 || !alive(o.pid)) return { runs: false, sure: true };
  const boot = bootId();
  if (o.boot && boot && o.boot !== boot) return { runs: false, sure: true }; // written before a reboot
  const start = processStartTime(o.pid);
  if (o.start && start) return { runs: o.start === start, sure: true };
  return { runs: true, sure: false };
}

export function acquireDirectoryLock(dir: string, warn: (message: string) => void = () => {}): void {
  const path = join(dir, LOCK_NAME);
  const boot = bootId(), start = processStartTime(process.pid);
  const content = `${process.pid}\n${boot ? `boot=${boot}\n` : ''}${start ? `start=${start}\n` : ''}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, content);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: LockOwner = { pid: NaN, boot: null, start: null };
    try {
      owner = parseLock(readFileSync(path, 'utf8'));
    } catch { /* vanished meanwhile: retry */ }
    if (owner.pid === process.pid && (!owner.start || owner.start === start)) return;
    const { runs, sure } = ownerRuns(owner);
    if (runs) {
      throw new Error(`CheckpointManager: ${dir} is in use by another running process (pid ${owner.pid}); two runs must not share a checkpoint directory`
        + (sure ? '' : ` (the lock does not say when that process started, so it may be an unrelated process that reused the pid, e.g. after a reboot: if no training run is using ${dir}, delete ${path})`));
    }
    if (Number.isInteger(owner.pid)) warn(`CheckpointManager: took over ${path}, left by process ${owner.pid}, which no longer runs`);
    try { unlinkSync(path); } catch { /* someone else took it over */ }
  }
  throw new Error(`CheckpointManager: could not lock ${dir}`);
}
