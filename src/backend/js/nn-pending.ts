// Convolution, pooling and normalisation reference kernels: being written (see the kernels task).
// Each throws until its TypeScript reference implementation lands.
import type { Backend } from '../backend.js';

function pending(name: string): never {
  throw new Error(`${name}: the TypeScript reference kernel is not written yet`);
}

export const nnPending: Pick<Backend, 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward' | 'adaptiveAvgPool2dForward' | 'adaptiveAvgPool2dBackward' | 'batchNormForward' | 'batchNormBackward' | 'lrnForward' | 'lrnBackward'> = {
  conv2dForward: () => pending('conv2dForward'),
  conv2dBackwardInput: () => pending('conv2dBackwardInput'),
  conv2dBackwardWeight: () => pending('conv2dBackwardWeight'),
  maxPool2dForward: () => pending('maxPool2dForward'),
  maxPool2dBackward: () => pending('maxPool2dBackward'),
  avgPool2dForward: () => pending('avgPool2dForward'),
  avgPool2dBackward: () => pending('avgPool2dBackward'),
  adaptiveAvgPool2dForward: () => pending('adaptiveAvgPool2dForward'),
  adaptiveAvgPool2dBackward: () => pending('adaptiveAvgPool2dBackward'),
  batchNormForward: () => pending('batchNormForward'),
  batchNormBackward: () => pending('batchNormBackward'),
  lrnForward: () => pending('lrnForward'),
  lrnBackward: () => pending('lrnBackward'),
};
