// AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019,
// https://arxiv.org/abs/1711.05101): Adam whose weight decay shrinks the parameter directly,
// p -= lr * weightDecay * p before the Adam step, exactly as torch.optim.AdamW (which multiplies
// p by 1 - lr * weightDecay), instead of adding weightDecay * p to the gradient.

import { AdamFamily, type AdamOptions } from './adam.js';
import type { Params } from './optimizer.js';

const ADAMW_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false };

export class AdamW extends AdamFamily {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, options, ADAMW_DEFAULTS, true);
  }
}
