// The DataLoader: batches of a dataset in a seeded order, as an async iterator of
// { input: float32 [B, ...sample shape], target: int64 [B] }.
//
// Order and augmentation come from the loader's own Generator: at the start of each epoch it draws
// the permutation (when shuffling) and a 32-bit augmentation seed; batch b's random transforms use
// a generator seeded by (that seed, b). So every batch is a function of the epoch's generator
// state and its index: workers and the main thread compute identical bytes, and the state
// { epoch, position, generator state at the epoch's start } resumes exactly, mid-epoch included.
//
// Iterating continues from the current position: a loop that stops early and a new loop started
// later together see each batch of the epoch once. Finishing the epoch moves to the next one.

import { Generator, defaultGenerator, type GeneratorState } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { ArraySource } from './array-source.js';
import { fillBatch, type BatchTask } from './batch.js';
import { metaOf, type SampleSource } from './image.js';
import type { Recipe } from './recipe.js';
import { isDatasetLike, sourceOf, type DatasetLike } from './source.js';
import { isTransform, toTensor, type Transform } from './transforms.js';
import type { WorkerInit } from './worker.js';
import { WorkerPool, type BatchResult } from './worker-pool.js';

export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Applied to every sample; default toTensor() for uint8 images, nothing for float32 inputs. */
  transform?: Transform | null;
  /** Seed of the loader's generator; default: drawn from the library's default generator. */
  seed?: number | bigint;
  /** Start from this generator's state instead of a seed (the generator itself is not advanced). */
  generator?: Generator;
  /** Worker threads that prepare batches ahead (default 0: batches are made in the calling thread). */
  numWorkers?: number;
  /** Batches each worker works ahead (default 2). */
  prefetch?: number;
  /** Keep the workers between epochs (default false); then call close() when done. */
  persistentWorkers?: boolean;
  /**
   * Reuse two batch buffers in turn (default true): a batch's tensors stay valid until two more
   * batches have been taken; clone() what you keep longer. false gives every batch fresh memory.
   */
  reuseBuffers?: boolean;
}

export interface Batch {
  /** [B, ...sample shape], float32. */
  input: Tensor;
  /** [B] class indices, int64. */
  target: Tensor;
}

/** What a checkpoint saves to resume the loader exactly (JSON-serialisable). */
export interface DataLoaderState {
  epoch: number;
  /** Batches of this epoch already handed out. */
  position: number;
  /** The generator's state at the start of this epoch. */
  generator: GeneratorState;
  batchSize: number;
  datasetLength: number;
  shuffle: boolean;
  dropLast: boolean;
}

interface EpochPlan {
  order: Int32Array;
  epochSeed: number;
  /** Generator state at the start of the next epoch. */
  next: GeneratorState;
}

interface Slot {
  input: Float32Array;
  target: BigInt64Array;
}

/** Closes the workers of iterations that were dropped without finishing or being returned. */
const abandoned = new FinalizationRegistry<WorkerPool>((pool) => { void pool.close(); });

function positiveInt(v: unknown, what: string, fallback: number, min = 1): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new TypeError(`DataLoader: ${what} must be an integer >= ${min}, got ${String(v)}`);
  return x;
}

