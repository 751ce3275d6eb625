#include "storage/log_follower.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace syndicate::storage {

LogFollower::LogFollower(JetStreamLog* log, Store* store, LogFollowerOptions options)
    : log_(log),
      store_(store),
      options_(options),
      thread_([this] { Run(); }),
      shared_thread_([this] { RunShared(); }) {}

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
  shared_thread_.join();
}

absl::Status LogFollower::WaitApplied(uint64_t sequence, absl::Duration timeout) {
  return WaitFor([this] { return store_->FeedHead(); }, error_, sequence, timeout);
}

absl::Status LogFollower::WaitSharedApplied(uint64_t sequence, absl::Duration timeout) {
  return WaitFor([this] { return store_->SharedHead(); }, shared_error_, sequence, timeout);
}

absl::Status LogFollower::WaitFor(const std::function<uint64_t()>& head, const absl::Status& error,
                                  uint64_t sequence, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (head() < sequence) {
    if (!error.ok()) return error;
    // Capped, so that an infinite timeout does not overflow the steady clock.
    const absl::Duration left = std::min(deadline - absl::Now(), absl::Hours(1));
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("sequence ", sequence, " not applied within ",
                                                      absl::FormatDuration(timeout),
                                                      "; the store is at ", head()));
    }
    applied_.wait_for(lock, absl::ToChronoNanoseconds(left));
  }
  return absl::OkStatus();
}

absl::Status LogFollower::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_.ok() ? shared_error_ : error_;
}

bool LogFollower::Stopping(const absl::Status& error) {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_ || !error.ok();
}

void LogFollower::StopWith(absl::Status& slot, absl::Status error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot = std::move(error);
  }
  applied_.notify_all();
}

void LogFollower::Applied() {
  // Taking the lock orders this wake-up after a waiter's check of the head.
  { std::lock_guard<std::mutex> lock(mu_); }
  applied_.notify_all();
}

void LogFollower::RunShared() {
  if (absl::Status start = CheckStart(); !start.ok()) return StopWith(shared_error_, start);
  while (!Stopping(shared_error_)) {
    absl::StatusOr<std::vector<std::pair<uint64_t, SharedChange>>> changes =
        log_->ReadShared(store_->SharedHead(), options_.batch_entries, options_.poll);
    if (absl::IsUnavailable(changes.status())) {
      absl::SleepFor(options_.retry);
      continue;
    }
    if (!changes.ok()) return StopWith(shared_error_, changes.status());
    for (const auto& [sequence, change] : *changes) {
      if (Stopping(shared_error_)) return;
      if (absl::Status applied = store_->ApplySharedChange(sequence, change); !applied.ok()) {
        return StopWith(shared_error_, absl::FailedPreconditionError(
                                           absl::StrCat("the store refused shared change ",
                                                        sequence, ": ", applied.ToString())));
      }
      Applied();
    }
  }
}

void LogFollower::Run() {
  const auto stopping = [this] { return Stopping(error_); };
  const auto stop_with = [this](absl::Status error) { StopWith(error_, std::move(error)); };
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
      Applied();
    }
  }
}

}  // namespace syndicate::storage
