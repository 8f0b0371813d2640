// Module: the base of every layer and model. It keeps its parameters, buffers and child modules
// in definition order under their PyTorch names, so that stateDict() keys are exactly PyTorch's
// (`0.weight`, `stem.1.running_mean`) and checkpoints open in Python.
//
// TypeScript cannot intercept property assignment as Python's __setattr__ does, so registration
// is explicit: `this.weight = this.registerParameter('weight', new Parameter(...))`. The registered
// name is the PyTorch name, the property the camelCase one. Registering a name again replaces the
// entry in place (its position in the order stays), which is how a layer is swapped out.

import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { checkDType, describe, isFloating, type DType } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { Parameter } from './parameter.js';

/** A state dict: tensors under their dotted names, in definition order. */
export type StateDict = Map<string, Tensor>;

export interface StateDictOptions {
  /** Prepended to every key. */
  prefix?: string;
  /** Return the parameters and buffers themselves rather than detached views of them. */
  keepVars?: boolean;
}

export interface LoadStateDictOptions {
  /** Missing or unexpected keys are an error (shape mismatches always are). Default true. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Kind = 'parameter' | 'buffer' | 'module';

export class Module {
  /** Training mode (dropout active, batch norm on batch statistics); set with train()/eval(). */
  training = true;
  /** Parameters by PyTorch name, in registration order (null: declared but absent, e.g. bias=false). */
  protected readonly _parameters = new Map<string, Parameter | null>();
  protected readonly _buffers = new Map<string, Tensor | null>();
  /** Buffers left out of the state dict. */
  protected readonly _nonPersistentBuffers = new Set<string>();
  protected readonly _modules = new Map<string, Module | null>();

  /** The computation. Subclasses override it with their own signature. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._inputs: any[]): any {
    throw new Error(`${this.constructor.name}: forward() is not implemented`);
  }

  /** Alias of forward (PyTorch's module(x)). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    return this.forward(...inputs) as ReturnType<this['forward']>;
  }

  // ---- registration -----------------------------------------------------------------------

  private checkName(name: unknown, kind: Kind): string {
    const what = `register${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    if (typeof name !== 'string') throw new TypeError(`${this.constructor.name}.${what}: expected a string name, got ${describe(name)}`);
    if (name === '' || name.includes('.')) throw new RangeError(`${this.constructor.name}.${what}: a name must be non-empty and contain no '.', got '${name}'`);
    const taken: [Kind, Map<string, unknown>][] = [['parameter', this._parameters], ['buffer', this._buffers], ['module', this._modules]];
    for (const [k, map] of taken) {
      if (k !== kind && map.has(name)) throw new Error(`${this.constructor.name}.${what}: '${name}' is already registered as a ${k}`);
    }
    return name;
  }

  /** Registers (or replaces) a parameter under its PyTorch name; null declares an absent one. */
  registerParameter<T extends Parameter | null>(name: string, param: T): T {
    this.checkName(name, 'parameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`${this.constructor.name}.registerParameter: '${name}' must be a Parameter or null, got ${describe(param)} (wrap a tensor with new Parameter(t))`);
    }
    this._parameters.set(name, param);
    return param;
  }

