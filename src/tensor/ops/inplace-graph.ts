// Recording in-place ops in the autograd graph. The op is computed out of place from a copy of
// the tensor's old value (which keeps the old place in the graph), the result is written into
// the tensor's memory, and the tensor takes the new node. When the tensor is a view, the tensor
// that owns the memory (its base) changed too: the base gets a node that sends the gradient of the
// written region to the op and the rest to the base's old node (PyTorch's CopySlices).

import { isGradEnabled } from '../../autograd/grad-mode.js';
import { record } from '../../autograd/graph.js';
import { allocate } from '../dtype.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { contiguousAs, contiguousCopy, copyStridedInto, filled } from './convert.js';

/** Whether this in-place op must be recorded; refuses the cases PyTorch refuses. */
export function tracks(t: Tensor, op: string, others: readonly unknown[]): boolean {
  if (!isGradEnabled()) return false;
  t._edge(); // a view whose base changed in place first catches up with the base's graph
  if (t.requiresGrad && t.isLeaf) {
    throw new Error(`${op}: a leaf tensor that requires grad cannot be modified in place (wrap the update in noGrad(), as optimizers do)`);
  }
  const base = t._base;
  if (base && base.requiresGrad && base.isLeaf) {
    throw new Error(`${op}: a view of a leaf tensor that requires grad cannot be modified in place (clone() the leaf first, or wrap the update in noGrad())`);
  }
  return t.requiresGrad || others.some((o) => o instanceof Tensor && o.requiresGrad);
}

/** A tensor laid out like `like` (same shape, strides, offset) in fresh zeroed memory of the same size. */
function sameLayout(like: Tensor, dtype = like.dtype): Tensor {
  return new Tensor(new Storage(allocate(dtype, like.storage.data.length)), dtype, like.shape, like.strides, like.offset);
}

/** The region `view` covers of its base, in `layout` (a tensor laid out like the base). */
function regionIn(layout: Tensor, view: Tensor): Tensor {
  return new Tensor(layout.storage, layout.dtype, view.shape, view.strides, view.offset);
}

/**
 * Runs `compute` on a stand-in for t's old value, writes the result into t and records the
 * change: t (and its base, for a view) now come from the op.
 */
export function recordedInPlace(t: Tensor, compute: (old: Tensor) => Tensor): void {
  const base = t._base;
  const old = contiguousCopy(t);
  let baseOld: Tensor | null = null;
  if (base) {
    // The base's value before the write, holding its old place in the graph; only its shape is
    // read by backward, so it may share the memory that is about to change.
    baseOld = new Tensor(base.storage, base.dtype, base.shape, base.strides, base.offset);
    baseOld.requiresGrad = base.requiresGrad;
    baseOld.gradFn = base.gradFn;
    // old is the viewed region of baseOld: its gradient lands in that region of the base.
    record(old, 'inplaceView', [baseOld], (g) => {
      const gb = sameLayout(base, g.dtype);
      copyStridedInto(g, regionIn(gb, t));
      return [gb];
    });
  } else {
    old.requiresGrad = t.requiresGrad;
    old.gradFn = t.gradFn;
  }
  const res = compute(old);
  copyStridedInto(res.dtype === t.dtype ? res : contiguousAs(res, t.dtype), t);
  t.storage.version++;
  t.gradFn = res.gradFn;
  t.requiresGrad = res.requiresGrad;
  if (base && baseOld) {
    // The base is now its old value with t's region replaced by res.
    const fresh = new Tensor(base.storage, base.dtype, base.shape, base.strides, base.offset);
    record(fresh, 'copySlices', [baseOld, res], (g) => {
      const gb = sameLayout(base, g.dtype);
      copyStridedInto(g, new Tensor(gb.storage, gb.dtype, base.shape, base.strides, base.offset));
      const region = regionIn(gb, t);
      const gRes = contiguousCopy(region);
      copyStridedInto(filled(region.shape, region.dtype, 0), region);
      return [new Tensor(gb.storage, gb.dtype, base.shape, base.strides, base.offset), gRes];
    });
    base.gradFn = fresh.gradFn;
    base.requiresGrad = fresh.requiresGrad;
    t._baseGradFn = base.gradFn; // t's own node is current
  }
}

/**
 * A view made before an in-place op changed its base (through the base itself or another view)
 * still points at the base's old node. As PyTorch, it gets a node that reads the new base: its
 * gradient lands in its region of the base.
 */
export function refreshView(t: Tensor): void {
  const base = t._base!;
  t._baseGradFn = base.gradFn;
  t.gradFn = null;
  t.requiresGrad = false;
  record(t, 'viewOfModifiedBase', [base], (g) => {
    const gb = sameLayout(base, g.dtype);
    copyStridedInto(g, regionIn(gb, t));
    return [gb];
  });
}
