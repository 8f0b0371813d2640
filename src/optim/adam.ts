// Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2014,
// https://arxiv.org/abs/1412.6980) with optional L2 weight decay, AMSGrad (Reddi et al., "On the
// Convergence of Adam and Beyond", 2018) and maximisation: torch.optim.Adam. AdamW (adamw.ts) is
// the same update with decoupled weight decay.

import { backend } from '../backend/index.js';
import type { AdamCoefficients } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe } from '../tensor/dtype.js';
import { checkBoolean, checkKnownOptions, checkNumber } from './check.js';
import { loadedStep, loadedTensor, Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { updateParam } from './param-update.js';

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  [key: string]: Tensor | number | null | undefined;
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** with amsgrad only */
  maxExpAvgSq?: Tensor;
}

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };

/** The update Adam and AdamW share; they differ in defaults and in how weight decay applies. */
export abstract class AdamFamily extends Optimizer<AdamOptions, AdamState> {
  protected constructor(name: string, params: Params<AdamOptions>, options: Partial<AdamOptions>, defaults: AdamOptions,
    /** Weight decay shrinks the parameter (AdamW) instead of adding to the gradient (Adam). */
    private readonly decoupled: boolean) {
    checkKnownOptions(name, options, Object.keys(defaults));
    super(name, params, { ...defaults, ...options });
  }

  protected checkOptions(g: ParamGroup<AdamOptions>): void {
    const name = this.name;
    checkNumber(name, 'lr', g.lr, { min: 0 });
    checkNumber(name, 'eps', g.eps, { min: 0 });
    if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new TypeError(`${name}: betas must be [beta1, beta2], got ${describe(g.betas)}`);
    checkNumber(name, 'betas[0]', g.betas[0], { min: 0, below: 1 });
    checkNumber(name, 'betas[1]', g.betas[1], { min: 0, below: 1 });
    checkNumber(name, 'weightDecay', g.weightDecay, { min: 0 });
    checkBoolean(name, 'amsgrad', g.amsgrad);
    checkBoolean(name, 'maximize', g.maximize);
  }

  protected updateParam(param: Tensor, grad: Tensor, g: ParamGroup<AdamOptions>): void {
    let st = this.state.get(param);
    const expAvg = this.fitState(st?.expAvg, param), expAvgSq = this.fitState(st?.expAvgSq, param);
    if (!st || !expAvg || !expAvgSq) {
      st = { step: 0, expAvg: this.zerosState(param), expAvgSq: this.zerosState(param) };
      this.state.set(param, st);
    } else {
      st.expAvg = expAvg;
      st.expAvgSq = expAvgSq;
    }
    if (g.amsgrad) st.maxExpAvgSq = this.fitState(st.maxExpAvgSq, param) ?? this.zerosState(param);
    st.step += 1;
    const [beta1, beta2] = g.betas;
    // As PyTorch: the bias corrections in float64 from the step count.
    const biasCorrection1 = 1 - beta1 ** st.step;
    const biasCorrection2 = 1 - beta2 ** st.step;
    const c: AdamCoefficients = {
      gradSign: g.maximize ? -1 : 1,
      weightDecay: this.decoupled ? 0 : g.weightDecay,
      decoupledDecay: this.decoupled ? 1 - g.lr * g.weightDecay : 1,
      beta1, oneMinusBeta1: 1 - beta1,
      beta2, oneMinusBeta2: 1 - beta2,
      amsgrad: g.amsgrad,
      biasCorrection2Sqrt: Math.sqrt(biasCorrection2),
      eps: g.eps,
      negStepSize: -(g.lr / biasCorrection1),
    };
    const m = st.expAvg, v = st.expAvgSq, vmax = g.amsgrad ? st.maxExpAvgSq! : null;
    const md = m.data as Float32Array, vd = v.data as Float32Array, vmaxd = vmax ? vmax.data as Float32Array : null;
    updateParam(param, grad, (n, p, pOff, gr, gOff) => backend().adamUpdate(n, p, pOff, gr, gOff, md, vd, vmaxd, c));
    m.storage.version++;
    v.storage.version++;
    if (vmax) vmax.storage.version++;
  }

  protected loadParamState(param: Tensor, entry: Record<string, unknown>, where: string): AdamState {
    const st: AdamState = { step: loadedStep(entry, where), expAvg: loadedTensor(entry, 'expAvg', where), expAvgSq: loadedTensor(entry, 'expAvgSq', where) };
    if (entry.maxExpAvgSq !== undefined && entry.maxExpAvgSq !== null) st.maxExpAvgSq = loadedTensor(entry, 'maxExpAvgSq', where);
    return st;
  }
}

export class Adam extends AdamFamily {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, options, ADAM_DEFAULTS, false);
  }
}
