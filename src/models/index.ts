// The model zoo.
export { lenet5 } from './lenet5.js';
export { alexnet } from './alexnet.js';
export { vgg16 } from './vgg16.js';
export { resnet18, BasicBlock } from './resnet18.js';
export { mobilenetv1, type MobileNetV1Options } from './mobilenetv1.js';
export { googlenet, GoogLeNet, Inception, AuxClassifier, type GoogLeNetOptions } from './googlenet.js';
export type { ZooOptions } from './common.js';
export { MODELS, MODEL_NAMES, modelInfo, createModel, type ModelInfo } from './registry.js';
export { countParameters, countMacs } from './macs.js';
