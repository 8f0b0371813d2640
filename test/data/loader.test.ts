import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { data, tensor, Generator, manualSeed } from '../../src/index.js';
import { CountingDataset } from './fixtures/custom-dataset.js';

const { DataLoader, TensorDataset, createDataset, activeWorkerThreads, transforms: T } = data;
type Loader = InstanceType<typeof DataLoader>;

/** A dataset of n 1x4x4 uint8 images; image i is filled with i % 256 and labelled i % 10. */
function tinyImages(n: number): InstanceType<typeof TensorDataset> {
  const pixels = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) pixels.fill(i % 256, i * 16, (i + 1) * 16);
  return new TensorDataset(tensor(pixels, { shape: [n, 1, 4, 4] }), tensor(Array.from({ length: n }, (_, i) => i % 10), { dtype: 'int64' }));
}

/** Every batch of one pass as plain arrays (copied, since buffers are reused). */
async function collect(loader: Loader, limit = Infinity): Promise<{ input: number[]; target: number[] }[]> {
  const out: { input: number[]; target: number[] }[] = [];
  for await (const b of loader) {
    out.push({ input: Array.from(b.input.toTypedArray() as Float32Array), target: Array.from(b.target.toTypedArray() as BigInt64Array, Number) });
    if (out.length >= limit) break;
  }
  return out;
}

const augment = () => T.compose([T.randomCrop(4, { padding: 1 }), T.randomHorizontalFlip(), T.toTensor(), T.normalize(0.5, 0.25)]);

test('batches: shapes, dtypes, dataset order without shuffle, last batch and dropLast', async () => {
  const ds = tinyImages(10);
  const loader = new DataLoader(ds, { batchSize: 4 });
  assert.equal(loader.length, 3);
  assert.deepEqual(loader.sampleShape, [1, 4, 4]);
  const batches: { shape: number[]; targets: number[]; first: number }[] = [];
  for await (const b of loader) {
    assert.equal(b.input.dtype, 'float32');
    assert.equal(b.target.dtype, 'int64');
    batches.push({ shape: [...b.input.shape], targets: b.target.toArray() as number[], first: (b.input.data as Float32Array)[0]! });
  }
  assert.deepEqual(batches.map((b) => b.shape), [[4, 1, 4, 4], [4, 1, 4, 4], [2, 1, 4, 4]]);
  assert.deepEqual(batches.flatMap((b) => b.targets), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(batches[1]!.first, Math.fround(4 / 255), 'uint8 images get toTensor() by default');
  assert.equal(loader.epoch, 1);
  const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.equal((await collect(dropping)).length, 2);
  // In-process loaders also iterate synchronously, with the same batches.
  const sync = [];
  for (const b of new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1, transform: augment() })) sync.push(Array.from(b.input.data as Float32Array));
  assert.deepEqual(sync, (await collect(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1, transform: augment() }))).map((b) => b.input));
  assert.throws(() => new DataLoader(ds, { numWorkers: 1 })[Symbol.iterator](), /iterated with for await/);
  assert.equal(new DataLoader(tinyImages(0), { batchSize: 4 }).length, 0);
  assert.deepEqual(await collect(new DataLoader(tinyImages(0), { batchSize: 4 })), []);
});

test('shuffling is seeded: the same seed gives the same batches, each epoch a new permutation', async () => {
  const ds = tinyImages(50);
  const run = async (seed: number) => {
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed, transform: augment() });
    return [await collect(loader), await collect(loader)];
  };
  const [a1, a2] = await run(3);
  const [b1, b2] = await run(3);
  assert.deepEqual(a1, b1);
  assert.deepEqual(a2, b2);
  const order = (epoch: typeof a1) => epoch.flatMap((b) => b.target);
  assert.notDeepEqual(a1, a2, 'a new order and new augmentation each epoch');
  const [c1] = await run(4);
  assert.notDeepEqual(order(a1), order(c1));
  // Each epoch visits every sample once: labels are i % 10, so each label appears 5 times.
  for (const epoch of [a1, a2]) {
    const counts = new Array<number>(10).fill(0);
    for (const t of order(epoch)) counts[t]!++;
    assert.deepEqual(counts, new Array(10).fill(5));
  }
  // Without a seed the loader draws one from the default generator, so manualSeed fixes it.
  manualSeed(11);
  const d1 = await collect(new DataLoader(ds, { batchSize: 8, shuffle: true }));
  manualSeed(11);
  const d2 = await collect(new DataLoader(ds, { batchSize: 8, shuffle: true }));
  assert.deepEqual(d1, d2);
  // A generator option is copied, not advanced.
  const g = new Generator(5);
  const e1 = await collect(new DataLoader(ds, { batchSize: 8, shuffle: true, generator: g }));
  const e2 = await collect(new DataLoader(ds, { batchSize: 8, shuffle: true, generator: g }));
  assert.deepEqual(e1, e2);
});

