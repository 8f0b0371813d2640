// The kernel interface. A backend computes on flat TypedArrays: numbers in, numbers out. Shapes,
// dtypes and argument checks are the tensor layer's job and are done before any call here, so a
// backend trusts its arguments. Offsets and strides are in elements, never bytes.
//
// Two implementations: the TypeScript backend (js/), complete for every dtype and the oracle in
// tests, and the native backend (native.ts), which overrides the float32 hot paths with C++ kernels
// and falls back to the TypeScript code for everything else.

import type { DType, FloatArray, StorageArray } from '../tensor/dtype.js';
import type { BinaryOp, ReduceOp, UnaryOp } from './ops.js';

/** Geometry of a 2-d convolution on NCHW input with KCRS weights. */
export interface Conv2dGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  /** output channels */
  readonly k: number;
  /** kernel height and width */
  readonly r: number; readonly s: number;
  readonly strideH: number; readonly strideW: number;
  readonly padH: number; readonly padW: number;
  readonly dilationH: number; readonly dilationW: number;
  readonly groups: number;
  readonly oh: number; readonly ow: number;
}

/** Geometry of a 2-d pooling window on NCHW input (n*c planes). */
export interface Pool2dGeometry {
  /** number of planes: batch x channels */
  readonly planes: number;
  readonly h: number; readonly w: number;
  readonly kh: number; readonly kw: number;
  readonly strideH: number; readonly strideW: number;
  readonly padH: number; readonly padW: number;
  readonly dilationH: number; readonly dilationW: number;
  readonly oh: number; readonly ow: number;
}

// ---- optimizer updates (fused, in place; coefficients computed by src/optim) ---------------
// One pass per parameter: each element's parameter, gradient and state are read once and written
// once. The coefficients are float64 numbers; kernels on float32 data round each to float32
// first (as PyTorch does with Python scalars) and then follow PyTorch's single-tensor
// implementation op by op, each op rounded to float32, without fused multiply-add, so the native
// kernels give the same bits as the TypeScript reference on every instruction set.

/** SGD: g = sign*grad (+ wd*p); buf = momentum*buf + (1-dampening)*g (or buf = g first); p += negLr * (nesterov ? g + momentum*buf : buf). */
export interface SgdCoefficients {
  readonly gradSign: 1 | -1;
  readonly weightDecay: number;
  /** 0: no momentum buffer (buf is null). */
  readonly momentum: number;
  readonly oneMinusDampening: number;
  readonly nesterov: boolean;
  /** The buffer's first step: buf = g. */
  readonly initBuffer: boolean;
  readonly negLr: number;
}

/** Adam / AdamW: p *= decoupledDecay; g = sign*grad (+ wd*p); m, v moments; p += negStepSize * m / (sqrt(v or max v) / bc2Sqrt + eps). */
export interface AdamCoefficients {
  readonly gradSign: 1 | -1;
  /** L2 penalty added to the gradient (Adam); 0 for none. */
  readonly weightDecay: number;
  /** AdamW's factor 1 - lr * weightDecay applied to p first; 1 for none. */
  readonly decoupledDecay: number;
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  /** Use and update maxExpAvgSq (not null then). */
  readonly amsgrad: boolean;
  readonly biasCorrection2Sqrt: number;
  readonly eps: number;
  /** -lr / (1 - beta1^step) */
  readonly negStepSize: number;
}

/** RMSprop: sq = alpha*sq + (1-alpha)*g*g; avg = sqrt(sq (- gAvg^2 when centered)) + eps; p += negLr * g / avg, or through a momentum buffer. */
export interface RmspropCoefficients {
  readonly gradSign: 1 | -1;
  readonly weightDecay: number;
  readonly alpha: number;
  readonly oneMinusAlpha: number;
  readonly eps: number;
  /** gradAvg is not null when centered. */
  readonly centered: boolean;
  /** 0: no momentum buffer (buf is null). */
  readonly momentum: number;
  readonly negLr: number;
}


export interface Backend {
  readonly name: 'js' | 'native';
  /** Threads used by kernels (1 for the TypeScript backend). */
  numThreads(): number;
  setNumThreads(n: number): void;

