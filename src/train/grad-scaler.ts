// Loss scaling for float16 mixed precision (torch.cuda.amp.GradScaler, same arithmetic and state
// dict): the loss is multiplied by a large scale before backward so that small gradients do not
// flush to zero in float16; the gradients are divided by it again before the optimizer sees them.
// A step whose gradients hold an inf or NaN (the scale was too large) is skipped and the scale
// multiplied by backoffFactor; after growthInterval clean steps in a row it grows by growthFactor.
//
// Per step:  scaler.scale(loss).backward(); [scaler.unscale(opt); clip...;] scaler.step(opt); scaler.update()

import { noGrad } from '../autograd/grad-mode.js';
import { backend } from '../backend/index.js';
import { describe, isHalf } from '../tensor/dtype.js';
import { contiguousAs } from '../tensor/ops/convert.js';
import { Tensor } from '../tensor/tensor.js';
import { Optimizer } from '../optim/optimizer.js';

export interface GradScalerOptions {
  /** Default 2 ** 16. */
  initScale?: number;
  /** Default 2. */
  growthFactor?: number;
  /** Default 0.5. */
  backoffFactor?: number;
  /** Clean steps in a row before the scale grows. Default 2000. */
  growthInterval?: number;
  /** false: every method is a pass-through (scale 1, step = optimizer.step()). Default true. */
  enabled?: boolean;
}

/** PyTorch's GradScaler state dict (snake_case keys, as torch saves it). */
export interface GradScalerStateDict {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';

interface OptimizerState {
  stage: Stage;
  /** Whether unscale found an inf or NaN; null until unscale ran. */
  foundInf: boolean | null;
}

export class GradScaler {
  private scaleValue: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private growthTracker = 0;
  private readonly enabled: boolean;
  private perOptimizer = new Map<Optimizer, OptimizerState>();

  constructor(options: GradScalerOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`GradScaler: expected an options object, got ${describe(options)}`);
    this.enabled = options.enabled ?? true;
    if (typeof this.enabled !== 'boolean') throw new TypeError(`GradScaler: enabled must be a boolean, got ${describe(options.enabled)}`);
    this.scaleValue = Math.fround(positive(options.initScale ?? 2 ** 16, 'initScale'));
    this.growthFactor = positive(options.growthFactor ?? 2, 'growthFactor');
    if (!(this.growthFactor > 1)) throw new RangeError(`GradScaler: growthFactor must be > 1, got ${this.growthFactor}`);
    this.backoffFactor = positive(options.backoffFactor ?? 0.5, 'backoffFactor');
    if (!(this.backoffFactor < 1)) throw new RangeError(`GradScaler: backoffFactor must be < 1, got ${this.backoffFactor}`);
    this.growthInterval = options.growthInterval ?? 2000;
    if (!Number.isInteger(this.growthInterval) || this.growthInterval < 1) throw new RangeError(`GradScaler: growthInterval must be a positive integer, got ${describe(options.growthInterval)}`);
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  getGrowthFactor(): number { return this.growthFactor; }
  getBackoffFactor(): number { return this.backoffFactor; }
  getGrowthInterval(): number { return this.growthInterval; }

  /** The loss (or outputs) times the scale, in float32 (a float16 loss times 65536 would overflow). */
  scale(loss: Tensor): Tensor;
  scale(losses: readonly Tensor[]): Tensor[];
  scale(outputs: Tensor | readonly Tensor[]): Tensor | Tensor[] {
    if (Array.isArray(outputs)) return outputs.map((t) => this.scale(t as Tensor));
    if (!(outputs instanceof Tensor)) throw new TypeError(`GradScaler.scale: expected a tensor or an array of tensors, got ${describe(outputs)}`);
    if (!this.enabled) return outputs;
    if (!outputs.isFloatingPoint()) throw new TypeError(`GradScaler.scale: expected a floating-point tensor, got ${outputs.dtype}`);
    return (isHalf(outputs.dtype) ? outputs.to('float32') : outputs).mul(this.scaleValue);
  }

  private stateOf(optimizer: Optimizer, where: string): OptimizerState {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`GradScaler.${where}: expected an Optimizer, got ${describe(optimizer)}`);
    let s = this.perOptimizer.get(optimizer);
    if (!s) {
      s = { stage: 'ready', foundInf: null };
      this.perOptimizer.set(optimizer, s);
    }
    return s;
  }

  /**
   * Divides the optimizer's gradients by the scale, in place, and records whether any of them is
   * inf or NaN. At most once per optimizer between update()s; call it before clipping so the clip
   * sees the true gradients. step() calls it when you did not.
   */
  unscale(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const s = this.stateOf(optimizer, 'unscale');
    if (s.stage === 'unscaled') throw new Error('GradScaler.unscale: already called on this optimizer since the last update()');
    if (s.stage === 'stepped') throw new Error('GradScaler.unscale: called after step(); call update() first');
    s.foundInf = unscaleGrads(optimizer, Math.fround(1 / this.scaleValue));
    s.stage = 'unscaled';
  }

