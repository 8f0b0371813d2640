// Runs the real `odyssey` command (the compiled bin) in a child process.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ody-cli-${prefix}-`));
}

/** Starts `odyssey ...args`; `onStderr` sees the error stream as it grows (to time a signal). */
export function start(args: readonly string[], cwd: string, onStderr?: (all: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function odyssey(args: readonly string[], cwd: string = tempDir('run')): Promise<Result> {
  return start(args, cwd).done;
}

/** Options of a quick, deterministic training run (a few hundred mnist-sample images, one thread). */
export const QUICK = ['--model', 'lenet5', '--dataset', 'mnist-sample', '--limit', '400', '--epochs', '2', '--threads', '1', '--workers', '0'];
