#include "server/timer_queue.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace syndicate::server {

TimerQueue::TimerQueue() : thread_([this] { Loop(); }) {}

TimerQueue::~TimerQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void TimerQueue::Schedule(absl::Time when, std::function<void()> callback) {
  bool earliest = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    earliest = entries_.empty() || when < entries_.front().when;
    entries_.push_back(Entry{when, next_order_++, std::move(callback)});
    std::push_heap(entries_.begin(), entries_.end(), Later());
  }
  if (earliest) changed_.notify_one();
}

size_t TimerQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void TimerQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (entries_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const absl::Time due = entries_.front().when;
    if (absl::Now() < due) {
      changed_.wait_until(lock, absl::ToChronoTime(due));
      continue;
    }
    std::pop_heap(entries_.begin(), entries_.end(), Later());
    std::function<void()> callback = std::move(entries_.back().callback);
    entries_.pop_back();
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace syndicate::server
