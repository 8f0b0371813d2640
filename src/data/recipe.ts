// How a worker thread rebuilds something that lives in the main thread: the URL of an ES module,
// the name of a factory function it exports, and structured-cloneable arguments (a typed array on
// a SharedArrayBuffer is shared, not copied). Datasets and transforms describe themselves this way.

export interface Recipe {
  /** An importable module URL (file:// for local files). */
  module: string;
  /** A function exported by the module; called with args, it returns the object. */
  export: string;
  args: unknown[];
}

export function isRecipe(x: unknown): x is Recipe {
  const r = x as Recipe;
  return !!r && typeof r === 'object' && typeof r.module === 'string' && typeof r.export === 'string' && Array.isArray(r.args);
}

export async function buildFromRecipe(recipe: Recipe, what: string): Promise<unknown> {
  const mod = (await import(recipe.module)) as Record<string, unknown>;
  const factory = mod[recipe.export];
  if (typeof factory !== 'function') throw new TypeError(`${what}: module ${recipe.module} does not export a function '${recipe.export}'`);
  return await (factory as (...a: unknown[]) => unknown)(...recipe.args);
}

/** A copy of `data` on a SharedArrayBuffer, so that worker threads can read it without a copy each. */
export function shareArray<T extends Uint8Array | Float32Array | Int32Array>(data: T): T {
  // The plain constructor, not data.constructor: a Node Buffer is a Uint8Array too.
  const Ctor = data instanceof Float32Array ? Float32Array : data instanceof Int32Array ? Int32Array : Uint8Array;
  if (data.buffer instanceof SharedArrayBuffer && data.constructor === Ctor) return data;
  const out = new Ctor(new SharedArrayBuffer(data.byteLength) as unknown as ArrayBuffer); // TS 5.9's lib types take only ArrayBuffer here
  out.set(data);
  return out as T;
}
