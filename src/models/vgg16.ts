// VGG-16 with batch normalisation (Simonyan & Zisserman, 2014), with a CIFAR head: thirteen 3x3
// convolutions in five stages, each stage ending in a max pool, then 512-512-classes.

import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Sequential, type Module } from '../nn/index.js';
import { checkCount, reluInPlace as relu, type ZooOptions } from './common.js';

const CONFIG: readonly (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/** Input [N, inChannels (3), 32, 32]. */
export function vgg16(options: ZooOptions = {}): Sequential {
  const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'vgg16');
  let c = checkCount(options.inChannels ?? 3, 'inChannels', 'vgg16');
  const layers: Module[] = [];
  for (const v of CONFIG) {
    if (v === 'M') {
      layers.push(new MaxPool2d(2));
    } else {
      layers.push(new Sequential(new Conv2d(c, v, 3, { padding: 1 }), new BatchNorm2d(v), relu()));
      c = v;
    }
  }
  return new Sequential(
    ...layers, new Flatten(),
    new Linear(512, 512), relu(), new Dropout(0.5),
    new Linear(512, 512), relu(), new Dropout(0.5), new Linear(512, nc),
  );
}
