#include "storage/log_follower.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace syndicate::storage {

LogFollower::LogFollower(JetStreamLog* log, Store* store, LogFollowerOptions options)
    : log_(log), store_(store), options_(options), thread_([this] { Run(); }) {}

absl::Status LogFollower::CheckStart() const {
  if (options_.batch_entries <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_entries: must be positive, got ", options_.batch_entries));
  }
  if (options_.poll <= absl::ZeroDuration() || options_.retry < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poll: must be positive, and retry not negative");
  }
  if (store_->FeedEpoch() != log_->epoch()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store's feed epoch ", store_->FeedEpoch(), " is not the log's, ", log_->epoch(),
        ": it is a view of another log (open it with StoreOptions::feed_epoch set to the "
        "log's, empty)"));
  }
  return absl::OkStatus();
}

LogFollower::~LogFollower() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  applied_.notify_all();
  thread_.join();
}

absl::Status LogFollower::WaitApplied(uint64_t sequence, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (store_->FeedHead() < sequence) {
    if (!error_.ok()) return error_;
    // Capped, so that an infinite timeout does not overflow the steady clock.
    const absl::Duration left = std::min(deadline - absl::Now(), absl::Hours(1));
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("sequence ", sequence, " not applied within ",
                                                      absl::FormatDuration(timeout),
                                                      "; the store is at ", store_->FeedHead()));
    }
    applied_.wait_for(lock, absl::ToChronoNanoseconds(left));
  }
  return absl::OkStatus();
}

absl::Status LogFollower::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void LogFollower::Run() {
  const auto stopping = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  };
  const auto stop_with = [this](absl::Status error) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::move(error);
    }
    applied_.notify_all();
  };
  if (absl::Status start = CheckStart(); !start.ok()) return stop_with(start);
  while (!stopping()) {
    absl::StatusOr<std::vector<LogEntry>> entries =
        log_->Read(store_->FeedHead(), options_.batch_entries, options_.poll);
    if (absl::IsUnavailable(entries.status())) {
      absl::SleepFor(options_.retry);
      continue;
    }
    if (!entries.ok()) return stop_with(entries.status());
    for (const LogEntry& entry : *entries) {
      if (stopping()) return;
      if (absl::Status applied = store_->ApplyLogEntry(entry); !applied.ok()) {
        // FAILED_PRECONDITION whatever the store said, so that no caller takes a stopped
        // follower's UNAVAILABLE (a failed WAL sync) for a passing outage.
        return stop_with(absl::FailedPreconditionError(absl::StrCat(
            "the store refused entry ", entry.event().sequence(), ": ", applied.ToString())));
      }
      // Taking the lock orders this wake-up after a waiter's check of FeedHead().
      { std::lock_guard<std::mutex> lock(mu_); }
      applied_.notify_all();
    }
  }
}

}  // namespace syndicate::storage
