// The native backend: C++ kernels from the addon for the float32 hot paths, the TypeScript
// backend for everything else (other dtypes, and any op code the addon reports it does not handle).

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';
import { Binary, Unary } from './ops.js';

/** The addon's exports (native/bind_*.cc). */
export interface Addon {
  info(): { isa: string; threads: number; avx2: boolean; avx512: boolean; avx512bf16: boolean };
  setNumThreads(n: number): number;
  setIsa(name: string): boolean;
  unaryF32(op: number, x: Float32Array, xOff: number, out: Float32Array, outOff: number, n: number, p1: number, p2: number): boolean;
  binaryF32(op: number, a: Float32Array, b: Float32Array, out: Float32Array, meta: Float64Array, p1: number): boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where node-gyp puts the addon, from dist/src/backend or src/backend. */
export const ADDON_PATH = path.resolve(here, '..', '..', '..', 'build', 'Release', 'odyssey.node');

/** Loads the addon or returns the reason it cannot be used. */
export function loadAddon(): Addon | string {
  const file = [ADDON_PATH, path.resolve(here, '..', '..', 'build', 'Release', 'odyssey.node')].find((p) => existsSync(p));
  if (!file) {
    const note = path.resolve(ADDON_PATH, '..', '..', 'native-build-failed.txt');
    return existsSync(note) ? `the native build failed at install (see ${note})` : `no native addon at ${ADDON_PATH} (run npm run build:native)`;
  }
  try {
    return createRequire(import.meta.url)(file) as Addon;
  } catch (e) {
    return `the native addon at ${file} failed to load: ${(e as Error).message}`;
  }
}

export function createNativeBackend(addon: Addon, js: Backend): Backend {
  // Shapes and strides go to the addon through one reused Float64Array, not JS arrays.
  const meta = new Float64Array(512);
  let threads = addon.info().threads;
  return {
    ...js,
    name: 'native',
    numThreads: () => threads,
    setNumThreads: (n) => { threads = addon.setNumThreads(n); },

    unary(op, x, xOff, out, outOff, n, p1, p2) {
      if (x instanceof Float32Array && out instanceof Float32Array && addon.unaryF32(Unary[op], x, xOff, out, outOff, n, p1, p2)) return;
      js.unary(op, x, xOff, out, outOff, n, p1, p2);
    },

    binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && shape.length <= 64) {
        const nd = shape.length;
        meta[0] = nd;
        for (let i = 0; i < nd; i++) {
          meta[1 + i] = shape[i]!;
          meta[2 + nd + i] = aStrides[i]!;
          meta[3 + 2 * nd + i] = bStrides[i]!;
        }
        meta[1 + nd] = aOff;
        meta[2 + 2 * nd] = bOff;
        if (addon.binaryF32(Binary[op], a, b, out, meta, p1)) return;
      }
      js.binary(op, a, aOff, aStrides, b, bOff, bStrides, out, shape, p1);
    },
  };
}