test('resuming from stateDict() mid-epoch gives exactly the batches of an uninterrupted run', async () => {
  const ds = tinyImages(45);
  const options = { batchSize: 6, shuffle: true, seed: 9, transform: augment() };
  const reference = new DataLoader(ds, options);
  const full = [...await collect(reference), ...await collect(reference)]; // two epochs of 8 batches
  for (const stopAfter of [0, 3, 7, 8, 11]) {
    const first = new DataLoader(ds, options);
    const seen = [];
    // Run epoch by epoch until `stopAfter` batches were taken, then save.
    while (seen.length < stopAfter) seen.push(...await collect(first, stopAfter - seen.length));
    const saved = JSON.parse(JSON.stringify(first.stateDict()));
    const resumed = new DataLoader(ds, options);
    resumed.loadStateDict(saved);
    while (seen.length < full.length) seen.push(...await collect(resumed));
    assert.deepEqual(seen, full, `stopped after ${stopAfter} batches`);
  }
  const s = reference.stateDict();
  assert.equal(s.epoch, 2);
  assert.equal(s.position, 0);
  assert.throws(() => new DataLoader(ds, { ...options, batchSize: 5 }).loadStateDict(s), /the state is for a different loader \(batchSize 6, this loader 5\)/);
  assert.throws(() => new DataLoader(tinyImages(44), options).loadStateDict(s), /datasetLength 45, this loader 44/);
  assert.throws(() => new DataLoader(ds, options).loadStateDict({ ...s, position: 99 }), /position 99 are not valid for 8 batches per epoch/);
  assert.throws(() => new DataLoader(ds, options).loadStateDict({ ...s, generator: { algorithm: 'mt', state: [1, 2, 3, 4] } as never }), /Generator.setState/);
});

test('worker threads give exactly the batches of the in-process loader', async () => {
  const all = createDataset('mnist-sample', { split: 'test' }) as InstanceType<typeof data.ImageDataset>;
  const ds = all.subset(Array.from({ length: 500 }, (_, i) => 3 * i));
  const transform = T.compose([T.resize(32), T.randomCrop(32, { padding: 2 }), T.randomHorizontalFlip(), T.toTensor(), T.normalize(0.1307, 0.3081)]);
  const base = { batchSize: 50, shuffle: true, seed: 21, transform };
  const inProcess = await collect(new DataLoader(ds, base));
  for (const numWorkers of [1, 2]) {
    for (const reuseBuffers of [true, false]) {
      const loader = new DataLoader(ds, { ...base, numWorkers, reuseBuffers, prefetch: 3 });
      assert.deepEqual(await collect(loader), inProcess, `${numWorkers} workers, reuseBuffers ${reuseBuffers}`);
      assert.equal(activeWorkerThreads(), 0, 'workers stop at the end of the epoch');
    }
  }
  // A Subset (no copy) and a float TensorDataset go to workers too.
  const sub = new data.Subset(all, Array.from({ length: 90 }, (_, i) => 7 * i));
  const subOptions = { batchSize: 16, shuffle: true, seed: 4, transform: T.compose([T.toTensor(), T.normalize(0.5, 0.5)]) };
  assert.deepEqual(await collect(new DataLoader(sub, { ...subOptions, numWorkers: 2 })), await collect(new DataLoader(sub, subOptions)));
  const floats = new TensorDataset(tensor(Array.from({ length: 40 }, (_, i) => i / 8), { shape: [10, 4], dtype: 'float32' }), tensor(Array.from({ length: 10 }, (_, i) => i), { dtype: 'int64' }));
  const floatBatches = await collect(new DataLoader(floats, { batchSize: 4, numWorkers: 1 }));
  assert.deepEqual(floatBatches[0]!.input, Array.from({ length: 16 }, (_, i) => i / 8), 'float inputs pass untransformed, any sample shape');
  assert.deepEqual(floatBatches[2]!.target, [8, 9]);
  // Persistent workers survive the epoch and resume mid-epoch like the in-process loader.
  const persistent = new DataLoader(ds, { ...base, numWorkers: 2, persistentWorkers: true });
  const part = await collect(persistent, 4);
  assert.equal(activeWorkerThreads(), 2);
  const rest = await collect(persistent);
  assert.deepEqual([...part, ...rest], inProcess);
  await persistent.close();
  assert.equal(activeWorkerThreads(), 0);
});

