// ModuleList: holds modules in a list so that their parameters are registered (children named
// "0", "1", ...). It has no forward: the owner decides how to call them.

import { describe } from '../../tensor/dtype.js';
import { Module } from '../module.js';

export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  get length(): number {
    return this._modules.size;
  }

  private list(): Module[] {
    return [...this._modules.values()] as Module[];
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const list = this.list();
    const j = i < 0 ? i + list.length : i;
    const m = Number.isInteger(j) ? list[j] : undefined;
    if (!m) throw new RangeError(`ModuleList.at: index ${i} is out of range for ${list.length} modules`);
    return m;
  }

  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.append: expected a Module, got ${describe(module)}`);
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function') throw new TypeError(`ModuleList: expected an iterable of modules, got ${describe(modules)}`);
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts before index (renumbering the ones after, as PyTorch). */
  insert(index: number, module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.insert: expected a Module, got ${describe(module)}`);
    const list = this.list();
    if (!Number.isInteger(index)) throw new TypeError(`ModuleList.insert: expected an integer index, got ${String(index)}`);
    const j = Math.min(Math.max(index < 0 ? index + list.length : index, 0), list.length);
    list.splice(j, 0, module);
    this._modules.clear();
    list.forEach((m, i) => this.registerModule(String(i), m));
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.list()[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error('ModuleList: has no forward(); iterate over it and call the modules');
  }
}
