// The checkpoint directory's manifest: which files the manager wrote (with SHA-256), which is the
// best, and an intent log (files being written, files being deleted) that makes every step of a
// save recoverable after a crash. Written atomically like the checkpoints themselves.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';

export const MANIFEST_NAME = 'manifest.json';
const FORMAT = 'ml-odyssey/checkpoints';

export interface ManifestEntry {
  file: string;
  sha256: string;
  bytes: number;
  epoch: number;
  step: number;
  metrics: Record<string, number | null>;
  savedAt: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: 1;
  monitor: string;
  mode: 'min' | 'max';
  best: { file: string; value: number } | null;
  /** Oldest first. */
  checkpoints: ManifestEntry[];
  /** Files whose write started: ours even if the manifest never heard of them again. */
  pending: string[];
  /** Files to delete (retention decided so; finished at the next start if interrupted). */
  deleting: string[];
  /** Files retention must keep (e.g. the checkpoint a rollback returned to). */
  protected: string[];
}

export function emptyManifest(monitor: string, mode: 'min' | 'max'): Manifest {
  return { format: FORMAT, version: 1, monitor, mode, best: null, checkpoints: [], pending: [], deleting: [], protected: [] };
}

export class ManifestError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`checkpoint manifest ${path}: ${problem}`);
    this.name = 'ManifestError';
  }
}

const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && !x.includes('/') && !x.includes('\\') && x !== '..' && x !== '.';

/** Reads and validates the manifest; null when the directory has none. */
export function readManifest(dir: string): Manifest | null {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ManifestError(path, `not valid JSON (${(e as Error).message})`);
  }
  const m = raw as Partial<Manifest>;
  if (!m || m.format !== FORMAT || m.version !== 1) throw new ManifestError(path, `expected format '${FORMAT}' version 1`);
  if (typeof m.monitor !== 'string' || (m.mode !== 'min' && m.mode !== 'max')) throw new ManifestError(path, 'monitor or mode missing');
  for (const key of ['checkpoints', 'pending', 'deleting', 'protected'] as const) {
    if (!Array.isArray(m[key])) throw new ManifestError(path, `'${key}' must be a list`);
  }
  for (const e of m.checkpoints!) {
    if (!e || !isName(e.file) || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256) || !Number.isInteger(e.bytes) || !Number.isInteger(e.epoch) || !Number.isInteger(e.step)) {
      throw new ManifestError(path, `malformed checkpoint entry ${JSON.stringify(e)}`);
    }
  }
  for (const key of ['pending', 'deleting', 'protected'] as const) {
    for (const f of m[key]!) if (!isName(f)) throw new ManifestError(path, `malformed file name in '${key}': ${JSON.stringify(f)}`);
  }
  if (m.best !== null && (typeof m.best !== 'object' || !isName(m.best?.file) || typeof m.best?.value !== 'number')) {
    throw new ManifestError(path, `malformed best entry ${JSON.stringify(m.best)}`);
  }
  return m as Manifest;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileAtomic(join(dir, MANIFEST_NAME), Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'));
}
