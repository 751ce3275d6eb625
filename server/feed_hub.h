// Wakes stream readers when the feed grows, without polling: a reader that has read up to
// the head registers a callback, and the next append calls it once.
#ifndef SYNDICATE_SERVER_FEED_HUB_H_
#define SYNDICATE_SERVER_FEED_HUB_H_

#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"

namespace syndicate::server {

// Thread-safe.
class FeedHub {
 public:
  explicit FeedHub(uint64_t head) : head_(head) {}

  // Calls `wake` once the feed's head passes `seen_head`: at once, on this thread, if it
  // already has (so no append between a reader's last read and this call is missed), else
  // on the thread of the append that passes it. After Close, calls it at once.
  // Returns the registration's id for Cancel, or 0 when `wake` was called at once.
  uint64_t WaitForAppend(uint64_t seen_head, std::function<void()> wake);

  // Drops registration `id` without calling it: its reader ended before the feed grew,
  // and a quiet feed would otherwise keep it (and what its callback holds) until the next
  // append. True when it did: that wake is never called. False, doing nothing, for 0 and
  // for a registration already woken (its wake may be running on another thread) or
  // dropped.
  bool Cancel(uint64_t id);

  // Records that the head is now `head` and wakes every reader waiting for it. Called in
  // sequence order by the store's append listener.
  void Notify(uint64_t head);

  // Wakes every waiting reader and makes later waits return at once (for shutdown).
  void Close();

  // Readers currently waiting.
  size_t waiting() const;

 private:
  using Registrations = absl::flat_hash_map<uint64_t, std::function<void()>>;

  void WakeAll(Registrations wakes);

  mutable std::mutex mu_;
  uint64_t head_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  Registrations waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_FEED_HUB_H_
