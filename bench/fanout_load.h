// The fan-out load of the fanout and jetstream scenarios: StreamArticles subscribers on the
// callback API (one read in flight each, no thread per stream), what each received in a
// round (every story once, in the server's order, publish-to-delivery latency), and the
// round that publishes stories closed loop (the next as soon as fewer than `window`
// stories lack a subscriber) or open loop, then checks every delivery.
#ifndef SYNDICATE_BENCH_FANOUT_LOAD_H_
#define SYNDICATE_BENCH_FANOUT_LOAD_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/stats.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {

// The streams (NATS: subscriptions) of one system, open across its rounds: how many caught
// up, how many ended and how.
class StreamSet {
 public:
  explicit StreamSet(int size) : size_(size) {}

  int size() const { return size_; }

  void OnCaughtUp() {
    std::lock_guard<std::mutex> lock(mu_);
    if (++caught_up_ == size_) changed_.notify_all();
  }
  void OnStreamDone(const grpc::Status& status, bool was_caught_up, bool cancelled_by_us) {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    if (!was_caught_up) ++done_before_caught_up_;
    if (!cancelled_by_us) ++end_codes_[status.error_code()];
    changed_.notify_all();
  }

  // True once every stream caught up (or ended before), false when `deadline` came first.
  bool WaitForCaughtUp(absl::Time deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_until(lock, absl::ToChronoTime(deadline),
                               [this] { return caught_up_ + done_before_caught_up_ >= size_; });
  }
  bool WaitForDone(absl::Time deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_until(lock, absl::ToChronoTime(deadline),
                               [this] { return done_ >= size_; });
  }

  int caught_up() const {
    std::lock_guard<std::mutex> lock(mu_);
    return caught_up_;
  }
  // How the streams that ended on their own (not cancelled by the benchmark) ended, e.g.
  // "RESOURCE_EXHAUSTED × 3"; empty when none did.
  std::string StreamEnds() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> parts;
    for (const auto& [code, count] : end_codes_) {
      parts.push_back(absl::StrCat(CodeName(static_cast<grpc::StatusCode>(code)), " × ", count));
    }
    return absl::StrJoin(parts, ", ");
  }

 private:
  const int size_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  int caught_up_ ABSL_GUARDED_BY(mu_) = 0;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
  int done_before_caught_up_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, int64_t> end_codes_ ABSL_GUARDED_BY(mu_);
};

// One round: `events` stories published to one system and delivered to its `subscribers`.
// Shared by the publisher, the subscribers' reactions and the thread that waits for them.
// Counters are atomics; waiters sleep on `mu_`/`changed_`, woken when a story reached every
// subscriber, a publish completed, or the last delivery came.
class FanoutRun {
 public:
  FanoutRun(int subscribers, int events)
      : subscribers_(subscribers),
        events_(events),
        sent_ns_(events),
        story_deliveries_(events),
        publish_done_ns_(events) {
    for (auto& sent : sent_ns_) sent.store(0);
    for (auto& count : story_deliveries_) count.store(0);
  }

  int events() const { return events_; }

  // --- Publisher ---
  void MarkSent(int index, int64_t now_ns) { sent_ns_[index].store(now_ns); }
  // Steady-clock time story `index` was sent, or 0 if it was not.
  int64_t SentAt(int index) const { return sent_ns_[index].load(); }
  void OnPublished(int index, const grpc::Status& status) {
    const int64_t now = NowNs();
    std::lock_guard<std::mutex> lock(mu_);
    publish_done_ns_[index] = now;
    if (!status.ok()) {
      ++publish_failures_;
      if (first_publish_error_.empty()) {
        first_publish_error_ =
            absl::StrCat(CodeName(status.error_code()), ": ", status.error_message());
      }
    }
    ++published_;
    changed_.notify_all();
  }

  // --- Subscribers (any thread) ---
  void OnDelivered(int index, int64_t now_ns) {
    int64_t last = last_delivery_ns_.load();
    while (last < now_ns && !last_delivery_ns_.compare_exchange_weak(last, now_ns)) {
    }
    const bool story_complete = story_deliveries_[index].fetch_add(1) + 1 == subscribers_;
    if (story_complete) complete_stories_.fetch_add(1);
    if (delivered_.fetch_add(1) + 1 == expected_.load() || story_complete) Wake();
  }

