// Operation codes shared by the TypeScript and native backends. The numbers are part of the
// native ABI: native/elementwise.h mirrors them, so append, never renumber.

export const Unary = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, sigmoid: 6, tanh: 7, relu: 8, square: 9,
  reciprocal: 10, sign: 11, sin: 12, cos: 13, log1p: 14, expm1: 15, floor: 16, ceil: 17, round: 18,
  trunc: 19, erf: 20, gelu: 21, silu: 22, softplus: 23,
  /** p1 = min, p2 = max (either may be ±Infinity) */
  clamp: 24,
  /** x > 0 ? x : p1 * x */
  leakyRelu: 25,
  /** x ** p1 */
  powScalar: 26,
  /** p1 * x + p2 */
  affine: 27,
  /** min(max(x, 0), 6) */
  relu6: 28,
  /** p1 ** x */
  rpowScalar: 29,
  log2: 30, exp2: 31, logicalNot: 32, isnan: 33, isinf: 34, isfinite: 35,
} as const;
export type UnaryOp = keyof typeof Unary;

export const Binary = {
  /** a + p1 * b */
  add: 0,
  /** a - p1 * b */
  sub: 1,
  mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6,
  eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
  atan2: 13, remainder: 14, floorDiv: 15,
  logicalAnd: 16, logicalOr: 17, logicalXor: 18,
  /** grad * (x > 0): the backward of relu with a = grad, b = x (or its output) */
  reluBackward: 19,
  /** a * b * (1 - b): sigmoid backward with a = grad, b = sigmoid output */
  sigmoidBackward: 20,
  /** a * (1 - b * b): tanh backward with a = grad, b = tanh output */
  tanhBackward: 21,
  /** a * (b > 0 ? 1 : p1): leaky relu backward with b = input */
  leakyReluBackward: 22,
  /** a * (0 < b < 6): relu6 backward with b = input */
  relu6Backward: 23,
} as const;
export type BinaryOp = keyof typeof Binary;

export const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']);

export const Reduce = { sum: 0, mean: 1, max: 2, min: 3, prod: 4, argmax: 5, argmin: 6, sumSquares: 7, sumAbs: 8, maxAbs: 9, any: 10, all: 11 } as const;
export type ReduceOp = keyof typeof Reduce;
