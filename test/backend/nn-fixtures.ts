// Reads the PyTorch fixtures of the pooling, normalisation and softmax kernels
// (test/fixtures/*.json, written by test/fixtures/nn_kernels.py).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// This file runs from dist/test/backend; the fixtures stay in the source tree.
const fixtureDir = path.resolve(here, '..', '..', '..', 'test', 'fixtures');

/** A fixture case: numbers, flags, shapes, and flat value lists (non-finite values decoded). */
export type FixtureCase = Record<string, unknown> & { name: string; op: string };

function decode(v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (Array.isArray(v)) return v.map(decode);
  return v;
}

export function loadFixtures(file: string): FixtureCase[] {
  const data = JSON.parse(readFileSync(path.join(fixtureDir, file), 'utf8')) as { cases: Record<string, unknown>[] };
  return data.cases.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, decode(v)])) as FixtureCase);
}

export function values(c: FixtureCase, key: string): number[] {
  const v = c[key];
  if (!Array.isArray(v)) throw new Error(`fixture '${c.name}': no value list '${key}'`);
  return v as number[];
}

export function num(c: FixtureCase, key: string): number {
  const v = c[key];
  if (typeof v !== 'number') throw new Error(`fixture '${c.name}': no number '${key}'`);
  return v;
}

/** A number or a [h, w] pair from a fixture, as a pair. */
export function pair(c: FixtureCase, key: string): [number, number] {
  const v = c[key];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0] as number, v[1] as number];
  throw new Error(`fixture '${c.name}': no pair '${key}'`);
}