  // ---- copies and casts -------------------------------------------------------------------
  /** dst[dstOff + i] = convert(src[srcOff + i]) for i < n; float16/bfloat16 round to nearest even. */
  cast(src: StorageArray, srcDtype: DType, srcOff: number, dst: StorageArray, dstDtype: DType, dstOff: number, n: number): void;
  /** Strided copy between arrays of the same kind: dst[dst strides] = src[src strides] over shape. */
  copyStrided(src: StorageArray, srcOff: number, srcStrides: readonly number[], dst: StorageArray, dstOff: number, dstStrides: readonly number[], shape: readonly number[]): void;
  fill(dst: StorageArray, dstOff: number, n: number, value: number): void;

  // ---- elementwise ------------------------------------------------------------------------
  /** out[outOff + i] = op(x[xOff + i]) for i < n (contiguous; out may alias x). */
  unary(op: UnaryOp, x: StorageArray, xOff: number, out: StorageArray, outOff: number, n: number, p1: number, p2: number): void;
  /**
   * out[i] = op(a[..], b[..]) over `shape`, with out contiguous and a, b read through their strides
   * (a stride of 0 broadcasts). out may alias a when a is contiguous with the same shape (in-place).
   * p1 is the op's scalar parameter (alpha for add/sub, slope for leakyReluBackward).
   */
  binary(op: BinaryOp, a: StorageArray, aOff: number, aStrides: readonly number[], b: StorageArray, bOff: number, bStrides: readonly number[], out: StorageArray, shape: readonly number[], p1: number): void;
  /** out[i] = cond ? a : b, all read through strides over shape; out contiguous. */
  where(cond: Uint8Array, cOff: number, cStrides: readonly number[], a: StorageArray, aOff: number, aStrides: readonly number[], b: StorageArray, bOff: number, bStrides: readonly number[], out: StorageArray, shape: readonly number[]): void;
  /** In place over n contiguous elements: y += value * t1 * t2. */
  addcmul(y: FloatArray, yOff: number, t1: FloatArray, t1Off: number, t2: FloatArray, t2Off: number, value: number, n: number): void;
  /** In place over n contiguous elements: y += value * t1 / t2. */
  addcdiv(y: FloatArray, yOff: number, t1: FloatArray, t1Off: number, t2: FloatArray, t2Off: number, value: number, n: number): void;

  // ---- reductions -------------------------------------------------------------------------
  /**
   * x is a contiguous block viewed as [outer, red, inner]; out[o * inner + i] = op over r of
   * x[xOff + (o * red + r) * inner + i]. argmax/argmin write indices (into an Int32Array or
   * BigInt64Array out). Empty reductions give the op's identity (sum 0, prod 1, max -Inf, ...).
   */
  reduce(op: ReduceOp, x: StorageArray, xOff: number, outer: number, red: number, inner: number, out: StorageArray): void;

  // ---- linear algebra ---------------------------------------------------------------------
  /**
   * C = alpha * op(A) @ op(B) + beta * C, row-major, for `batch` matrices at the given strides
   * between matrices. op(A) is M x K, op(B) is K x N. With beta = 0, C is not read (NaN in C
   * does not leak).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: FloatArray, aOff: number, lda: number, b: FloatArray, bOff: number, ldb: number, beta: number,
    c: FloatArray, cOff: number, ldc: number, batch: number, strideA: number, strideB: number, strideC: number): void;

  // ---- convolution and pooling (contiguous NCHW) ----------------------------------------
  conv2dForward(g: Conv2dGeometry, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void;
  /** dx = conv2d input gradient (overwrites dx). */
  conv2dBackwardInput(g: Conv2dGeometry, dy: FloatArray, w: FloatArray, dx: FloatArray): void;
  /** dw = weight gradient (overwrites), dbias = sum of dy over N, OH, OW (overwrites) when given. */
  conv2dBackwardWeight(g: Conv2dGeometry, x: FloatArray, dy: FloatArray, dw: FloatArray, dbias: FloatArray | null): void;
  /** y = max over each window; indices = the flat h*w position of the max in its plane (first max; NaN wins). */
  maxPool2dForward(g: Pool2dGeometry, x: FloatArray, y: FloatArray, indices: Int32Array): void;
  /** dx = 0, then dx[plane, indices] += dy. */
  maxPool2dBackward(g: Pool2dGeometry, dy: FloatArray, indices: Int32Array, dx: FloatArray): void;
  /** countIncludePad: divide by the window size clipped to the padded input; else by the valid count. divisor > 0 overrides. */
  avgPool2dForward(g: Pool2dGeometry, x: FloatArray, y: FloatArray, countIncludePad: boolean, divisor: number): void;
  avgPool2dBackward(g: Pool2dGeometry, dy: FloatArray, dx: FloatArray, countIncludePad: boolean, divisor: number): void;
  /** PyTorch's adaptive windows: start = floor(i * H / OH), end = ceil((i + 1) * H / OH). */
  adaptiveAvgPool2dForward(planes: number, h: number, w: number, oh: number, ow: number, x: FloatArray, y: FloatArray): void;
  adaptiveAvgPool2dBackward(planes: number, h: number, w: number, oh: number, ow: number, dy: FloatArray, dx: FloatArray): void;

