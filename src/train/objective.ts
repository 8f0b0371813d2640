// What a training step minimises, shared by the TrainingLoop and the learning-rate finder: the
// loss function (a function or a loss module), the combined loss of a model that returns
// auxiliary outputs (GoogLeNet), and inputs cast to the parameters' floating dtype (float16 runs).

import type { Module } from '../nn/module.js';
import { describe, type DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

export type LossFunction = ((output: Tensor, target: Tensor) => Tensor) | { forward(output: Tensor, target: Tensor): Tensor };

/** The loss as a plain function; `where` names the caller in the error. */
export function toLossFunction(loss: LossFunction, where: string): (output: Tensor, target: Tensor) => Tensor {
  if (typeof loss === 'function') return loss;
  if (loss && typeof (loss as { forward?: unknown }).forward === 'function') return (out, t) => loss.forward(out, t);
  throw new TypeError(`${where}: expected loss to be a function (output, target) => Tensor or a loss module, got ${describe(loss)}`);
}

/** Loss of a model output: main + auxWeight x (sum of auxiliary losses) when it returns several. */
export function combinedLoss(
  lossFn: (output: Tensor, target: Tensor) => Tensor, auxWeight: number, output: Tensor | readonly Tensor[], target: Tensor, where: string,
): { loss: Tensor; main: Tensor } {
  if (output instanceof Tensor) return { loss: lossFn(output, target), main: output };
  if (!Array.isArray(output) || output.length === 0 || !output.every((t) => t instanceof Tensor)) {
    throw new TypeError(`${where}: the model returned ${describe(output)}; expected a Tensor or an array [main, ...auxiliary] of tensors`);
  }
  const [main, ...aux] = output as readonly Tensor[];
  let loss = lossFn(main!, target);
  if (aux.length > 0) {
    let auxSum = lossFn(aux[0]!, target);
    for (const a of aux.slice(1)) auxSum = auxSum.add(lossFn(a, target));
    loss = loss.add(auxSum.mul(auxWeight));
  }
  return { loss, main: main! };
}

/** The floating dtype of the model's parameters, or null when it has none. */
export function parameterDtype(model: Module): DType | null {
  for (const p of model.parameters()) if (p.isFloatingPoint()) return p.dtype;
  return null;
}

/** The input converted to the model's floating dtype (a float32 batch into a float16 model). */
export function castInput(model: Module, input: Tensor): Tensor {
  const d = parameterDtype(model);
  return d && input.isFloatingPoint() && input.dtype !== d ? input.to(d) : input;
}
