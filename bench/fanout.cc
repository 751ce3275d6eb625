// Scenario "fanout": one publisher, N subscribers of StreamArticles, every story delivered
// to every subscriber. Measures publish-to-delivery latency, delivery throughput and what an
// idle stream costs the server in resident memory. See bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/plot_data.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/system_info.h"
#include "bench/table.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

using syndication::v1::PublishArticleRequest;
using syndication::v1::PublishArticleResponse;
using syndication::v1::PublishingService;
using syndication::v1::StreamArticlesRequest;
using syndication::v1::StreamArticlesResponse;
using syndication::v1::SyndicationService;

// The clock every timestamp of a run is taken from; publisher and subscribers share it, as
// they share this process.
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How many stories each N gets, and how fast, unless --events / --rate say otherwise.
// From N = 100 on, the rate offers the server 10,000 deliveries/s (N × rate), which the
// 2-core machine of BENCHMARKS.md sustains with its server core about half busy, so the
// latencies are those of a server keeping up, not of a growing queue; the runs are 10-30 s.
// N = 1 is limited by the publish path instead (one synced RocksDB write per story).
struct Load {
  int events;
  double rate_per_second;
};
Load DefaultLoad(int subscribers, bool quick) {
  if (quick) return {5, 20};
  if (subscribers <= 100) return {1000, 100};
  if (subscribers <= 1000) return {200, 10};
  return {30, 1};
}

// The external_id of story `index` in the run for `subscribers`; the index is what follows
// the last '-'.
std::string ExternalId(int subscribers, int index) {
  return absl::StrCat("fanout-n", subscribers, "-", index);
}

// The canonical name of a gRPC status code, e.g. "RESOURCE_EXHAUSTED" (gRPC's codes are
// absl's).
std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// State one run shares between the publisher, the subscribers' reactions and the thread
// that waits for them. Counters are atomics; waiters sleep on `mu_`/`changed_`, woken only
// when a threshold is crossed or a stream ends.
class FanoutRun {
 public:
  FanoutRun(int subscribers, int events)
      : subscribers_(subscribers), events_(events), sent_ns_(events), publish_done_ns_(events) {
    for (auto& sent : sent_ns_) sent.store(0);
  }

  int subscribers() const { return subscribers_; }
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

  // --- Subscribers (any gRPC thread) ---
  void OnCaughtUp() {
    if (caught_up_.fetch_add(1) + 1 == subscribers_) Wake();
  }
  void OnDelivered(int64_t now_ns) {
    int64_t last = last_delivery_ns_.load();
    while (last < now_ns && !last_delivery_ns_.compare_exchange_weak(last, now_ns)) {
    }
    if (delivered_.fetch_add(1) + 1 == expected_.load()) Wake();
  }
  void OnStreamDone(const grpc::Status& status, bool was_caught_up, bool cancelled_by_us) {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    if (!was_caught_up) ++done_before_caught_up_;
    if (!cancelled_by_us) ++stream_end_codes_[status.error_code()];
    changed_.notify_all();
  }

  // --- The waiting thread ---
  // Each returns true when its condition holds, false when `deadline` passed first.
  bool WaitForCaughtUp(absl::Time deadline) {
    return WaitUntil(deadline,
                     [this] { return caught_up_.load() + done_before_caught_up_ >= subscribers_; });
  }
  bool WaitForPublishes(absl::Time deadline) {
    return WaitUntil(deadline, [this] { return published_ >= events_; });
  }
  // Every delivery expected from the stories published successfully, or every stream ended.
  bool WaitForDeliveries(absl::Time deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      expected_.store(static_cast<int64_t>(subscribers_) * (published_ - publish_failures_));
    }
    return WaitUntil(deadline, [this] {
      return delivered_.load() >= expected_.load() || done_ >= subscribers_;
    });
  }
  bool WaitForStreamsDone(absl::Time deadline) {
    return WaitUntil(deadline, [this] { return done_ >= subscribers_; });
  }

  int64_t caught_up() const { return caught_up_.load(); }
  int64_t delivered() const { return delivered_.load(); }
  int64_t expected() const { return expected_.load(); }
  int64_t last_delivery_ns() const { return last_delivery_ns_.load(); }
  int64_t PublishDoneAt(int index) const {
    std::lock_guard<std::mutex> lock(mu_);
    return publish_done_ns_[index];
  }
  int publish_failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return publish_failures_;
  }
  std::string first_publish_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_publish_error_;
  }
  // How the streams that ended on their own (not cancelled by the benchmark) ended, e.g.
  // "RESOURCE_EXHAUSTED × 3"; empty when none did.
  std::string StreamEnds() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> parts;
    for (const auto& [code, count] : stream_end_codes_) {
      parts.push_back(absl::StrCat(CodeName(code), " × ", count));
    }
    return absl::StrJoin(parts, ", ");
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
  std::atomic<int64_t> caught_up_{0};
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> expected_{INT64_MAX};
  std::atomic<int64_t> last_delivery_ns_{0};

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<int64_t> publish_done_ns_ ABSL_GUARDED_BY(mu_);
  int published_ ABSL_GUARDED_BY(mu_) = 0;
  int publish_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_publish_error_ ABSL_GUARDED_BY(mu_);
  int64_t done_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t done_before_caught_up_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, int64_t> stream_end_codes_ ABSL_GUARDED_BY(mu_);
};

