#!/usr/bin/env node
// The `odyssey` command: train, eval, resume, lr-find, models, bench, checkpoints. Exit codes: 0 done,
// 1 failed, 2 bad usage (one message naming what is wrong and what is expected), 130 interrupted
// after saving a checkpoint. A stack trace only with --verbose.

import { DataFileError } from '../data/errors.js';
import { UsageError } from './args.js';
import { TrainingError } from '../train/training-loop.js';
import { causeOf, FileSystemError } from './fs-errors.js';
import { benchCommand } from './commands/bench.js';
import { checkpointsCommand } from './commands/checkpoints.js';
import { evalCommand } from './commands/eval.js';
import { lrFindCommand } from './commands/lr-find.js';
import { modelsCommand } from './commands/models.js';
import { resumeCommand, trainCommand } from './commands/train.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const COMMANDS: Record<string, { run: (argv: readonly string[]) => number | Promise<number>; summary: string }> = {
  train: { run: trainCommand, summary: 'train a model of the zoo on a dataset (odyssey train --help lists every option)' },
  eval: { run: evalCommand, summary: 'evaluate a checkpoint on a dataset split' },
  resume: { run: resumeCommand, summary: "continue an interrupted run from its latest checkpoint: odyssey resume RUN_DIR" },
  'lr-find': { run: lrFindCommand, summary: 'learning-rate range test: the loss as the rate grows, and a suggested rate' },
  models: { run: modelsCommand, summary: 'list the model zoo: input, parameters, MACs' },
  checkpoints: { run: checkpointsCommand, summary: "list a run's checkpoints with validity, metrics and the best: odyssey checkpoints DIR" },
  bench: { run: benchCommand, summary: 'run the benchmark harness (flags passed through)' },
};

export const MAIN_HELP = `Usage: odyssey <command> [options]

ML Odyssey for TypeScript: train the classic CNNs in Node.js.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`).join('\n')}

Example: odyssey train --model lenet5 --dataset mnist-sample
Help on a command: odyssey <command> --help

Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted (checkpoint saved; odyssey resume continues).`;

const VERBS: Record<string, string> = { mkdir: 'create', unlink: 'delete', read: 'read', rename: 'write', open: 'write', write: 'write', fsync: 'write' };

/** A raw errno error (disk full, read-only...) as "cannot write PATH: cause", or null. */
function fileSystemMessage(e: unknown): string | null {
  const x = e as NodeJS.ErrnoException;
  const cause = causeOf(e);
  if (e instanceof FileSystemError || !cause || typeof x.path !== 'string') return null;
  return `cannot ${VERBS[x.syscall ?? ''] ?? 'write'} ${x.path}: ${cause}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      if (topic !== undefined) {
        if (!COMMANDS[topic]) throw new UsageError(`help: unknown command '${topic}'; expected one of ${Object.keys(COMMANDS).join(', ')}`);
        return await COMMANDS[topic]!.run(['--help']);
      }
      process.stdout.write(`${MAIN_HELP}\n`);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (command === '--version') {
      const { LIBRARY_VERSION } = await import('../version.js');
      process.stdout.write(`${LIBRARY_VERSION}\n`);
      return EXIT_OK;
    }
    const c = COMMANDS[command];
    if (!c) throw new UsageError(`unknown command '${command}'; expected one of ${Object.keys(COMMANDS).join(', ')} (odyssey --help)`);
    return await c.run(rest);
  } catch (e) {
    const error = e as Error;
    const usage = e instanceof UsageError || e instanceof DataFileError;
    const fsMessage = fileSystemMessage(e);
    process.stderr.write(`odyssey: ${verbose && error.stack ? error.stack : fsMessage ?? error.message ?? String(e)}\n`);
    // A file-system failure or a diverged run is not a bug: no stack trace to offer.
    if (!verbose && !usage && !fsMessage && !(e instanceof FileSystemError) && !(e instanceof TrainingError)) process.stderr.write('odyssey: (run with --verbose for the stack trace)\n');
    return usage ? EXIT_USAGE : EXIT_FAILED;
  }
}

// Run when executed (bin, node dist/src/cli/main.js), not when imported.
const invoked = process.argv[1] ? (await import('node:fs')).realpathSync(process.argv[1]) : '';
if (invoked === (await import('node:url')).fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
