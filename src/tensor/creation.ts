// Creating tensors: from JS data, filled, ranges, identity, random.

import { isFloating, checkDType, describe, DTYPE_INFO, type DType, type StorageArray } from './dtype.js';
import { checkAllocation, checkShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { Generator, defaultGenerator } from './random.js';
import { filled, storageValue } from './ops/convert.js';
import { checkTensor } from './ops/elementwise.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type ShapeArgs = (number | readonly number[] | TensorOptions)[];

/** Accepts zeros(2, 3), zeros([2, 3]) and either with a trailing options object. */
function parseShapeArgs(args: ShapeArgs, op: string): { shape: number[]; options: TensorOptions } {
  let options: TensorOptions = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    options = checkOptions(last as RandomOptions, op);
    rest = args.slice(0, -1);
  }
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as number[]) : (rest as number[]);
  return { shape: checkShape(shape, op), options };
}

/** The options argument: an object (or absent), with a valid generator if it names one. */
function checkOptions<T extends RandomOptions>(options: T | undefined, op: string): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${op}: expected an options object, got ${describe(options)}`);
  if (options.generator !== undefined && !(options.generator instanceof Generator)) throw new TypeError(`${op}: expected options.generator to be a Generator, got ${describe(options.generator)}`);
  return options;
}

/** A new tensor of shape and dtype, refused with the op's name if it cannot be allocated. */
function emptyFor(shape: readonly number[], dtype: DType, op: string): Tensor {
  checkAllocation(shape, dtype, op);
  return Tensor.empty(shape, dtype);
}

function finish(t: Tensor, options: TensorOptions, op: string): Tensor {
  if (options.requiresGrad) {
    if (!isFloating(t.dtype)) throw new TypeError(`${op}: only floating-point tensors can require gradients, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function dtypeOf(options: TensorOptions, fallback: DType, op: string): DType {
  return options.dtype === undefined ? fallback : checkDType(options.dtype, op);
}

const ARRAY_DTYPES: [unknown, DType][] = [
  [Float32Array, 'float32'], [Float64Array, 'float64'], [Int32Array, 'int32'], [BigInt64Array, 'int64'], [Uint8Array, 'uint8'],
];

export interface FromDataOptions extends TensorOptions {
  /** The shape for flat data (TypedArray or flat array); defaults to the data's own shape. */
  shape?: readonly number[];
}

/**
 * A tensor from a number, nested arrays of numbers/booleans, or a TypedArray (copied). Like
 * torch.tensor: integers give int64, other numbers float32, booleans bool, unless dtype says.
 */
