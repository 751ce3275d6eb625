#include "server/feed_hub.h"

#include <utility>

namespace syndicate::server {

void FeedHub::WaitForAppend(uint64_t seen_head, std::function<void()> wake) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_ && head_ <= seen_head) {
      waiting_.push_back(std::move(wake));
      return;
    }
  }
  wake();
}

void FeedHub::Notify(uint64_t head) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (head > head_) head_ = head;
    wakes.swap(waiting_);
  }
  WakeAll(std::move(wakes));
}

void FeedHub::Close() {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    wakes.swap(waiting_);
  }
  WakeAll(std::move(wakes));
}

size_t FeedHub::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

// Outside the lock: a wake may submit work that calls WaitForAppend again.
void FeedHub::WakeAll(std::vector<std::function<void()>> wakes) {
  for (std::function<void()>& wake : wakes) wake();
}

}  // namespace syndicate::server
