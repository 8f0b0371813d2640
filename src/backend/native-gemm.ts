// Native float32 GEMM (native/bind_gemm.cc) and the peak-FMA probe the benchmarks divide by
// (native/bind_bench.cc). float64 and other arrays stay on the TypeScript reference.

import type { Backend } from './backend.js';

export interface GemmAddon {
  /** meta = [m, n, k, alpha, beta, aOff, lda, bOff, ldb, cOff, ldc, batch, strideA, strideB, strideC] */
  gemmF32(transA: boolean, transB: boolean, a: Float32Array, b: Float32Array, c: Float32Array, meta: Float64Array): void;
  /**
   * Every pool thread runs `iters` rounds of independent FMA chains with the selected ISA:
   * total flops, wall seconds, and rate = sum over threads of flops / thread CPU seconds.
   */
  peakFma(iters: number): { flops: number; seconds: number; rate: number };
}

export function gemmOverrides(addon: GemmAddon, js: Backend): Pick<Backend, 'gemm'> {
  const meta = new Float64Array(15);
  return {
    gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, batch, strideA, strideB, strideC) {
      if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) {
        js.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, batch, strideA, strideB, strideC);
        return;
      }
      if (m === 0 || n === 0 || batch === 0) return;
      meta[0] = m; meta[1] = n; meta[2] = k; meta[3] = alpha; meta[4] = beta;
      meta[5] = aOff; meta[6] = lda; meta[7] = bOff; meta[8] = ldb; meta[9] = cOff; meta[10] = ldc;
      meta[11] = batch; meta[12] = strideA; meta[13] = strideB; meta[14] = strideC;
      addon.gemmF32(transA, transB, a, b, c, meta);
    },
  };
}
