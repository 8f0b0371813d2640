// Options shared by the layers that own parameters.
import { checkDType, describe, isFloating, type DType } from '../../tensor/dtype.js';
import { Generator } from '../../tensor/random.js';

export interface ParameterOptions {
  /** The parameters' dtype (default float32). */
  dtype?: DType;
  /** Draw the initial values from this generator instead of the default one. */
  generator?: Generator;
}

export function parameterDtype(options: ParameterOptions, layer: string): DType {
  const dtype = options.dtype === undefined ? 'float32' : checkDType(options.dtype, layer);
  if (!isFloating(dtype)) throw new TypeError(`${layer}: parameters need a floating-point dtype, got ${dtype}`);
  if (options.generator !== undefined && !(options.generator instanceof Generator)) {
    throw new TypeError(`${layer}: expected generator to be a Generator, got ${describe(options.generator)}`);
  }
  return dtype;
}
