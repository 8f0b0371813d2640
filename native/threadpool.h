// A small fixed thread pool. The calling (JavaScript) thread takes part in every job and blocks
// until the job is done, so kernels can work directly on memory that JavaScript owns.
#pragma once
#include <cstdint>
#include <algorithm>
#include <type_traits>

namespace ody {

int num_threads();
// n <= 0 restores the default (ODYSSEY_NUM_THREADS, else the number of cores).
void set_num_threads(int n);
bool in_parallel_region();

// Runs task(ctx, i) for i in [0, ntasks) on up to num_threads() threads. Nested calls run inline.
void run_tasks(int64_t ntasks, void (*task)(void* ctx, int64_t i), void* ctx);

// fn(begin, end) over [0, n) in about num_threads() chunks of at least `grain` items.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  int64_t threads = num_threads();
  if (grain < 1) grain = 1;
  int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  if (chunks <= 1 || in_parallel_region()) { fn(int64_t(0), n); return; }
  using Fn = std::remove_reference_t<F>;
  struct Ctx { Fn* fn; int64_t n, chunks; } ctx{&fn, n, chunks};
  run_tasks(chunks, [](void* p, int64_t i) {
    auto* c = static_cast<Ctx*>(p);
    int64_t b = c->n * i / c->chunks, e = c->n * (i + 1) / c->chunks;
    if (b < e) (*c->fn)(b, e);
  }, &ctx);
}

// fn(i) for each i in [0, ntasks), spread over the threads (for uneven work items).
template <class F>
void parallel_tasks(int64_t ntasks, F&& fn) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || num_threads() == 1 || in_parallel_region()) { for (int64_t i = 0; i < ntasks; i++) fn(i); return; }
  using Fn = std::remove_reference_t<F>;
  run_tasks(ntasks, [](void* p, int64_t i) { (*static_cast<Fn*>(p))(i); }, const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace ody
