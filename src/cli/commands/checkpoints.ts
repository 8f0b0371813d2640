// `odyssey checkpoints DIR`: each checkpoint of a run (or checkpoint directory) with its validity
// (checksum and structure verified), epoch, step, metrics, and which one is the best. Read-only:
// it works while the run is still training.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, CheckpointManager } from '../../train/checkpoint/checkpoint-manager.js';
import { MANIFEST_NAME } from '../../train/checkpoint/manifest.js';
import { formatOptions, parseArgs, UsageError, type OptionSpec } from '../args.js';

const OPTIONS: readonly OptionSpec[] = [{ name: 'json', type: 'bool', help: 'print the list as JSON', defaultText: 'false' }];

export const CHECKPOINTS_HELP = `Usage: odyssey checkpoints DIR [--json]

Lists the checkpoints of a run directory (its checkpoints/ folder) or of a checkpoint directory:
file, epoch, step, whether it verifies (SHA-256 and structure), its metrics, and the best one
(marked *) by the run's monitored metric.

Options:
${formatOptions(OPTIONS)}`;

const METRIC_ORDER = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy'];

function fmt(k: string, v: number | null): string {
  if (v === null) return `${k} n/a`;
  return /acc|top5/.test(k) ? `${k} ${(100 * v).toFixed(2)}%` : `${k} ${v.toFixed(4)}`;
}

export function checkpointsCommand(argv: readonly string[]): number {
  const parsed = parseArgs(argv, OPTIONS, 'checkpoints');
  if (parsed.help) {
    process.stdout.write(`${CHECKPOINTS_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`checkpoints: expected one directory (odyssey checkpoints DIR), got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  let dir = parsed.positionals[0]!;
  if (!existsSync(dir)) throw new UsageError(`checkpoints: no such directory ${dir}`);
  if (!existsSync(join(dir, MANIFEST_NAME)) && existsSync(join(dir, 'checkpoints'))) dir = join(dir, 'checkpoints');
  let inspected;
  try {
    inspected = CheckpointManager.inspectManifest(dir);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(`checkpoints: ${dir} holds no ${MANIFEST_NAME} and no checkpoint files; expected a run directory or a checkpoint directory`);
    throw e;
  }
  const { manifest, problem, checkpoints: list } = inspected;
  if (problem) process.stderr.write(`odyssey: warning: ${dir}: ${problem}\n`);
  if (parsed.values.get('json') === true) {
    process.stdout.write(`${JSON.stringify({ directory: dir, monitor: manifest.monitor, mode: manifest.mode, best: manifest.best, checkpoints: list }, null, 2)}\n`);
    return 0;
  }
  const lines = [`${dir}: ${list.length} checkpoint(s); best by ${manifest.monitor} (${manifest.mode}): ${manifest.best ? `${manifest.best.file} (${manifest.best.value})` : 'none yet'}`];
  for (const c of list) {
    const keys = [...METRIC_ORDER.filter((k) => k in c.metrics), ...Object.keys(c.metrics).filter((k) => !METRIC_ORDER.includes(k) && /loss|acc/.test(k) && k !== 'val_top5')];
    const metrics = keys.map((k) => fmt(k, c.metrics[k] ?? null)).join(', ');
    lines.push(`${c.isBest ? '*' : ' '} ${c.file}  epoch ${c.epoch} step ${c.step}  ${c.valid ? 'valid' : `INVALID: ${c.problem}`}  ${metrics}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
