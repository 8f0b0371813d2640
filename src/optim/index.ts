// Optimizers and learning-rate schedulers, as torch.optim (exported as the `optim` namespace).
export { Optimizer, type BaseOptions, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec, type Params, type ParamState } from './optimizer.js';
export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, AdamFamily, type AdamOptions, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export * as lrScheduler from './lr-scheduler/index.js';
