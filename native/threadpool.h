// A small fixed thread pool. The calling (JavaScript) thread takes part in every job and blocks
// until the job is done, so kernels can work directly on memory that JavaScript owns.
#pragma once
#include <cstdint>
#include <algorithm>
#include <type_traits>

namespace ody {

// Threads the kernels called from this thread may use: the calling thread's own limit when it has
// one (set_caller_threads), else the pool's size.
int num_threads();
// n <= 0 restores the default (ODYSSEY_NUM_THREADS, else the number of cores).
void set_num_threads(int n);
// A limit for the calling thread only (a worker_thread running its own model replica); 0 removes
// it. With a limit of 1 the thread's kernels run inline and never touch the shared pool. The pool
// serves one calling thread at a time: a caller that finds it busy runs its tasks inline.
void set_caller_threads(int n);
int caller_threads();
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