// One subscriber: a StreamArticles call from POSITION_NOW on the callback API, one read in
// flight. Its reactions run one at a time (gRPC never overlaps the reactions of one call),
// so its own fields need no lock; they are read by others only after OnDone.
class Subscriber final : public grpc::ClientReadReactor<StreamArticlesResponse> {
 public:
  explicit Subscriber(FanoutRun* run) : run_(run), received_(run->events(), false) {
    request_.set_position(StreamArticlesRequest::POSITION_NOW);
    latencies_ns_.reserve(run->events());
  }

  void Start(SyndicationService::Stub* stub) {
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
    const int64_t now = NowNs();
    switch (response_.kind_case()) {
      case StreamArticlesResponse::kCaughtUp:
        if (!caught_up_) {
          caught_up_ = true;
          run_->OnCaughtUp();
        } else {
          ++unexpected_;
        }
        break;
      case StreamArticlesResponse::kEvent:
        Deliver(response_.event(), now);
        break;
      case StreamArticlesResponse::kHeartbeat:
        break;
      default:
        ++unexpected_;
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    // Everything this subscriber recorded is published to the waiting thread by the run's
    // mutex, which OnStreamDone takes.
    run_->OnStreamDone(status, caught_up_, cancelled_.load());
  }

  const std::vector<int64_t>& latencies_ns() const { return latencies_ns_; }
  int64_t duplicates() const { return duplicates_; }
  int64_t unexpected() const { return unexpected_; }
  int64_t received() const { return static_cast<int64_t>(latencies_ns_.size()); }

 private:
  void Deliver(const syndication::v1::ArticleEvent& event, int64_t now) {
    const std::string& external_id = event.article().external_id();
    int index = -1;
    const size_t dash = external_id.rfind('-');
    if (event.type() != syndication::v1::EVENT_TYPE_PUBLISHED || dash == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(external_id).substr(dash + 1), &index) || index < 0 ||
        index >= run_->events() || run_->SentAt(index) == 0) {
      ++unexpected_;
      return;
    }
    if (received_[index]) {
      ++duplicates_;
      return;
    }
    received_[index] = true;
    latencies_ns_.push_back(now - run_->SentAt(index));
    run_->OnDelivered(now);
  }

  FanoutRun* const run_;
  grpc::ClientContext context_;
  StreamArticlesRequest request_;
  StreamArticlesResponse response_;
  std::atomic<bool> cancelled_{false};
  bool caught_up_ = false;
  std::vector<bool> received_;  // by story index
  std::vector<int64_t> latencies_ns_;
  int64_t duplicates_ = 0;
  int64_t unexpected_ = 0;
};

// One publish in flight: gRPC needs the context, request and response until it completes.
struct PublishCall {
  grpc::ClientContext context;
  PublishArticleRequest request;
  PublishArticleResponse response;
};

