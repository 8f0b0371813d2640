// The model zoo by name: constructors with their input shape, and the parameter counts and
// forward multiply-accumulates per image of the default configuration (10 classes), as given in
// the specification and checked by the tests.

import type { Module } from '../nn/index.js';
import { describe } from '../tensor/dtype.js';
import { alexnet } from './alexnet.js';
import type { ZooOptions } from './common.js';
import { googlenet } from './googlenet.js';
import { lenet5 } from './lenet5.js';
import { mobilenetv1 } from './mobilenetv1.js';
import { resnet18 } from './resnet18.js';
import { vgg16 } from './vgg16.js';

export interface ModelInfo {
  readonly name: string;
  readonly build: (options?: ZooOptions) => Module;
  /** Default input image shape [C, H, W]. */
  readonly inputShape: readonly [number, number, number];
  /** Parameters with 10 classes and default channels. */
  readonly params: number;
  /** Forward multiply-accumulates per image with the defaults. */
  readonly macs: number;
  /** Whether its training-mode forward returns auxiliary outputs. */
  readonly auxOutputs: boolean;
  readonly description: string;
}

export const MODELS: readonly ModelInfo[] = [
  { name: 'lenet5', build: lenet5, inputShape: [1, 28, 28], params: 61_706, macs: 416_520, auxOutputs: false, description: 'LeNet-5: two 5x5 convolutions, three fully connected layers' },
  { name: 'alexnet', build: alexnet, inputShape: [3, 32, 32], params: 23_272_266, macs: 62_742_528, auxOutputs: false, description: 'AlexNet for 32x32: five 3x3 convolutions, LRN, dropout, FC 4096-4096' },
  { name: 'vgg16', build: vgg16, inputShape: [3, 32, 32], params: 15_253_578, macs: 313_725_952, auxOutputs: false, description: 'VGG-16 with batch norm, CIFAR head' },
  { name: 'resnet18', build: resnet18, inputShape: [3, 32, 32], params: 11_173_962, macs: 555_422_720, auxOutputs: false, description: 'ResNet-18, CIFAR stem, basic blocks with 1x1 projections' },
  { name: 'mobilenetv1', build: mobilenetv1, inputShape: [3, 32, 32], params: 3_217_226, macs: 46_354_432, auxOutputs: false, description: 'MobileNetV1: 13 depthwise-separable blocks, width multiplier' },
  { name: 'googlenet', build: googlenet, inputShape: [3, 32, 32], params: 10_192_062, macs: 442_823_936, auxOutputs: true, description: 'GoogLeNet (Inception v1) with auxiliary classifiers after 4a and 4d' },
];

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

export function modelInfo(name: string): ModelInfo {
  const info = MODELS.find((m) => m.name === name);
  if (!info) throw new RangeError(`models: unknown model ${describe(name)}; expected one of ${MODEL_NAMES.join(', ')}`);
  return info;
}

/** Builds a zoo model by name. */
export function createModel(name: string, options: ZooOptions = {}): Module {
  return modelInfo(name).build(options);
}