  // --- The waiting thread ---
  // Each returns true when its condition holds, false when `deadline` passed first.
  // Until fewer than `window` of the stories before `next` lack a delivery.
  bool WaitForWindow(int next, int window, absl::Time deadline) {
    return WaitUntil(deadline, [&] { return complete_stories_.load() + window > next; });
  }
  bool WaitForPublishes(int sent, absl::Time deadline) {
    return WaitUntil(deadline, [&] { return published_ >= sent; });
  }
  // Every delivery expected from the stories published successfully.
  bool WaitForDeliveries(absl::Time deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      expected_.store(static_cast<int64_t>(subscribers_) * (published_ - publish_failures_));
    }
    return WaitUntil(deadline, [this] { return delivered_.load() >= expected_.load(); });
  }

  int64_t delivered() const { return delivered_.load(); }
  int64_t last_delivery_ns() const { return last_delivery_ns_.load(); }
  int64_t PublishDoneAt(int index) const {
    std::lock_guard<std::mutex> lock(mu_);
    return publish_done_ns_[index];
  }
  int published() const {
    std::lock_guard<std::mutex> lock(mu_);
    return published_;
  }
  int publish_failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return publish_failures_;
  }
  std::string first_publish_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_publish_error_;
  }

 private:
  template <typename Predicate>
  bool WaitUntil(absl::Time deadline, Predicate done) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_until(lock, absl::ToChronoTime(deadline), done);
  }

  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    changed_.notify_all();
  }

  const int subscribers_;
  const int events_;
  std::vector<std::atomic<int64_t>> sent_ns_;
  std::vector<std::atomic<int>> story_deliveries_;  // by story index
  std::atomic<int> complete_stories_{0};            // stories every subscriber has
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> expected_{INT64_MAX};
  std::atomic<int64_t> last_delivery_ns_{0};

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<int64_t> publish_done_ns_ ABSL_GUARDED_BY(mu_);
  int published_ ABSL_GUARDED_BY(mu_) = 0;
  int publish_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_publish_error_ ABSL_GUARDED_BY(mu_);
};

// What one subscriber received in a round.
struct Tally {
  std::vector<int64_t> latencies_ns;  // one per story received, publish to delivery
  std::vector<int> order;             // story indexes in the order received
  int64_t duplicates = 0;
  int64_t unexpected = 0;  // responses that are no story of the round
};

// One subscriber's checks, the same for every system: each response is parsed as a
// syndication::v1::StreamArticlesResponse, and each story must come once. The order is the server's
// (two publishes in flight may be accepted either way round): the round checks that every
// subscriber saw the same one. Its messages come one at
// a time, but rounds start and end on the driving thread, hence the lock.
class Receiver {
 public:
  explicit Receiver(StreamSet* streams) : streams_(streams) {}

  // Counts from here on into `run`; with `capture`, also keeps each event's bytes there, by
  // story index (one subscriber of syndicated does, for the baselines to send).
  void StartRound(FanoutRun* run, std::vector<std::string>* capture) {
    std::lock_guard<std::mutex> lock(mu_);
    run_ = run;
    capture_ = capture;
    received_.assign(run->events(), false);
    tally_ = Tally();
    tally_.latencies_ns.reserve(run->events());
    tally_.order.reserve(run->events());
  }

  Tally EndRound() {
    std::lock_guard<std::mutex> lock(mu_);
    run_ = nullptr;
    capture_ = nullptr;
    return std::exchange(tally_, Tally());
  }

  void OnResponse(const syndication::v1::StreamArticlesResponse& response, int64_t now) {
    std::lock_guard<std::mutex> lock(mu_);
    switch (response.kind_case()) {
      case syndication::v1::StreamArticlesResponse::kCaughtUp:
        if (caught_up_) {
          ++tally_.unexpected;
        } else {
          caught_up_ = true;
          streams_->OnCaughtUp();
        }
        return;
      case syndication::v1::StreamArticlesResponse::kEvent:
        return Deliver(response, now);
      case syndication::v1::StreamArticlesResponse::kHeartbeat:
        return;
      default:
        ++tally_.unexpected;
    }
  }

