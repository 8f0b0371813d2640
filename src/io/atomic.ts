// Crash-safe file writes: the new content goes to a temporary file in the target's directory, is
// fsynced, renamed over the target (atomic on POSIX), and the directory is fsynced so the rename
// itself survives a power cut. A crash at any moment leaves either the old file or the new one,
// never a torn mix; what may be left is a temporary file, which removeStaleTempFiles cleans up.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteResult {
  /** Bytes written. */
  bytes: number;
  /** SHA-256 of the content, lowercase hex (computed while writing: no second read). */
  sha256: string;
}

/** Temporary names look like `.<target name>.<pid>.<8 hex>.tmp`. */
const TEMP_PATTERN = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

export function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Whether a file name is one of our temporary files (so cleanup never touches anything else). */
export function isTempFileName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/**
 * Writes `content` (one buffer, or chunks written in order) to `target` atomically and durably.
 * On any failure the temporary file is removed and `target` is left as it was.
 */
export function writeFileAtomic(target: string, content: Uint8Array | Iterable<Uint8Array>): AtomicWriteResult {
  if (typeof target !== 'string' || target === '') throw new TypeError('writeFileAtomic: expected a target path');
  const tmp = tempNameFor(target);
  const hash = createHash('sha256');
  let bytes = 0;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const chunks = content instanceof Uint8Array ? [content] : content;
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.byteLength) done += writeSync(fd, chunk, done, chunk.byteLength - done);
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    // Name the file being written (a failed write() carries no path; a failed open names the temp file).
    if (e && typeof e === 'object' && 'code' in e) (e as NodeJS.ErrnoException).path = target;
    throw e;
  }
  fsyncDirectory(dirname(target));
  return { bytes, sha256: hash.digest('hex') };
}

/** Makes a rename or unlink in `dir` durable. Platforms that cannot fsync a directory skip it. */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // Windows cannot open directories; its renames are already metadata-journaled
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Deletes our leftover temporary files in `dir` (from a crash mid-write) and returns their names.
 * A temporary file of another process that is still running is left alone: it may be mid-write.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!isTempFileName(name)) continue;
    const pid = Number(name.split('.').at(-3));
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch { /* removed concurrently */ }
  }
  return removed;
}

/** SHA-256 of a file's content, lowercase hex, read in 1 MiB chunks. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
