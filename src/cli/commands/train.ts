// `odyssey train [options]` and `odyssey resume RUN_DIR`: configuration from defaults, a config
// file and flags; a resumed run starts from its saved config.json.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { formatOptions, kebab, parseArgs, shellQuote, UsageError, type OptionSpec, type OptionValue } from '../args.js';
import { checkDatasetName, type DataStats } from '../data-setup.js';
import { runTraining } from '../run.js';
import { RUN_FILES } from '../run-files.js';
import { makeDirectory } from '../fs-errors.js';
import { MANIFEST_NAME } from '../../train/checkpoint/manifest.js';
import { configFileValues, resolveConfig, savedConfigValues, TRAIN_OPTIONS, type TrainConfig } from '../train-options.js';

export const TRAIN_HELP = `Usage: odyssey train [options]

Trains a model of the zoo on a dataset and writes a run directory: config.json, metrics.csv,
summary.json, plot.svg, index.html and checkpoints/. Values come from the defaults below, then
--config FILE, then the flags given. Ctrl-C saves a checkpoint and stops (odyssey resume RUN_DIR
continues); a second Ctrl-C stops at once.

Options:
${formatOptions(TRAIN_OPTIONS)}

Exit codes: 0 done, 1 training failed, 2 bad usage, 130 interrupted (a checkpoint was saved).`;

const RESUME_OPTIONS: readonly OptionSpec[] = TRAIN_OPTIONS.filter((s) => ['data-dir', 'threads', 'workers', 'verbose'].includes(s.name));

export const RESUME_HELP = `Usage: odyssey resume RUN_DIR [options]

Continues the run in RUN_DIR from its latest valid checkpoint, with the configuration saved in
RUN_DIR/config.json, to the planned number of epochs; then evaluates on the test split and writes
summary.json. A resumed run ends with the same weights and figures as an uninterrupted one.
--data-dir points a run at its dataset's new place (recorded in config.json).

Options:
${formatOptions(RESUME_OPTIONS)}`;

/** Reads a JSON or TOML config file into option values. */
export function readConfigFile(file: string): Map<string, OptionValue> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`option --config: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const ext = extname(file).toLowerCase();
  let obj: unknown;
  try {
    obj = ext === '.toml' ? parseToml(text) : ext === '.json' ? JSON.parse(text) : null;
  } catch (e) {
    throw new UsageError(`config file ${file}: not valid ${ext === '.toml' ? 'TOML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (ext !== '.toml' && ext !== '.json') throw new UsageError(`option --config: expected a .json or .toml file, got ${file}`);
  return configFileValues(obj, file);
}

interface SavedRun {
  values: Map<string, OptionValue>;
  stats: DataStats | null;
  resumes: number;
  runDir: string;
  checkpointDir: string;
  /** How the run was first started, and the command lines of its resumes. */
  starts: { argv: unknown; resumedWith: unknown[]; dataFingerprint: string | null };
}

function readSavedRun(runDir: string): SavedRun {
  const path = join(runDir, RUN_FILES.config);
  if (existsSync(runDir) && !statSync(runDir).isDirectory()) throw new UsageError(`resume: ${runDir} is a file; expected the run directory that holds it (${dirname(runDir)})`);
  if (!existsSync(path)) throw new UsageError(`resume: ${runDir} is not a run directory (no ${RUN_FILES.config}); expected the directory a train run wrote`);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`resume: ${path} is not valid JSON (${(e as Error).message})`);
  }
  const values = savedConfigValues(obj, path);
  const data = obj.data as { stats?: DataStats } | undefined;
  return {
    values, stats: data?.stats ?? null, resumes: typeof obj.resumes === 'number' ? obj.resumes : 0,
    runDir: String(obj.runDir ?? runDir), checkpointDir: String(obj.checkpointDir ?? join(runDir, 'checkpoints')),
    starts: {
      argv: obj.argv ?? null, resumedWith: Array.isArray(obj.resumedWith) ? obj.resumedWith : [],
      dataFingerprint: typeof (obj.data as { fingerprint?: unknown } | undefined)?.fingerprint === 'string' ? (obj.data as { fingerprint: string }).fingerprint : null,
    },
  };
}

