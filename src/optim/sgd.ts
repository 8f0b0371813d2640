// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight
// decay and maximisation: torch.optim.SGD. Nesterov momentum follows Sutskever et al., "On the
// importance of initialization and momentum in deep learning" (2013), in PyTorch's formulation.

import { backend } from '../backend/index.js';
import type { SgdCoefficients } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkKnownOptions, checkNumber } from './check.js';
import { loadedTensor, Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { updateParam } from './param-update.js';

export interface SGDOptions {
  /** Required, here or in every parameter group. */
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDState {
  [key: string]: Tensor | number | null | undefined;
  /** null while momentum is 0 (as in PyTorch) */
  momentumBuffer: Tensor | null;
}

const DEFAULTS: Omit<SGDOptions, 'lr'> = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    checkKnownOptions('SGD', options, ['lr', ...Object.keys(DEFAULTS)]);
    super('SGD', params, { ...DEFAULTS, ...options } as SGDOptions);
  }

  protected checkOptions(g: ParamGroup<SGDOptions>): void {
    if (g.lr === undefined) throw new TypeError('SGD: lr is required (in the options or in every parameter group)');
    checkNumber('SGD', 'lr', g.lr, { min: 0 });
    checkNumber('SGD', 'momentum', g.momentum, { min: 0 });
    checkNumber('SGD', 'dampening', g.dampening);
    checkNumber('SGD', 'weightDecay', g.weightDecay, { min: 0 });
    checkBoolean('SGD', 'nesterov', g.nesterov);
    checkBoolean('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError(`SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${g.momentum} and dampening ${g.dampening}`);
    }
  }

  protected updateParam(param: Tensor, grad: Tensor, g: ParamGroup<SGDOptions>): void {
    let st = this.state.get(param);
    if (!st) { st = { momentumBuffer: null }; this.state.set(param, st); }
    let buf: Tensor | null = null, initBuffer = false;
    if (g.momentum !== 0) {
      buf = this.fitState(st.momentumBuffer, param);
      initBuffer = buf === null; // PyTorch: the first buffer is the gradient itself
      buf ??= this.zerosState(param);
      st.momentumBuffer = buf;
    }
    const c: SgdCoefficients = {
      gradSign: g.maximize ? -1 : 1,
      weightDecay: g.weightDecay,
      momentum: g.momentum,
      oneMinusDampening: 1 - g.dampening,
      nesterov: g.nesterov,
      initBuffer,
      negLr: -g.lr,
    };
    const bufData = buf ? buf.data as Float32Array | Float64Array : null;
    updateParam(param, grad, (n, p, pOff, gr, gOff) => backend().sgdUpdate(n, p, pOff, gr, gOff, bufData, c));
    if (buf) buf.storage.version++;
  }

  protected loadParamState(param: Tensor, entry: Record<string, unknown>, where: string): SGDState {
    const b = entry.momentumBuffer;
    return { momentumBuffer: b === null || b === undefined ? null : loadedTensor(entry, 'momentumBuffer', where) };
  }
}