export function tensor(data: unknown, optionsArg?: FromDataOptions): Tensor {
  const options = checkOptions(optionsArg, 'tensor');
  if (data instanceof Tensor) return finish(data.detach().clone().to(options.dtype ?? data.dtype), options, 'tensor');
  let values: ArrayLike<number | bigint | boolean>;
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const entry = ARRAY_DTYPES.find(([ctor]) => data instanceof (ctor as typeof Float32Array));
    const isHalfBits = data instanceof Uint16Array;
    if (!entry && !isHalfBits) throw new TypeError(`tensor: unsupported TypedArray ${data.constructor.name} (use Float32Array, Float64Array, Int32Array, BigInt64Array, Uint8Array, or Uint16Array with dtype float16/bfloat16)`);
    if (isHalfBits && options.dtype !== 'float16' && options.dtype !== 'bfloat16') {
      throw new TypeError("tensor: a Uint16Array holds float16 or bfloat16 bits; pass { dtype: 'float16' } or { dtype: 'bfloat16' }");
    }
    inferred = entry ? entry[1] : options.dtype!;
    const dtype = dtypeOf(options, inferred, 'tensor');
    const n = (data as unknown as ArrayLike<number>).length;
    const outShape = options.shape ? checkShape(options.shape as number[], 'tensor') : [n];
    if (sizeOf(outShape) !== n) throw new RangeError(`tensor: ${n} values cannot fill shape [${outShape.join(', ')}]`);
    const out = Tensor.empty(outShape, dtype);
    if (dtype === inferred) (out.data as Float32Array).set(data as unknown as Float32Array); // same representation: copy the bits
    else writeValues(out.data, dtype, data as unknown as ArrayLike<number>);
    return finish(out, options, 'tensor');
  } else {
    const flat: (number | boolean)[] = [];
    shape = [];
    let allInt = true, anyBool = false, anyNumber = false;
    const walk = (x: unknown, depth: number, path: string): void => {
      if (Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))) {
        const arr = x as ArrayLike<unknown>;
        if (depth === shape.length) {
          if (flat.length > 0) throw new RangeError(`tensor: ragged nested array at ${path}: expected a number, got an array`);
          shape.push(arr.length);
        } else if (shape[depth] !== arr.length) {
          throw new RangeError(`tensor: ragged nested array at ${path}: expected length ${shape[depth]}, got ${arr.length}`);
        }
        for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1, `${path}[${i}]`);
        return;
      }
      if (depth !== shape.length) throw new RangeError(`tensor: ragged nested array at ${path}: expected an array of length ${shape[depth]}, got ${describe(x)}`);
      if (typeof x === 'boolean') { anyBool = true; flat.push(x); return; }
      if (typeof x === 'bigint') { flat.push(Number(x)); return; }
      if (typeof x !== 'number') throw new TypeError(`tensor: expected numbers or booleans, got ${describe(x)} at ${path || 'the top level'}`);
      anyNumber = true;
      if (!Number.isInteger(x)) allInt = false;
      flat.push(x);
    };
    walk(data, 0, '');
    values = flat;
    inferred = anyNumber ? (allInt ? 'int64' : 'float32') : anyBool ? 'bool' : 'float32';
  }
  const dtype = dtypeOf(options, inferred, 'tensor');
  if (options.shape) {
    const want = checkShape(options.shape as number[], 'tensor');
    if (sizeOf(want) !== values.length) throw new RangeError(`tensor: ${values.length} values cannot fill shape [${want.join(', ')}]`);
    shape = want;
  }
  const out = Tensor.empty(shape, dtype);
  writeValues(out.data, dtype, values);
  return finish(out, options, 'tensor');
}

function writeValues(dst: StorageArray, dtype: DType, values: ArrayLike<number | bigint | boolean>): void {
  const n = values.length;
  if (dst instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]);
      dst[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
    }
    return;
  }
  const d = dst as Float32Array;
  const convert = dtype === 'float16' || dtype === 'bfloat16' || dtype === 'bool' || !isFloating(dtype);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    d[i] = convert ? storageValue(dtype, v) : v;
  }
}

/** Wraps a TypedArray without copying (the tensor and the array share memory). */
export function fromTypedArray(data: StorageArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError(`fromTypedArray: expected a TypedArray, got ${describe(data)}`);
  if (dtype !== undefined) checkDType(dtype, 'fromTypedArray');
  shape ??= [data.length];
  const entry = ARRAY_DTYPES.find(([ctor]) => data instanceof (ctor as typeof Float32Array));
  const d = dtype ?? entry?.[1];
  if (!d) throw new TypeError('fromTypedArray: pass the dtype for this array (a Uint16Array holds float16 or bfloat16 bits)');
  if (!(data instanceof DTYPE_INFO[d].array)) throw new TypeError(`fromTypedArray: a ${data.constructor.name} cannot hold ${d}`);
  const s = checkShape(shape as number[], 'fromTypedArray');
  if (sizeOf(s) !== data.length) throw new RangeError(`fromTypedArray: ${data.length} values do not match shape [${s.join(', ')}]`);
  return Tensor.fromStorage(data, d, s);
}

export function empty(...args: ShapeArgs): Tensor {
  const { shape, options } = parseShapeArgs(args, 'empty');
  return finish(emptyFor(shape, dtypeOf(options, 'float32', 'empty'), 'empty'), options, 'empty');
}

