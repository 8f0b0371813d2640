// RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning"; the centered variant from
// Graves, "Generating Sequences With Recurrent Neural Networks", 2013) with optional momentum and
// L2 weight decay: torch.optim.RMSprop.

import { backend } from '../backend/index.js';
import type { RmspropCoefficients } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkKnownOptions, checkNumber } from './check.js';
import { loadedStep, loadedTensor, Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { updateParam } from './param-update.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  [key: string]: Tensor | number | null | undefined;
  step: number;
  squareAvg: Tensor;
  /** with momentum > 0 only */
  momentumBuffer?: Tensor;
  /** when centered only */
  gradAvg?: Tensor;
}

const DEFAULTS: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    checkKnownOptions('RMSprop', options, Object.keys(DEFAULTS));
    super('RMSprop', params, { ...DEFAULTS, ...options });
  }

  protected checkOptions(g: ParamGroup<RMSpropOptions>): void {
    checkNumber('RMSprop', 'lr', g.lr, { min: 0 });
    checkNumber('RMSprop', 'alpha', g.alpha, { min: 0 });
    checkNumber('RMSprop', 'eps', g.eps, { min: 0 });
    checkNumber('RMSprop', 'weightDecay', g.weightDecay, { min: 0 });
    checkNumber('RMSprop', 'momentum', g.momentum, { min: 0 });
    checkBoolean('RMSprop', 'centered', g.centered);
    checkBoolean('RMSprop', 'maximize', g.maximize);
  }

  protected updateParam(param: Tensor, grad: Tensor, g: ParamGroup<RMSpropOptions>): void {
    let st = this.state.get(param);
    const squareAvg = this.fitState(st?.squareAvg, param);
    if (!st || !squareAvg) {
      st = { step: 0, squareAvg: this.zerosState(param) };
      this.state.set(param, st);
    } else {
      st.squareAvg = squareAvg;
    }
    // Options can change between steps (a scheduler cycling momentum): missing buffers start at zero.
    if (g.momentum > 0) st.momentumBuffer = this.fitState(st.momentumBuffer, param) ?? this.zerosState(param);
    if (g.centered) st.gradAvg = this.fitState(st.gradAvg, param) ?? this.zerosState(param);
    st.step += 1;
    const c: RmspropCoefficients = {
      gradSign: g.maximize ? -1 : 1,
      weightDecay: g.weightDecay,
      alpha: g.alpha,
      oneMinusAlpha: 1 - g.alpha,
      eps: g.eps,
      centered: g.centered,
      momentum: g.momentum,
      negLr: -g.lr,
    };
    const sq = st.squareAvg, ga = g.centered ? st.gradAvg! : null, buf = g.momentum > 0 ? st.momentumBuffer! : null;
    const sqd = sq.data as Float32Array, gad = ga ? ga.data as Float32Array : null, bufd = buf ? buf.data as Float32Array : null;
    updateParam(param, grad, (n, p, pOff, gr, gOff) => backend().rmspropUpdate(n, p, pOff, gr, gOff, sqd, gad, bufd, c));
    sq.storage.version++;
    if (ga) ga.storage.version++;
    if (buf) buf.storage.version++;
  }

  protected loadParamState(param: Tensor, entry: Record<string, unknown>, where: string): RMSpropState {
    const st: RMSpropState = { step: loadedStep(entry, where), squareAvg: loadedTensor(entry, 'squareAvg', where) };
    if (entry.momentumBuffer != null) st.momentumBuffer = loadedTensor(entry, 'momentumBuffer', where);
    if (entry.gradAvg != null) st.gradAvg = loadedTensor(entry, 'gradAvg', where);
    return st;
  }
}
