// A replica's view of a JetStream log (issue 9): applies the log's entries to a store, in
// order, on a thread of its own, from the store's FeedHead() on, so a store reopened after
// a stop resumes where it was (the feed head is written in the same batch as each entry);
// and, on a second thread, the log's shared changes (sources, partners, keys:
// JetStreamLog::ReadShared, Store::ApplySharedChange) from the store's SharedHead() on.
#ifndef SYNDICATE_STORAGE_LOG_FOLLOWER_H_
#define SYNDICATE_STORAGE_LOG_FOLLOWER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "storage/jetstream_log.h"
#include "storage/store.h"

namespace syndicate::storage {

struct LogFollowerOptions {
  // Most entries read from the log at a time; positive.
  int batch_entries = 256;
  // How long one read waits for new entries before it looks again (and at whether the
  // follower is being destroyed); positive.
  absl::Duration poll = absl::Milliseconds(500);
  // The pause after JetStream did not answer (UNAVAILABLE), before the next try.
  absl::Duration retry = absl::Milliseconds(200);
};

class LogFollower {
 public:
  // Starts following `log` into `store`. Neither is owned; both must outlive the follower,
  // and nothing else may write the store's articles meanwhile (a commit would take the
  // sequence the log's next entry needs). Does not start, status() saying why, when the
  // store's FeedEpoch() is not the log's epoch (the store is a view of another log, or of
  // a stream since deleted and made again: FAILED_PRECONDITION) or the options are out of
  // range (INVALID_ARGUMENT).
  LogFollower(JetStreamLog* log, Store* store, LogFollowerOptions options = {});
  // Stops the thread and waits for it: up to the log's timeout when JetStream does not
  // answer, else at most `poll` and one entry's apply. No WaitApplied call may still be
  // running.
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Waits until the store has applied every entry up to `sequence` (read-your-writes after
  // an append), at most `timeout`. OK once applied; DEADLINE_EXCEEDED after the timeout;
  // the follower's error when it stopped first.
  absl::Status WaitApplied(uint64_t sequence, absl::Duration timeout);
  // The same for the shared changes, up to shared change `sequence` (Store::SharedHead()).
  absl::Status WaitSharedApplied(uint64_t sequence, absl::Duration timeout);

  // Why the follower stopped: OK while it runs. FAILED_PRECONDITION when the store refused
  // an entry (a gap in the log: the replica must be rebuilt from a backup and the log; an
  // entry that does not follow the store; a failed write to the store, whose own error the
  // message quotes), when the stream was made again or deleted, or when the follower
  // could not start (see the constructor); DATA_LOSS when an entry is not a LogEntry.
  // JetStream not answering (UNAVAILABLE) is retried, never a stop.
  absl::Status status() const;

 private:
  void Run();
  void RunShared();
  absl::Status CheckStart() const;
  // True once destruction began or the thread whose error is `error` stopped.
  bool Stopping(const absl::Status& error);
  // Records a thread's error (error_ or shared_error_) and wakes the waiters.
  void StopWith(absl::Status& slot, absl::Status error);
  // Wakes the waiters after an entry or change was applied.
  void Applied();
  // Waits until head() reaches `sequence`, or `error` (a thread's, guarded by mu_) is set.
  absl::Status WaitFor(const std::function<uint64_t()>& head, const absl::Status& error,
                       uint64_t sequence, absl::Duration timeout);

  JetStreamLog* const log_;
  Store* const store_;
  const LogFollowerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable applied_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);         // the log's thread (Run)
  absl::Status shared_error_ ABSL_GUARDED_BY(mu_);  // the shared changes' thread
  // Last: started once everything above is ready.
  std::thread thread_;
  std::thread shared_thread_;
};

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_LOG_FOLLOWER_H_