export class DataLoader implements AsyncIterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetch: number;
  readonly persistentWorkers: boolean;
  readonly reuseBuffers: boolean;
  readonly transform: Transform | null;
  /** Shape of one input after the transform. */
  readonly sampleShape: readonly number[];
  private readonly source: SampleSource;
  private readonly sampleSize: number;
  private readonly workerInit: WorkerInit | null;
  private state: { epoch: number; position: number; generator: GeneratorState };
  private generation = 0;
  private pool: WorkerPool | null = null;
  private slots: Slot[] = [];
  private turn = 0;

  constructor(readonly dataset: DatasetLike | ArraySource, options: DataLoaderOptions = {}) {
    if (!isDatasetLike(dataset) && !(dataset instanceof ArraySource)) throw new TypeError('DataLoader: expected a dataset (an object with length and get(index))');
    if (options === null || typeof options !== 'object') throw new TypeError('DataLoader: options must be an object');
    this.batchSize = positiveInt(options.batchSize, 'batchSize', 1);
    this.shuffle = !!options.shuffle;
    this.dropLast = !!options.dropLast;
    this.numWorkers = positiveInt(options.numWorkers, 'numWorkers', 0, 0);
    this.prefetch = positiveInt(options.prefetch, 'prefetch', 2);
    this.persistentWorkers = !!options.persistentWorkers;
    this.reuseBuffers = options.reuseBuffers ?? true;
    this.source = sourceOf(dataset);
    if (options.transform !== undefined && options.transform !== null && !isTransform(options.transform)) {
      throw new TypeError('DataLoader: transform must be a transform (from data.transforms) or null');
    }

    // The batch's sample shape: the first sample's, through the transform.
    let transform = options.transform ?? null;
    let shape: readonly number[] = [];
    if (this.source.length > 0) {
      const meta = metaOf(this.source.readSample(0).image);
      if (options.transform === undefined && meta.dtype === 'uint8') transform = toTensor();
      const out = transform ? transform.describe(meta) : meta;
      if (out.dtype !== 'float32') throw new TypeError('DataLoader: the transform produces uint8 images but batches are float32; end it with toTensor()');
      shape = out.shape.slice();
    }
    this.transform = transform;
    this.sampleShape = shape;
    this.sampleSize = shape.reduce((a, b) => a * b, 1);
    this.workerInit = this.numWorkers > 0 ? this.describeForWorkers() : null;

    let generator: Generator;
    if (options.generator !== undefined) {
      if (!(options.generator instanceof Generator)) throw new TypeError('DataLoader: generator must be a Generator');
      generator = options.generator.clone();
    } else if (options.seed !== undefined) {
      generator = new Generator(options.seed);
    } else {
      generator = new Generator(defaultGenerator().nextUint32());
    }
    this.state = { epoch: 0, position: 0, generator: generator.getState() };
  }

  /** What the workers rebuild the dataset and transform from; fails early with the reason. */
  private describeForWorkers(): WorkerInit {
    const d = this.dataset as DatasetLike & { recipe?: () => Recipe };
    const source = d instanceof ArraySource ? d.recipe() : (typeof d.workerRecipe === 'function' ? d.workerRecipe() : null);
    if (!source) {
      throw new TypeError('DataLoader: numWorkers > 0 needs a dataset that worker threads can rebuild (the built-in ones, or one with a workerRecipe() method); use numWorkers: 0 for this dataset');
    }
    let transform: WorkerInit['transform'] = null;
    if (this.transform) {
      const t = this.transform as Transform & { workerRecipe?: () => Recipe | null };
      const recipe = !t.spec && typeof t.workerRecipe === 'function' ? t.workerRecipe() : null;
      if (t.spec) transform = { spec: t.spec };
      else if (recipe) transform = { recipe };
      else throw new TypeError(`DataLoader: numWorkers > 0 needs transforms that worker threads can rebuild; '${t.name ?? 'custom'}' has no spec or workerRecipe(); use numWorkers: 0`);
    }
    return { source, transform, sampleShape: this.sampleShape.slice(), batchSize: this.batchSize };
  }

  get datasetLength(): number {
    return this.source.length;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.source.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  get epoch(): number { return this.state.epoch; }
  /** Batches of the current epoch already handed out. */
  get position(): number { return this.state.position; }

  stateDict(): DataLoaderState {
    return {
      epoch: this.state.epoch, position: this.state.position, generator: { ...this.state.generator, state: [...this.state.generator.state] as GeneratorState['state'] },
      batchSize: this.batchSize, datasetLength: this.source.length, shuffle: this.shuffle, dropLast: this.dropLast,
    };
  }

  /** Resumes at a saved state; the next iteration continues from its position. */
  loadStateDict(s: DataLoaderState): void {
    if (!s || typeof s !== 'object') throw new TypeError('DataLoader.loadStateDict: expected a state object from stateDict()');
    const mismatch = (['batchSize', 'datasetLength', 'shuffle', 'dropLast'] as const).filter((k) => s[k] !== this.stateDict()[k]);
    if (mismatch.length > 0) {
      throw new RangeError(`DataLoader.loadStateDict: the state is for a different loader (${mismatch.map((k) => `${k} ${String(s[k])}, this loader ${String(this.stateDict()[k])}`).join('; ')})`);
    }
    if (!Number.isInteger(s.epoch) || s.epoch < 0 || !Number.isInteger(s.position) || s.position < 0 || s.position > this.length) {
      throw new RangeError(`DataLoader.loadStateDict: epoch ${s.epoch} and position ${s.position} are not valid for ${this.length} batches per epoch`);
    }
    new Generator().setState(s.generator); // validates
    this.generation++; // an iteration in progress is superseded
    this.state = { epoch: s.epoch, position: s.position, generator: { algorithm: s.generator.algorithm, state: [...s.generator.state] as GeneratorState['state'] } };
  }

  /** Stops persistent workers (iterations stop theirs by themselves). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    const generation = ++this.generation;
    const holder: { pool: WorkerPool | null } = { pool: null };
    const iterator = this.run(generation, holder);
    let registered = false;
    return {
      next: async () => {
        const r = await iterator.next();
        if (!registered && holder.pool) {
          abandoned.register(iterator, holder.pool, iterator);
          registered = true;
        }
        return r;
      },
      return: async () => {
        abandoned.unregister(iterator);
        return iterator.return(undefined);
      },
      [Symbol.asyncIterator]() { return this; },
    } as AsyncIterator<Batch>;
  }

  private plan(): EpochPlan {
    const g = new Generator().setState(this.state.generator);
    const n = this.source.length;
    const order = this.shuffle ? g.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    const epochSeed = g.nextUint32();
    return { order, epochSeed, next: g.getState() };
  }

  private task(plan: EpochPlan, batch: number): BatchTask {
    const start = batch * this.batchSize;
    const end = Math.min(start + this.batchSize, plan.order.length);
    return { batch, indices: plan.order.slice(start, end), epochSeed: plan.epochSeed };
  }

  private slot(): Slot {
    if (!this.reuseBuffers) return { input: new Float32Array(this.batchSize * this.sampleSize), target: new BigInt64Array(this.batchSize) };
    if (this.slots.length < 2) this.slots.push({ input: new Float32Array(this.batchSize * this.sampleSize), target: new BigInt64Array(this.batchSize) });
    const s = this.slots[this.turn % this.slots.length]!;
    this.turn++;
    return s;
  }

  private batchOf(input: Float32Array, target: BigInt64Array, count: number): Batch {
    const inputData = input.length === count * this.sampleSize ? input : input.subarray(0, count * this.sampleSize);
    const targetData = target.length === count ? target : target.subarray(0, count);
    return {
      input: Tensor.fromStorage(inputData, 'float32', [count, ...this.sampleShape]),
      target: Tensor.fromStorage(targetData, 'int64', [count]),
    };
  }

  private superseded(generation: number): Error | null {
    return generation === this.generation ? null : new Error('DataLoader: this iteration was superseded by a newer one (or by loadStateDict); start a new loop');
  }

  /** In-process batches (numWorkers = 0): `for (const batch of loader)` works as well as `for await`. */
  [Symbol.iterator](): Iterator<Batch> {
    if (this.numWorkers > 0) throw new TypeError('DataLoader: a loader with worker threads is iterated with for await');
    return this.runInProcess(++this.generation);
  }

  private *runInProcess(generation: number): IterableIterator<Batch> {
    const plan = this.plan();
    for (let b = this.state.position; b < this.length; b++) {
      const task = this.task(plan, b);
      const slot = this.slot();
      const count = task.indices.length;
      fillBatch(this.source, this.transform, task, this.sampleShape, slot.input.subarray(0, count * this.sampleSize), slot.target.subarray(0, count));
      this.state.position = b + 1;
      yield this.batchOf(slot.input, slot.target, count);
      const stale = this.superseded(generation);
      if (stale) throw stale;
    }
    this.state = { epoch: this.state.epoch + 1, position: 0, generator: plan.next };
  }

  private async *run(generation: number, holder: { pool: WorkerPool | null }): AsyncGenerator<Batch, void, undefined> {
    if (this.numWorkers === 0) {
      yield* this.runInProcess(generation);
      return;
    }
    // Worker threads fill batches ahead; batch b goes to worker b % numWorkers, results are taken in order.
    const plan = this.plan();
    const total = this.length;
    try {
      const pool = this.persistentWorkers && this.pool && !this.pool.isClosed ? this.pool : new WorkerPool(this.numWorkers, this.workerInit!);
      if (this.persistentWorkers) this.pool = pool;
      else holder.pool = pool;
      const inflight = new Map<number, Promise<BatchResult>>();
      let next = this.state.position;
      const refill = (): void => {
        while (next < total && inflight.size < this.prefetch * this.numWorkers) {
          inflight.set(next, pool.submit(this.task(plan, next), next % this.numWorkers));
          next++;
        }
      };
      refill();
      for (let b = this.state.position; b < total; b++) {
        let result: BatchResult;
        pool.ref();
        try {
          result = await inflight.get(b)!;
        } finally {
          pool.unref();
        }
        inflight.delete(b);
        const stale = this.superseded(generation);
        if (stale) throw stale;
        refill();
        let batch: Batch;
        if (this.reuseBuffers) {
          const slot = this.slot();
          slot.input.set(new Float32Array(result.input, 0, result.count * this.sampleSize));
          slot.target.set(new BigInt64Array(result.target, 0, result.count));
          pool.recycle(result);
          batch = this.batchOf(slot.input, slot.target, result.count);
        } else {
          batch = this.batchOf(new Float32Array(result.input), new BigInt64Array(result.target), result.count);
        }
        this.state.position = b + 1;
        yield batch;
        const staleAfter = this.superseded(generation);
        if (staleAfter) throw staleAfter;
      }
      this.state = { epoch: this.state.epoch + 1, position: 0, generator: plan.next };
    } finally {
      if (holder.pool) {
        const pool = holder.pool;
        holder.pool = null;
        await pool.close();
      }
    }
  }
}
