// DataLoader throughput on Fashion-MNIST (60,000 training images), batch 64, shuffled: images per
// second for one epoch, in-process and with worker threads, for the plain pipeline (toTensor +
// normalize, as LeNet-5 uses) and the 32x32 RGB one (resize, grayToRgb, toTensor, normalize, as
// ResNet-18 and MobileNetV1 use). Each figure is the best of `--repeat` epochs (default 3).
// 'cpu µs/image' is the CPU time of all threads per image (robust to other load on the machine,
// unlike images/s); 'main µs/image' the main thread's busy wall time per image (event-loop
// utilisation): the part of loading on the training loop's critical path.
// Usage: node dist/bench/data-loader.js [--json] [--repeat N] [--root DIR]

import { performance } from 'node:perf_hooks';
import { data } from '../src/index.js';

const { DataLoader, createDataset, transforms: T } = data;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function epoch(loader: InstanceType<typeof DataLoader>): Promise<{ rate: number; cpuMicros: number; mainMicros: number }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  let images = 0;
  for await (const batch of loader) images += batch.input.shape[0]!;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const busy = performance.eventLoopUtilization(elu).active; // ms
  const used = process.cpuUsage(cpu);
  return { rate: images / seconds, cpuMicros: (used.user + used.system) / images, mainMicros: (busy * 1000) / images };
}

async function main(): Promise<void> {
  const repeat = Number(arg('--repeat') ?? 3);
  const root = arg('--root');
  const t0 = process.hrtime.bigint();
  const dataset = createDataset('fashion-mnist', root ? { root } : {});
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const pipelines = {
    'toTensor+normalize (1x28x28)': () => T.compose([T.toTensor(), T.normalize(0.286, 0.353)]),
    'resize32+grayToRgb+normalize (3x32x32)': () => T.compose([T.resize(32), T.grayToRgb(), T.toTensor(), T.normalize(0.286, 0.353)]),
  };
  const rows: { pipeline: string; workers: number; imagesPerSecond: number; cpuMicrosPerImage: number; mainMicrosPerImage: number }[] = [];
  for (const [name, make] of Object.entries(pipelines)) {
    for (const workers of [0, 1, 2]) {
      const loader = new DataLoader(dataset, { batchSize: 64, shuffle: true, seed: 0, transform: make(), numWorkers: workers, persistentWorkers: true });
      let best = 0, cpu = Infinity, main = Infinity;
      for (let r = 0; r < repeat; r++) {
        const e = await epoch(loader);
        best = Math.max(best, e.rate);
        cpu = Math.min(cpu, e.cpuMicros);
        main = Math.min(main, e.mainMicros);
      }
      await loader.close();
      rows.push({ pipeline: name, workers, imagesPerSecond: Math.round(best), cpuMicrosPerImage: Number(cpu.toFixed(2)), mainMicrosPerImage: Number(main.toFixed(2)) });
    }
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ dataset: 'fashion-mnist', images: dataset.length, batchSize: 64, loadSeconds, rows }, null, 2));
    return;
  }
  console.log(`fashion-mnist: ${dataset.length} images read in ${loadSeconds.toFixed(2)} s; batch 64, shuffled, best of ${repeat} epochs`);
  console.log('pipeline'.padEnd(42) + 'workers'.padStart(8) + 'images/s'.padStart(12) + 'cpu µs/image'.padStart(14) + 'main µs/image'.padStart(15));
  for (const r of rows) {
    console.log(r.pipeline.padEnd(42) + String(r.workers).padStart(8) + String(r.imagesPerSecond).padStart(12) + r.cpuMicrosPerImage.toFixed(2).padStart(14) + r.mainMicrosPerImage.toFixed(2).padStart(15));
  }
}

await main();
