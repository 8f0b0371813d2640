// The DataLoader's worker threads: start them, send each a share of the batch tasks, collect the
// filled buffers, stop them. Idle workers are unref'd, so a program that stops iterating (or
// forgets a loader) still exits; the loader refs them only while it waits for a batch.

import { Worker } from 'node:worker_threads';
import type { BatchTask } from './batch.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface BatchResult {
  worker: number;
  count: number;
  input: ArrayBuffer;
  target: ArrayBuffer;
}

interface Pending {
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

let liveThreads = 0;

/** DataLoader worker threads currently running in this process (for tests and diagnostics). */
export function activeWorkerThreads(): number {
  return liveThreads;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  /** Per worker: task id -> its promise, answered in the order the worker received them. */
  private readonly pending: Map<number, Pending>[] = [];
  private readonly queues: number[][] = [];
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;
  private refs = 0;

  constructor(readonly size: number, init: WorkerInit) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_URL, { workerData: init, execArgv: [] });
      liveThreads++;
      this.pending.push(new Map());
      this.queues.push([]);
      this.exited.push(new Promise((resolve) => w.once('exit', (code) => {
        liveThreads--;
        if (!this.closed) this.fail(new Error(`DataLoader: worker ${i} stopped unexpectedly (exit code ${code})`));
        resolve();
      })));
      w.on('message', (msg: FromWorker) => this.onMessage(i, msg));
      w.on('error', (e) => this.fail(new Error(`DataLoader: worker ${i} failed: ${e.message}`)));
      w.unref();
      this.workers.push(w);
    }
  }

  private onMessage(i: number, msg: FromWorker): void {
    if (msg.type === 'ready') return;
    if (msg.type === 'init-error') {
      this.fail(new Error(`DataLoader: a worker could not rebuild the dataset or transform: ${msg.message}`));
      return;
    }
    const id = this.queues[i]!.shift();
    const p = id === undefined ? undefined : this.pending[i]!.get(id);
    if (id === undefined || !p) return;
    this.pending[i]!.delete(id);
    if (msg.type === 'error') p.reject(new Error(msg.message));
    else p.resolve({ worker: i, count: msg.count, input: msg.input, target: msg.target });
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const map of this.pending) {
      for (const p of map.values()) p.reject(e);
      map.clear();
    }
  }

  /** Sends a batch to worker `worker`; the promise settles with its filled buffers. */
  submit(task: BatchTask, worker: number): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('DataLoader: the worker pool is closed'));
    const id = this.nextId++;
    const promise = new Promise<BatchResult>((resolve, reject) => this.pending[worker]!.set(id, { resolve, reject }));
    promise.catch(() => { /* handled by whoever awaits it; unawaited ones (after an early stop) are dropped */ });
    this.queues[worker]!.push(id);
    this.workers[worker]!.postMessage({ type: 'task', ...task } satisfies ToWorker);
    return promise;
  }

  /** Gives a worker its buffers back for its next batches. */
  recycle(result: BatchResult): void {
    if (this.closed || this.failure) return;
    this.workers[result.worker]!.postMessage({ type: 'recycle', input: result.input, target: result.target } satisfies ToWorker, [result.input, result.target]);
  }

  /** Keeps the process alive while someone waits for a batch (nested calls count). */
  ref(): void {
    if (this.refs++ === 0) for (const w of this.workers) w.ref();
  }

  unref(): void {
    if (--this.refs === 0) for (const w of this.workers) w.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops every worker and waits until their threads have exited. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.fail(new Error('DataLoader: the worker pool was closed'));
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
    await Promise.all(this.exited);
  }
}
