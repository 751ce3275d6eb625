#include "storage/log_follower.h"

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace syndicate::storage {

LogFollower::LogFollower(JetStreamLog* log, Store* store, LogFollowerOptions options)
    : log_(log), store_(store), options_(options), thread_([this] { Run(); }) {}

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
    const absl::Duration left = deadline - absl::Now();
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
  while (!stopping()) {
    absl::StatusOr<std::vector<LogEntry>> entries =
        log_->Read(store_->FeedHead(), options_.batch_entries, options_.poll);
    if (absl::IsUnavailable(entries.status())) {
      absl::SleepFor(options_.retry);
      continue;
    }
    if (!entries.ok()) return stop_with(entries.status());
    for (const LogEntry& entry : *entries) {
      if (absl::Status applied = store_->ApplyLogEntry(entry); !applied.ok()) {
        return stop_with(applied);
      }
    }
    // Taking the lock orders this wake-up after a waiter's check of FeedHead().
    { std::lock_guard<std::mutex> lock(mu_); }
    applied_.notify_all();
  }
}

}  // namespace syndicate::storage
