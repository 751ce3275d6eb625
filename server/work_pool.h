// A fixed set of threads that run the store calls of RPC handlers, so that gRPC's callback
// threads never block on RocksDB (a synced write waits for fsync).
#ifndef SYNDICATE_SERVER_WORK_POOL_H_
#define SYNDICATE_SERVER_WORK_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace syndicate::server {

class WorkPool {
 public:
  // Starts `threads` threads (at least 1).
  explicit WorkPool(int threads);
  // Runs every task already submitted, then joins the threads.
  ~WorkPool();

  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task` to run on one of the pool's threads, in submission order. Thread-safe.
  // Returns false, without running it, when destruction has begun.
  bool Submit(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_WORK_POOL_H_
