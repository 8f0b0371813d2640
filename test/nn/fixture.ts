// Loading the PyTorch fixtures committed under test/fixtures (made by the generator scripts beside them).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, type DType, type Tensor } from '../../src/index.js';

export interface FixtureTensor {
  shape: number[];
  dtype: string;
  data: number[];
}

// this file runs from dist/test/nn
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadFixture(name: string): any {
  return JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', name), 'utf8'));
}

/** A fixture tensor (float64 unless it says otherwise); floating values converted to dtype when given. */
export function fromFixture(f: FixtureTensor, dtype?: DType): Tensor {
  const stored = f.dtype ?? 'float64';
  const isFloat = stored === 'float64' || stored === 'float32';
  return tensor(f.data, { shape: f.shape, dtype: isFloat && dtype ? dtype : (stored as DType) });
}
