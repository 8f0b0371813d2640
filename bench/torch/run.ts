// Runs a PyTorch timing script under the environment the project uses for fair comparisons
// (OpenMP threads = ours, single-threaded OpenBLAS, no OpenBLAS core overrides). Returns the
// script's JSON, or the reason PyTorch could not run (the caller then leaves its column empty).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const python = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
/** bench/torch in the source tree (this file runs from dist/bench/torch). */
export const TORCH_DIR = path.resolve(here, '..', '..', '..', 'bench', 'torch');

let available: true | string | undefined;

/** true when `/usr/bin/python3 -c "import torch"` works, else the reason. */
export function torchAvailable(): true | string {
  if (available !== undefined) return available;
  if (!existsSync(python)) return (available = `no ${python}`);
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  available = r.status === 0 ? true : `import torch failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return available;
}

export function runTorchScript<T>(script: string, input: unknown, threads: number): T | string {
  const ok = torchAvailable();
  if (ok !== true) return ok;
  const file = path.join(TORCH_DIR, script);
  if (!existsSync(file)) return `no ${file}`;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [file], { input: JSON.stringify(input), env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) return `PyTorch run failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as T;
}