/** The saved run's values, moved to where the run directory is now (it may have been renamed). */
function rebase(saved: SavedRun, runDir: string): Map<string, OptionValue> {
  const values = new Map(saved.values);
  const oldRun = resolve(saved.runDir), oldCkpt = resolve(saved.checkpointDir);
  values.set('run-dir', runDir);
  values.set('checkpoint-dir', oldCkpt === oldRun || oldCkpt.startsWith(`${oldRun}/`) ? join(runDir, oldCkpt.slice(oldRun.length)) : oldCkpt);
  values.set('resume', 'latest');
  return values;
}

/** The newest run directory under runs/ for this model and dataset, or null. */
function newestRun(model: string, dataset: string): string | null {
  const root = 'runs';
  if (!existsSync(root)) return null;
  const found = readdirSync(root)
    .filter((d) => d.endsWith(`-${model}-${dataset}`) && existsSync(join(root, d, RUN_FILES.config)))
    .map((d) => ({ d, t: statSync(join(root, d, RUN_FILES.config)).mtimeMs }))
    .sort((a, b) => b.t - a.t || (a.d < b.d ? 1 : -1));
  return found.length ? join(root, found[0]!.d) : null;
}

/** Schedules whose shape is fixed by the planned epochs: a resumed run cannot change them. */
const EPOCH_BOUND = new Set(['onecycle', 'cosine', 'step', 'multistep']);

function checkExtension(saved: Map<string, OptionValue>, now: Map<string, OptionValue>): void {
  const before = saved.get('epochs'), after = now.get('epochs'), scheduler = String(now.get('scheduler') ?? 'onecycle');
  if (before !== undefined && after !== before && EPOCH_BOUND.has(scheduler)) {
    throw new UsageError(`train: option --epochs ${String(after)}: the run was planned for ${String(before)} epochs and its ${scheduler} schedule spans exactly those; resume it as planned, or start a new run (schedules none, exponential and plateau can be extended)`);
  }
}

/**
 * Options a resumed run may change: they do not alter what the run computes (threads, workers,
 * logging, retention, where the data now lives) or are checked on their own (--epochs). They are
 * recorded in config.json. Every other option must match the run's recorded value.
 */
const RESUME_MAY_CHANGE = new Set<keyof TrainConfig>(['epochs', 'threads', 'workers', 'logEvery', 'maxToKeep', 'checkpointEvery', 'dataDir', 'resume', 'runDir']);

/** Refuses options that differ from the run being resumed, naming each with both values. */
export function checkResumeChanges(before: TrainConfig, after: TrainConfig, configPath: string): void {
  const differs: string[] = [];
  for (const key of Object.keys(before) as (keyof TrainConfig)[]) {
    if (RESUME_MAY_CHANGE.has(key)) continue;
    let a: unknown = before[key], b: unknown = after[key];
    if (key === 'checkpointDir') { a = resolve(String(a)); b = resolve(String(b)); }
    if (JSON.stringify(a) !== JSON.stringify(b)) differs.push(`--${kebab(key)} ${JSON.stringify(b)} (the run's is ${JSON.stringify(a)})`);
  }
  if (differs.length > 0) {
    throw new UsageError(`train: resuming keeps the run's configuration (${configPath}), but ${differs.length === 1 ? 'this option differs' : 'these options differ'}: ${differs.join(', ')}; leave ${differs.length === 1 ? 'it' : 'them'} out, or start a new run with another --run-dir (options a resume may change: --epochs, --threads, --workers, --log-every, --max-to-keep, --checkpoint-every, --data-dir)`);
  }
}

/**
 * A new run must not share a checkpoint directory with another run: its retention would delete
 * the other run's files and its best would be picked among them.
 */
function checkFreshCheckpointDir(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // absent (created later) or unreadable (reported when the run creates it)
  }
  const theirs = names.filter((n) => n === MANIFEST_NAME || n.endsWith('.safetensors'));
  if (theirs.length > 0) {
    throw new UsageError(`train: option --checkpoint-dir: ${dir} already holds another run's checkpoints (${theirs.slice(0, 3).join(', ')}${theirs.length > 3 ? ', ...' : ''}); a new run needs its own checkpoint directory: choose another --checkpoint-dir (or leave it out: RUN_DIR/checkpoints), or continue that run with --resume latest`);
  }
}

