// AlexNet (Krizhevsky et al., 2012), adapted to 32x32 inputs: five 3x3 convolutions (the first
// with stride 2), local response normalisation after the first two as in the paper, three max
// pools, dropout 0.5, and fully connected layers 1024-4096-4096-classes.

import { Conv2d, Dropout, Flatten, Linear, LocalResponseNorm, MaxPool2d, Sequential } from '../nn/index.js';
import { checkCount, reluInPlace as relu, type ZooOptions } from './common.js';

/** Input [N, inChannels (3), 32, 32]. */
export function alexnet(options: ZooOptions = {}): Sequential {
  const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'alexnet');
  const inC = checkCount(options.inChannels ?? 3, 'inChannels', 'alexnet');
  const lrn = () => new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
  return new Sequential(
    new Conv2d(inC, 64, 3, { stride: 2, padding: 1 }), relu(), lrn(), new MaxPool2d(2),
    new Conv2d(64, 192, 3, { padding: 1 }), relu(), lrn(), new MaxPool2d(2),
    new Conv2d(192, 384, 3, { padding: 1 }), relu(),
    new Conv2d(384, 256, 3, { padding: 1 }), relu(),
    new Conv2d(256, 256, 3, { padding: 1 }), relu(), new MaxPool2d(2), new Flatten(),
    new Dropout(0.5), new Linear(256 * 2 * 2, 4096), relu(),
    new Dropout(0.5), new Linear(4096, 4096), relu(), new Linear(4096, nc),
  );
}