  /** Whether unscale() found an inf or NaN in this optimizer's gradients since the last update() (null: not unscaled yet). */
  foundInf(optimizer: Optimizer): boolean | null {
    return this.enabled ? this.stateOf(optimizer, 'foundInf').foundInf : null;
  }

  /** Unscales (unless done) and steps the optimizer unless a gradient is inf or NaN. Returns whether it stepped. */
  step(optimizer: Optimizer): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    const s = this.stateOf(optimizer, 'step');
    if (s.stage === 'stepped') throw new Error('GradScaler.step: already called since the last update()');
    if (s.stage === 'ready') this.unscale(optimizer);
    if (s.foundInf === null) throw new Error('GradScaler.step: no parameter of this optimizer has a gradient (call backward on scale(loss) first)');
    s.stage = 'stepped';
    if (s.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * Adjusts the scale after a step: times backoffFactor if any optimizer saw an inf or NaN (and
   * the count of clean steps restarts), times growthFactor after growthInterval clean steps in a
   * row. newScale sets it outright instead. Readies every optimizer for the next step.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      this.scaleValue = Math.fround(positive(newScale, 'update: newScale'));
    } else {
      const checked = [...this.perOptimizer.values()].filter((s) => s.foundInf !== null);
      if (checked.length === 0) throw new Error('GradScaler.update: no inf checks were recorded since the last update() (call step() or unscale() first)');
      if (checked.some((s) => s.foundInf)) {
        // float32 arithmetic, as torch._amp_update_scale_
        this.scaleValue = Math.fround(this.scaleValue * this.backoffFactor);
        this.growthTracker = 0;
      } else if (this.growthTracker + 1 === this.growthInterval) {
        const grown = Math.fround(this.scaleValue * this.growthFactor);
        if (Number.isFinite(grown)) this.scaleValue = grown;
        this.growthTracker = 0;
      } else {
        this.growthTracker += 1;
      }
    }
    this.perOptimizer = new Map();
  }

  /** PyTorch's state dict ({} when disabled). */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.scaleValue, growth_factor: this.growthFactor, backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval, _growth_tracker: this.growthTracker,
    };
  }

  loadStateDict(state: GradScalerStateDict): void {
    if (!this.enabled) return;
    if (state === null || typeof state !== 'object') throw new TypeError(`GradScaler.loadStateDict: expected a state dict, got ${describe(state)}`);
    if (Object.keys(state).length === 0) throw new Error('GradScaler.loadStateDict: the state dict is empty, possibly saved from a disabled GradScaler');
    for (const k of ['scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'] as const) {
      if (typeof state[k] !== 'number' || !Number.isFinite(state[k])) throw new TypeError(`GradScaler.loadStateDict: expected a number for '${k}', got ${describe(state[k])}`);
    }
    this.scaleValue = Math.fround(state.scale);
    this.growthFactor = state.growth_factor;
    this.backoffFactor = state.backoff_factor;
    this.growthInterval = state.growth_interval;
    this.growthTracker = state._growth_tracker;
  }
}

function positive(x: unknown, name: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new RangeError(`GradScaler: ${name} must be a positive finite number, got ${describe(x)}`);
  return x;
}

/**
 * g *= inv for every gradient of the optimizer, in place; returns whether any gradient held an inf
 * or NaN before scaling (null when none has a gradient). Two native passes per contiguous float32
 * gradient: max |g| (NaN propagates) and the multiply, skipped when inv is 1.
 */
function unscaleGrads(optimizer: Optimizer, inv: number): boolean | null {
  const max = new Float64Array(1);
  const invArray = new Float32Array([inv]);
  let seen = false, foundInf = false;
  for (const group of optimizer.paramGroups) {
    for (const p of group.params) {
      const g = p.grad;
      if (!g) continue;
      seen = true;
      if (isHalf(g.dtype)) throw new TypeError(`GradScaler.unscale: a parameter has a ${g.dtype} gradient; keep the parameters in float32 (master weights) and run the forward under autocast`);
      const n = g.numel();
      if (n === 0) continue;
      if (g.isContiguous()) {
        const a = (g.data as Float32Array | Float64Array).subarray(g.offset, g.offset + n);
        backend().reduce('maxAbs', a, 0, 1, n, 1, max);
        if (!Number.isFinite(max[0]!)) foundInf = true;
        if (inv !== 1) {
          const b = g.dtype === 'float32' ? invArray : new Float64Array([inv]);
          backend().binary('mul', a, 0, [1], b, 0, [0], a, [n], 1);
          g.storage.version++;
        }
      } else {
        const c = contiguousAs(g, g.dtype);
        backend().reduce('maxAbs', c.data, c.offset, 1, n, 1, max);
        if (!Number.isFinite(max[0]!)) foundInf = true;
        if (inv !== 1) noGrad(() => g.mul_(inv));
      }
    }
  }
  return seen ? foundInf : null;
}
