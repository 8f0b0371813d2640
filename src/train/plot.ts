// Learning curves as a standalone SVG document: loss (left panel) and accuracy (right panel) per
// epoch, training and validation, with axes, ticks and a legend. Plain strings, no dependency, so
// a run directory can be looked at in any browser.

import type { EpochLogs } from './callbacks/callback.js';

export interface CurveSeries {
  label: string;
  color: string;
  /** [x, y] points; non-finite y values are left out. */
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

export interface PanelSpec {
  title: string;
  yLabel: string;
  series: readonly CurveSeries[];
  /** Fixed y range (accuracy: [0, 1]); default: from the data. */
  yRange?: readonly [number, number];
  /** Formats a y tick (default: 3 significant digits). */
  format?: (y: number) => string;
  /** The x axis' label (default 'epoch'). */
  xLabel?: string;
  /** Formats an x tick (default: the number). */
  xFormat?: (x: number) => string;
}

const W = 460, H = 320, M = { left: 58, right: 16, top: 34, bottom: 44 };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Box { x: number; y: number; w: number; h: number }

const LEGEND_W = 110;

/** The corner of the plot area whose legend box covers the fewest samples of the drawn curves
 *  (top right first on a tie): loss curves fall away from the top right, accuracy curves climb
 *  into it, so no fixed corner suits both. */
export function legendCorner(curves: readonly (readonly (readonly [number, number])[])[], entries: number, area: Box): Box {
  const w = LEGEND_W, h = 4 + 16 * entries, pad = 4;
  const right = area.x + area.w - w - pad, left = area.x + pad, top = area.y + pad, bottom = area.y + area.h - h - pad;
  const corners: Box[] = [[right, top], [right, bottom], [left, top], [left, bottom]].map(([x, y]) => ({ x: x!, y: y!, w, h }));
  // Each curve sampled along its segments, so a line crossing a box counts and not only its dots.
  const samples: (readonly [number, number])[] = [];
  for (const c of curves) {
    c.forEach((p, i) => {
      samples.push(p);
      const q = c[i + 1];
      if (q) for (let t = 1; t < 16; t++) samples.push([p[0] + ((q[0] - p[0]) * t) / 16, p[1] + ((q[1] - p[1]) * t) / 16]);
    });
  }
  const covered = (b: Box) => samples.filter(([x, y]) => x >= b.x - 3 && x <= b.x + b.w + 3 && y >= b.y - 3 && y <= b.y + b.h + 3).length;
  let best = corners[0]!, fewest = covered(best);
  for (const b of corners.slice(1)) {
    const n = covered(b);
    if (n < fewest) { best = b; fewest = n; }
  }
  return best;
}

function panel(spec: PanelSpec, offsetX: number): string {
  const pts = spec.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = pts.map(([x]) => x);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  let [y0, y1] = spec.yRange ?? (pts.length ? [Math.min(0, ...pts.map(([, y]) => y)), Math.max(...pts.map(([, y]) => y))] : [0, 1]);
  if (!(y1 > y0)) y1 = y0 + 1;
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const sx = (x: number) => offsetX + M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const fmt = spec.format ?? ((y: number) => String(Number(y.toPrecision(3))));
  const parts: string[] = [];
  parts.push(`<text x="${offsetX + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  parts.push(`<rect x="${offsetX + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  for (const t of niceTicks(y0, y1)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${offsetX + M.left}" x2="${offsetX + M.left + pw}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${offsetX + M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(fmt(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1, Math.min(8, Math.max(1, Math.round(x1 - x0))))) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11">${escapeXml(spec.xFormat ? spec.xFormat(t) : String(t))}</text>`);
  }
  parts.push(`<text x="${offsetX + M.left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeXml(spec.xLabel ?? 'epoch')}</text>`);
  parts.push(`<text x="${offsetX + 14}" y="${M.top + ph / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${offsetX + 14} ${M.top + ph / 2})">${escapeXml(spec.yLabel)}</text>`);
  const drawn = spec.series.map((s) => s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => [sx(x), sy(y)] as const));
  const legend = legendCorner(drawn, spec.series.length, { x: offsetX + M.left, y: M.top, w: pw, h: ph });
  spec.series.forEach((s, i) => {
    const p = drawn[i]!;
    if (p.length === 0) return;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (p.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${p.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of p) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = legend.y + 10 + i * 16, lx = legend.x + 6;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.label)}</text>`);
  });
  return parts.join('\n');
}

/** An SVG document with the panels side by side. */
export function renderPanels(panels: readonly PanelSpec[], title?: string): string {
  const width = W * Math.max(1, panels.length);
  const body = panels.map((p, i) => panel(p, i * W)).join('\n');
  const heading = title ? `<title>${escapeXml(title)}</title>\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif">\n${heading}<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

/** Loss and accuracy curves of a training history (epochs numbered from 1). */
export function renderLearningCurves(history: readonly EpochLogs[], title?: string): string {
  const series = (key: string) => history.map((h) => [h.epoch + 1, h[key] ?? NaN] as const);
  const pct = (y: number) => `${Number((100 * y).toPrecision(3))}%`;
  // Accuracy from the tenth below the lowest point to 100%, so 97% and 99% do not look alike.
  const accs = history.flatMap((h) => [h.train_accuracy, h.val_accuracy ?? NaN]).filter(Number.isFinite);
  const accLow = accs.length ? Math.max(0, Math.floor(Math.min(...accs) * 10) / 10) : 0;
  return renderPanels([
    { title: 'Loss', yLabel: 'cross-entropy', series: [
      { label: 'train', color: '#1f77b4', points: series('train_loss') },
      { label: 'validation', color: '#d62728', points: series('val_loss'), dashed: true },
    ] },
    { title: 'Accuracy', yLabel: 'accuracy', yRange: [accLow === 1 ? 0.9 : accLow, 1], format: pct, series: [
      { label: 'train', color: '#1f77b4', points: series('train_accuracy') },
      { label: 'validation', color: '#d62728', points: series('val_accuracy'), dashed: true },
    ] },
  ], title);
}

/** The learning-rate range test: loss and smoothed loss against the rate (log scale), the suggestion marked. */
export function renderLrFinder(lrs: readonly number[], losses: readonly number[], smoothed: readonly number[], suggestedLr: number | null, title?: string): string {
  const at = (ys: readonly number[]) => lrs.map((lr, i) => [Math.log10(lr), ys[i]!] as const);
  // The raw loss explodes at the end; the axis goes up to twice the first smoothed value so the
  // fall stays visible. Raw losses above it are drawn on the top edge (the legend says so), not
  // dropped, so a spike shows; the smoothed curve stops where it leaves the axis.
  const cap = 2 * Math.max(smoothed[0] ?? 1, Math.min(...smoothed));
  const clipped = (ys: readonly number[]) => at(ys).filter(([, y]) => y <= cap);
  const raw = at(losses).map(([x, y]) => [x, Math.min(y, cap)] as const);
  const above = losses.filter((y) => y > cap).length;
  const series: CurveSeries[] = [
    { label: above > 0 ? `loss (${above} above ${Number(cap.toPrecision(2))} on the top edge)` : 'loss', color: '#9ecae1', points: raw },
    { label: 'smoothed', color: '#1f77b4', points: clipped(smoothed) },
  ];
  if (suggestedLr !== null) {
    const x = Math.log10(suggestedLr);
    series.push({ label: `suggested ${Number(suggestedLr.toPrecision(2))}`, color: '#d62728', dashed: true, points: [[x, 0], [x, cap]] });
  }
  return renderPanels([{ title: 'Learning-rate range test', yLabel: 'loss', xLabel: 'learning rate', xFormat: (x) => (Number.isInteger(x) ? `1e${x}` : String(Number((10 ** x).toPrecision(2)))), yRange: [0, cap], series }], title);
}