  /** Registers (or replaces) a buffer: state that is saved but not trained (running statistics). */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, options: { persistent?: boolean } = {}): T {
    this.checkName(name, 'buffer');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`${this.constructor.name}.registerBuffer: '${name}' must be a Tensor or null, got ${describe(tensor)}`);
    if (tensor instanceof Parameter) throw new TypeError(`${this.constructor.name}.registerBuffer: '${name}' is a Parameter; use registerParameter`);
    this._buffers.set(name, tensor);
    if (options.persistent === false) this._nonPersistentBuffers.add(name);
    else this._nonPersistentBuffers.delete(name);
    return tensor;
  }

  /** Registers (or replaces) a child module. */
  registerModule<T extends Module | null>(name: string, module: T): T {
    this.checkName(name, 'module');
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${this.constructor.name}.registerModule: '${name}' must be a Module or null, got ${describe(module)}`);
    this._modules.set(name, module);
    return module;
  }

  // ---- walking the tree -------------------------------------------------------------------

  /** This module and every descendant with its dotted name ('' for this one), each module once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m._modules) if (child) walk(child, p ? `${p}.${name}` : name);
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [name, m] of this._modules) {
      if (m && !seen.has(m)) { seen.add(m); out.push([name, m]); }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private namedMembers<T extends Tensor>(pick: (m: Module) => Map<string, T | null>, prefix: string, recurse: boolean): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<T>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [p, m] of mods) {
      for (const [name, t] of pick(m)) {
        if (!t || seen.has(t)) continue; // a tensor shared by two modules is listed once
        seen.add(t);
        out.push([p ? `${p}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Parameters with their dotted names, in definition order; a shared parameter appears once. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.namedMembers((m) => m._parameters, prefix, recurse);
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers, prefix, recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** Calls fn on every descendant (children first) and then on this module. */
  apply(fn: (module: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`${this.constructor.name}.apply: expected a function, got ${describe(fn)}`);
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ----------------------------------------------------------------

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`${this.constructor.name}.train: expected a boolean mode, got ${describe(mode)}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Turns gradient tracking of every parameter on or off (freezing). */
  requiresGrad_(requires = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requires);
    return this;
  }

  /** Clears gradients: zeroed in place (memory reused, the default, as PyTorch 1.13) or set to null. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    noGrad(() => {
      for (const p of this.parameters()) {
        if (!p.grad) continue;
        if (options.setToNone) p.grad = null;
        else p.grad.zero_();
      }
    });
  }

  // ---- dtype ------------------------------------------------------------------------------

  /**
   * Converts parameters (and their gradients) and floating-point buffers to a floating dtype in
   * place: each Parameter keeps its identity (Tensor.setData), so an optimizer built before
   * still updates the same objects. Integer buffers (num_batches_tracked) keep their dtype.
   */
  to(dtype: DType): this {
    checkDType(dtype, `${this.constructor.name}.to`);
    if (!isFloating(dtype)) throw new TypeError(`${this.constructor.name}.to: expected a floating-point dtype, got ${dtype}`);
    noGrad(() => {
      for (const m of this.modules()) {
        for (const p of m._parameters.values()) {
          if (!p || p.dtype === dtype) continue;
          p.setData(p.to(dtype));
          if (p.grad) p.grad = p.grad.to(dtype);
        }
        for (const b of m._buffers.values()) {
          if (b && isFloating(b.dtype) && b.dtype !== dtype) b.setData(b.to(dtype));
        }
      }
    });
    return this;
  }

  float(): this { return this.to('float32'); }
  double(): this { return this.to('float64'); }
  half(): this { return this.to('float16'); }
  bfloat16(): this { return this.to('bfloat16'); }

  // ---- state dict -------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers under PyTorch's keys, in PyTorch's order (a module's own
   * parameters, then its buffers, then each child's). Values are detached views sharing memory.
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    const out: StateDict = new Map();
    const keep = options.keepVars ?? false;
    const walk = (m: Module, p: string) => {
      for (const [name, t] of m._parameters) if (t) out.set(p + name, keep ? t : t.detach());
      for (const [name, t] of m._buffers) if (t && !m._nonPersistentBuffers.has(name)) out.set(p + name, keep ? t : t.detach());
      for (const [name, child] of m._modules) if (child) walk(child, `${p}${name}.`);
    };
    walk(this, options.prefix ?? '');
    return out;
  }

  /**
   * Copies values from sd into the parameters and buffers in place (converting dtypes). Every
   * key is checked first and nothing is copied if there is an error: a shape mismatch always
   * is one; missing and unexpected keys are one when strict (the default). Returns the missing
   * and unexpected keys.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const where = `${this.constructor.name}.loadStateDict`;
    if (!(sd instanceof Map) && (typeof sd !== 'object' || sd === null)) throw new TypeError(`${where}: expected a Map or an object of tensors, got ${describe(sd)}`);
    const given = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict({ keepVars: true });
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    for (const [key, target] of own) {
      if (!given.has(key)) continue;
      const value = given.get(key);
      if (!(value instanceof Tensor)) {
        problems.push(`${key}: expected a Tensor, got ${describe(value)}`);
      } else if (value.shape.length !== target.shape.length || value.shape.some((d, i) => d !== target.shape[i])) {
        problems.push(`size mismatch for ${key}: copying a tensor with shape ${shapeStr(value.shape)} from the checkpoint, the shape in the current model is ${shapeStr(target.shape)}`);
      }
    }
    if (strict && unexpectedKeys.length > 0) problems.unshift(`Unexpected key(s) in state dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && missingKeys.length > 0) problems.unshift(`Missing key(s) in state dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (problems.length > 0) throw new Error(`${where}: error(s) in loading the state dict (nothing was copied):\n  ${problems.join('\n  ')}`);
    noGrad(() => {
      for (const [key, target] of own) {
        const value = given.get(key);
        if (value && value !== target) target.copy_(value);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing ---------------------------------------------------------------------------

  /** The layer's settings for toString(), e.g. `inFeatures=2, outFeatures=3, bias=true`. */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    if (extra) lines.push(...extra.split('\n'));
    for (const [name, child] of this._modules) {
      const text = child ? child.toString() : 'null';
      lines.push(`(${name}): ${text.split('\n').join('\n  ')}`);
    }
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (lines.length === 1 && this._modules.size === 0) return `${name}(${lines[0]})`;
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}