function overlay(base: Map<string, OptionValue>, ...layers: Map<string, OptionValue>[]): Map<string, OptionValue> {
  const out = new Map(base);
  for (const l of layers) for (const [k, v] of l) out.set(k, v);
  return out;
}

export async function trainCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, TRAIN_OPTIONS, 'train');
  if (parsed.help) {
    process.stdout.write(`${TRAIN_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`train: unexpected argument '${parsed.positionals[0]}'; options are given as --name value (see odyssey train --help)`);
  const flags = parsed.values;
  const verbose = flags.get('verbose') === true;
  flags.delete('verbose');
  const configPath = flags.get('config') as string | undefined;
  flags.delete('config');
  const fileValues = configPath ? readConfigFile(configPath) : new Map<string, OptionValue>();
  let values = overlay(fileValues, flags);
  let stats: DataStats | null = null;
  let resumes = 0;
  let starts: SavedRun['starts'] | undefined;

  // Resuming: the saved run's configuration is the base the file and flags override.
  const resume = values.get('resume');
  if (typeof resume === 'string') {
    let runDir = values.get('run-dir') as string | undefined;
    if (resume === 'latest' && runDir === undefined && !values.has('checkpoint-dir')) {
      const probe = resolveConfig(values);
      runDir = newestRun(probe.model, probe.dataset) ?? undefined;
      if (!runDir) throw new UsageError(`train: option --resume latest: no run of ${probe.model} on ${probe.dataset} under runs/ to continue; give --run-dir or --checkpoint-dir`);
    }
    if (resume !== 'latest' && !existsSync(resume)) throw new UsageError(`train: option --resume: expected 'latest' or a checkpoint file, got ${JSON.stringify(resume)} (no such file)`);
    if (runDir !== undefined && existsSync(join(runDir, RUN_FILES.config))) {
      const saved = readSavedRun(runDir);
      values = overlay(rebase(saved, runDir), fileValues, flags);
      checkExtension(saved.values, values);
      checkResumeChanges(resolveConfig(rebase(saved, runDir)), resolveConfig(values), join(runDir, RUN_FILES.config));
      values.set('resume', resume);
      stats = saved.stats;
      resumes = saved.resumes;
      starts = saved.starts;
    }
  }
  const config = resolveConfig(values);
  checkDatasetName(config.dataset);
  // The default run directory is claimed atomically: runs started in the same second get -2, -3...
  const claimed = values.has('run-dir') ? null : claimRunDir(config, !values.has('checkpoint-dir'));
  try {
    if (config.resume === null && existsSync(join(config.runDir, RUN_FILES.config))) {
      throw new UsageError(`train: option --run-dir: ${config.runDir} already holds a run; continue it with odyssey resume ${shellQuote(config.runDir)}, or choose another --run-dir`);
    }
    if (config.resume === null) checkFreshCheckpointDir(config.checkpointDir);
    return await runTraining(config, { verbose, stats, resumes, starts, argv: ['train', ...argv] });
  } finally {
    if (claimed) try { rmdirSync(claimed); } catch { /* not empty: the run's */ }
  }
}

/** Makes the default run directory (or the first free `<date>-<k>-<model>-<dataset>`), updating config; returns it. */
function claimRunDir(config: TrainConfig, checkpointsInside: boolean): string {
  const base = config.runDir, tail = `-${config.model}-${config.dataset}`;
  makeDirectory(dirname(base), 'the runs directory');
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base.slice(0, -tail.length)}-${k}${tail}`;
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && k < 1000) continue;
      makeDirectory(dir, 'the run directory (--run-dir)'); // names the real cause
    }
    config.runDir = dir;
    if (checkpointsInside) config.checkpointDir = `${dir}/checkpoints`;
    return resolve(dir);
  }
}

export async function resumeCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, RESUME_OPTIONS, 'resume');
  if (parsed.help) {
    process.stdout.write(`${RESUME_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`resume: expected one run directory (odyssey resume RUN_DIR), got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  const runDir = parsed.positionals[0]!;
  const saved = readSavedRun(runDir);
  const flags = parsed.values;
  const verbose = flags.get('verbose') === true;
  flags.delete('verbose');
  const config: TrainConfig = resolveConfig(overlay(rebase(saved, runDir), flags));
  return runTraining(config, { verbose, stats: saved.stats, resumes: saved.resumes, starts: saved.starts, argv: ['resume', ...argv] });
}