  // For subscriptions that have no caught-up message (NATS): live once subscribed.
  void MarkCaughtUp() {
    std::lock_guard<std::mutex> lock(mu_);
    caught_up_ = true;
    streams_->OnCaughtUp();
  }
  bool caught_up() {
    std::lock_guard<std::mutex> lock(mu_);
    return caught_up_;
  }

 private:
  void Deliver(const syndication::v1::StreamArticlesResponse& response, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const syndication::v1::ArticleEvent& event = response.event();
    const std::string& external_id = event.article().external_id();
    int index = -1;
    const size_t dash = external_id.rfind('-');
    if (run_ == nullptr || event.type() != syndication::v1::EVENT_TYPE_PUBLISHED ||
        dash == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(external_id).substr(dash + 1), &index) || index < 0 ||
        index >= run_->events() || run_->SentAt(index) == 0) {
      ++tally_.unexpected;
      return;
    }
    if (received_[index]) {
      ++tally_.duplicates;
      return;
    }
    received_[index] = true;
    tally_.order.push_back(index);
    if (capture_ != nullptr) (*capture_)[index] = response.SerializeAsString();
    tally_.latencies_ns.push_back(now - run_->SentAt(index));
    run_->OnDelivered(index, now);
  }

  StreamSet* const streams_;
  std::mutex mu_;
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  FanoutRun* run_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::string>* capture_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<bool> received_ ABSL_GUARDED_BY(mu_);  // by story index
  Tally tally_ ABSL_GUARDED_BY(mu_);
};

// A StreamArticles call from POSITION_NOW on the callback API, one read in flight; the same
// for syndicated and the bare server.
class Subscriber final : public grpc::ClientReadReactor<syndication::v1::StreamArticlesResponse> {
 public:
  explicit Subscriber(StreamSet* streams) : streams_(streams), receiver_(streams) {
    request_.set_position(syndication::v1::StreamArticlesRequest::POSITION_NOW);
  }

  void Start(syndication::v1::SyndicationService::Stub* stub) {
    stub->async()->StreamArticles(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  // Ends the call; OnDone follows.
  void Cancel() {
    cancelled_.store(true);
    context_.TryCancel();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the call is over; OnDone follows
    receiver_.OnResponse(response_, NowNs());
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    streams_->OnStreamDone(status, receiver_.caught_up(), cancelled_.load());
  }

  Receiver* receiver() { return &receiver_; }

 private:
  StreamSet* const streams_;
  Receiver receiver_;
  grpc::ClientContext context_;
  syndication::v1::StreamArticlesRequest request_;
  syndication::v1::StreamArticlesResponse response_;
  std::atomic<bool> cancelled_{false};
};

// How a round publishes. Default: closed loop with a window of 2, 60 s of timeout.
struct FanoutLoadOptions {
  // Closed loop: story i is published once fewer than `window` stories before it lack a
  // subscriber.
  int window = 2;
  // Open loop instead when positive: stories published per second, whatever is delivered.
  double rate = 0;
  // How long to wait for a window, for the publishes to complete, and for the deliveries.
  absl::Duration timeout = absl::Seconds(60);
};

// What one round measured, and the checks it failed.
struct FanoutLoadResult {
  int64_t delivered = 0;
  int64_t expected = 0;
  double deliveries_per_second = 0;  // from the first send to the last delivery
  std::vector<int64_t> latencies_ns;
  std::vector<int64_t> publish_rpc_ns;
  double wall_seconds = 0;
  double max_send_lag_ms = 0;  // open loop only
  bool published = false;      // every publish completed (else gRPC may still hold calls)
  std::vector<std::string> problems;
};

// Runs one round: publishes run->events() stories with `publish(index)` (whose completion
// must go to run->OnPublished), closed or open loop, waits for every publish and every
// delivery (up to options.timeout each), calls `on_settled` (the end of the measured
// interval: read CPU counters there), then ends the round of every receiver (each must have
// been started with StartRound(run, …)) and checks that every subscriber got every story
// once, all in the same order, and nothing unexpected. `has_publish_rpc`: whether a
// publish's completion is worth timing (publish_rpc_ns).
FanoutLoadResult DriveFanoutRound(FanoutRun* run, const std::vector<Receiver*>& receivers,
                                  const std::function<void(int)>& publish, bool has_publish_rpc,
                                  const FanoutLoadOptions& options,
                                  const std::function<void()>& on_settled);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_FANOUT_LOAD_H_
