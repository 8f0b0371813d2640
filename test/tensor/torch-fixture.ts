// Reads test/fixtures/tensor_ops.json (written by test/fixtures/make_tensor_fixtures.py with
// PyTorch 1.13) into tensors.

import { readFileSync } from 'node:fs';
import { fromTypedArray, tensor, type DType, type Tensor } from '../../src/index.js';

export interface EncodedTensor {
  dtype: DType;
  shape: number[];
  /** numbers; 'nan' / 'inf' / '-inf' as strings; float16/bfloat16 as bit patterns */
  data: (number | string)[];
}

export interface FixtureCase {
  name: string;
  inputs: EncodedTensor[];
  outputs: EncodedTensor[];
  weights?: (EncodedTensor | null)[];
  grads?: (EncodedTensor | null)[];
  tol?: { rtol?: number; atol?: number };
}

export interface ConversionCase {
  input: EncodedTensor;
  to: DType;
  output: EncodedTensor;
}

export interface TorchFixture {
  torch: string;
  promotion: {
    dtypes: DType[];
    resultType: Record<string, DType>;
    resultTypeZeroDim: Record<string, DType>;
    resultTypeScalar: Record<string, DType>;
    ops: Record<string, Record<string, DType | 'error'>>;
  };
  conversion: ConversionCase[];
  cases: FixtureCase[];
}

let cached: TorchFixture | null = null;

export function loadFixture(): TorchFixture {
  if (!cached) {
    // compiled to dist/test/tensor; the JSON stays in test/fixtures
    const url = new URL('../../../test/fixtures/tensor_ops.json', import.meta.url);
    cached = JSON.parse(readFileSync(url, 'utf8')) as TorchFixture;
  }
  return cached;
}

export function decodeNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`fixture: unexpected value ${v}`);
}

/** The fixture tensor as one of ours (half types from their bits). */
export function decodeTensor(e: EncodedTensor): Tensor {
  if (e.dtype === 'float16' || e.dtype === 'bfloat16') {
    return fromTypedArray(Uint16Array.from(e.data as number[]), e.shape, e.dtype);
  }
  return tensor(e.data.map(decodeNumber), { dtype: e.dtype, shape: e.shape });
}

/** The raw values of a tensor as numbers: half types as bit patterns, so comparisons are exact. */
export function rawValues(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
}

export function encodedValues(e: EncodedTensor): number[] {
  return e.data.map(decodeNumber);
}
