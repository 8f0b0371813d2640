// Backend selection: the native addon by default, the TypeScript backend where the addon cannot
// load (said once, with the reason). ODYSSEY_BACKEND=native|js forces one.

import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { createNativeBackend, loadAddon, type Addon } from './native.js';

export type { Backend, Conv2dGeometry, Pool2dGeometry } from './backend.js';
export * from './ops.js';

export const jsBackend: Backend = createJsBackend();
let addon: Addon | null = null;
let addonFailure: string | null = null;
let nativeBackend: Backend | null = null;
let current: Backend;

function tryNative(): Backend | null {
  if (nativeBackend) return nativeBackend;
  if (addonFailure) return null;
  const loaded = loadAddon();
  if (typeof loaded === 'string') {
    addonFailure = loaded;
    return null;
  }
  addon = loaded;
  nativeBackend = createNativeBackend(loaded, jsBackend);
  return nativeBackend;
}

function initial(): Backend {
  const forced = process.env.ODYSSEY_BACKEND;
  if (forced === 'js') return jsBackend;
  if (forced !== undefined && forced !== '' && forced !== 'native') {
    throw new Error(`ODYSSEY_BACKEND: expected 'native' or 'js', got '${forced}'`);
  }
  const native = tryNative();
  if (native) return native;
  if (forced === 'native') throw new Error(`ODYSSEY_BACKEND=native, but ${addonFailure}`);
  process.emitWarning(`ml-odyssey: using the TypeScript backend because ${addonFailure}`, { code: 'ODYSSEY_NO_NATIVE' });
  return jsBackend;
}

current = initial();

/** The backend every tensor op runs on. */
export function backend(): Backend {
  return current;
}

/** Switch backends ('native' throws with the reason if the addon is unavailable). */
export function setBackend(name: 'native' | 'js'): void {
  if (name !== 'js' && name !== 'native') throw new TypeError(`setBackend: expected 'native' or 'js', got ${typeof name === 'string' ? `'${name}'` : typeof name}`);
  if (name === 'js') { current = jsBackend; return; }
  const native = tryNative();
  if (!native) throw new Error(`setBackend('native'): ${addonFailure}`);
  current = native;
}

/** The native backend, or null with nativeUnavailableReason() saying why. */
export function getNativeBackend(): Backend | null {
  return tryNative();
}

export function nativeUnavailableReason(): string | null {
  tryNative();
  return addonFailure;
}

export interface BackendInfo {
  backend: 'native' | 'js';
  isa: string | null;
  threads: number;
  nativeUnavailable: string | null;
}

export function backendInfo(): BackendInfo {
  return {
    backend: current.name,
    isa: current.name === 'native' && addon ? addon.info().isa : null,
    threads: current.numThreads(),
    nativeUnavailable: addonFailure,
  };
}

/** Native only: force an instruction set ('avx512' | 'avx2' | 'scalar' | 'auto'), for testing every kernel path. */
export function setIsa(name: 'avx512' | 'avx2' | 'scalar' | 'auto'): boolean {
  return addon ? addon.setIsa(name) : false;
}

/**
 * Native only: a kernel-thread limit for the calling JavaScript thread alone (0 removes it), so a
 * worker_thread can run its kernels on its own thread (1) without sharing the addon's pool with
 * the other threads. Returns the threads this thread's kernels now use.
 */
export function setCallerThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setCallerThreads: expected a non-negative integer (0 = no limit), got ${n}`);
  return addon ? addon.setCallerThreads(n) : 1;
}

/**
 * Native only: the path float32 3x3 stride-1 convolutions (forward, input gradient) take:
 * 'auto' (Winograd F(2x2, 3x3) where it measures faster than the GEMM), 'winograd' (wherever it
 * applies) or 'gemm' (never Winograd). For testing and benchmarking both paths.
 */
export function setConvAlgorithm(name: 'auto' | 'winograd' | 'gemm'): boolean {
  return addon ? addon.setConvAlgo(name) : false;
}

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setNumThreads: expected a non-negative integer (0 = default), got ${n}`);
  nativeBackend?.setNumThreads(n);
}
