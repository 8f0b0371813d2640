// The files of a run directory besides the checkpoints and metrics.csv: config.json (the resolved
// configuration), summary.json (the final figures) and index.html (the plot, the summary and the
// per-epoch table). All written atomically: an interrupted run leaves whole files.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { EpochLogs } from '../train/callbacks/callback.js';

export const RUN_FILES = { config: 'config.json', summary: 'summary.json', metrics: 'metrics.csv', plot: 'plot.svg', page: 'index.html' } as const;

export interface SplitResult {
  loss: number | null;
  accuracy: number | null;
}

export interface Summary {
  model: string;
  dataset: string;
  /** Epochs completed (may be fewer than planned after early stopping). */
  epochs: number;
  plannedEpochs: number;
  steps: number;
  train: SplitResult;
  validation: SplitResult | null;
  test: SplitResult & { top5: number | null; images: number };
  /** Seconds of this process, start to finish. */
  wallSeconds: number;
  /** Seconds spent in training epochs (all sessions of a resumed run). */
  trainSeconds: number;
  /** Mean seconds per epoch. */
  secondsPerEpoch: number;
  /** Training images per second over all epochs. */
  imagesPerSecond: number;
  bestCheckpoint: { file: string; monitor: string; value: number } | null;
  /** How many times the run was resumed. */
  resumes: number;
  finishedAt: string;
}

export function writeJson(path: string, value: unknown): void {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
  writeFileAtomic(path, Buffer.from(text, 'utf8'));
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const finite = (x: number | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function splitResult(loss: number | undefined, accuracy: number | undefined): SplitResult {
  return { loss: finite(loss), accuracy: finite(accuracy) };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const pct = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '–');
const num = (x: number | null | undefined, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');

/** The run's page: title, the summary when there is one, the plot, and a row per epoch. */
export function renderRunPage(title: string, history: readonly EpochLogs[], summary: Summary | null, config: Record<string, unknown>): string {
  const rows = history.map((h) => `<tr><td>${h.epoch + 1}</td><td>${num(h.train_loss)}</td><td>${pct(h.train_accuracy)}</td><td>${num(h.val_loss)}</td><td>${pct(h.val_accuracy)}</td><td>${h.lr.toPrecision(3)}</td><td>${h.seconds.toFixed(1)}</td><td>${Math.round(h.images_per_second)}</td></tr>`);
  const summaryBlock = summary
    ? `<h2>Summary</h2>
<table>
<tr><th></th><th>loss</th><th>accuracy</th></tr>
<tr><td>train</td><td>${num(summary.train.loss)}</td><td>${pct(summary.train.accuracy)}</td></tr>
<tr><td>validation</td><td>${num(summary.validation?.loss)}</td><td>${pct(summary.validation?.accuracy)}</td></tr>
<tr><td>test</td><td>${num(summary.test.loss)}</td><td>${pct(summary.test.accuracy)}</td></tr>
</table>
<p>${summary.epochs} epochs, ${summary.steps} steps, ${summary.trainSeconds.toFixed(1)} s training (${summary.secondsPerEpoch.toFixed(1)} s per epoch, ${Math.round(summary.imagesPerSecond)} images/s), ${summary.wallSeconds.toFixed(1)} s wall time. Details: <a href="${RUN_FILES.summary}">${RUN_FILES.summary}</a>.</p>`
    : '<p><em>Training in progress or interrupted: no summary yet.</em></p>';
  const configRows = Object.entries(config).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(JSON.stringify(v))}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${summaryBlock}
<h2>Learning curves</h2>
<p><img src="${RUN_FILES.plot}" alt="loss and accuracy per epoch"></p>
<h2>Epochs</h2>
<table>
<tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th><th>val acc</th><th>lr</th><th>seconds</th><th>images/s</th></tr>
${rows.join('\n')}
</table>
<h2>Configuration</h2>
<table>
${configRows}
</table>
<p>Files: <a href="${RUN_FILES.config}">${RUN_FILES.config}</a>, <a href="${RUN_FILES.metrics}">${RUN_FILES.metrics}</a>, <a href="${RUN_FILES.plot}">${RUN_FILES.plot}</a>.</p>
</body>
</html>
`;
}

export function writeRunPage(runDir: string, title: string, history: readonly EpochLogs[], config: Record<string, unknown>): void {
  const summaryPath = join(runDir, RUN_FILES.summary);
  const summary = existsSync(summaryPath) ? (readJson(summaryPath) as Summary) : null;
  writeFileAtomic(join(runDir, RUN_FILES.page), Buffer.from(renderRunPage(title, history, summary, config), 'utf8'));
}
