#include "threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ODY_PAUSE() _mm_pause()
#else
#define ODY_PAUSE() std::this_thread::yield()
#endif

namespace ody {
namespace {

thread_local bool tl_in_parallel = false;
thread_local int tl_caller_threads = 0;  // 0: no limit of this thread's own

int default_threads() {
  if (const char* env = std::getenv("ODYSSEY_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return std::min(n, 256);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? int(std::min(hc, 256u)) : 1;
}

// Jobs and who takes part in them. The caller publishes a job (task, counter, an open "joined"
// word) and bumps a generation number; a worker that wakes up joins the job only while it is
// still open, takes task indices from the shared counter, and checks out. When the counter runs
// dry the caller closes the job and waits only for the workers that joined, so a worker the OS
// has not scheduled yet (the machine is shared) never holds up a job it did not start: the
// caller simply does those tasks itself. A late worker finds the job closed and goes back to
// waiting; one that joins a newer job than the generation it saw is harmless, since every field
// it reads was published before that job opened.
class Pool {
 public:
  ~Pool() { resize(0); }

  int size() const { return int(workers_.size()) + 1; }

  // The pool serves one calling thread at a time (JavaScript worker_threads may call in
  // concurrently): true if this thread now owns it.
  bool try_acquire() {
    bool expected = false;
    return busy_.compare_exchange_strong(expected, true, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void release() { busy_.store(false, std::memory_order_release); }

  void resize(int threads) {
    while (!try_acquire()) std::this_thread::yield();
    struct Owned { Pool* p; ~Owned() { p->release(); } } owned{this};
    resize_owned(threads);
  }

 private:
  void resize_owned(int threads) {
    int want = std::max(0, threads - 1);
    if (want == int(workers_.size())) return;
    {
      std::lock_guard<std::mutex> g(m_);
      stop_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
    const uint64_t start = generation_.load(std::memory_order_acquire);
    for (int i = 0; i < want; i++) workers_.emplace_back([this, start] { loop(start); });
  }

 public:
  // The caller must own the pool (try_acquire).
  void run(int64_t ntasks, void (*task)(void*, int64_t), void* ctx) {
    task_ = task;
    ctx_ = ctx;
    ntasks_ = ntasks;
    next_.store(0, std::memory_order_relaxed);
    joined_.store(0, std::memory_order_release);  // open, nobody inside
    {
      std::lock_guard<std::mutex> g(m_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) cv_.notify_all();
    work();
    joined_.fetch_or(kClosed, std::memory_order_acq_rel);
    // A joined worker the OS has descheduled may be waiting for this very core: after a short
    // spin, yield it.
    for (int spins = 0; (joined_.load(std::memory_order_acquire) & ~kClosed) != 0; spins++) {
      if (spins < 4096) ODY_PAUSE();
      else std::this_thread::yield();
    }
  }

 private:
  static constexpr int64_t kClosed = int64_t(1) << 62;

  void work() {
    tl_in_parallel = true;
    for (;;) {
      int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= ntasks_) break;
      task_(ctx_, i);
    }
    tl_in_parallel = false;
  }

  // Joins the open job, if there is one: true if this thread is now counted in it.
  bool join() {
    int64_t v = joined_.load(std::memory_order_acquire);
    while (!(v & kClosed)) {
      if (joined_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return true;
    }
    return false;
  }

  void loop(uint64_t seen) {
    for (;;) {
      // Spin briefly (the ops of a training step come in quick succession), then sleep. The spin
      // is bounded in time, not iterations (a pause lasts 10 to 150 cycles depending on the CPU),
      // and kept short: on a busy machine a spinning worker takes CPU time from everyone else.
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
      for (int spins = 0; generation_.load(std::memory_order_acquire) == seen && !stop_flag(); spins++) {
        ODY_PAUSE();
        if ((spins & 63) == 63 && std::chrono::steady_clock::now() >= spin_until) break;
      }
      if (generation_.load(std::memory_order_acquire) == seen && !stop_flag()) {
        std::unique_lock<std::mutex> lk(m_);
        sleepers_.fetch_add(1, std::memory_order_acq_rel);
        cv_.wait(lk, [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      }
      if (stop_flag()) return;
      seen = generation_.load(std::memory_order_acquire);
      if (!join()) continue;
      work();
      joined_.fetch_sub(1, std::memory_order_release);
    }
  }

  bool stop_flag() const { return stop_.load(std::memory_order_acquire); }

  static constexpr int kSpinMicros = 10;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> joined_{kClosed};
  std::atomic<int> sleepers_{0};
  int64_t ntasks_ = 0;
  void (*task_)(void*, int64_t) = nullptr;
  void* ctx_ = nullptr;
};

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();  // never destroyed: worker threads must not be joined during static teardown
    q->resize(default_threads());
    return q;
  }();
  return *p;
}

}  // namespace

int num_threads() { return tl_caller_threads > 0 ? std::min(tl_caller_threads, pool().size()) : pool().size(); }

void set_num_threads(int n) { pool().resize(n <= 0 ? default_threads() : std::min(n, 256)); }

void set_caller_threads(int n) { tl_caller_threads = n <= 0 ? 0 : std::min(n, 256); }

int caller_threads() { return tl_caller_threads; }

bool in_parallel_region() { return tl_in_parallel; }

void run_tasks(int64_t ntasks, void (*task)(void*, int64_t), void* ctx) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || tl_in_parallel || tl_caller_threads == 1) {
    for (int64_t i = 0; i < ntasks; i++) task(ctx, i);
    return;
  }
  Pool& p = pool();
  if (p.size() == 1 || !p.try_acquire()) {  // busy: another JavaScript thread is using it
    for (int64_t i = 0; i < ntasks; i++) task(ctx, i);
    return;
  }
  struct Owned { Pool& p; ~Owned() { p.release(); } } owned{p};  // released on every way out
  p.run(ntasks, task, ctx);
}

}  // namespace ody
