// `odyssey bench [flags]`: runs the benchmark harness (bench/index.ts, compiled to dist/bench)
// in a child process with the flags passed through, and exits with its code.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCH_HELP = `Usage: odyssey bench [--json] [--only SECTION] [--threads 1,2] [--quick] [--no-torch] [--filter TEXT]

Runs the benchmark harness (the same as npm run bench): peak FMA throughput, sgemm, conv,
tensor overhead, elementwise, nn kernels and optimizers, each as a table (or JSON), with PyTorch
side by side when it is installed. Flags are passed to the harness unchanged.`;

/** The compiled harness: dist/bench/index.js, two levels above this file's dist/src/cli/commands. */
export function benchScript(): string {
  return fileURLToPath(new URL('../../../bench/index.js', import.meta.url));
}

export function benchCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return Promise.resolve(0);
  }
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
