// Native float32 conv2d (native/bind_conv.cc): implicit-im2col GEMM for general convolutions and
// direct kernels for depthwise ones. float64 stays on the TypeScript reference.

import type { Backend, Conv2dGeometry } from './backend.js';

export interface ConvAddon {
  /** meta = [n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilationH, dilationW, groups, oh, ow] */
  conv2dForwardF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, meta: Float64Array): void;
  conv2dBackwardInputF32(dy: Float32Array, w: Float32Array, dx: Float32Array, meta: Float64Array): void;
  conv2dBackwardWeightF32(x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null, meta: Float64Array): void;
  /** Which path 3x3 stride-1 convolutions take: 'auto', 'winograd' (wherever it can) or 'gemm'. */
  setConvAlgo(name: string): boolean;
}

type ConvMethods = 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight';

export function convOverrides(addon: ConvAddon, js: Backend): Pick<Backend, ConvMethods> {
  const meta = new Float64Array(16);
  const fill = (g: Conv2dGeometry): Float64Array => {
    meta[0] = g.n; meta[1] = g.c; meta[2] = g.h; meta[3] = g.w; meta[4] = g.k; meta[5] = g.r; meta[6] = g.s;
    meta[7] = g.strideH; meta[8] = g.strideW; meta[9] = g.padH; meta[10] = g.padW;
    meta[11] = g.dilationH; meta[12] = g.dilationW; meta[13] = g.groups; meta[14] = g.oh; meta[15] = g.ow;
    return meta;
  };
  const f32 = (a: unknown): a is Float32Array => a instanceof Float32Array;
  return {
    conv2dForward(g, x, w, bias, y) {
      if (f32(x) && f32(w) && f32(y) && (bias === null || f32(bias))) addon.conv2dForwardF32(x, w, bias, y, fill(g));
      else js.conv2dForward(g, x, w, bias, y);
    },
    conv2dBackwardInput(g, dy, w, dx) {
      if (f32(dy) && f32(w) && f32(dx)) addon.conv2dBackwardInputF32(dy, w, dx, fill(g));
      else js.conv2dBackwardInput(g, dy, w, dx);
    },
    conv2dBackwardWeight(g, x, dy, dw, dbias) {
      if (f32(x) && f32(dy) && f32(dw) && (dbias === null || f32(dbias))) addon.conv2dBackwardWeightF32(x, dy, dw, dbias, fill(g));
      else js.conv2dBackwardWeight(g, x, dy, dw, dbias);
    },
  };
}
