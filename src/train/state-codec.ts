// Turns nested training state (optimizer, scheduler, sampler state dicts: objects, arrays,
// numbers, strings, Maps and Tensors) into a flat name -> Tensor map plus JSON, and back. The
// tensors go into the checkpoint's safetensors body, the JSON into its header metadata.

import { Tensor } from '../tensor/tensor.js';

const TENSOR_REF = '$tensor';
const MAP_TAG = '$map';

export interface EncodedState {
  tensors: Map<string, Tensor>;
  json: unknown;
}

/** Flattens state; every tensor found is stored under `${prefix}.${path}`. */
export function encodeState(state: unknown, prefix: string, tensors: Map<string, Tensor> = new Map()): EncodedState {
  const walk = (v: unknown, path: string): unknown => {
    if (v instanceof Tensor) {
      const name = `${prefix}.${path}`;
      if (tensors.has(name)) throw new Error(`checkpoint: two tensors would be stored under the name '${name}'`);
      tensors.set(name, v);
      return { [TENSOR_REF]: name };
    }
    if (v instanceof Map) {
      return { [MAP_TAG]: [...v.entries()].map(([k, x], i) => [k, walk(x, `${path}.${String(k).replace(/\./g, '_') || i}`)]) };
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, path ? `${path}.${i}` : String(i)));
    if (v && typeof v === 'object') {
      if (ArrayBuffer.isView(v)) throw new TypeError(`checkpoint: cannot store a raw ${v.constructor.name} at '${path}'; wrap it in a Tensor`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, path ? `${path}.${k}` : k);
      return out;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) }; // JSON has no NaN/Infinity
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`checkpoint: cannot store a ${typeof v} at '${path}'`);
    return v;
  };
  const json = walk(state, '');
  return { tensors, json };
}

/** Rebuilds state from its JSON and the tensors it refers to. */
export function decodeState(json: unknown, tensors: ReadonlyMap<string, Tensor>, where: string): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o[TENSOR_REF] === 'string') {
        const t = tensors.get(o[TENSOR_REF] as string);
        if (!t) throw new Error(`${where}: the state refers to tensor '${o[TENSOR_REF]}', which is not in the file`);
        return t;
      }
      if (Array.isArray(o[MAP_TAG])) return new Map((o[MAP_TAG] as [unknown, unknown][]).map(([k, x]) => [k, walk(x)]));
      if (typeof o.$number === 'string' && Object.keys(o).length === 1) return Number(o.$number);
      if (typeof o.$bigint === 'string' && Object.keys(o).length === 1) return BigInt(o.$bigint);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(json);
}