test('a dataset of your own runs in workers through its workerRecipe()', async () => {
  const ds = new CountingDataset(20);
  const local = await collect(new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1 }));
  const threaded = await collect(new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1, numWorkers: 2 }));
  assert.deepEqual(threaded, local);
  assert.deepEqual(local.flatMap((b) => b.target).sort(), Array.from({ length: 20 }, (_, i) => i % 4).sort());
  assert.equal(local[0]!.input.length, 6 * 9);
  // Errors inside a worker reach the loop, naming the sample.
  await assert.rejects(collect(new DataLoader(new CountingDataset(20, 13), { batchSize: 4, numWorkers: 2 })), /sample 13 is unreadable/);
  await assert.rejects(collect(new DataLoader(new CountingDataset(20, 13), { batchSize: 4 })), /sample 13 is unreadable/);
  assert.equal(activeWorkerThreads(), 0);
  // Without a recipe (or with a custom transform) workers are refused up front, with the reason.
  const plain = { length: 2, get: (i: number) => [tensor([i], { dtype: 'float32' }), i] as const };
  assert.throws(() => new DataLoader(plain, { numWorkers: 1 }), /numWorkers > 0 needs a dataset that worker threads can rebuild/);
  const custom = { name: 'invert', spec: null, describe: (m: never) => m, apply: (img: never) => img };
  assert.throws(() => new DataLoader(tinyImages(4), { numWorkers: 1, transform: T.compose([T.toTensor(), custom]) }), /needs transforms that worker threads can rebuild; 'compose'/);
  assert.throws(() => new DataLoader(tinyImages(4), { transform: T.resize(8) }), /the transform produces uint8 images but batches are float32; end it with toTensor\(\)/);
  assert.throws(() => new DataLoader(tinyImages(4), { batchSize: 0 }), /batchSize must be an integer >= 1, got 0/);
  assert.throws(() => new DataLoader({} as never), /expected a dataset/);
});

test('stopping early stops the workers, and the process exits on its own', async () => {
  const ds = createDataset('mnist-sample', { split: 'test' });
  const loader = new DataLoader(ds, { batchSize: 50, shuffle: true, seed: 2, numWorkers: 2, prefetch: 4 });
  let n = 0;
  for await (const b of loader) {
    n += b.input.shape[0]!;
    assert.equal(activeWorkerThreads(), 2);
    if (n >= 150) break;
  }
  assert.equal(activeWorkerThreads(), 0);
  assert.equal(loader.position, 3, 'the loader counts what was handed out, not what was prefetched');
  // The next loop continues the epoch where the first stopped.
  const rest = await collect(loader);
  assert.equal(rest.length, 40 - 3);
  const script = fileURLToPath(new URL('./fixtures/early-break.js', import.meta.url));
  for (const mode of ['break', 'abandon']) {
    const r = spawnSync(process.execPath, [script, mode], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.error, undefined, `${mode}: ${String(r.error)}`);
    assert.equal(r.status, 0, `${mode}: ${r.stderr}`);
    assert.match(r.stdout, /took 64 images; live worker threads after break: (0|1)/);
  }
});

test('reused buffers alternate between two batches; reuseBuffers: false keeps every batch', async () => {
  const ds = tinyImages(12);
  const reused = new DataLoader(ds, { batchSize: 3 });
  const inputs = [];
  for await (const b of reused) inputs.push(b.input);
  assert.equal(inputs[0]!.storage.data.buffer, inputs[2]!.storage.data.buffer);
  assert.notEqual(inputs[0]!.storage.data.buffer, inputs[1]!.storage.data.buffer);
  const kept = [];
  for await (const b of new DataLoader(ds, { batchSize: 3, reuseBuffers: false })) kept.push(b.input);
  assert.deepEqual(kept.map((t) => (t.data as Float32Array)[0]), [0, 3, 6, 9].map((v) => Math.fround(v / 255)));
});

test('a new loop or loadStateDict supersedes a loop in progress', async () => {
  const loader = new DataLoader(tinyImages(12), { batchSize: 3 });
  const it = loader[Symbol.asyncIterator]();
  await it.next();
  loader.loadStateDict(loader.stateDict());
  await assert.rejects(it.next(), /superseded/);
  const fresh = await collect(loader);
  assert.equal(fresh.length, 3, 'the saved position (after one batch) is where the new loop starts');
});
