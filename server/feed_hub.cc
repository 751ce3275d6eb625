#include "server/feed_hub.h"

#include <utility>

namespace syndicate::server {

uint64_t FeedHub::WaitForAppend(uint64_t seen_head, std::function<void()> wake) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_ && head_ <= seen_head) {
      const uint64_t id = next_id_++;
      waiting_.emplace(id, std::move(wake));
      return id;
    }
  }
  wake();
  return 0;
}

bool FeedHub::Cancel(uint64_t id) {
  std::function<void()> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return false;
    dropped = std::move(it->second);
    waiting_.erase(it);
  }
  // `dropped` is destroyed here, outside the lock: what it holds may run a destructor that
  // calls back into the hub.
  return true;
}

void FeedHub::Notify(uint64_t head) {
  Registrations wakes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (head > head_) head_ = head;
    wakes.swap(waiting_);
  }
  WakeAll(std::move(wakes));
}

void FeedHub::Close() {
  Registrations wakes;
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
void FeedHub::WakeAll(Registrations wakes) {
  for (auto& [id, wake] : wakes) wake();
}

}  // namespace syndicate::server