struct FanoutResult {
  int subscribers = 0;
  int events = 0;
  double rate_per_second = 0;
  int64_t expected = 0;
  int64_t delivered = 0;
  int64_t duplicates = 0;
  int64_t unexpected = 0;
  int64_t streams_short = 0;  // streams that missed at least one story
  int64_t caught_up = 0;
  int publish_failures = 0;
  std::string first_publish_error;
  std::string stream_ends;  // streams that ended by themselves, by code
  double deliveries_per_second = 0;
  LatencySummary latency;
  LatencySummary publish_rpc;
  double max_send_lag_ms = 0;
  // CPU use from the first publish until every delivery arrived, in % of one core.
  double server_cpu_percent = 0;
  double bench_cpu_percent = 0;
  double other_cpu_percent = 0;  // every other process of the machine, and steal
  double open_seconds = 0;
  int64_t rss_before = 0;
  int64_t rss_idle = 0;
  int64_t rss_peak = 0;
  int64_t rss_after = 0;              // settled, every story delivered, streams still open
  int64_t rss_held = 0;               // after --hold seconds more of idle streams; 0 without --hold
  std::vector<std::string> problems;  // failed checks: the run's exit code is 1
  std::vector<std::string> warnings;  // the figures may mislead, but every check passed

  bool ok() const { return problems.empty(); }
};

struct FanoutFlags {
  std::vector<int> subscribers = {1, 100, 1000, 10000};
  int events = -1;  // -1: DefaultLoad
  double rate = 0;  // 0: DefaultLoad
  int channels = 8;
  double timeout_seconds = 60;
  double hold_seconds = 0;
  bool quick = false;
  std::vector<std::string> server_args;
};

// VmRSS once it has stopped moving: read every 250 ms until three readings in a row agree
// within 64 KiB, for at most 5 s.
absl::StatusOr<int64_t> SettledRss(const ServerProcess& server) {
  absl::StatusOr<int64_t> previous = server.RssBytes();
  int stable = 0;
  for (int i = 0; i < 20 && previous.ok() && stable < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(250));
    absl::StatusOr<int64_t> now = server.RssBytes();
    if (!now.ok()) return now;
    stable = std::abs(*now - *previous) <= int64_t{64} * 1024 ? stable + 1 : 0;
    previous = now;
  }
  return previous;
}

