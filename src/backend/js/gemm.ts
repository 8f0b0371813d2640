// Reference matrix multiply: C = alpha * op(A) op(B) + beta * C, row-major, batched.
// Accumulates in double; used as the oracle for the native SGEMM and for float64.

import type { FloatArray } from '../../tensor/dtype.js';

export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  a: FloatArray, aOff: number, lda: number, b: FloatArray, bOff: number, ldb: number, beta: number,
  c: FloatArray, cOff: number, ldc: number, batch: number, strideA: number, strideB: number, strideC: number): void {
  // op(A)[i, p] = A[i*lda + p] (or A[p*lda + i] transposed); op(B)[p, j] likewise.
  const ai = transA ? 1 : lda, ap = transA ? lda : 1;
  const bp = transB ? 1 : ldb, bj = transB ? ldb : 1;
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const A = aOff + t * strideA, B = bOff + t * strideB, C = cOff + t * strideC;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[A + i * ai + p * ap]!;
        const bBase = B + p * bp;
        for (let j = 0; j < n; j++) row[j] += av * b[bBase + j * bj]!;
      }
      const cRow = C + i * ldc;
      for (let j = 0; j < n; j++) c[cRow + j] = beta === 0 ? alpha * row[j]! : alpha * row[j]! + beta * c[cRow + j]!;
    }
  }
}
