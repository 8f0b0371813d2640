// Dropout: in training, zero each element with probability p and scale the rest by 1 / (1 - p),
// so the expected value is unchanged. The mask comes from the library's seedable Generator (the
// default one, or the one given), so a seeded run drops the same elements every time.

import { describe, isHalf } from '../../tensor/dtype.js';
import { defaultGenerator, Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkBool, checkFloatTensor, computeDtype, kernelOutput } from './args.js';

export interface DropoutOptions {
  /** Draw the mask from this generator instead of the default one. */
  generator?: Generator | null;
}

export function dropout(input: Tensor, p = 0.5, training = true, options: DropoutOptions = {}): Tensor {
  const op = 'dropout';
  checkFloatTensor(input, op);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: expected a probability p between 0 and 1, got ${describe(p)}`);
  checkBool(training, op, 'training');
  const gen = options.generator ?? defaultGenerator();
  if (!(gen instanceof Generator)) throw new TypeError(`${op}: expected generator to be a Generator, got ${describe(gen)}`);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const n = input.numel();
  const u = new Float64Array(n);
  gen.fillUniform(u);
  // halves multiply in float32 and round once
  const cd = computeDtype(input.dtype);
  const [mask, m] = kernelOutput(input.shape, cd);
  const scale = 1 / (1 - p);
  for (let i = 0; i < n; i++) m[i] = u[i]! < p ? 0 : scale;
  if (isHalf(input.dtype)) return input.to(cd).mul(mask).to(input.dtype);
  return input.mul(mask);
}