export function zeros(...args: ShapeArgs): Tensor {
  const { shape, options } = parseShapeArgs(args, 'zeros');
  return finish(emptyFor(shape, dtypeOf(options, 'float32', 'zeros'), 'zeros'), options, 'zeros');
}

export function ones(...args: ShapeArgs): Tensor {
  const { shape, options } = parseShapeArgs(args, 'ones');
  const dtype = dtypeOf(options, 'float32', 'ones');
  checkAllocation(shape, dtype, 'ones');
  return finish(filled(shape, dtype, 1), options, 'ones');
}

export function full(shape: readonly number[], value: number, options?: TensorOptions): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: expected a number fill value, got ${describe(value)}`);
  const s = checkShape(shape as number[], 'full');
  const opts = checkOptions(options, 'full');
  const dtype = dtypeOf(opts, 'float32', 'full');
  checkAllocation(s, dtype, 'full');
  return finish(filled(s, dtype, value), opts, 'full');
}

export function zerosLike(t: Tensor, optionsArg?: TensorOptions): Tensor {
  checkTensor(t, 'zerosLike');
  const options = checkOptions(optionsArg, 'zerosLike');
  return zeros(t.shape as number[], { dtype: options.dtype ?? t.dtype, requiresGrad: options.requiresGrad });
}

export function onesLike(t: Tensor, optionsArg?: TensorOptions): Tensor {
  checkTensor(t, 'onesLike');
  const options = checkOptions(optionsArg, 'onesLike');
  return ones(t.shape as number[], { dtype: options.dtype ?? t.dtype, requiresGrad: options.requiresGrad });
}

export function fullLike(t: Tensor, value: number, optionsArg?: TensorOptions): Tensor {
  checkTensor(t, 'fullLike');
  const options = checkOptions(optionsArg, 'fullLike');
  return full(t.shape, value, { dtype: options.dtype ?? t.dtype, requiresGrad: options.requiresGrad });
}

/** arange(end), arange(start, end), arange(start, end, step): int64 when all are integers, else float32. */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step: number, options?: TensorOptions): Tensor;
export function arange(a: number, b?: number | TensorOptions, c?: number | TensorOptions, d?: TensorOptions): Tensor {
  let start = 0, end: number, step = 1, options: TensorOptions = {};
  const nums = [a, b, c].filter((v) => typeof v === 'number') as number[];
  const opt = [b, c, d].find((v) => typeof v === 'object' && v !== null) as TensorOptions | undefined;
  if (opt) options = checkOptions(opt, 'arange');
  if (nums.length === 1) end = nums[0]!;
  else if (nums.length === 2) [start, end] = nums as [number, number];
  else if (nums.length === 3) [start, end, step] = nums as [number, number, number];
  else throw new TypeError('arange: expected arange(end), arange(start, end) or arange(start, end, step)');
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if (step === 0) throw new RangeError('arange: step must not be zero');
  if ((end - start) / step < 0) throw new RangeError(`arange: the range ${start}..${end} cannot be walked with step ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = dtypeOf(options, [start, end, step].every(Number.isInteger) ? 'int64' : 'float32', 'arange');
  checkAllocation([n], 'float64', 'arange'); // the values are computed in float64 first
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  const out = emptyFor([n], dtype, 'arange');
  writeValues(out.data, dtype, vals);
  return finish(out, options, 'arange');
}

export function linspace(start: number, end: number, steps: number, optionsArg?: TensorOptions): Tensor {
  if (typeof start !== 'number' || typeof end !== 'number') throw new TypeError(`linspace: expected numbers for start and end, got ${describe(start)} and ${describe(end)}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: expected a non-negative integer number of steps, got ${describe(steps)}`);
  const options = checkOptions(optionsArg, 'linspace');
  const dtype = dtypeOf(options, 'float32', 'linspace');
  checkAllocation([steps], 'float64', 'linspace');
  const vals = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) vals[i] = i < half || steps === 1 ? start + step * i : end - step * (steps - 1 - i);
  const out = emptyFor([steps], dtype, 'linspace');
  writeValues(out.data, dtype, vals);
  return finish(out, options, 'linspace');
}

