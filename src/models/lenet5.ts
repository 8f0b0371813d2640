// LeNet-5 (LeCun et al., 1998, "Gradient-based learning applied to document recognition"), in
// its modern form: ReLU and max pooling, 28x28 input padded by the first convolution.

import { Conv2d, Flatten, Linear, MaxPool2d, Sequential } from '../nn/index.js';
import { checkCount, reluInPlace as relu, type ZooOptions } from './common.js';

/** Input [N, inChannels (1), 28, 28]. */
export function lenet5(options: ZooOptions = {}): Sequential {
  const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'lenet5');
  const inC = checkCount(options.inChannels ?? 1, 'inChannels', 'lenet5');
  return new Sequential(
    new Conv2d(inC, 6, 5, { padding: 2 }), relu(), new MaxPool2d(2),
    new Conv2d(6, 16, 5), relu(), new MaxPool2d(2), new Flatten(),
    new Linear(400, 120), relu(), new Linear(120, 84), relu(), new Linear(84, nc),
  );
}
