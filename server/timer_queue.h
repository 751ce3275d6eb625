// One thread that runs callbacks at given times: the heartbeats and stall checks of every
// stream, and periodic chores such as feed retention. No thread per stream, no polling:
// the thread sleeps until the earliest deadline or until an earlier one is added.
#ifndef SYNDICATE_SERVER_TIMER_QUEUE_H_
#define SYNDICATE_SERVER_TIMER_QUEUE_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace syndicate::server {

class TimerQueue {
 public:
  TimerQueue();
  // Stops the thread; callbacks not yet due are dropped, never run.
  ~TimerQueue();

  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `callback` on the timer thread at or soon after `when`. Callbacks must be quick
  // (hand real work to a WorkPool) and must hold only weak references to objects that may
  // die first: a callback is never cancelled, it finds its target gone instead. Thread-safe.
  void Schedule(absl::Time when, std::function<void()> callback);

  // Timers scheduled and not yet run.
  size_t pending() const;

 private:
  struct Entry {
    absl::Time when;
    uint64_t order;  // keeps equal deadlines in scheduling order
    std::function<void()> callback;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.when != b.when ? a.when > b.when : a.order > b.order;
    }
  };

  void Loop();

  mutable std::mutex mu_;
  std::condition_variable changed_;
  // A heap ordered by Later: the earliest deadline at front().
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_TIMER_QUEUE_H_
