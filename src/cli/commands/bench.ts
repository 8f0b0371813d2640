// `odyssey bench [flags]`: runs the benchmark harness (bench/index.ts, compiled to dist/bench)
// in a child process with the flags passed through, and exits with its code.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';

export const BENCH_HELP = `Usage: odyssey bench [--json] [--only SECTION] [--threads 1,2] [--quick] [--no-torch] [--filter TEXT]

Runs the benchmark harness (the same as npm run bench): peak FMA throughput, sgemm, conv,
tensor overhead, elementwise, nn kernels and optimizers, each as a table (or JSON), with PyTorch
side by side when it is installed. Flags are passed to the harness unchanged.`;

/** The harness's flags, checked here so a typo fails at once instead of after minutes of benchmarks. */
const BENCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'bool', help: 'print JSON', defaultText: 'false' },
  { name: 'only', type: 'string', metavar: 'SECTION', help: 'run one section', defaultText: 'all' },
  { name: 'threads', type: 'string', metavar: 'LIST', help: 'thread counts, comma-separated', defaultText: '1,2' },
  { name: 'quick', type: 'bool', help: 'fewer repetitions', defaultText: 'false' },
  { name: 'torch', type: 'bool', help: 'compare with PyTorch (--no-torch: skip)', defaultText: 'true' },
  { name: 'filter', type: 'string', metavar: 'TEXT', help: 'only rows whose name contains TEXT', defaultText: 'none' },
  { name: 'verbose', type: 'bool', help: 'stack traces on errors', defaultText: 'false' },
];

/** The compiled harness: dist/bench/index.js, two levels above this file's dist/src/cli/commands. */
export function benchScript(): string {
  return fileURLToPath(new URL('../../../bench/index.js', import.meta.url));
}

export function benchCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return Promise.resolve(0);
  }
  const parsed = parseArgs(argv, BENCH_OPTIONS, 'bench');
  if (parsed.positionals.length > 0) throw new UsageError(`bench: unexpected argument '${parsed.positionals[0]}'; see odyssey bench --help`);
  const script = benchScript();
  if (!existsSync(script)) {
    throw new Error(`bench: the benchmark harness is not in this installation (expected ${script}); it comes with the repository: git clone, npm ci, then npm run odyssey -- bench`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
    });
  });
}
