// Data-parallel training on worker_threads: N replicas of the model, each running forward and
// backward on its shard of every batch on its own kernel thread, their gradients averaged.
//
// Replica 0 is the main thread's model (the one the TrainingLoop, optimizer and checkpoints see);
// replicas 1..N-1 live in workers. Per step: the main thread writes its weights and buffers into a
// SharedArrayBuffer, wakes the workers (Atomics), computes its own shard while they compute
// theirs, then adds their gradients, each already weighted by its shard's share of the batch, into
// its own. The optimizer step runs once, on the main thread, and the next step's broadcast carries
// the result: every replica starts every step from bit-identical weights, and a full-batch step
// is reproduced up to float rounding (mean over the batch = sum over shards of share x shard mean).
// Batch norm uses each replica's shard statistics, and the running statistics are replica 0's,
// broadcast every step (PyTorch DDP's default, broadcast_buffers, without SyncBatchNorm).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { setCallerThreads } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { describe } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { correctTopK } from './metrics.js';
import { combinedLoss } from './objective.js';
import { defaultGenerator } from '../tensor/random.js';
import { checkSpec, CONTROL_WORDS, OPEN, REPLY, REQUEST, shardStep, stateLayout, stateTensors, writeState, type ModuleSpec, type StateEntry } from './data-parallel-shared.js';
import type { Command, Reply } from './data-parallel-worker.js';

export type { ModuleSpec };

export interface DataParallelOptions {
  /** Model replicas, main thread included (2: the main thread and one worker). */
  replicas: number;
  /** How each worker builds its replica: an architecture identical to the main thread's model (weights come from it). */
  model: ModuleSpec;
  /** How each worker builds the loss. Default: nn.CrossEntropyLoss(). */
  loss?: ModuleSpec;
  /** Kernel threads of each replica, main thread included. Default 1. */
  threadsPerReplica?: number;
  /** A step that takes longer than this fails with an Error. Default 600 s. */
  timeoutMs?: number;
  /** Starting the replicas (threads, module imports, model construction) taking longer than this fails with an Error. Default: timeoutMs. */
  startTimeoutMs?: number;
  /**
   * Who computes a worker's shard. 'auto' (default): the worker, unless the main thread finishes
   * its own shard before the worker has started that one (a busy machine that has not scheduled
   * the worker's thread yet), in which case the main thread does it, with the same result.
   * 'never': always the worker. 'always': the main thread computes every shard (one thread, the
   * data-parallel arithmetic: for checks).
   */
  steal?: 'auto' | 'never' | 'always';
}

export interface ShardStepResult {
  /** The batch's loss: the shards' losses weighted by their share of the batch. */
  loss: number;
  /** Top-1 correct predictions over the whole batch. */
  correct: number;
}

interface Replica { worker: Worker; port: MessagePort; control: Int32Array; grads: Float64Array; input: SharedArrayBuffer | null; target: SharedArrayBuffer | null; dead: string | null }

const WORKER_URL = new URL('./data-parallel-worker.js', import.meta.url);
const DEFAULT_LOSS: ModuleSpec = { module: new URL('../nn/index.js', import.meta.url).href, export: 'CrossEntropyLoss', args: [] };

export class DataParallel {
  readonly replicas: number;
  readonly threadsPerReplica: number;
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly steal: 'auto' | 'never' | 'always';
  private readonly modelSpec: ModuleSpec;
  private readonly lossSpec: ModuleSpec;
  private workers: Replica[] = [];
  private model: Module | null = null;
  private tensors: [string, Tensor][] = [];
  private entries: StateEntry[] = [];
  private state: Float64Array | null = null;
  private seq = 0;
  private scratch: (Tensor | null)[] | null = null;
  private failure: Error | null = null;
  private closed = false;

