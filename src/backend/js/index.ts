// The TypeScript backend: complete for every dtype, slow but simple. It is the fallback where
// the native addon cannot load, and the oracle the native kernels are tested against.

import type { Backend } from '../backend.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './conv.js';
import { addcdiv, addcmul, binary, cast, copyStrided, fill, unary, where } from './elementwise.js';
import { gemm } from './gemm.js';
import { batchNormBackward, batchNormForward, lrnBackward, lrnForward } from './norm.js';
import { adaptiveAvgPool2dBackward, adaptiveAvgPool2dForward, avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { reduce } from './reduce.js';
import { softmaxBackward, softmaxForward } from './softmax.js';

export function createJsBackend(): Backend {
  return {
    name: 'js',
    numThreads: () => 1,
    setNumThreads: () => {},
    cast, copyStrided, fill, unary, binary, where, addcmul, addcdiv,
    reduce,
    gemm,
    conv2dForward, conv2dBackwardInput, conv2dBackwardWeight,
    maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward, adaptiveAvgPool2dForward, adaptiveAvgPool2dBackward,
    batchNormForward, batchNormBackward, lrnForward, lrnBackward,
    softmaxForward, softmaxBackward,
    sgdUpdate, adamUpdate, rmspropUpdate,
  };
}
