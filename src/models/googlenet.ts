// GoogLeNet / Inception v1 (Szegedy et al., 2014, "Going deeper with convolutions") for 32x32
// inputs: a 3x3 stem with BN, inception blocks 3a..5b with the paper's widths (5x5 branch kept),
// conv+BN+ReLU units, and the two auxiliary classifiers after 4a and 4d. In training mode the
// forward returns [main, aux1, aux2] and the loss is main + 0.3 x (aux1 + aux2); in eval mode
// only the main logits.

import { AdaptiveAvgPool2d, Dropout, F, Linear, MaxPool2d, Module, Sequential } from '../nn/index.js';
import { cat } from '../tensor/ops/indexing.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkCount, convBn, type ZooOptions } from './common.js';

export class Inception extends Module {
  readonly b1: Sequential;
  readonly b2: Sequential;
  readonly b3: Sequential;
  readonly b4: Sequential;

  constructor(inC: number, c1: number, c3r: number, c3: number, c5r: number, c5: number, pool: number) {
    super();
    this.b1 = this.registerModule('b1', convBn(inC, c1, 1));
    this.b2 = this.registerModule('b2', new Sequential(convBn(inC, c3r, 1), convBn(c3r, c3, 3, 1, 1)));
    this.b3 = this.registerModule('b3', new Sequential(convBn(inC, c5r, 1), convBn(c5r, c5, 5, 1, 2)));
    this.b4 = this.registerModule('b4', new Sequential(new MaxPool2d(3, { stride: 1, padding: 1 }), convBn(inC, pool, 1)));
  }

  override forward(x: Tensor): Tensor {
    return cat([this.b1.forward(x), this.b2.forward(x), this.b3.forward(x), this.b4.forward(x)], 1);
  }
}

/** Auxiliary classifier: 4x4 average pool, 1x1 conv to 128, FC 2048-1024, dropout 0.7, FC. */
export class AuxClassifier extends Module {
  readonly pool: AdaptiveAvgPool2d;
  readonly conv: Sequential;
  readonly fc1: Linear;
  readonly drop: Dropout;
  readonly fc2: Linear;

  constructor(inC: number, numClasses: number) {
    super();
    this.pool = this.registerModule('pool', new AdaptiveAvgPool2d(4));
    this.conv = this.registerModule('conv', convBn(inC, 128, 1));
    this.fc1 = this.registerModule('fc1', new Linear(2048, 1024));
    this.drop = this.registerModule('drop', new Dropout(0.7));
    this.fc2 = this.registerModule('fc2', new Linear(1024, numClasses));
  }

  override forward(x: Tensor): Tensor {
    const h = this.conv.forward(this.pool.forward(x)).flatten(1);
    return this.fc2.forward(this.drop.forward(F.relu(this.fc1.forward(h), true)));
  }
}

export interface GoogLeNetOptions extends ZooOptions {
  /** Build the auxiliary classifiers (default true). */
  aux?: boolean;
}

export class GoogLeNet extends Module {
  readonly stem: Sequential;
  readonly pool1: MaxPool2d;
  readonly i3a: Inception;
  readonly i3b: Inception;
  readonly pool3: MaxPool2d;
  readonly i4a: Inception;
  readonly i4b: Inception;
  readonly i4c: Inception;
  readonly i4d: Inception;
  readonly i4e: Inception;
  readonly pool4: MaxPool2d;
  readonly i5a: Inception;
  readonly i5b: Inception;
  readonly aux1: AuxClassifier | null;
  readonly aux2: AuxClassifier | null;
  readonly drop: Dropout;
  readonly fc: Linear;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    const nc = checkCount(options.numClasses ?? 10, 'numClasses', 'googlenet');
    const inC = checkCount(options.inChannels ?? 3, 'inChannels', 'googlenet');
    const aux = options.aux ?? true;
    const pool = () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true });
    this.stem = this.registerModule('stem', convBn(inC, 64, 3, 1, 1));
    this.pool1 = this.registerModule('pool1', pool());
    this.i3a = this.registerModule('i3a', new Inception(64, 64, 96, 128, 16, 32, 32));
    this.i3b = this.registerModule('i3b', new Inception(256, 128, 128, 192, 32, 96, 64));
    this.pool3 = this.registerModule('pool3', pool());
    this.i4a = this.registerModule('i4a', new Inception(480, 192, 96, 208, 16, 48, 64));
    this.i4b = this.registerModule('i4b', new Inception(512, 160, 112, 224, 24, 64, 64));
    this.i4c = this.registerModule('i4c', new Inception(512, 128, 128, 256, 24, 64, 64));
    this.i4d = this.registerModule('i4d', new Inception(512, 112, 144, 288, 32, 64, 64));
    this.i4e = this.registerModule('i4e', new Inception(528, 256, 160, 320, 32, 128, 128));
    this.pool4 = this.registerModule('pool4', pool());
    this.i5a = this.registerModule('i5a', new Inception(832, 256, 160, 320, 32, 128, 128));
    this.i5b = this.registerModule('i5b', new Inception(832, 384, 192, 384, 48, 128, 128));
    this.aux1 = aux ? this.registerModule('aux1', new AuxClassifier(512, nc)) : null;
    this.aux2 = aux ? this.registerModule('aux2', new AuxClassifier(528, nc)) : null;
    this.drop = this.registerModule('drop', new Dropout(0.4));
    this.fc = this.registerModule('fc', new Linear(1024, nc));
  }

  /** Eval mode (or no aux heads): the logits. Training mode: [logits, aux1 logits, aux2 logits]. */
  override forward(x: Tensor): Tensor | [Tensor, Tensor, Tensor] {
    let h = this.pool1.forward(this.stem.forward(x));
    h = this.pool3.forward(this.i3b.forward(this.i3a.forward(h)));
    h = this.i4a.forward(h);
    const a1 = this.training && this.aux1 ? this.aux1.forward(h) : null;
    h = this.i4d.forward(this.i4c.forward(this.i4b.forward(h)));
    const a2 = this.training && this.aux2 ? this.aux2.forward(h) : null;
    h = this.i5b.forward(this.i5a.forward(this.pool4.forward(this.i4e.forward(h))));
    const out = this.fc.forward(this.drop.forward(F.adaptiveAvgPool2d(h, 1).flatten(1)));
    return a1 && a2 ? [out, a1, a2] : out;
  }
}

export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
