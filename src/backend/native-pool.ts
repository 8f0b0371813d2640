// Native pooling kernels (native/bind_pool.cc): float32 overrides, the TypeScript backend otherwise.

import type { Backend, Pool2dGeometry } from './backend.js';

export interface PoolAddon {
  /** meta = [planes, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow] */
  maxPool2dF32(meta: Float64Array, x: Float32Array, y: Float32Array, indices: Int32Array): void;
  maxPool2dBackwardF32(meta: Float64Array, dy: Float32Array, indices: Int32Array, dx: Float32Array): void;
  avgPool2dF32(meta: Float64Array, x: Float32Array, y: Float32Array, countIncludePad: boolean, divisor: number): void;
  avgPool2dBackwardF32(meta: Float64Array, dy: Float32Array, dx: Float32Array, countIncludePad: boolean, divisor: number): void;
  adaptiveAvgPool2dF32(planes: number, h: number, w: number, oh: number, ow: number, x: Float32Array, y: Float32Array): void;
  adaptiveAvgPool2dBackwardF32(planes: number, h: number, w: number, oh: number, ow: number, dy: Float32Array, dx: Float32Array): void;
}

type PoolMethods = 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward' | 'adaptiveAvgPool2dForward' | 'adaptiveAvgPool2dBackward';

export function poolOverrides(addon: PoolAddon, js: Backend): Pick<Backend, PoolMethods> {
  const meta = new Float64Array(13);
  const geometry = (g: Pool2dGeometry): Float64Array => {
    meta[0] = g.planes; meta[1] = g.h; meta[2] = g.w; meta[3] = g.kh; meta[4] = g.kw;
    meta[5] = g.strideH; meta[6] = g.strideW; meta[7] = g.padH; meta[8] = g.padW;
    meta[9] = g.dilationH; meta[10] = g.dilationW; meta[11] = g.oh; meta[12] = g.ow;
    return meta;
  };
  return {
    maxPool2dForward(g, x, y, indices) {
      if (x instanceof Float32Array && y instanceof Float32Array) addon.maxPool2dF32(geometry(g), x, y, indices);
      else js.maxPool2dForward(g, x, y, indices);
    },
    maxPool2dBackward(g, dy, indices, dx) {
      if (dy instanceof Float32Array && dx instanceof Float32Array) addon.maxPool2dBackwardF32(geometry(g), dy, indices, dx);
      else js.maxPool2dBackward(g, dy, indices, dx);
    },
    avgPool2dForward(g, x, y, countIncludePad, divisor) {
      if (x instanceof Float32Array && y instanceof Float32Array) addon.avgPool2dF32(geometry(g), x, y, countIncludePad, divisor);
      else js.avgPool2dForward(g, x, y, countIncludePad, divisor);
    },
    avgPool2dBackward(g, dy, dx, countIncludePad, divisor) {
      if (dy instanceof Float32Array && dx instanceof Float32Array) addon.avgPool2dBackwardF32(geometry(g), dy, dx, countIncludePad, divisor);
      else js.avgPool2dBackward(g, dy, dx, countIncludePad, divisor);
    },
    adaptiveAvgPool2dForward(planes, h, w, oh, ow, x, y) {
      if (x instanceof Float32Array && y instanceof Float32Array) addon.adaptiveAvgPool2dF32(planes, h, w, oh, ow, x, y);
      else js.adaptiveAvgPool2dForward(planes, h, w, oh, ow, x, y);
    },
    adaptiveAvgPool2dBackward(planes, h, w, oh, ow, dy, dx) {
      if (dy instanceof Float32Array && dx instanceof Float32Array) addon.adaptiveAvgPool2dBackwardF32(planes, h, w, oh, ow, dy, dx);
      else js.adaptiveAvgPool2dBackward(planes, h, w, oh, ow, dy, dx);
    },
  };
}