export function eye(n: number, m: number | TensorOptions = n, options?: TensorOptions): Tensor {
  const cols = typeof m === 'number' ? m : n;
  const opts = checkOptions(typeof m === 'object' ? m : options, 'eye');
  checkShape([n, cols], 'eye');
  const dtype = dtypeOf(opts, 'float32', 'eye');
  const out = emptyFor([n, cols], dtype, 'eye');
  const one = storageValue(dtype, 1);
  for (let i = 0; i < Math.min(n, cols); i++) {
    if (out.data instanceof BigInt64Array) out.data[i * cols + i] = 1n;
    else out.data[i * cols + i] = one;
  }
  return finish(out, opts, 'eye');
}

function randomTensor(args: (number | readonly number[] | RandomOptions)[], op: string, kind: 'uniform' | 'normal'): Tensor {
  const { shape, options } = parseShapeArgs(args, op);
  const dtype = dtypeOf(options, 'float32', op);
  if (!isFloating(dtype)) throw new TypeError(`${op}: expected a floating-point dtype, got ${dtype}`);
  const gen = (options as RandomOptions).generator ?? defaultGenerator();
  checkAllocation(shape, 'float64', op); // drawn in float64 first
  const vals = new Float64Array(sizeOf(shape));
  if (kind === 'uniform') gen.fillUniform(vals);
  else gen.fillNormal(vals);
  const out = emptyFor(shape, dtype, op);
  writeValues(out.data, dtype, vals);
  return finish(out, options, op);
}

/** Uniform in [0, 1). */
export function rand(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  return randomTensor(args, 'rand', 'uniform');
}

/** Standard normal. */
export function randn(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  return randomTensor(args, 'randn', 'normal');
}

/** Uniform integers in [low, high) (int64 unless dtype says). */
export function randint(low: number, high: number, shape: readonly number[], optionsArg?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randint: expected integers low < high, got ${describe(low)} and ${describe(high)}`);
  const s = checkShape(shape as number[], 'randint');
  const options = checkOptions(optionsArg, 'randint');
  const dtype = dtypeOf(options, 'int64', 'randint');
  const gen = options.generator ?? defaultGenerator();
  checkAllocation(s, 'float64', 'randint');
  const vals = new Float64Array(sizeOf(s));
  for (let i = 0; i < vals.length; i++) vals[i] = gen.nextInt(low, high);
  const out = emptyFor(s, dtype, 'randint');
  writeValues(out.data, dtype, vals);
  return finish(out, options, 'randint');
}

/** A random permutation of 0..n-1 as int64. */
export function randperm(n: number, optionsArg?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: expected a non-negative integer, got ${describe(n)}`);
  const options = checkOptions(optionsArg, 'randperm');
  const gen = options.generator ?? defaultGenerator();
  const dtype = dtypeOf(options, 'int64', 'randperm');
  checkAllocation([n], 'int64', 'randperm');
  const p = gen.permutation(n);
  const out = emptyFor([n], dtype, 'randperm');
  writeValues(out.data, dtype, p);
  return out;
}

export function randLike(t: Tensor, optionsArg?: RandomOptions): Tensor {
  checkTensor(t, 'randLike');
  const options = checkOptions(optionsArg, 'randLike');
  return rand(t.shape as number[], { dtype: options.dtype ?? t.dtype, generator: options.generator, requiresGrad: options.requiresGrad });
}

export function randnLike(t: Tensor, optionsArg?: RandomOptions): Tensor {
  checkTensor(t, 'randnLike');
  const options = checkOptions(optionsArg, 'randnLike');
  return randn(t.shape as number[], { dtype: options.dtype ?? t.dtype, generator: options.generator, requiresGrad: options.requiresGrad });
}
