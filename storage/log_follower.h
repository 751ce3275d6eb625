// A replica's view of a JetStream log (issue 9): applies the log's entries to a store, in
// order, on a thread of its own, from the store's FeedHead() on, so a store reopened after
// a stop resumes where it was (the feed head is written in the same batch as each entry).
#ifndef SYNDICATE_STORAGE_LOG_FOLLOWER_H_
#define SYNDICATE_STORAGE_LOG_FOLLOWER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "storage/jetstream_log.h"
#include "storage/store.h"

namespace syndicate::storage {

struct LogFollowerOptions {
  // Most entries read from the log at a time.
  int batch_entries = 256;
  // How long one read waits for new entries before it looks again (and at stop()).
  absl::Duration poll = absl::Milliseconds(500);
  // The pause after JetStream did not answer (UNAVAILABLE), before the next try.
  absl::Duration retry = absl::Milliseconds(200);
};

class LogFollower {
 public:
  // Starts following `log` into `store`. Neither is owned; both must outlive the follower,
  // and nothing else may write the store's articles meanwhile (a commit would take the
  // sequence the log's next entry needs).
  LogFollower(JetStreamLog* log, Store* store, LogFollowerOptions options = {});
  // Stops the thread and waits for it.
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Waits until the store has applied every entry up to `sequence` (read-your-writes after
  // an append), at most `timeout`. OK once applied; DEADLINE_EXCEEDED after the timeout;
  // the follower's error when it stopped first.
  absl::Status WaitApplied(uint64_t sequence, absl::Duration timeout);

  // Why the follower stopped: OK while it runs. An entry the store refused (a gap in the
  // log, FAILED_PRECONDITION: the replica must be rebuilt from a backup and the log; an
  // entry that does not follow the store; a failed write), or a stream made again since
  // the log connected. JetStream not answering is retried, never a stop.
  absl::Status status() const;

 private:
  void Run();

  JetStreamLog* const log_;
  Store* const store_;
  const LogFollowerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable applied_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_LOG_FOLLOWER_H_
