// Classification metrics over a batch: correct top-1 and top-k counts.

import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';

/** How many rows of logits [N, C] have the target among their k largest values. */
export function correctTopK(logits: Tensor, target: Tensor, k: number): number {
  return noGrad(() => {
    const n = logits.shape[0]!, c = logits.shape[1]!;
    const x = logits.to('float32').contiguous();
    const data = x.data as Float32Array, off = x.offset;
    const t = target.contiguous();
    const kk = Math.min(k, c);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const label = Number(t.data[t.offset + i]!);
      const row = off + i * c;
      const v = data[row + label]!;
      if (Number.isNaN(v)) continue;
      // The target is in the top k when fewer than k classes beat it (ties go to the lower index, as argmax).
      let better = 0;
      for (let j = 0; j < c && better < kk; j++) {
        const u = data[row + j]!;
        if (u > v || (u === v && j < label) || Number.isNaN(u)) better++;
      }
      if (better < kk) correct++;
    }
    return correct;
  });
}
