// ResNet-18 (He et al., 2015, "Deep residual learning for image recognition") with the CIFAR
// stem: a 3x3 convolution and no max pool, then four stages of two basic blocks; a block that
// changes width or stride has a 1x1 projection shortcut.

import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, F, Flatten, Linear, Module, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkCount, reluInPlace, type ZooOptions } from './common.js';

/** Two 3x3 conv + BN layers with a residual connection (PyTorch names c1, b1, c2, b2, sc). */
export class BasicBlock extends Module {
  readonly c1: Conv2d;
  readonly b1: BatchNorm2d;
  readonly c2: Conv2d;
  readonly b2: BatchNorm2d;
  readonly sc: Sequential;

  constructor(inC: number, outC: number, stride: number) {
    super();
    this.c1 = this.registerModule('c1', new Conv2d(inC, outC, 3, { stride, padding: 1, bias: false }));
    this.b1 = this.registerModule('b1', new BatchNorm2d(outC));
    this.c2 = this.registerModule('c2', new Conv2d(outC, outC, 3, { stride: 1, padding: 1, bias: false }));
    this.b2 = this.registerModule('b2', new BatchNorm2d(outC));
    this.sc = this.registerModule('sc', stride === 1 && inC === outC
      ? new Sequential()
      : new Sequential(new Conv2d(inC, outC, 1, { stride, bias: false }), new BatchNorm2d(outC)));
  }

  override forward(x: Tensor): Tensor {
    // batch norm and its ReLU in one op; an in-place ReLU on the sum (add keeps nothing for backward)
    const y = this.b2.forward(this.c2.forward(this.b1.forwardRelu(this.c1.forward(x))));
    return F.relu(y.add(this.sc.forward(x)), true);
  }
}

/** Input [N, inChannels (3), 32, 32]. */
export function resnet18(options: ZooOptions = {}): Sequential {
  const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'resnet18');
  const inC = checkCount(options.inChannels ?? 3, 'inChannels', 'resnet18');
  const layers: Module[] = [new Conv2d(inC, 64, 3, { stride: 1, padding: 1, bias: false }), new BatchNorm2d(64), reluInPlace()];
  let c = 64;
  for (const [outC, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    layers.push(new BasicBlock(c, outC, stride), new BasicBlock(outC, outC, 1));
    c = outC;
  }
  return new Sequential(...layers, new AdaptiveAvgPool2d(1), new Flatten(), new Linear(512, nc));
}
