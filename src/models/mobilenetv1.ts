// MobileNetV1 (Howard et al., 2017) for 32x32 inputs: a stride-1 3x3 stem, then 13
// depthwise-separable blocks (3x3 depthwise conv + BN + ReLU, 1x1 pointwise conv + BN + ReLU),
// with the width multiplier alpha scaling every layer's channels.

import { AdaptiveAvgPool2d, Flatten, Linear, Sequential, type Module } from '../nn/index.js';
import { checkCount, convBn, type ZooOptions } from './common.js';

export interface MobileNetV1Options extends ZooOptions {
  /** Width multiplier (default 1): channels become floor(channels * alpha). */
  alpha?: number;
}

const BLOCKS: readonly (readonly [number, number])[] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/** Input [N, inChannels (3), 32, 32]. */
export function mobilenetv1(options: MobileNetV1Options = {}): Sequential {
  const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'mobilenetv1');
  const inC = checkCount(options.inChannels ?? 3, 'inChannels', 'mobilenetv1');
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha > 0) || Math.floor(32 * alpha) < 1) {
    throw new RangeError(`mobilenetv1: alpha must be a positive number with at least one channel in the stem (32 * alpha >= 1), got ${String(alpha)}`);
  }
  const width = (n: number) => Math.floor(n * alpha);
  const layers: Module[] = [convBn(inC, width(32), 3, 1, 1)];
  let c = width(32);
  for (const [out, stride] of BLOCKS) {
    layers.push(convBn(c, c, 3, stride, 1, c), convBn(c, width(out), 1));
    c = width(out);
  }
  return new Sequential(...layers, new AdaptiveAvgPool2d(1), new Flatten(), new Linear(c, nc));
}
