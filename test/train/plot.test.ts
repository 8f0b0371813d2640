// Learning-curve SVG and the PlotWriter callback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nn, optim, manualSeed, Tensor, train } from '../../src/index.js';
import { legendCorner, niceTicks, renderLrFinder } from '../../src/train/plot.js';
import type { EpochLogs } from '../../src/train/callbacks/callback.js';
import { loader, mlp } from './helpers.js';

const logs = (epoch: number, trainLoss: number, valLoss: number, trainAcc: number, valAcc: number): EpochLogs =>
  ({ epoch, train_loss: trainLoss, val_loss: valLoss, train_accuracy: trainAcc, val_accuracy: valAcc, lr: 0.1, step: epoch * 10, skipped_steps: 0, seconds: 1, images_per_second: 100 });

test('niceTicks gives round values covering the range', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 2.3), [0, 0.5, 1, 1.5, 2]);
  assert.deepEqual(niceTicks(0.9, 1), [0.9, 0.92, 0.94, 0.96, 0.98, 1]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('renderLearningCurves draws loss and accuracy panels with a point per epoch', () => {
  const svg = train.renderLearningCurves([logs(0, 1.2, 0.8, 0.6, 0.75), logs(1, 0.5, 0.45, 0.85, 0.88), logs(2, 0.3, 0.35, 0.92, 0.9)], 'a <run>');
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<polyline /g) ?? []).length, 4);
  assert.equal((svg.match(/<circle /g) ?? []).length, 12);
  assert.match(svg, /<title>a &lt;run&gt;<\/title>/, 'text is escaped');
  assert.match(svg, />60%</, 'the accuracy axis starts at the tenth below the lowest point');
  // Points stay inside the panels.
  for (const m of svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)) {
    const y = Number(m[2]);
    assert.ok(y >= 34 && y <= 320 - 44, `y ${y} inside the plot area`);
  }
  // No validation: only the training curves; one epoch: points, no lines; no history: axes only.
  const noVal = train.renderLearningCurves([{ ...logs(0, 1, NaN, 0.5, NaN), val_loss: undefined, val_accuracy: undefined }]);
  assert.equal((noVal.match(/<circle /g) ?? []).length, 2);
  assert.equal((noVal.match(/<polyline /g) ?? []).length, 0);
  const empty = train.renderLearningCurves([]);
  assert.match(empty, />Loss</);
  assert.doesNotMatch(empty, /NaN|Infinity/);
});

test('the legend goes to the corner the curves leave free', () => {
  const area = { x: 0, y: 0, w: 400, h: 240 };
  // Pixel coordinates (y grows downwards). A falling curve leaves the top right free ...
  const falling = [[0, 0], [100, 150], [200, 200], [400, 230]] as const;
  const top = legendCorner([falling], 2, area);
  assert.ok(top.x > 200 && top.y < 20, `falling curve: top right, got ${JSON.stringify(top)}`);
  // ... a climbing one (accuracy) fills it, and the bottom right is free.
  const climbing = [[0, 240], [100, 80], [200, 30], [400, 5]] as const;
  const bottom = legendCorner([climbing], 2, area);
  assert.ok(bottom.x > 200 && bottom.y > 150, `climbing curve: bottom right, got ${JSON.stringify(bottom)}`);
  // A line crossing the box counts, not only its dots: two far dots joined through the top right.
  const crossing = [[250, 0], [400, 60], [0, 240]] as const;
  assert.ok(legendCorner([crossing], 1, area).y > 150 || legendCorner([crossing], 1, area).x < 200);
});

test('PlotWriter writes the plot when training starts and after every epoch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ody-plot-'));
  const path = join(dir, 'plot.svg');
  const seen: number[] = [];
  manualSeed(3);
  const model = mlp();
  const writer = new train.PlotWriter({ path, title: 'blobs', onWrite: (loop) => seen.push(loop.history.length) });
  const loop = new train.TrainingLoop({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: (o: Tensor, t: Tensor) => nn.F.crossEntropy(o, t), callbacks: [writer], log: () => {} });
  await loop.train({ epochs: 3, trainLoader: loader(64, 1), valLoader: loader(32, 2) });
  assert.deepEqual(seen, [0, 1, 2, 3]);
  assert.ok(existsSync(path));
  assert.equal((readFileSync(path, 'utf8').match(/<circle /g) ?? []).length, 12);
  assert.throws(() => new train.PlotWriter({ path: '' }), /PlotWriter: expected a path/);
});

test('lr-finder plot: a raw loss above the axis is drawn on its top edge, not dropped, and the legend says so', () => {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
  const losses = [2.3, 2.2, 17.1, 1.5, 1.4];
  const smoothed = [2.3, 2.25, 2.0, 1.8, 1.6];
  const svg = renderLrFinder(lrs, losses, smoothed, 1e-2);
  const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' '));
  assert.equal(lines[0]!.length, 5, 'every raw loss is drawn');
  const ys = lines[0]!.map((p) => Number(p.split(',')[1]));
  assert.equal(Math.min(...ys), ys[2], 'the spike is the highest point, on the top edge');
  assert.match(svg, /loss \(1 above 4\.6 on the top edge\)/);
  assert.equal(lines[1]!.length, 5, 'the smoothed curve is whole');
});
