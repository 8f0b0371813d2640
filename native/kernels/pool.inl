// Max, average and adaptive average pooling over contiguous NCHW float32 planes [p0, p1).
// Window semantics are those of src/backend/js/pool.ts (PyTorch's CPU kernels). When some window
// runs past the left or right edge (padding, ceil_mode), the plane is first copied into a buffer
// with padding columns (-inf for max, 0 for average), so that every output of a row is computed by
// the same branch-free vector code: N outputs at a time with strided loads (stride 1 and 2
// specialised), the last chunk of a row overlapping the one before. Windows are clipped to the
// input vertically, where the clipping is the same for a whole output row.
#include "kernels/pool_common.inl"
#include "kernels/pool_max.inl"
#include "kernels/pool_avg.inl"

inline void fill_pool(Kernels& k) {
  k.maxpool2d_f32 = maxpool2d_f32;
  k.maxpool2d_bwd_f32 = maxpool2d_bwd_f32;
  k.avgpool2d_f32 = avgpool2d_f32;
  k.avgpool2d_bwd_f32 = avgpool2d_bwd_f32;
  k.adaptive_avgpool2d_f32 = adaptive_avgpool2d_f32;
  k.adaptive_avgpool2d_bwd_f32 = adaptive_avgpool2d_bwd_f32;
}
