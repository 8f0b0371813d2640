// Identity: returns its input unchanged (e.g. where a model drops its classifier).

import type { Tensor } from '../../tensor/tensor.js';
import { checkTensorArg } from '../functional/args.js';
import { Module } from '../module.js';

export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return checkTensorArg(input, 'Identity');
  }
}
