// The optimizer base, as torch.optim.Optimizer: parameter groups with their own options, lazily
// created per-parameter state, zeroGrad, step(closure) and a state dict with PyTorch's structure
// (state keyed by the parameter's index across all groups, groups listing those indices), so a
// restored optimizer continues exactly where the saved one stopped.
//
// Subclasses say which options they have (with defaults), how to check them, and how to update
// one parameter from its gradient; the update itself is one fused pass (param-update.ts).

import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { describe, isFloating } from '../tensor/dtype.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { camelToSnake, snakeToCamel } from './names.js';
import { stateDType } from './param-update.js';

/** Every optimizer has a learning rate; schedulers read and write it. */
export interface BaseOptions {
  lr: number;
}

/** Keys learning-rate schedulers add to a group (as PyTorch's schedulers do). */
export interface SchedulerGroupKeys {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A parameter group: its parameters and its own copy of every option. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & SchedulerGroupKeys & {
  params: Tensor[];
  [key: string]: unknown;
};

/** What a user passes for a group: the parameters and any options that differ from the defaults. */
export type ParamGroupSpec<O extends BaseOptions = BaseOptions> = Partial<O> & {
  params: Iterable<Tensor> | Tensor;
  [key: string]: unknown;
};

export type Params<O extends BaseOptions = BaseOptions> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** One parameter's state: tensors (float32 for 16-bit parameters), step counts, or null. */
export type ParamState = Record<string, Tensor | number | null | undefined>;

/** PyTorch's optimizer state-dict structure, with PyTorch's (snake_case) names. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends ParamState = ParamState> {
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  state = new Map<Tensor, S>();

  /** @param name the optimizer's name for error messages */
  protected constructor(protected readonly name: string, params: Params<O>, defaults: O) {
    this.defaults = defaults;
    if (params instanceof Tensor || params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params must be an iterable of Tensors or of parameter groups ({ params, ...options }), got ${describe(params)}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    const groups = (list[0] instanceof Tensor ? [{ params: list }] : list) as ParamGroupSpec<O>[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks a complete group's options (after defaults are filled in); throws naming the bad option. */
  protected abstract checkOptions(group: ParamGroup<O>): void;

  /** Updates one parameter in place from its gradient (same shape and dtype), creating its state if needed. */
  protected abstract updateParam(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** Converts and checks a loaded state entry (keys already camelCase, tensors already cloned to the state dtype). */
  protected abstract loadParamState(param: Tensor, entry: Record<string, unknown>, where: string): S;

  /** Adds a group, e.g. layers unfrozen during fine-tuning; options missing from it come from the defaults. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const where = `${this.name}.addParamGroup`;
    if (spec === null || typeof spec !== 'object' || !('params' in spec)) {
      throw new TypeError(`${where}: a parameter group is an object with a 'params' entry, got ${describe(spec)}`);
    }
    const raw = spec.params;
    if (raw instanceof Set) throw new TypeError(`${where}: params must be ordered (an array), not a Set`);
    const params = raw instanceof Tensor ? [raw] : raw && typeof (raw as Iterable<Tensor>)[Symbol.iterator] === 'function' ? Array.from(raw as Iterable<Tensor>) : null;
    if (!params) throw new TypeError(`${where}: params must be a Tensor or an iterable of Tensors, got ${describe(raw)}`);
    const inGroups = new Set(this.paramGroups.flatMap((g) => g.params));
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is ${describe(p)}, expected a Tensor`);
      if (!isFloating(p.dtype)) throw new TypeError(`${where}: params[${i}] is ${p.dtype}; only floating-point tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${where}: params[${i}] is not a leaf tensor (it was computed from others); optimize leaves only`);
      if (seen.has(p)) throw new Error(`${where}: params[${i}] appears twice in the group`);
      if (inGroups.has(p)) throw new Error(`${where}: params[${i}] is already in another parameter group`);
      seen.add(p);
    });
    const known = Object.keys(this.defaults);
    for (const key of Object.keys(spec)) {
      const camel = snakeToCamel(key);
      if (camel !== key && known.includes(camel)) throw new TypeError(`${where}: unknown option '${key}'; did you mean '${camel}'?`);
    }
    const group: Record<string, unknown> = { ...this.defaults };
    for (const [k, v] of Object.entries(spec)) if (v !== undefined) group[k] = v;
    group.params = params;
    if (Array.isArray(group.betas)) group.betas = [...group.betas]; // each group owns its copy
    this.checkOptions(group as ParamGroup<O>);
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /**
   * Clears the gradients: by default sets .grad to null (the next backward allocates it); with
   * setToNone false, zeroes each .grad in place, keeping its memory.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (setToNone) {
          p.grad = null;
        } else {
          g.gradFn = null;
          g.requiresGrad = false;
          noGrad(() => g.zero_());
        }
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (parameters whose .grad is null are
   * skipped). closure, if given, re-evaluates the model (with gradients on) before the update and
   * its result is returned.
   */
  step<L = unknown>(closure?: () => L): L | undefined {
    let loss: L | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new TypeError(`${this.name}.step: closure must be a function, got ${describe(closure)}`);
      loss = enableGrad(closure);
    }
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (!g) continue;
          if (g.dtype !== p.dtype || !sameShape(g.shape, p.shape)) {
            throw new Error(`${this.name}.step: a parameter of shape ${shapeStr(p.shape)} (${p.dtype}) has a gradient of shape ${shapeStr(g.shape)} (${g.dtype})`);
          }
          this.updateParam(p, g, group);
        }
      }
    });
    return loss;
  }

  /** A zero state tensor for param (float32 for 16-bit parameters). */
  protected zerosState(param: Tensor): Tensor {
    return zeros(param.shape, { dtype: stateDType(param) });
  }

  /**
   * The state in PyTorch's structure and names. Like PyTorch, the state tensors are the live ones,
   * not copies: serialise the result before the next step.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const param_groups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) {
        if (k !== 'params') packed[camelToSnake(k)] = Array.isArray(v) ? [...v] : v;
      }
      packed.params = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) if (v !== undefined) entry[camelToSnake(k)] = v;
      state[i] = entry;
    }
    return { state, param_groups };
  }

  /**
   * Restores a state from stateDict() (or a PyTorch state dict with the same structure): the
   * groups' options and each parameter's state, copied, so the dict can be reused.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || !sd.state || typeof sd.state !== 'object') {
      throw new TypeError(`${where}: expected { state, param_groups } as made by stateDict(), got ${describe(sd)}`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${where}: the state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const groups = saved.map((sg, gi) => {
      const own = this.paramGroups[gi]!;
      if (!sg || !Array.isArray(sg.params) || sg.params.length !== own.params.length) {
        throw new RangeError(`${where}: parameter group ${gi} has ${Array.isArray(sg?.params) ? sg.params.length : 'no'} parameters in the state dict, ${own.params.length} in the optimizer`);
      }
      sg.params.forEach((id, j) => byIndex.set(Number(id), own.params[j]!));
      const group: Record<string, unknown> = { ...this.defaults }; // options older dicts lack, as PyTorch's __setstate__
      for (const [k, v] of Object.entries(sg)) {
        if (k !== 'params') group[snakeToCamel(k)] = Array.isArray(v) ? [...v] : v;
      }
      group.params = own.params;
      this.checkOptions(group as ParamGroup<O>);
      return group as ParamGroup<O>;
    });
    const state = new Map<Tensor, S>();
    for (const [key, raw] of Object.entries(sd.state)) {
      const param = byIndex.get(Number(key));
      const at = `${where}: state of parameter ${key}`;
      if (!param) throw new RangeError(`${at}: no parameter has this index`);
      if (!raw || typeof raw !== 'object') throw new TypeError(`${at}: expected an object, got ${describe(raw)}`);
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) entry[snakeToCamel(k)] = v instanceof Tensor ? this.copyStateTensor(param, v, `${at}, ${k}`, k === 'step') : v;
      state.set(param, this.loadParamState(param, entry, at));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state = state;
  }

  private copyStateTensor(param: Tensor, t: Tensor, where: string, isStep: boolean): Tensor | number {
    if (isStep) {
      if (t.numel() !== 1) throw new RangeError(`${where}: expected one number, got a tensor of shape ${shapeStr(t.shape)}`);
      return t.item();
    }
    if (!sameShape(t.shape, param.shape)) throw new RangeError(`${where}: shape ${shapeStr(t.shape)}, the parameter has ${shapeStr(param.shape)}`);
    return stateCopy(t, param);
  }

  /**
   * A state tensor ready for param's kernel: t itself, or t converted when the parameter changed
   * dtype since (Module.to keeps parameters' identity); null when absent or of another size.
   */
  protected fitState(t: Tensor | null | undefined, param: Tensor): Tensor | null {
    if (!(t instanceof Tensor) || t.numel() !== param.numel()) return null;
    return usableState(t, param) ? t : stateCopy(t, param);
  }
}

/** A dense copy of t in param's state dtype and shape (t has param's number of elements). */
function stateCopy(t: Tensor, param: Tensor): Tensor {
  const dtype = stateDType(param);
  const out = Tensor.empty(param.shape, dtype);
  noGrad(() => out.copy_((t.dtype === dtype ? t : t.to(dtype)).reshape(param.shape)));
  return out;
}

/** Reads a loaded state entry's value of `key` as a state tensor (present and already copied). */
export function loadedTensor(entry: Record<string, unknown>, key: string, where: string): Tensor {
  const v = entry[key];
  if (!(v instanceof Tensor)) throw new TypeError(`${where}: '${camelToSnake(key)}' must be a tensor, got ${describe(v)}`);
  return v;
}

/** Reads a loaded step count. */
export function loadedStep(entry: Record<string, unknown>, where: string): number {
  const v = entry.step;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${where}: 'step' must be a non-negative integer, got ${describe(v)}`);
  return v;
}

/** Whether a state tensor can be handed to a kernel for param: dense, of the state dtype and size. */
function usableState(t: Tensor | null | undefined, param: Tensor): t is Tensor {
  return t instanceof Tensor && t.isDense() && t.dtype === stateDType(param) && t.numel() === param.numel();
}
