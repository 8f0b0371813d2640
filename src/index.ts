// ml-odyssey: tensors with autograd, native kernels, layers, optimizers and training for Node.js.
export * from './tensor/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { gradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export { backendInfo, setBackend, setNumThreads, setCallerThreads, type BackendInfo } from './backend/index.js';
export * as io from './io/index.js';
export * as nn from './nn/index.js';
export * as data from './data/index.js';
export * as optim from './optim/index.js';
export * as models from './models/index.js';
export * as train from './train/index.js';
export * as amp from './train/amp.js';
export { TrainingLoop, CheckpointManager, clipGradNorm, clipGradValue, EarlyStopping, findLearningRate } from './train/index.js';
