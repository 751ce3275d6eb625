// Wakes stream readers when the feed grows, without polling: a reader that has read up to
// the head registers a callback, and the next append calls it once.
#ifndef SYNDICATE_SERVER_FEED_HUB_H_
#define SYNDICATE_SERVER_FEED_HUB_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace syndicate::server {

// Thread-safe.
class FeedHub {
 public:
  explicit FeedHub(uint64_t head) : head_(head) {}

  // Calls `wake` once the feed's head passes `seen_head`: at once, on this thread, if it
  // already has (so no append between a reader's last read and this call is missed), else
  // on the thread of the append that passes it. After Close, calls it at once.
  void WaitForAppend(uint64_t seen_head, std::function<void()> wake);

  // Records that the head is now `head` and wakes every reader waiting for it. Called in
  // sequence order by the store's append listener.
  void Notify(uint64_t head);

  // Wakes every waiting reader and makes later waits return at once (for shutdown).
  void Close();

  // Readers currently waiting.
  size_t waiting() const;

 private:
  void WakeAll(std::vector<std::function<void()>> wakes);

  mutable std::mutex mu_;
  uint64_t head_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_FEED_HUB_H_
