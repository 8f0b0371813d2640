// Recycled gradient memory. A training step allocates the same gradient-sized buffers every
// time; backward knows when a gradient it owned has been consumed (autograd/pending-grads.ts) and
// hands its memory back here, and the next uninitialised allocation of that byte size takes it
// instead of a new buffer, whose pages the kernel would have to fault in and zero again.
//
// Only memory that nothing else can reach is recycled: a buffer qualifies only if this module
// handed it out during the backward pass now running (so it is no forward activation, saved
// tensor, constant or user array, whatever a backward function returned), the engine owned the
// gradient outright (no other pending gradient or view refers to its storage), and the buffer is
// the storage's whole memory. A retained .grad gets a copy; a leaf's first gradient that the
// engine owned outright becomes its .grad, and keepBuffer takes it out of this module's reach. Forward activations come back too, but only those whose
// only owners were graph nodes, once the last of them was released (autograd/held-memory.ts). Buffers under MIN_BYTES are left to the
// allocator; at most MAX_POOLED_BYTES are held.

import type { Storage } from './storage.js';

const MIN_BYTES = 64 * 1024;
const MAX_POOLED_BYTES = 256 * 1024 * 1024;

const pool = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let releasedBytes = 0;
/** Buffers of at least MIN_BYTES handed out during the running backward pass (null: none running).
 *  Weak, so that a dead gradient the engine does not recycle is still freed mid-backward (a strong
 *  set kept every one alive to the end of the pass: +200 MiB peak for GoogLeNet). */
let handedOut: WeakSet<ArrayBuffer> | null = null;

/** Runs a backward pass, during which allocations are tracked so that its dead gradients can be recycled. */
export function withRecycling<T>(fn: () => T): T {
  const outer = handedOut;
  handedOut = new WeakSet();
  try {
    return fn();
  } finally {
    handedOut = outer;
  }
}

/** Notes a new uninitialised buffer (only tracked while a backward pass runs). */
export function noteAllocated(buf: ArrayBuffer): void {
  if (handedOut && buf.byteLength >= MIN_BYTES) handedOut.add(buf);
}

/** A recycled buffer of exactly `bytes` bytes, or undefined. Its contents are unspecified. */
export function takeBuffer(bytes: number): ArrayBuffer | undefined {
  if (bytes < MIN_BYTES) return undefined;
  const buf = pool.get(bytes)?.pop();
  if (buf) pooledBytes -= bytes;
  return buf;
}

/**
 * Gives a dead gradient's memory back for reuse. The caller (the backward engine) must hold the
 * only reference to the storage; memory not handed out during the running backward is left alone.
 */
export function recycleStorage(storage: Storage): void {
  const data = storage.data;
  const buf = data.buffer;
  if (!handedOut || !(buf instanceof ArrayBuffer) || !handedOut.has(buf)) return;
  const bytes = buf.byteLength;
  if (data.byteOffset !== 0 || data.byteLength !== bytes || pooledBytes + bytes > MAX_POOLED_BYTES) return;
  handedOut.delete(buf);
  pushBuffer(buf);
}

/** The storage's memory leaves backward's hands (it became a leaf's .grad): never recycled. */
export function keepBuffer(storage: Storage): void {
  const buf = storage.data.buffer;
  if (handedOut && buf instanceof ArrayBuffer) handedOut.delete(buf);
}

/**
 * Gives back the memory of a forward activation whose only owners, graph nodes, have released it
 * (autograd/held-memory.ts). The caller guarantees that nothing else refers to the
 * storage or its array; memory that is not one whole ArrayBuffer is left alone.
 */
export function recycleReleased(storage: Storage): void {
  const data = storage.data;
  const buf = data.buffer;
  if (!(buf instanceof ArrayBuffer)) return;
  const bytes = buf.byteLength;
  if (bytes < MIN_BYTES || data.byteOffset !== 0 || data.byteLength !== bytes || pooledBytes + bytes > MAX_POOLED_BYTES) return;
  handedOut?.delete(buf);
  pushBuffer(buf);
  releasedBytes += bytes;
}

function pushBuffer(buf: ArrayBuffer): void {
  const bytes = buf.byteLength;
  const list = pool.get(bytes);
  if (list) list.push(buf);
  else pool.set(bytes, [buf]);
  pooledBytes += bytes;
}

/** Bytes held for reuse. */
export function pooledByteCount(): number {
  return pooledBytes;
}

/** Bytes of forward activations given back so far (recycleReleased), for tests and diagnostics. */
export function releasedByteCount(): number {
  return releasedBytes;
}