class Fanout final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command
        ->add_option("--subscribers", flags_.subscribers,
                     "Subscriber counts N to run, comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--events", flags_.events,
                        "Stories to publish per N; 0 measures only idle memory (default: chosen "
                        "per N, see README)");
    command->add_option("--rate", flags_.rate,
                        "Stories published per second, open loop (default: chosen per N)");
    command->add_option("--channels", flags_.channels, "gRPC channels the streams are spread over")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--timeout", flags_.timeout_seconds,
                     "Seconds to wait for deliveries after the last publish completed")
        ->capture_default_str();
    command->add_option("--hold", flags_.hold_seconds,
                        "Seconds to keep the streams open and idle after the deliveries, then "
                        "read the server's RSS again (e.g. 20: past a heartbeat)");
    command->add_flag("--quick", flags_.quick,
                      "Smoke test: N = 1 and 100, 5 stories each (unless --subscribers/--events)");
    command->add_option("--server-arg", flags_.server_args,
                        "Extra flag for syndicated, e.g. --server-arg=--sync-writes=false");
  }

  int Run(const BenchEnvironment& environment) override {
    if (flags_.quick && flags_.subscribers == FanoutFlags().subscribers) {
      flags_.subscribers = {1, 100};
    }
    const int max_subscribers =
        *std::max_element(flags_.subscribers.begin(), flags_.subscribers.end());
    RaiseOpenFileLimit(max_subscribers + 1024);

    std::vector<FanoutResult> results;
    for (int subscribers : flags_.subscribers) {
      Load load = DefaultLoad(subscribers, flags_.quick);
      if (flags_.events >= 0) load.events = flags_.events;
      if (flags_.rate > 0) load.rate_per_second = flags_.rate;
      std::cerr << absl::StreamFormat("fanout: N=%d, %d stories at %g/s\n", subscribers,
                                      load.events, load.rate_per_second);
      absl::StatusOr<FanoutResult> result = RunOne(environment, subscribers, load);
      if (!result.ok()) {
        std::cerr << "fanout: N=" << subscribers << ": " << result.status() << "\n";
        FanoutResult failed;
        failed.subscribers = subscribers;
        failed.events = load.events;
        failed.rate_per_second = load.rate_per_second;
        failed.problems.push_back(std::string(result.status().message()));
        results.push_back(std::move(failed));
        continue;
      }
      for (const std::string& problem : result->problems) {
        std::cerr << "fanout: N=" << subscribers << ": " << problem << "\n";
      }
      for (const std::string& warning : result->warnings) {
        std::cerr << "fanout: N=" << subscribers << ": warning: " << warning << "\n";
      }
      results.push_back(*std::move(result));
    }
    Print(results);
    if (absl::Status written = WritePlotData(environment.plot_data, results); !written.ok()) {
      std::cerr << "fanout: " << written << "\n";
      return 1;
    }
    return std::all_of(results.begin(), results.end(), [](const FanoutResult& r) { return r.ok(); })
               ? 0
               : 1;
  }

 private:
  absl::StatusOr<FanoutResult> RunOne(const BenchEnvironment& environment, int subscribers,
                                      Load load) {
    FanoutResult result;
    result.subscribers = subscribers;
    result.events = load.events;
    result.rate_per_second = load.rate_per_second;

    ServerProcessOptions server_options;
    server_options.binary = environment.syndicated;
    server_options.cpus = environment.server_cpus;
    server_options.extra_args = flags_.server_args;
    // The server's default cap (20,000 streams) leaves room for every N up to it.
    if (subscribers >= 20000) {
      server_options.extra_args.push_back(absl::StrCat("--max-streams=", subscribers + 100));
    }
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(server_options);
    if (!started.ok()) return started.status();
    ServerProcess& server = **started;

    // The publisher's channel, and `channels` more for the subscribers: distinct channel
    // arguments keep gRPC from sharing one subchannel (one TCP connection) between them.
    const auto make_channel = [&](int number) {
      grpc::ChannelArguments args;
      args.SetInt("syndicate.bench.channel", number);
      return grpc::CreateCustomChannel(server.address(), grpc::InsecureChannelCredentials(), args);
    };
    std::shared_ptr<grpc::Channel> publisher_channel = make_channel(-1);
    std::unique_ptr<PublishingService::Stub> publisher =
        PublishingService::NewStub(publisher_channel);
    {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      syndication::v1::UpsertSourceRequest request;
      *request.mutable_source() = BenchSource();
      syndication::v1::Source stored;
      if (grpc::Status status = publisher->UpsertSource(&context, request, &stored); !status.ok()) {
        return absl::UnavailableError(absl::StrCat("UpsertSource: ", CodeName(status.error_code()),
                                                   ": ", status.error_message()));
      }
    }
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<SyndicationService::Stub>> stubs;
    const int channel_count = std::min(flags_.channels, subscribers);
    for (int i = 0; i < channel_count; ++i) {
      channels.push_back(make_channel(i));
      if (!channels.back()->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
        return absl::UnavailableError(absl::StrCat("channel ", i, " did not connect"));
      }
      stubs.push_back(SyndicationService::NewStub(channels.back()));
    }

    // Idle memory: connections are up, no stream is open yet.
    absl::StatusOr<int64_t> rss_before = SettledRss(server);
    if (!rss_before.ok()) return rss_before.status();
    result.rss_before = *rss_before;

    FanoutRun run(subscribers, load.events);
    std::vector<std::unique_ptr<Subscriber>> streams;
    streams.reserve(subscribers);
    const absl::Time open_start = absl::Now();
    for (int i = 0; i < subscribers; ++i) {
      streams.push_back(std::make_unique<Subscriber>(&run));
      streams.back()->Start(stubs[i % channel_count].get());
    }
    const bool all_caught_up =
        run.WaitForCaughtUp(open_start + absl::Seconds(30) + absl::Milliseconds(5) * subscribers);
    result.open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
    result.caught_up = run.caught_up();
    if (!all_caught_up || result.caught_up < subscribers) {
      result.problems.push_back(absl::StrCat(subscribers - result.caught_up, " of ", subscribers,
                                             " streams did not catch up"));
    }
    absl::StatusOr<int64_t> rss_idle = SettledRss(server);
    if (!rss_idle.ok()) return rss_idle.status();
    result.rss_idle = *rss_idle;
    std::cerr << absl::StreamFormat(
        "fanout: N=%d: %d streams caught up in %.2f s; server RSS %s MiB -> %s MiB\n", subscribers,
        result.caught_up, result.open_seconds, FormatMib(result.rss_before),
        FormatMib(result.rss_idle));

    const absl::Time publish_start = absl::Now();
    const double server_cpu_start = server.CpuSeconds().value_or(0);
    const double bench_cpu_start = ProcessCpuSeconds(0).value_or(0);
    const double machine_cpu_start = MachineBusyCpuSeconds().value_or(0);
    Publish(publisher.get(), load, &run, &result);

    const absl::Duration timeout = absl::Seconds(flags_.timeout_seconds);
    if (!run.WaitForPublishes(absl::Now() + timeout)) {
      result.problems.emplace_back("publishes did not complete in time");
    }
    const bool all_delivered = run.WaitForDeliveries(absl::Now() + timeout);
    const double wall = absl::ToDoubleSeconds(absl::Now() - publish_start);
    if (wall > 0) {
      const double server_cpu = server.CpuSeconds().value_or(server_cpu_start) - server_cpu_start;
      const double bench_cpu = ProcessCpuSeconds(0).value_or(bench_cpu_start) - bench_cpu_start;
      const double machine_cpu =
          MachineBusyCpuSeconds().value_or(machine_cpu_start) - machine_cpu_start;
      result.server_cpu_percent = 100 * server_cpu / wall;
      result.bench_cpu_percent = 100 * bench_cpu / wall;
      result.other_cpu_percent = std::max(0.0, 100 * (machine_cpu - server_cpu - bench_cpu) / wall);
      if (result.other_cpu_percent > 10) {
        result.warnings.push_back(absl::StrFormat(
            "other processes used %.0f%% of a core during the run: timings are disturbed",
            result.other_cpu_percent));
      }
    }
    absl::StatusOr<int64_t> after = SettledRss(server);
    result.rss_after = after.ok() ? *after : 0;
    if (flags_.hold_seconds > 0) {
      absl::SleepFor(absl::Seconds(flags_.hold_seconds));
      absl::StatusOr<int64_t> held = SettledRss(server);
      result.rss_held = held.ok() ? *held : 0;
    }
    // VmHWM and VmRSS come from different kernel counters; the peak is at least every reading.
    absl::StatusOr<int64_t> peak = server.PeakRssBytes();
    result.rss_peak =
        std::max({peak.ok() ? *peak : 0, result.rss_idle, result.rss_after, result.rss_held});

    // Stop the streams; their results are read once every OnDone ran.
    for (auto& stream : streams) stream->Cancel();
    if (!run.WaitForStreamsDone(absl::Now() + absl::Seconds(30))) {
      // Reactors gRPC still holds must outlive it: leak them rather than free them early.
      for (auto& stream : streams) static_cast<void>(stream.release());
      return absl::DeadlineExceededError("streams did not end within 30 s of cancelling");
    }
    Collect(run, streams, all_delivered, &result);

    if (absl::Status stopped = server.Stop(absl::Seconds(20)); !stopped.ok()) {
      result.problems.push_back(std::string(stopped.message()));
    }
    return result;
  }

  // Publishes load.events stories, open loop: story i is sent at start + i / rate whether or
  // not earlier publishes have completed.
  static void Publish(PublishingService::Stub* publisher, Load load, FanoutRun* run,
                      FanoutResult* result) {
    std::vector<std::unique_ptr<PublishCall>> calls;
    for (int i = 0; i < load.events; ++i) {
      calls.push_back(std::make_unique<PublishCall>());
      *calls.back()->request.mutable_article() = BenchStory(ExternalId(run->subscribers(), i), i);
      calls.back()->context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    }
    const auto interval =
        std::chrono::nanoseconds(static_cast<int64_t>(1e9 / std::max(load.rate_per_second, 1e-3)));
    const auto start = std::chrono::steady_clock::now();
    int64_t max_lag_ns = 0;
    for (int i = 0; i < load.events; ++i) {
      const auto due = start + i * interval;
      std::this_thread::sleep_until(due);
      PublishCall* call = calls[i].get();
      const int64_t now = NowNs();
      max_lag_ns = std::max<int64_t>(max_lag_ns, now - due.time_since_epoch().count());
      run->MarkSent(i, now);
      publisher->async()->PublishArticle(
          &call->context, &call->request, &call->response,
          [run, i](const grpc::Status& status) { run->OnPublished(i, status); });
    }
    result->max_send_lag_ms = static_cast<double>(max_lag_ns) / 1e6;
    // The calls must outlive their completions.
    if (!run->WaitForPublishes(absl::Now() + absl::Minutes(5))) {
      for (auto& call : calls) static_cast<void>(call.release());
    }
  }

  static void Collect(const FanoutRun& run, const std::vector<std::unique_ptr<Subscriber>>& streams,
                      bool all_delivered, FanoutResult* result) {
    std::vector<int64_t> latencies;
    latencies.reserve(static_cast<size_t>(run.delivered()));
    const int64_t published = run.events() - run.publish_failures();
    for (const auto& stream : streams) {
      latencies.insert(latencies.end(), stream->latencies_ns().begin(),
                       stream->latencies_ns().end());
      result->duplicates += stream->duplicates();
      result->unexpected += stream->unexpected();
      if (stream->received() < published) ++result->streams_short;
    }
    result->delivered = static_cast<int64_t>(latencies.size());
    result->expected = static_cast<int64_t>(run.subscribers()) * published;
    result->latency = Summarize(&latencies);
    int64_t first_sent = INT64_MAX;
    std::vector<int64_t> publish_rpc;
    for (int i = 0; i < run.events(); ++i) {
      const int64_t sent = run.SentAt(i);
      if (sent == 0) continue;
      first_sent = std::min(first_sent, sent);
      if (const int64_t done = run.PublishDoneAt(i); done != 0) publish_rpc.push_back(done - sent);
    }
    result->publish_rpc = Summarize(&publish_rpc);
    if (result->delivered > 0 && run.last_delivery_ns() > first_sent) {
      result->deliveries_per_second =
          static_cast<double>(result->delivered) /
          (static_cast<double>(run.last_delivery_ns() - first_sent) / 1e9);
    }
    result->publish_failures = run.publish_failures();
    result->first_publish_error = run.first_publish_error();
    result->stream_ends = run.StreamEnds();

    if (result->publish_failures > 0) {
      result->problems.push_back(absl::StrCat(
          result->publish_failures, " publishes failed, first: ", result->first_publish_error));
    }
    if (!all_delivered || result->delivered < result->expected) {
      result->problems.push_back(absl::StrCat(
          result->expected - result->delivered, " of ", result->expected,
          " deliveries missing after the timeout, on ", result->streams_short, " streams"));
    }
    if (result->duplicates > 0) {
      result->problems.push_back(absl::StrCat(result->duplicates, " duplicate deliveries"));
    }
    if (result->unexpected > 0) {
      result->problems.push_back(absl::StrCat(result->unexpected, " unexpected responses"));
    }
    if (!result->stream_ends.empty()) {
      result->problems.push_back(
          absl::StrCat("streams ended by themselves: ", result->stream_ends));
    }
  }

  void Print(const std::vector<FanoutResult>& results) const {
    std::cout << "## fanout\n\n"
              << "One publisher, N StreamArticles subscribers from POSITION_NOW over "
              << flags_.channels
              << " channels (callback API), ~10 KB stories published open loop at the rate "
                 "shown. Latency is publish-to-delivery: from just before the PublishArticle "
                 "call to the subscriber's OnReadDone.\n\n";
    MarkdownTable delivery({{"N"},
                            {"stories"},
                            {"rate (stories/s)"},
                            {"deliveries"},
                            {"deliveries/s"},
                            {"p50 (ms)"},
                            {"p99 (ms)"},
                            {"max (ms)"},
                            {"publish RPC p50 / p99 (ms)"},
                            {"max send lag (ms)"},
                            {"server CPU"},
                            {"bench CPU"},
                            {"other CPU"}});
    for (const FanoutResult& r : results) {
      delivery.AddRow(
          {FormatNumber(r.subscribers, 0), FormatNumber(r.events, 0),
           FormatNumber(r.rate_per_second, r.rate_per_second < 10 ? 1 : 0),
           absl::StrCat(FormatNumber(static_cast<double>(r.delivered), 0), " / ",
                        FormatNumber(static_cast<double>(r.expected), 0)),
           FormatNumber(r.deliveries_per_second, 0), absl::StrFormat("%.2f", r.latency.p50_ms),
           absl::StrFormat("%.2f", r.latency.p99_ms), absl::StrFormat("%.2f", r.latency.max_ms),
           absl::StrFormat("%.2f / %.2f", r.publish_rpc.p50_ms, r.publish_rpc.p99_ms),
           absl::StrFormat("%.1f", r.max_send_lag_ms),
           absl::StrFormat("%.0f%%", r.server_cpu_percent),
           absl::StrFormat("%.0f%%", r.bench_cpu_percent),
           absl::StrFormat("%.0f%%", r.other_cpu_percent)});
    }
    std::cout << delivery.Render() << "\n";

    std::cout << "Server memory (VmRSS of syndicated): before opening the streams (connections "
                 "up); with the N streams open, caught up and idle, before any story (ΔRSS is "
                 "the difference); after every story was delivered, streams still open; and "
                 "the peak (VmHWM) over the whole run.\n\n";
    const bool held = flags_.hold_seconds > 0;
    std::vector<MarkdownTable::Column> columns = {{"N"},
                                                  {"streams open in (s)"},
                                                  {"RSS before (MiB)"},
                                                  {"RSS with N idle (MiB)"},
                                                  {"ΔRSS (MiB)"},
                                                  {"ΔRSS / stream (KiB)"},
                                                  {"RSS after stories (MiB)"},
                                                  {"peak RSS (MiB)"}};
    if (held) {
      columns.push_back({absl::StrCat("RSS after ", flags_.hold_seconds, " s more (MiB)")});
    }
    MarkdownTable memory(std::move(columns));
    for (const FanoutResult& r : results) {
      const int64_t delta = r.rss_idle - r.rss_before;
      memory.AddRow({FormatNumber(r.subscribers, 0), absl::StrFormat("%.2f", r.open_seconds),
                     FormatMib(r.rss_before), FormatMib(r.rss_idle), FormatMib(delta),
                     FormatNumber(static_cast<double>(delta) / 1024.0 / r.subscribers, 1),
                     FormatMib(r.rss_after), FormatMib(r.rss_peak),
                     held ? FormatMib(r.rss_held) : ""});
    }
    std::cout << memory.Render() << "\n";

    bool all_ok = true;
    bool listed = false;
    for (const FanoutResult& r : results) {
      for (const std::string& problem : r.problems) {
        std::cout << "- **N=" << r.subscribers << "**: " << problem << "\n";
        all_ok = false;
        listed = true;
      }
      for (const std::string& warning : r.warnings) {
        std::cout << "- N=" << r.subscribers << ", warning: " << warning << "\n";
        listed = true;
      }
    }
    if (listed) std::cout << "\n";
    if (all_ok) std::cout << "Every stream caught up and received every story exactly once.\n";
    std::cout << std::flush;
  }

  // Deliveries per second and publish-to-delivery latency against N, as plot data
  // (bench/plot_data.h); N whose checks failed are left out.
  static absl::Status WritePlotData(const std::string& directory,
                                    const std::vector<FanoutResult>& results) {
    PlotSeries series;
    series.plot = "fanout";
    series.title = "Fan-out: one publisher, N StreamArticles subscribers (publish-to-delivery)";
    series.x_label = "subscribers (N)";
    series.throughput_label = "deliveries/s";
    series.log_x = true;
    series.series = "syndicated";
    for (const FanoutResult& r : results) {
      if (!r.ok() || r.delivered == 0) continue;
      series.points.push_back({static_cast<double>(r.subscribers), r.deliveries_per_second,
                               r.latency.p50_ms, r.latency.p99_ms});
    }
    return series.points.empty() ? absl::OkStatus() : WritePlotSeries(directory, series);
  }

  FanoutFlags flags_;
};

}  // namespace

void RegisterFanout(ScenarioRegistry* registry) {
  registry->Add("fanout", "one publisher, N StreamArticles subscribers: latency, RSS per stream",
                std::make_unique<Fanout>());
}

}  // namespace syndicate::bench
