// Convolution reference kernels: being written (see the kernels task).
// Each throws until its TypeScript reference implementation lands.
import type { Backend } from '../backend.js';

function pending(name: string): never {
  throw new Error(`${name}: the TypeScript reference kernel is not written yet`);
}

export const nnPending: Pick<Backend, 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'> = {
  conv2dForward: () => pending('conv2dForward'),
  conv2dBackwardInput: () => pending('conv2dBackwardInput'),
  conv2dBackwardWeight: () => pending('conv2dBackwardWeight'),
};
