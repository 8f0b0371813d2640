// The native backend: C++ kernels from the addon for the float32 hot paths, the TypeScript
// backend for everything else (other dtypes, and any op code the addon reports it does not handle).
// Each kernel family wires its addon functions in its own file (native-*.ts).

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';
import { convOverrides, type ConvAddon } from './native-conv.js';
import { elementwiseOverrides, type ElementwiseAddon } from './native-elementwise.js';
import { normOverrides, type NormAddon } from './native-norm.js';
import { poolOverrides, type PoolAddon } from './native-pool.js';
import { softmaxOverrides, type SoftmaxAddon } from './native-softmax.js';
import { gemmOverrides, type GemmAddon } from './native-gemm.js';
import { optimOverrides, type OptimAddon } from './native-optim.js';
import { castOverrides, type CastAddon } from './native-cast.js';
import { reduceOverrides, type ReduceAddon } from './native-reduce.js';

/** The addon's own state functions (native/bind_core.cc). */
export interface CoreAddon {
  info(): { isa: string; threads: number; avx2: boolean; avx512: boolean; avx512bf16: boolean };
  setNumThreads(n: number): number;
  /** A thread limit for the calling JavaScript thread only (0 removes it); returns its thread count. */
  setCallerThreads(n: number): number;
  setIsa(name: string): boolean;
}

/** Everything the addon exports: one interface per family. */
export type Addon = CoreAddon & ElementwiseAddon & PoolAddon & NormAddon & SoftmaxAddon & GemmAddon & ConvAddon & OptimAddon & CastAddon & ReduceAddon;

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where node-gyp puts the addon (this file is compiled to dist/src/backend). */
export const ADDON_PATH = path.resolve(here, '..', '..', '..', 'build', 'Release', 'odyssey.node');

/** Loads the addon or returns the reason it cannot be used. */
export function loadAddon(): Addon | string {
  if (!existsSync(ADDON_PATH)) {
    const note = path.resolve(ADDON_PATH, '..', '..', 'native-build-failed.txt');
    return existsSync(note) ? `the native build failed at install (see ${note})` : `there is no native addon at ${ADDON_PATH} (run npm run build:native)`;
  }
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (e) {
    return `the native addon at ${ADDON_PATH} failed to load: ${(e as Error).message}`;
  }
}

export function createNativeBackend(addon: Addon, js: Backend): Backend {
  let threads = addon.info().threads;
  return {
    ...js,
    name: 'native',
    numThreads: () => threads,
    setNumThreads: (n) => { threads = addon.setNumThreads(n); },
    ...elementwiseOverrides(addon, js),
    ...poolOverrides(addon, js),
    ...normOverrides(addon, js),
    ...softmaxOverrides(addon, js),
    ...gemmOverrides(addon, js),
    ...convOverrides(addon, js),
    ...optimOverrides(addon, js),
    ...castOverrides(addon, js),
    ...reduceOverrides(addon, js),
  };
}
