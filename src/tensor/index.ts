// The tensor layer's public surface.
export { Tensor, isTensor, type TensorOrScalar } from './tensor.js';
export { DTYPES, isFloating, promoteTypes, type DType } from './dtype.js';
export { Generator, defaultGenerator, manualSeed, type GeneratorState } from './random.js';
export {
  tensor, fromTypedArray, empty, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye,
  rand, randn, randint, randperm, randLike, randnLike, type TensorOptions, type RandomOptions,
} from './creation.js';
export { cat, stack, pad } from './ops/indexing.js';
export { where } from './ops/elementwise.js';