  constructor(options: DataParallelOptions) {
    const o = options ?? ({} as DataParallelOptions);
    if (!Number.isInteger(o.replicas) || o.replicas < 1 || o.replicas > 64) throw new RangeError(`DataParallel: replicas must be an integer from 1 to 64, got ${describe(o.replicas)}`);
    this.replicas = o.replicas;
    this.modelSpec = checkSpec(o.model, 'model');
    this.lossSpec = o.loss === undefined ? DEFAULT_LOSS : checkSpec(o.loss, 'loss');
    this.threadsPerReplica = o.threadsPerReplica ?? 1;
    if (!Number.isInteger(this.threadsPerReplica) || this.threadsPerReplica < 1) throw new RangeError(`DataParallel: threadsPerReplica must be a positive integer, got ${describe(o.threadsPerReplica)}`);
    this.timeoutMs = o.timeoutMs ?? 600_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`DataParallel: timeoutMs must be positive, got ${describe(o.timeoutMs)}`);
    this.startTimeoutMs = o.startTimeoutMs ?? this.timeoutMs;
    if (!(this.startTimeoutMs > 0)) throw new RangeError(`DataParallel: startTimeoutMs must be positive, got ${describe(o.startTimeoutMs)}`);
    this.steal = o.steal ?? 'auto';
    if (!['auto', 'never', 'always'].includes(this.steal)) throw new RangeError(`DataParallel: steal must be 'auto', 'never' or 'always', got ${describe(o.steal)}`);
  }

  get started(): boolean { return this.model !== null; }

  /** Starts the workers for this model (replica 0) and waits until each has built its replica. */
  async start(model: Module, auxLossWeight = 0.3): Promise<void> {
    if (this.closed) throw new Error('DataParallel: closed');
    const layout = stateLayout(model);
    if (this.model) {
      // Another model of the same architecture (a resumed run's fresh loop) becomes replica 0.
      const same = layout.entries.length === this.entries.length && layout.entries.every((e, i) => e.name === this.entries[i]!.name && e.numel === this.entries[i]!.numel);
      if (!same) throw new Error('DataParallel: already started with a model of another architecture');
      this.model = model;
      this.tensors = stateTensors(model);
      return;
    }
    this.entries = layout.entries;
    this.tensors = stateTensors(model);
    const stateBuf = new SharedArrayBuffer(8 * Math.max(1, layout.total));
    this.state = new Float64Array(stateBuf);
    setCallerThreads(this.threadsPerReplica);
    this.model = model;
    const ready: Promise<void>[] = [];
    for (let rank = 1; rank < this.replicas; rank++) {
      const { port1, port2 } = new MessageChannel();
      const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
      const grads = new SharedArrayBuffer(8 * Math.max(1, layout.paramTotal));
      const worker = new Worker(WORKER_URL, {
        workerData: { rank, port: port2, control, state: stateBuf, grads, model: this.modelSpec, loss: this.lossSpec, threads: this.threadsPerReplica, auxLossWeight, entries: this.entries },
        transferList: [port2],
        // Workers inherit node's flags, but --input-type (node --input-type=module -e ...) is for the
        // main script and fails a worker's file; passing a list at all would be checked against the
        // flags a worker may set, which V8 flags (--trace-gc, --max-old-space-size) are not.
        ...(process.execArgv.some((a) => a.startsWith('--input-type')) ? { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) } : {}),
      });
      const r: Replica = { worker, port: port1, control: new Int32Array(control), grads: new Float64Array(grads), input: null, target: null, dead: null };
      this.workers.push(r);
      ready.push(new Promise<void>((resolve, reject) => {
        worker.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`DataParallel: replica ${rank} failed to start: ${m.error}`))));
        worker.once('error', (e) => reject(new Error(`DataParallel: replica ${rank} failed to start: ${e.message}`)));
        worker.once('exit', (code) => reject(new Error(`DataParallel: replica ${rank} exited (code ${code}) while starting`)));
      }));
      worker.on('error', (e) => { r.dead ??= `threw ${e?.stack ?? e}`; });
      worker.on('exit', (code) => { r.dead ??= `exited with code ${code}`; });
      // Workers never keep the process alive on their own (a forgotten close() must not hang node).
      worker.unref();
      port1.unref();
    }
    try {
      for (const w of this.workers) w.worker.ref();
      await withTimeout(Promise.all(ready), this.startTimeoutMs, 'DataParallel: the replicas did not start');
      for (const w of this.workers) w.worker.unref();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /**
   * Forward and backward of one batch across the replicas: on return the main model's gradients
   * hold (accumulated onto what they held) `scale` x the gradient of the full batch's mean loss.
   * A non-finite loss on any shard gives a non-finite total and leaves the gradients partial.
   */
  async forwardBackward(input: Tensor, target: Tensor, lossFn: (o: Tensor, t: Tensor) => Tensor, auxLossWeight: number, scale: number, seed: number): Promise<ShardStepResult> {
    const model = this.model;
    if (!model) throw new Error('DataParallel: start(model) first');
    if (this.failure) throw this.failure;
    if (input.dtype !== 'float32' && input.dtype !== 'float64') throw new TypeError(`DataParallel: inputs must be float32 or float64, got ${input.dtype}`);
    if (target.dtype !== 'int64' || target.ndim !== 1) throw new TypeError(`DataParallel: targets must be class indices (int64 [n]), got ${target.dtype} [${target.shape.join(', ')}]`);
    const n = input.shape[0] ?? 0;
    const bounds = (r: number) => Math.floor((n * r) / this.replicas);
    writeState(this.tensors, this.entries, this.state!);
    const shards: { w: Replica; rank: number; b: number; e: number; weight: number; q: number }[] = [];
    for (let r = 1; r < this.replicas; r++) {
      const w = this.workers[r - 1]!, b = bounds(r), e = bounds(r + 1);
      if (e <= b) continue;
      const q = ++this.seq, weight = (scale * (e - b)) / n;
      if (this.steal !== 'always') {
        Atomics.store(w.control, OPEN, q);
        this.send(w, this.shardCommand(w, q, input, target, b, e, weight, seed));
      }
      shards.push({ w, rank: r, b, e, weight, q });
    }
    let loss = 0, correct = 0;
    const n0 = bounds(1);
    if (n0 > 0) {
      const x = input.narrow(0, 0, n0), t = target.narrow(0, 0, n0);
      const { loss: l, main } = combinedLoss(lossFn, auxLossWeight, model.forward(x) as Tensor | Tensor[], t, 'TrainingLoop');
      const value = l.item();
      if (Number.isFinite(value)) l.mul((scale * n0) / n).backward();
      loss += (value * n0) / n;
      correct += main.ndim === 2 ? correctTopK(main, t, 1) : 0;
    }
    // In rank order, so the sums do not depend on who computed which shard.
    for (const sh of shards) {
      let r: { loss: number; correct: number };
      if (sh.w.dead) throw this.fail(new Error(`DataParallel: replica ${sh.rank} ${sh.w.dead}`));
      if (this.steal === 'always' || (this.steal === 'auto' && Atomics.compareExchange(sh.w.control, OPEN, sh.q, 0) === sh.q)) {
        // The worker has not started it (on a busy machine its thread may not even be scheduled yet): do it here.
        r = this.stolenShard(input, target, sh.b, sh.e, sh.weight, seed, sh.rank, sh.w.grads, lossFn, auxLossWeight);
        this.stolen += 1;
      } else {
        const reply = await this.receive(sh.w, sh.q);
        if (!reply.ok) throw this.fail(new Error(`DataParallel: replica ${sh.rank} failed: ${reply.error}`));
        r = { loss: reply.loss!, correct: reply.correct! };
      }
      loss += (r.loss * (sh.e - sh.b)) / n;
      correct += r.correct;
    }
    if (Number.isFinite(loss)) this.addGrads(shards.map((sh) => sh.w));
    return { loss, correct };
  }

  /** Shards the main thread computed because their worker had not taken them yet (since start). */
  stolen = 0;

  /**
   * A worker's shard, computed on the main thread exactly as the worker would (shardStep), into the
   * worker's gradient buffer; the main model's gradients, batch-norm buffers and random generator
   * are put back afterwards.
   */
  private stolenShard(input: Tensor, target: Tensor, b: number, e: number, weight: number, seed: number, rank: number, grads: Float64Array,
    lossFn: (o: Tensor, t: Tensor) => Tensor, auxLossWeight: number): { loss: number; correct: number } {
    const model = this.model!;
    const params = model.parameters();
    const own = params.map((p) => p.grad);
    const buffers = model.buffers().filter((t) => t !== null).map((t) => [t, t.data.slice(t.offset, t.offset + t.numel())] as const);
    const generator = defaultGenerator().getState();
    if (!this.scratch) this.scratch = params.map(() => null);
    params.forEach((p, k) => { p.grad = this.scratch![k]!; });
    try {
      return shardStep(model, lossFn, auxLossWeight, this.entries, input.narrow(0, b, e - b).contiguous(), target.narrow(0, b, e - b).contiguous(), weight, seed, rank, grads);
    } finally {
      params.forEach((p, k) => { this.scratch![k] = p.grad; p.grad = own[k]!; });
      for (const [t, saved] of buffers) (t.data as { set(a: ArrayLike<unknown>, o: number): void }).set(saved, t.offset);
      defaultGenerator().setState(generator);
    }
  }

  /** Each worker replica's current state (parameters then buffers, as float64), for tests and checks. */
  async replicaStates(): Promise<Float64Array[]> {
    if (!this.model) throw new Error('DataParallel: start(model) first');
    const out: Float64Array[] = [];
    for (const w of this.workers) {
      const q = ++this.seq;
      this.send(w, { cmd: 'state', q });
      const reply = await this.receive(w, q);
      if (!reply.ok) throw this.fail(new Error(`DataParallel: replica ${this.workers.indexOf(w) + 1} failed: ${reply.error}`));
      out.push(reply.state!);
    }
    return out;
  }

  /** Stops the workers (they exit on their own; any that does not within a second is terminated). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map(async (w) => {
      if (w.dead) return;
      const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
      try {
        const q = ++this.seq;
        w.port.postMessage({ cmd: 'exit', q } satisfies Command);
        Atomics.store(w.control, REQUEST, q);
        Atomics.notify(w.control, REQUEST);
      } catch { /* already gone */ }
      const timer = setTimeout(() => void w.worker.terminate(), 1000);
      await exited;
      clearTimeout(timer);
      w.port.close();
    }));
    if (this.model) setCallerThreads(0);
    this.model = null;
  }

  private shardCommand(w: Replica, q: number, input: Tensor, target: Tensor, b: number, e: number, weight: number, seed: number): Command {
    const x = input.narrow(0, b, e - b).contiguous(), t = target.narrow(0, b, e - b).contiguous();
    const dtype = input.dtype as 'float32' | 'float64';
    const xBytes = x.numel() * (dtype === 'float64' ? 8 : 4), tBytes = 8 * (e - b);
    if (!w.input || w.input.byteLength < xBytes) w.input = new SharedArrayBuffer(xBytes);
    if (!w.target || w.target.byteLength < tBytes) w.target = new SharedArrayBuffer(tBytes);
    const xs = x.data as Float32Array | Float64Array;
    (dtype === 'float64' ? new Float64Array(w.input, 0, x.numel()) : new Float32Array(w.input, 0, x.numel())).set(xs.subarray(x.offset, x.offset + x.numel()));
    new BigInt64Array(w.target, 0, e - b).set((t.data as BigInt64Array).subarray(t.offset, t.offset + (e - b)));
    return { cmd: 'step', q, n: e - b, shape: [...x.shape], dtype, weight, seed, input: w.input, target: w.target };
  }

  private send(w: Replica, c: Command): void {
    if (w.dead) throw this.fail(new Error(`DataParallel: replica ${this.workers.indexOf(w) + 1} ${w.dead}`));
    w.port.postMessage(c);
    Atomics.store(w.control, REQUEST, c.q);
    Atomics.notify(w.control, REQUEST);
  }

  /** Waits for the worker's reply to command `seq`. */
  private async receive(w: Replica, seq: number): Promise<Reply> {
    const started = Date.now();
    const expected = seq;
    // The worker is unref'd; while we wait on it, it must keep the event loop (its exit event) alive.
    w.worker.ref();
    try {
      await this.waitReply(w, seq, expected, started);
    } finally {
      w.worker.unref();
    }
    const m = receiveMessageOnPort(w.port);
    if (!m) throw this.fail(new Error(`DataParallel: replica ${this.workers.indexOf(w) + 1} signalled without a reply`));
    return m.message as Reply;
  }

  // Blocks in short Atomics.wait slices (a reply wakes us at once), turning the event loop between
  // them so that a worker's error or exit event is seen. (Atomics.waitAsync would not keep the
  // event loop alive, and a dead worker's exit event would never come.)
  private async waitReply(w: Replica, seq: number, expected: number, started: number): Promise<void> {
    for (;;) {
      const cur = Atomics.load(w.control, REPLY);
      if (cur === expected) return;
      Atomics.wait(w.control, REPLY, cur, 10);
      if (Atomics.load(w.control, REPLY) === expected) return;
      await new Promise((res) => setImmediate(res));
      if (w.dead) throw this.fail(new Error(`DataParallel: replica ${this.workers.indexOf(w) + 1} ${w.dead} during step ${seq}`));
      if (Date.now() - started > this.timeoutMs) throw this.fail(new Error(`DataParallel: replica ${this.workers.indexOf(w) + 1} did not answer within ${this.timeoutMs} ms`));
    }
  }

  /** Adds each worker's weighted gradients into the main model's. */
  private addGrads(active: Replica[]): void {
    const params = this.model!.parameters();
    for (let k = 0; k < params.length; k++) {
      const p = params[k]!, e = this.entries[k]!;
      if (!p.requiresGrad) continue;
      if (!p.grad) p.grad = Tensor.empty(p.shape, p.dtype);
      const g = p.grad.data as Float32Array | Float64Array, o = p.grad.offset;
      for (const w of active) {
        const src = w.grads;
        for (let i = 0; i < e.numel; i++) g[o + i] = g[o + i]! + src[e.offset + i]!;
      }
    }
  }

  private fail(e: Error): Error {
    this.failure ??= e;
    return e;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
