// nn.functional (also exported as F): the layers' computations as plain differentiable
// functions, with PyTorch's semantics and camelCase names.
export { type IntPair, type Reduction } from './args.js';
export { linear } from './linear.js';
export { conv2d, type Conv2dOptions } from './conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize } from './pooling.js';
export { batchNorm, localResponseNorm, type BatchNormOptions, type LocalResponseNormOptions } from './normalization.js';
export { dropout, type DropoutOptions } from './dropout.js';
export { relu, relu6, leakyRelu, sigmoid, tanh, softmax, logSoftmax } from './activation.js';
export {
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropyWithLogits,
  type LossOptions, type NllLossOptions, type CrossEntropyOptions, type SmoothL1LossOptions, type BceWithLogitsOptions,
} from './loss.js';
