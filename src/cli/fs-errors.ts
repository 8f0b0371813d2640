// File-system failures as messages a user can act on: which directory or file (and which option
// named it), and the real cause in words (read-only file system, permission denied, disk full, a
// file where a directory is expected), not a bare errno string.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const CAUSES: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file of that name exists and is not a directory',
  EISDIR: 'it is a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
};

/** The cause of an errno error in words, or null when it is not one. */
export function causeOf(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && CAUSES[code] ? `${CAUSES[code]} (${code})` : null;
}

/** An Error saying what could not be done to which path, and why. */
export class FileSystemError extends Error {
  constructor(readonly action: string, readonly path: string, readonly reason: string) {
    super(`cannot ${action} ${path}: ${reason}`);
    this.name = 'FileSystemError';
  }
}

/**
 * mkdir -p that names the real cause: a recursive mkdir reports ENOENT on a read-only mount, so
 * on failure the first missing component is made alone to get the true error.
 */
export function makeDirectory(path: string, what: string): void {
  const full = resolve(path);
  try {
    mkdirSync(full, { recursive: true });
    return;
  } catch (e) {
    let at = full, code = (e as NodeJS.ErrnoException).code ?? '';
    // The deepest existing ancestor, and the component below it that could not be made.
    let parent = dirname(at);
    while (parent !== at) {
      let st;
      try { st = statSync(parent); } catch { at = parent; parent = dirname(parent); continue; }
      if (!st.isDirectory()) { code = 'ENOTDIR'; break; }
      try { mkdirSync(at); code = (e as NodeJS.ErrnoException).code ?? code; } catch (e2) { code = (e2 as NodeJS.ErrnoException).code ?? code; }
      break;
    }
    let isFile = false;
    try { isFile = !statSync(full).isDirectory(); } catch { /* absent */ }
    if (isFile) code = 'EEXIST';
    throw new FileSystemError(`create ${what}`, full, causeOf({ code }) ?? (e as Error).message);
  }
}
