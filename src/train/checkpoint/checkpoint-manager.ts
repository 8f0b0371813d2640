// CheckpointManager: saves training state as safetensors files that never get corrupted, keeps the
// N newest plus the best, and restores exactly.
//
// Every save follows an intent log kept in the manifest: (1) record the new file as pending,
// (2) write it atomically (temporary file, fsync, rename, fsync of the directory), (3) record it
// with its SHA-256 and move expired files to the delete list, (4) delete them. A crash between any
// two steps leaves the earlier checkpoints and a consistent manifest; the next start finishes or
// undoes the interrupted step. Only files the manifest lists are ever deleted.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, basename, resolve } from 'node:path';
import { fsyncDirectory, removeStaleTempFiles } from '../../io/atomic.js';
import { deserialize, saveFile, type Metadata } from '../../io/safetensors.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { describe } from '../../tensor/dtype.js';
import { decodeState, encodeState } from '../state-codec.js';
import { acquireDirectoryLock } from './lock.js';
import { emptyManifest, MANIFEST_NAME, ManifestError, readManifest, writeManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { LIBRARY_VERSION } from '../../version.js';

/** Anything with PyTorch's state-dict protocol (optimizers, schedulers, samplers). */
export interface Stateful {
  stateDict(): unknown;
  loadStateDict(state: never): unknown;
}

export interface CheckpointManagerOptions {
  directory: string;
  /** How many of the newest checkpoints to keep (the best is kept in addition). Default 5. */
  maxToKeep?: number;
  /** The metric that decides the best checkpoint. Default 'val_loss'. */
  monitor?: string;
  /** Whether lower or higher is better. Default: 'max' when the monitor names an accuracy, else 'min'. */
  mode?: 'min' | 'max';
  /** Keep the best checkpoint beyond the newest maxToKeep. Default true. */
  saveBest?: boolean;
  /** File names are `<prefix>-e<epoch>-s<step>.safetensors`. Default 'checkpoint'. */
  filePrefix?: string;
  /** Where warnings go (skipped corrupt files, recovered crashes). Default: console.warn. */
  warn?: (message: string) => void;
}

export interface SaveOptions {
  model: Module;
  optimizer?: Stateful | null;
  scheduler?: Stateful | null;
  epoch: number;
  step: number;
  metrics?: Record<string, number>;
  /** More state to restore on resume (data-loader position, generator state...): JSON values and tensors. */
  extra?: Record<string, unknown>;
}

export interface RestoreTargets {
  model?: Module;
  optimizer?: Stateful | null;
  scheduler?: Stateful | null;
}

/** A checkpoint read back from disk, verified. */
export interface LoadedCheckpoint {
  path: string;
  epoch: number;
  step: number;
  metrics: Record<string, number | null>;
  /** The best monitored value when it was saved. */
  best: { file: string; value: number } | null;
  libraryVersion: string;
  /** The metric and mode the best was tracked by when it was saved. */
  monitor?: string;
  mode?: 'min' | 'max';
  modelState: Map<string, Tensor>;
  optimizerState: unknown;
  schedulerState: unknown;
  extra: Record<string, unknown>;
  /** Files loadLatest() skipped because they were missing or corrupt, with the reason. */
  skipped: { file: string; reason: string }[];
  /** Loads the saved state into the given objects (model strictly). */
  restore(targets: RestoreTargets): void;
}

export interface CheckpointListing extends ManifestEntry {
  path: string;
  isBest: boolean;
  /** With list({ verify: true }): whether the file exists and matches its checksum and structure. */
  valid?: boolean;
  problem?: string;
}

export class CheckpointError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`checkpoint ${file}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

const METADATA_KEY = 'ml-odyssey.training';
const ACCURACY_NAME = /acc/i;

export function isBetter(value: number, best: number | null, mode: 'min' | 'max'): boolean {
  if (Number.isNaN(value)) return false;
  if (best === null) return true;
  return mode === 'min' ? value < best : value > best;
}

function finiteOrNull(metrics: Record<string, number>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(metrics)) out[k] = Number.isFinite(v) ? v : null;
  return out;
}

export class CheckpointManager {
  readonly directory: string;
  readonly maxToKeep: number;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBest: boolean;
  readonly filePrefix: string;
  private readonly warn: (message: string) => void;
  private manifest: Manifest;

  constructor(options: CheckpointManagerOptions) {
    if (!options || typeof options !== 'object') throw new TypeError(`CheckpointManager: expected an options object with a directory, got ${describe(options)}`);
    if (typeof options.directory !== 'string' || options.directory === '') throw new TypeError(`CheckpointManager: expected a directory path, got ${describe(options.directory)}`);
    const maxToKeep = options.maxToKeep ?? 5;
    if (!Number.isInteger(maxToKeep) || maxToKeep < 1) throw new RangeError(`CheckpointManager: maxToKeep must be a positive integer, got ${describe(maxToKeep)}`);
    const monitor = options.monitor ?? 'val_loss';
    if (typeof monitor !== 'string' || monitor === '') throw new TypeError(`CheckpointManager: monitor must be a metric name, got ${describe(monitor)}`);
    const mode = options.mode ?? (ACCURACY_NAME.test(monitor) ? 'max' : 'min');
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`CheckpointManager: mode must be 'min' or 'max', got ${describe(mode)}`);
    if (mode === 'min' && ACCURACY_NAME.test(monitor)) {
      throw new RangeError(`CheckpointManager: monitor '${monitor}' is an accuracy but mode is 'min', which would keep the worst models; use mode 'max'`);
    }
    const prefix = options.filePrefix ?? 'checkpoint';
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new RangeError(`CheckpointManager: filePrefix must be letters, digits, '_' or '-', got ${describe(prefix)}`);
    this.directory = resolve(options.directory);
    this.maxToKeep = maxToKeep;
    this.monitor = monitor;
    this.mode = mode;
    this.saveBest = options.saveBest ?? true;
    this.filePrefix = prefix;
    this.warn = options.warn ?? ((m) => console.warn(m));

    mkdirSync(this.directory, { recursive: true });
    acquireDirectoryLock(this.directory, this.warn);
    for (const f of removeStaleTempFiles(this.directory)) this.warn(`CheckpointManager: removed ${f}, a temporary file left by an interrupted write`);
    let found: Manifest | null;
    let fromDisk = true;
    try {
      found = readManifest(this.directory);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      // Keep the damaged file for inspection, then rebuild from the checkpoints themselves.
      const aside = `${MANIFEST_NAME}.corrupt-${Date.now()}`;
      renameSync(join(this.directory, MANIFEST_NAME), join(this.directory, aside));
      this.warn(`CheckpointManager: ${e.message}; moved it to ${aside} and rebuilt the manifest from the checkpoint files`);
      found = null;
    }
    if (!found) {
      const rebuilt = CheckpointManager.rebuildManifest(this.directory, monitor, mode, prefix, this.warn);
      if (rebuilt.checkpoints.length > 0) {
        this.warn(`CheckpointManager: ${this.directory} had no manifest; rebuilt it from ${rebuilt.checkpoints.length} checkpoint file(s) (newest: ${rebuilt.checkpoints[rebuilt.checkpoints.length - 1]!.file})`);
        found = rebuilt;
        fromDisk = false;
      }
    }
    if (found && (found.monitor !== monitor || found.mode !== mode)) {
      throw new Error(`CheckpointManager: ${this.directory} tracks the best by ${found.monitor} (${found.mode}), not ${monitor} (${mode}); use another directory or the same monitor and mode`);
    }
    this.manifest = found ?? emptyManifest(monitor, mode);
    this.recover(found !== null && fromDisk);
  }

  /**
   * A manifest rebuilt from the directory's checkpoint files (`<prefix>-e<epoch>-s<step>[-k].safetensors`),
   * each parsed for its epoch, step and metrics and recorded with its current checksum; files that
   * do not parse are left alone and reported. The best is recomputed by `monitor`. Writes nothing.
   */
  static rebuildManifest(directory: string, monitor: string | null, mode: 'min' | 'max' | null, prefix = 'checkpoint', warn: (m: string) => void = () => {}): Manifest {
    const m = emptyManifest(monitor ?? 'val_loss', mode ?? 'min');
    const pattern = new RegExp(`^${prefix}-e\\d+-s\\d+(-\\d+)?\\.safetensors$`);
    const names = readdirSync(directory).filter((n) => pattern.test(n)).sort();
    for (const file of names) {
      try {
        const bytes = readFileSync(join(directory, file));
        const info = CheckpointManager.parse(file, bytes);
        m.checkpoints.push({ file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, epoch: info.epoch, step: info.step, metrics: info.metrics, savedAt: new Date(statSync(join(directory, file)).mtimeMs).toISOString() });
        // Without a given monitor, the one the files were saved under.
        if (monitor === null && info.monitor) m.monitor = info.monitor;
        if (mode === null && info.mode) m.mode = info.mode;
      } catch (e) {
        warn(`CheckpointManager: ${file} is not a valid checkpoint, left out of the rebuilt manifest (${(e as Error).message})`);
      }
    }
    m.checkpoints.sort((a, b) => a.step - b.step || a.epoch - b.epoch || (a.file < b.file ? -1 : 1));
    for (const e of m.checkpoints) {
      const v = e.metrics[m.monitor];
      if (typeof v === 'number' && isBetter(v, m.best?.value ?? null, m.mode)) m.best = { file: e.file, value: v };
    }
    return m;
  }

  /** The best checkpoint so far (survives restarts). */
  get best(): { file: string; value: number } | null {
    return this.manifest.best ? { ...this.manifest.best } : null;
  }

  private path(file: string): string {
    return join(this.directory, file);
  }

  /** Finishes what a crash interrupted: adopts or drops pending files, completes deletions, applies retention. */
  private recover(hadManifest: boolean): void {
    const m = this.manifest;
    let changed = false;
    for (const file of m.pending) {
      changed = true;
      if (!existsSync(this.path(file)) || m.checkpoints.some((e) => e.file === file)) continue;
      // The rename happened but the manifest update did not: adopt the file if it is whole.
      try {
        const bytes = readFileSync(this.path(file));
        const info = CheckpointManager.parse(file, bytes);
        m.checkpoints.push({ file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, epoch: info.epoch, step: info.step, metrics: info.metrics, savedAt: new Date(statSync(this.path(file)).mtimeMs).toISOString() });
        m.checkpoints.sort((a, b) => a.step - b.step || a.epoch - b.epoch);
        this.considerBest(file, info.metrics);
        this.warn(`CheckpointManager: recovered ${file}, written just before an interruption`);
      } catch (e) {
        m.deleting.push(file);
        this.warn(`CheckpointManager: discarding ${file}, left incomplete by an interruption (${(e as Error).message})`);
      }
    }
    m.pending = [];
    if (m.deleting.length > 0) changed = true;
    this.applyRetention();
    if (changed || !hadManifest) writeManifest(this.directory, m);
    this.finishDeletes();
  }

  private considerBest(file: string, metrics: Record<string, number | null>): void {
    const v = metrics[this.monitor];
    if (typeof v === 'number' && isBetter(v, this.manifest.best?.value ?? null, this.mode)) this.manifest.best = { file, value: v };
  }

  /** Moves everything beyond the newest maxToKeep (the best and protected files excepted) to the delete list. */
  private applyRetention(): void {
    const m = this.manifest;
    const keep = new Set(m.checkpoints.slice(-this.maxToKeep).map((e) => e.file));
    if (this.saveBest && m.best) keep.add(m.best.file);
    for (const f of m.protected) keep.add(f);
    const expired = m.checkpoints.filter((e) => !keep.has(e.file));
    if (expired.length === 0) return;
    m.checkpoints = m.checkpoints.filter((e) => keep.has(e.file));
    m.deleting.push(...expired.map((e) => e.file));
  }

  private finishDeletes(): void {
    const m = this.manifest;
    if (m.deleting.length === 0) return;
    for (const file of m.deleting) {
      try { unlinkSync(this.path(file)); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`CheckpointManager: could not delete ${file}: ${(e as Error).message}`);
      }
    }
    fsyncDirectory(this.directory);
    m.deleting = [];
    writeManifest(this.directory, m);
  }

  private fileNameFor(epoch: number, step: number): string {
    const base = `${this.filePrefix}-e${String(epoch).padStart(4, '0')}-s${String(step).padStart(8, '0')}`;
    const taken = new Set([...this.manifest.checkpoints.map((e) => e.file), ...this.manifest.deleting]);
    let name = `${base}.safetensors`;
    for (let k = 2; taken.has(name) || existsSync(this.path(name)); k++) name = `${base}-${k}.safetensors`;
    return name;
  }

  /** Writes a checkpoint and returns its path. The new file is durable before any old one is deleted. */
  save(options: SaveOptions): string {
    const { model, optimizer, scheduler, epoch, step } = options ?? ({} as SaveOptions);
    if (!model || typeof (model as Module).stateDict !== 'function') throw new TypeError(`CheckpointManager.save: expected a model (a Module), got ${describe(model)}`);
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`CheckpointManager.save: epoch must be a non-negative integer, got ${describe(epoch)}`);
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`CheckpointManager.save: step must be a non-negative integer, got ${describe(step)}`);
    const metrics = options.metrics ?? {};
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== 'number') throw new TypeError(`CheckpointManager.save: metric '${k}' must be a number, got ${describe(v)}`);
    }

    const tensors = new Map<string, Tensor>(model.stateDict());
    const modelKeys = [...tensors.keys()];
    const optimizerState = optimizer ? encodeState(optimizer.stateDict(), 'optimizer', tensors).json : null;
    const schedulerState = scheduler ? encodeState(scheduler.stateDict(), 'scheduler', tensors).json : null;
    // encodeState refuses a name already taken, so a model key can never be shadowed.
    const extra = encodeState(options.extra ?? {}, 'extra', tensors).json;

    const file = this.fileNameFor(epoch, step);
    const m = this.manifest;
    const cleanMetrics = finiteOrNull(metrics);
    const monitored = metrics[this.monitor];
    const newBest = typeof monitored === 'number' && isBetter(monitored, m.best?.value ?? null, this.mode) ? { file, value: monitored } : m.best;
    const training = {
      libraryVersion: LIBRARY_VERSION, epoch, step, metrics: cleanMetrics, monitor: this.monitor, mode: this.mode, best: newBest,
      modelKeys, optimizer: optimizerState, scheduler: schedulerState, extra, savedAt: new Date().toISOString(),
    };
    const metadata: Metadata = { format: 'pt', [METADATA_KEY]: JSON.stringify(training) };

    m.pending.push(file);
    writeManifest(this.directory, m);
    const written = saveFile(this.path(file), tensors, metadata);
    m.pending = m.pending.filter((f) => f !== file);
    m.checkpoints.push({ file, sha256: written.sha256, bytes: written.bytes, epoch, step, metrics: cleanMetrics, savedAt: training.savedAt });
    m.best = newBest;
    this.applyRetention();
    writeManifest(this.directory, m);
    this.finishDeletes();
    return this.path(file);
  }

  /** Parses a checkpoint's bytes (structure and our metadata); throws CheckpointError naming the file. */
  private static parse(file: string, bytes: Buffer): Omit<LoadedCheckpoint, 'skipped' | 'restore' | 'path'> {
    let loaded;
    try {
      loaded = deserialize(bytes, file);
    } catch (e) {
      throw new CheckpointError(file, (e as Error).message);
    }
    const raw = loaded.metadata[METADATA_KEY];
    if (typeof raw !== 'string') throw new CheckpointError(file, `not an ml-odyssey checkpoint (no '${METADATA_KEY}' metadata)`);
    let t: {
      libraryVersion: string; epoch: number; step: number; metrics: Record<string, number | null>; best: { file: string; value: number } | null;
      modelKeys: string[]; optimizer: unknown; scheduler: unknown; extra: unknown; monitor?: unknown; mode?: unknown;
    };
    try {
      t = JSON.parse(raw);
    } catch (e) {
      throw new CheckpointError(file, `its training metadata is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(t.modelKeys) || !Number.isInteger(t.epoch) || !Number.isInteger(t.step)) throw new CheckpointError(file, 'its training metadata lacks epoch, step or the model keys');
    const modelState = new Map<string, Tensor>();
    for (const k of t.modelKeys) {
      const v = loaded.tensors.get(k);
      if (!v) throw new CheckpointError(file, `model tensor '${k}' is missing`);
      modelState.set(k, v);
    }
    const where = `checkpoint ${file}`;
    return {
      epoch: t.epoch, step: t.step, metrics: t.metrics ?? {}, best: t.best ?? null, libraryVersion: String(t.libraryVersion),
      monitor: typeof t.monitor === 'string' ? t.monitor : undefined, mode: t.mode === 'min' || t.mode === 'max' ? t.mode : undefined,
      modelState,
      optimizerState: t.optimizer === null ? null : decodeState(t.optimizer, loaded.tensors, where),
      schedulerState: t.scheduler === null ? null : decodeState(t.scheduler, loaded.tensors, where),
      extra: (decodeState(t.extra ?? {}, loaded.tensors, where) ?? {}) as Record<string, unknown>,
    };
  }

  /** Reads and verifies one checkpoint (checksum when the manifest lists it, then structure). */
  load(pathOrFile: string): LoadedCheckpoint {
    if (typeof pathOrFile !== 'string' || pathOrFile === '') throw new TypeError(`CheckpointManager.load: expected a path, got ${describe(pathOrFile)}`);
    const path = pathOrFile.includes('/') || pathOrFile.includes('\\') ? resolve(pathOrFile) : this.path(pathOrFile);
    const entry = resolve(path, '..') === this.directory ? this.manifest.checkpoints.find((e) => e.file === basename(path)) : undefined;
    return CheckpointManager.loadVerified(path, entry);
  }

  /**
   * Reads and verifies a checkpoint file without a manager: no lock, nothing written, so it works
   * beside a running training. The checksum is checked when a manifest in its directory lists it.
   */
  static readFile(path: string): LoadedCheckpoint {
    if (typeof path !== 'string' || path === '') throw new TypeError(`CheckpointManager.readFile: expected a path, got ${describe(path)}`);
    const full = resolve(path);
    let entry: ManifestEntry | undefined;
    try {
      entry = readManifest(resolve(full, '..'))?.checkpoints.find((e) => e.file === basename(full));
    } catch { /* an unreadable manifest: verify the structure alone */ }
    return CheckpointManager.loadVerified(full, entry);
  }

  /** The checkpoints a directory's manifest lists, each verified, read-only (no lock, no recovery). */
  static inspect(directory: string): CheckpointListing[] {
    return CheckpointManager.inspectManifest(directory).checkpoints;
  }

  /**
   * The manifest (rebuilt read-only from the files when it is missing or damaged, with `problem`
   * saying so) and its checkpoints, each verified.
   */
  static inspectManifest(directory: string): { manifest: Manifest; problem: string | null; checkpoints: CheckpointListing[] } {
    const dir = resolve(directory);
    let m: Manifest | null = null;
    let problem: string | null = null;
    try {
      m = readManifest(dir);
      if (!m) problem = `no ${MANIFEST_NAME}`;
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      problem = e.message;
    }
    if (!m) {
      m = CheckpointManager.rebuildManifest(dir, null, null);
      if (m.checkpoints.length === 0) throw new CheckpointError(dir, `${problem} and no checkpoint files: not a checkpoint directory`);
      problem = `${problem}; listed from the checkpoint files (the next run or resume rebuilds the manifest)`;
    }
    const manifest = m;
    return { manifest, problem, checkpoints: CheckpointManager.verifyAll(dir, manifest) };
  }

  private static verifyAll(dir: string, m: Manifest): CheckpointListing[] {
    return m.checkpoints.map((e) => {
      const item: CheckpointListing = { ...e, path: join(dir, e.file), isBest: m.best?.file === e.file };
      try {
        CheckpointManager.loadVerified(item.path, e);
        item.valid = true;
      } catch (err) {
        item.valid = false;
        item.problem = (err as Error).message;
      }
      return item;
    });
  }

  private static loadVerified(path: string, entry: ManifestEntry | undefined): LoadedCheckpoint {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new CheckpointError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (e as Error).message);
    }
    if (entry) {
      if (bytes.length !== entry.bytes) throw new CheckpointError(path, `it has ${bytes.length} bytes, the manifest recorded ${entry.bytes} (truncated or overwritten)`);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== entry.sha256) throw new CheckpointError(path, `checksum mismatch (SHA-256 ${sha}, the manifest recorded ${entry.sha256}): the file is corrupted`);
    }
    const info = CheckpointManager.parse(path, bytes);
    return {
      ...info,
      path,
      skipped: [],
      restore: (targets: RestoreTargets) => {
        if (targets.model) {
          // Another architecture (say a LeNet-5 checkpoint for a MobileNet): one short line, not every key.
          const own = new Set(targets.model.stateDict().keys());
          const missing = [...own].filter((k) => !info.modelState.has(k));
          const unexpected = [...info.modelState.keys()].filter((k) => !own.has(k));
          if (missing.length > 0 || unexpected.length > 0) {
            const some = (keys: string[]) => keys.slice(0, 3).map((k) => `'${k}'`).join(', ') + (keys.length > 3 ? ', ...' : '');
            throw new CheckpointError(path, `it holds a different model: ${missing.length} of this model's ${own.size} tensors are not in it${missing.length ? ` (${some(missing)})` : ''}, and ${unexpected.length} of its ${info.modelState.size} are not in this model${unexpected.length ? ` (${some(unexpected)})` : ''}; expected a checkpoint of the same architecture`);
          }
          targets.model.loadStateDict(info.modelState, { strict: true });
        }
        if (targets.optimizer) {
          if (info.optimizerState === null) throw new CheckpointError(path, 'it holds no optimizer state');
          targets.optimizer.loadStateDict(info.optimizerState as never);
        }
        if (targets.scheduler) {
          if (info.schedulerState === null) throw new CheckpointError(path, 'it holds no scheduler state');
          targets.scheduler.loadStateDict(info.schedulerState as never);
        }
      },
    };
  }

  /** The newest checkpoint that verifies; corrupt or missing ones are skipped with a warning. Null if none. */
  loadLatest(): LoadedCheckpoint | null {
    const skipped: { file: string; reason: string }[] = [];
    for (const entry of [...this.manifest.checkpoints].reverse()) {
      try {
        const c = this.load(entry.file);
        c.skipped = skipped;
        return c;
      } catch (e) {
        skipped.push({ file: entry.file, reason: (e as Error).message });
        this.warn(`CheckpointManager: skipped ${entry.file}: ${(e as Error).message}`);
        this.dropInvalid(entry.file);
      }
    }
    return null;
  }

  /**
   * Takes a corrupt or missing checkpoint out of the manifest, so it is neither the best nor one of
   * the newest kept; the file, if any, is renamed to `<file>.corrupt` (kept for inspection, never
   * loaded or adopted again). The best is recomputed from the remaining checkpoints.
   */
  private dropInvalid(file: string): void {
    const m = this.manifest;
    m.checkpoints = m.checkpoints.filter((e) => e.file !== file);
    m.protected = m.protected.filter((f) => f !== file);
    if (existsSync(this.path(file))) {
      renameSync(this.path(file), this.path(`${file}.corrupt`));
      fsyncDirectory(this.directory);
      this.warn(`CheckpointManager: renamed it to ${file}.corrupt`);
    }
    if (m.best?.file === file) {
      m.best = null;
      for (const e of m.checkpoints) {
        const v = e.metrics[this.monitor];
        if (typeof v === 'number' && isBetter(v, m.best?.value ?? null, this.mode)) m.best = { file: e.file, value: v };
      }
    }
    writeManifest(this.directory, m);
  }

  /** The best checkpoint, or null if none was recorded or its file is gone. */
  loadBest(): LoadedCheckpoint | null {
    const best = this.manifest.best;
    if (!best || !this.manifest.checkpoints.some((e) => e.file === best.file)) return null;
    return this.load(best.file);
  }

  /** The checkpoints, oldest first; with verify, each file is checked (checksum and structure). */
  list(options: { verify?: boolean } = {}): CheckpointListing[] {
    return this.manifest.checkpoints.map((e) => {
      const item: CheckpointListing = { ...e, path: this.path(e.file), isBest: this.manifest.best?.file === e.file };
      if (options.verify) {
        try {
          this.load(e.file);
          item.valid = true;
        } catch (err) {
          item.valid = false;
          item.problem = (err as Error).message;
        }
      }
      return item;
    });
  }

  /** Keeps a file through retention until unprotect() (used by rollback). */
  protect(pathOrFile: string): void {
    const file = basename(pathOrFile);
    if (!this.manifest.checkpoints.some((e) => e.file === file)) throw new RangeError(`CheckpointManager.protect: ${file} is not one of this directory's checkpoints`);
    if (!this.manifest.protected.includes(file)) {
      this.manifest.protected.push(file);
      writeManifest(this.directory, this.manifest);
    }
  }

  unprotect(pathOrFile: string): void {
    const file = basename(pathOrFile);
    if (!this.manifest.protected.includes(file)) return;
    this.manifest.protected = this.manifest.protected.filter((f) => f !== file);
    this.applyRetention();
    writeManifest(this.directory, this.manifest);
    this.finishDeletes();
  }
}