  // ---- normalisation and softmax ----------------------------------------------------------
  /**
   * Batch norm over x viewed as [n, c, hw]. training: compute the batch mean and biased variance
   * per channel, write mean and invstd = 1/sqrt(var + eps) to saveMean / saveInvstd, and update
   * runningMean/runningVar (when given) with momentum and the unbiased variance. Not training:
   * normalise with runningMean/runningVar. weight/bias may be null (affine off). relu: write
   * relu(y) instead (NaN kept), batch norm and a following ReLU in one pass; reluAffine (2c values,
   * with relu) receives the per-channel factors with which this backend computed y from x, exactly,
   * for its backward to recompute y's sign (what they are is the backend's own business).
   */
  batchNormForward(n: number, c: number, hw: number, x: FloatArray, weight: FloatArray | null, bias: FloatArray | null,
    runningMean: FloatArray | null, runningVar: FloatArray | null, training: boolean, momentum: number, eps: number,
    y: FloatArray, saveMean: FloatArray, saveInvstd: FloatArray, relu?: boolean, reluAffine?: Float64Array | null): void;
  /**
   * Gradients of training-mode batch norm given saveMean/saveInvstd: dx (always), dweight and
   * dbias (overwritten, when given). With training = false, saveMean/saveInvstd hold the running
   * statistics' mean and invstd and dx = dy * weight * invstd. reluAffine (written by this backend's
   * forward with relu, from the same x and saveMean): dy is the gradient of that forward's output
   * and counts only where the output is > 0, which the backward recomputes from x exactly (reading
   * x rather than the output: one array less to read, and none to keep).
   */
  batchNormBackward(n: number, c: number, hw: number, x: FloatArray, dy: FloatArray, weight: FloatArray | null,
    saveMean: FloatArray, saveInvstd: FloatArray, training: boolean, dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null,
    reluAffine?: Float64Array | null): void;
  /** LocalResponseNorm across channels: y = x / (k + alpha/size * sum_{window} x^2)^beta; scale saves the denominator base. */
  lrnForward(n: number, c: number, hw: number, size: number, alpha: number, beta: number, k: number, x: FloatArray, y: FloatArray, scale: FloatArray): void;
  lrnBackward(n: number, c: number, hw: number, size: number, alpha: number, beta: number, k: number, x: FloatArray, y: FloatArray, scale: FloatArray, dy: FloatArray, dx: FloatArray): void;
  /** softmax (log = false) or log-softmax over the middle axis of x viewed as [outer, dim, inner]. */
  softmaxForward(outer: number, dim: number, inner: number, x: FloatArray, y: FloatArray, log: boolean): void;
  /** dx from y (the forward output) and dy. */
  softmaxBackward(outer: number, dim: number, inner: number, y: FloatArray, dy: FloatArray, dx: FloatArray, log: boolean): void;

  // ---- optimizer updates (see the coefficient interfaces above) --------------------------
  /** p and g are read at pOff / gOff; the state arrays hold exactly n elements from index 0. */
  sgdUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, buf: FloatArray | null, c: SgdCoefficients): void;
  adamUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, expAvg: FloatArray, expAvgSq: FloatArray, maxExpAvgSq: FloatArray | null, c: AdamCoefficients): void;
  rmspropUpdate(n: number, p: FloatArray, pOff: number, g: FloatArray, gOff: number, squareAvg: FloatArray, gradAvg: FloatArray | null, buf: FloatArray | null, c: RmspropCoefficients): void;
}
