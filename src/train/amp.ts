// Automatic mixed precision: autocast (the op policy, in the autograd layer) and the GradScaler,
// under one name as torch.amp.
export { autocast, isAutocastEnabled, autocastDtype, type AutocastDtype, type AutocastOptions } from '../autograd/autocast.js';
export { GradScaler, type GradScalerOptions, type GradScalerStateDict } from './grad-scaler.js';
