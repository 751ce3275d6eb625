// Scenario "fanout": one publisher, N subscribers, every story delivered to every subscriber;
// syndicated against two baselines in the same run, in alternating rounds: a bare gRPC
// streaming server relaying the same event bytes (gRPC's own limit, bench/bare_server.h) and
// nats-server core pub/sub through libnats (what a user would run instead,
// bench/nats_baseline.h). Measures delivery capacity, publish-to-delivery latency and what an
// idle stream costs syndicated in resident memory. See bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
#include "bench/calls.h"
#include "bench/fanout_load.h"
#include "bench/nats_baseline.h"
#include "bench/plot_data.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/system_info.h"
#include "bench/table.h"
#include "common/status_macros.h"
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

// The bare server's relay method: its request body is the message to relay.
constexpr char kRelayMethod[] = "/syndication.v1.PublishingService/PublishArticle";
constexpr char kNatsSubject[] = "syndicate.bench.fanout";
// Issue 8's target: syndicated delivers at least this share of the bare server's deliveries
// per second at kTargetSubscribers.
constexpr double kTargetRatio = 0.8;
constexpr int kTargetSubscribers = 1000;

enum class System { kSyndicated, kBare, kNats };

std::string SystemName(System system) {
  switch (system) {
    case System::kSyndicated:
      return "syndicated";
    case System::kBare:
      return "bare gRPC";
    case System::kNats:
      return "nats-server";
  }
  return "?";
}

// Stories per round unless --events says otherwise: about 30,000 deliveries (a few seconds
// of syndicated at N >= 100), between 6 and 400 stories.
int DefaultEvents(int subscribers, bool quick) {
  if (quick) return 5;
  return std::clamp(30000 / subscribers, 6, 400);
}

// The external_id of story `index` of syndicated's round `round` for `subscribers`; the
// index is what follows the last '-'. Each round publishes new stories: a story published
// again unchanged would make no event.
std::string ExternalId(int subscribers, int round, int index) {
  return absl::StrCat("fanout-n", subscribers, "-r", round, "-", index);
}

// A NATS subscription's handler: parses the payload as the gRPC subscribers do.
class NatsSubscriber final : public NatsMessageSink {
 public:
  explicit NatsSubscriber(StreamSet* streams) : receiver_(streams) {}

  void OnNatsMessage(const char* data, int length) override {
    const int64_t now = NowNs();
    if (!response_.ParseFromArray(data, length)) response_.Clear();
    receiver_.OnResponse(response_, now);
  }

  Receiver* receiver() { return &receiver_; }

 private:
  Receiver receiver_;
  StreamArticlesResponse response_;  // libnats calls one subscription's handler at a time
};

// One story's publish in flight: gRPC needs the context, request and response until it
// completes. syndicated gets a PublishArticleRequest; the bare server, the event bytes.
struct PublishCall {
  grpc::ClientContext context;
  PublishArticleRequest request;
  PublishArticleResponse response;
  grpc::ByteBuffer relay_request;
  grpc::ByteBuffer relay_response;
};

// One system under test for one N: its server process, its N subscribers, open across the
// rounds, and how the publisher sends a story.
class Target {
 public:
  Target(System system, std::unique_ptr<ServerProcess> server, int subscribers)
      : system_(system), server_(std::move(server)), streams_(subscribers) {}
  virtual ~Target() = default;

  System system() const { return system_; }
  ServerProcess& server() { return *server_; }
  StreamSet& streams() { return streams_; }
  const std::vector<Receiver*>& receivers() const { return receivers_; }
  // Whether a publish has a completion worth timing (an RPC), unlike NATS's fire and forget.
  virtual bool has_publish_rpc() const { return true; }

  // Opens the N streams (NATS: subscriptions) and waits until every one is live.
  virtual absl::Status OpenStreams(int channels) = 0;
  // Prepares, before the clock starts, what Publish sends in round `round`: `events`
  // stories, or for the baselines the events syndicated sent (`captured`, by story index).
  virtual absl::Status PrepareRound(int round, int events,
                                    const std::vector<std::string>& captured) = 0;
  // Sends story `index`; its completion goes to run->OnPublished.
  virtual void Publish(int index, FanoutRun* run) = 0;
  // Drops the round's publish calls once they completed; leaks them when they did not
  // (`completed` false): gRPC still holds them.
  virtual void EndRound(bool completed) = 0;
  // Ends every stream and waits for them. DEADLINE_EXCEEDED when they did not end.
  virtual absl::Status CloseStreams() = 0;

 protected:
  const System system_;
  std::unique_ptr<ServerProcess> server_;
  StreamSet streams_;
  std::vector<Receiver*> receivers_;
};

// syndicated, or the bare gRPC relay: StreamArticles subscribers over `channels` channels,
// and a publisher on its own channel.
class GrpcTarget final : public Target {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcTarget>> Start(System system,
                                                           const ServerProcessOptions& options,
                                                           int subscribers, int channels) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
    if (!server.ok()) return server.status();
    std::unique_ptr<GrpcTarget> target(new GrpcTarget(system, *std::move(server), subscribers));
    if (absl::Status connected = target->Connect(channels); !connected.ok()) return connected;
    return target;
  }

  absl::Status OpenStreams(int /*channels*/) override {
    const int subscribers = streams_.size();
    subscribers_.reserve(subscribers);
    for (int i = 0; i < subscribers; ++i) {
      subscribers_.push_back(std::make_unique<Subscriber>(&streams_));
      receivers_.push_back(subscribers_.back()->receiver());
      subscribers_.back()->Start(stubs_[static_cast<size_t>(i) % stubs_.size()].get());
    }
    if (!streams_.WaitForCaughtUp(absl::Now() + absl::Seconds(30) +
                                  absl::Milliseconds(5) * subscribers) ||
        streams_.caught_up() < subscribers) {
      return absl::DeadlineExceededError(absl::StrCat(subscribers - streams_.caught_up(), " of ",
                                                      subscribers, " streams did not catch up"));
    }
    return absl::OkStatus();
  }

  absl::Status PrepareRound(int round, int events,
                            const std::vector<std::string>& captured) override {
    calls_.clear();
    for (int i = 0; i < events; ++i) {
      auto call = std::make_unique<PublishCall>();
      call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
      if (system_ == System::kSyndicated) {
        *call->request.mutable_article() = BenchStory(ExternalId(streams_.size(), round, i), i);
      } else {
        if (static_cast<size_t>(i) >= captured.size() || captured[i].empty()) {
          return absl::FailedPreconditionError("no event of syndicated to relay");
        }
        grpc::Slice bytes(captured[i]);
        call->relay_request = grpc::ByteBuffer(&bytes, 1);
      }
      calls_.push_back(std::move(call));
    }
    return absl::OkStatus();
  }

  void Publish(int index, FanoutRun* run) override {
    PublishCall* call = calls_[index].get();
    auto done = [run, index](const grpc::Status& status) { run->OnPublished(index, status); };
    if (system_ == System::kSyndicated) {
      publisher_->async()->PublishArticle(&call->context, &call->request, &call->response,
                                          std::move(done));
    } else {
      relay_->UnaryCall(&call->context, kRelayMethod, grpc::StubOptions(), &call->relay_request,
                        &call->relay_response, std::move(done));
    }
  }

  void EndRound(bool completed) override {
    if (!completed) {
      for (auto& call : calls_) static_cast<void>(call.release());
    }
    calls_.clear();
  }

  absl::Status CloseStreams() override {
    for (auto& subscriber : subscribers_) subscriber->Cancel();
    if (!streams_.WaitForDone(absl::Now() + absl::Seconds(30))) {
      // Reactors gRPC still holds must outlive it: leak them rather than free them early.
      for (auto& subscriber : subscribers_) static_cast<void>(subscriber.release());
      return absl::DeadlineExceededError("streams did not end within 30 s of cancelling");
    }
    return absl::OkStatus();
  }

 private:
  GrpcTarget(System system, std::unique_ptr<ServerProcess> server, int subscribers)
      : Target(system, std::move(server), subscribers) {}

  // The publisher's channel, and `channels` more for the subscribers: distinct channel
  // arguments keep gRPC from sharing one subchannel (one TCP connection) between them.
  absl::Status Connect(int channels) {
    std::shared_ptr<grpc::Channel> publisher_channel = MakeChannel(server_->address(), -1);
    publisher_ = PublishingService::NewStub(publisher_channel);
    relay_ = std::make_unique<grpc::GenericStub>(publisher_channel);
    if (system_ == System::kSyndicated) {
      SYNDICATE_RETURN_IF_ERROR(UpsertSource(publisher_.get()));
    }
    for (int i = 0; i < std::min(channels, streams_.size()); ++i) {
      SYNDICATE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                                 ConnectChannel(server_->address(), i));
      stubs_.push_back(SyndicationService::NewStub(channel));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<PublishingService::Stub> publisher_;
  std::unique_ptr<grpc::GenericStub> relay_;
  std::vector<std::unique_ptr<SyndicationService::Stub>> stubs_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  std::vector<std::unique_ptr<PublishCall>> calls_;
};

// nats-server: N subscriptions to one subject over `channels` connections, one publisher.
class NatsTarget final : public Target {
 public:
  static absl::StatusOr<std::unique_ptr<NatsTarget>> Start(const ServerProcessOptions& options,
                                                           int subscribers) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
    if (!server.ok()) return server.status();
    return std::unique_ptr<NatsTarget>(new NatsTarget(*std::move(server), subscribers));
  }

  bool has_publish_rpc() const override { return false; }

  absl::Status OpenStreams(int channels) override {
    // Two delivery threads for every subscription: the bench has one core (or half the
    // machine), as for gRPC's callback threads.
    absl::StatusOr<std::unique_ptr<NatsFanout>> fanout =
        NatsFanout::Connect(server_->address(), std::min(channels, streams_.size()), 2);
    if (!fanout.ok()) return fanout.status();
    fanout_ = *std::move(fanout);
    std::vector<NatsMessageSink*> sinks;
    for (int i = 0; i < streams_.size(); ++i) {
      subscribers_.push_back(std::make_unique<NatsSubscriber>(&streams_));
      receivers_.push_back(subscribers_.back()->receiver());
      sinks.push_back(subscribers_.back().get());
    }
    if (absl::Status subscribed = fanout_->Subscribe(kNatsSubject, sinks); !subscribed.ok()) {
      return subscribed;
    }
    for (Receiver* receiver : receivers_) receiver->MarkCaughtUp();
    return absl::OkStatus();
  }

  absl::Status PrepareRound(int /*round*/, int events,
                            const std::vector<std::string>& captured) override {
    for (int i = 0; i < events; ++i) {
      if (static_cast<size_t>(i) >= captured.size() || captured[i].empty()) {
        return absl::FailedPreconditionError("no event of syndicated to relay");
      }
    }
    captured_ = &captured;
    return absl::OkStatus();
  }

  void Publish(int index, FanoutRun* run) override {
    absl::Status published = fanout_->Publish(kNatsSubject, (*captured_)[index]);
    run->OnPublished(index, published.ok() ? grpc::Status::OK
                                           : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                          std::string(published.message())));
  }

  void EndRound(bool /*completed*/) override {}

  absl::Status CloseStreams() override {
    if (fanout_ != nullptr) {
      const int64_t dropped = fanout_->dropped();
      const int64_t errors = fanout_->async_errors();
      fanout_.reset();
      if (dropped > 0 || errors > 0) {
        return absl::DataLossError(absl::StrCat("libnats dropped ", dropped,
                                                " messages and reported ", errors,
                                                " asynchronous errors (slow consumers)"));
      }
    }
    return absl::OkStatus();
  }

 private:
  NatsTarget(std::unique_ptr<ServerProcess> server, int subscribers)
      : Target(System::kNats, std::move(server), subscribers) {}

  std::vector<std::unique_ptr<NatsSubscriber>> subscribers_;
  std::unique_ptr<NatsFanout> fanout_;  // declared after the subscribers it calls: goes first
  const std::vector<std::string>* captured_ = nullptr;
};

// What one round of one system measured: the load (bench/fanout_load.h) and the CPU.
struct RoundResult : FanoutLoadResult {
  double server_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
  double other_cpu_seconds = 0;  // every other process of the machine, and steal
};

// One system's rounds for one N, pooled.
struct SystemResult {
  bool ran = false;
  std::string skipped;                        // why it did not run, when it did not
  std::vector<double> deliveries_per_second;  // by measured round
  std::vector<int64_t> latencies_ns;
  std::vector<int64_t> publish_rpc_ns;
  int64_t delivered = 0;
  int64_t expected = 0;
  double wall_seconds = 0;
  double server_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
  double other_cpu_seconds = 0;
  double max_send_lag_ms = 0;

  void Add(RoundResult round) {
    deliveries_per_second.push_back(round.deliveries_per_second);
    latencies_ns.insert(latencies_ns.end(), round.latencies_ns.begin(), round.latencies_ns.end());
    publish_rpc_ns.insert(publish_rpc_ns.end(), round.publish_rpc_ns.begin(),
                          round.publish_rpc_ns.end());
    delivered += round.delivered;
    expected += round.expected;
    wall_seconds += round.wall_seconds;
    server_cpu_seconds += round.server_cpu_seconds;
    bench_cpu_seconds += round.bench_cpu_seconds;
    other_cpu_seconds += round.other_cpu_seconds;
    max_send_lag_ms = std::max(max_send_lag_ms, round.max_send_lag_ms);
  }
  double Percent(double cpu_seconds) const {
    return wall_seconds > 0 ? 100 * cpu_seconds / wall_seconds : 0;
  }
  double DeliveriesPerCpuSecond() const {
    return server_cpu_seconds > 0 ? static_cast<double>(delivered) / server_cpu_seconds : 0;
  }
};

struct FanoutResult {
  int subscribers = 0;
  int events = 0;  // stories per round
  std::map<System, SystemResult> systems;
  std::vector<double> ratios;       // syndicated / bare deliveries per second, by round
  std::vector<double> nats_ratios;  // syndicated / nats-server
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
  int events = -1;  // -1: DefaultEvents
  int window = 2;
  double rate = 0;  // 0: closed loop
  int rounds = 3;
  int channels = 8;
  double timeout_seconds = 60;
  double hold_seconds = 0;
  bool quick = false;
  std::string nats_server;  // empty: looked up
  std::vector<std::string> server_args;
};

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
                        "Stories per round; 0 measures only idle memory (default: about 30,000 "
                        "deliveries, see README)");
    command
        ->add_option("--window", flags_.window,
                     "Closed loop: stories published and not yet delivered to every subscriber")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--rate", flags_.rate,
                        "Open loop instead: stories published per second, whatever is delivered");
    command->add_option("--rounds", flags_.rounds, "Measured rounds per system, after a warm-up")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--channels", flags_.channels,
                     "Connections the streams (and NATS subscriptions) are spread over")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--timeout", flags_.timeout_seconds,
                     "Seconds to wait for deliveries after the last publish completed")
        ->capture_default_str();
    command->add_option("--hold", flags_.hold_seconds,
                        "Seconds to keep the streams open and idle after the rounds, then read "
                        "syndicated's RSS again (e.g. 20: past a heartbeat)");
    command->add_flag("--quick", flags_.quick,
                      "Smoke test: N = 1 and 100, 5 stories, one round per system, no warm-up");
    command->add_option("--nats-server", flags_.nats_server,
                        "The nats-server binary (default: from PATH or /usr/sbin)");
    command->add_option("--server-arg", flags_.server_args,
                        "Extra flag for syndicated, e.g. --server-arg=--sync-writes=false");
  }

  int Run(const BenchEnvironment& environment) override {
    if (flags_.quick) {
      if (flags_.subscribers == FanoutFlags().subscribers) flags_.subscribers = {1, 100};
      flags_.rounds = 1;
    }
    const int max_subscribers =
        *std::max_element(flags_.subscribers.begin(), flags_.subscribers.end());
    RaiseOpenFileLimit(max_subscribers + 1024);
    absl::StatusOr<std::string> nats_server = FindNatsServer(flags_.nats_server);
    if (!nats_server.ok()) {
      std::cerr << "fanout: " << nats_server.status().message()
                << ": the NATS baseline is skipped\n";
      nats_skipped_ = std::string(nats_server.status().message());
    }

    std::vector<FanoutResult> results;
    for (int subscribers : flags_.subscribers) {
      const int events =
          flags_.events >= 0 ? flags_.events : DefaultEvents(subscribers, flags_.quick);
      std::cerr << absl::StreamFormat("fanout: N=%d, %d stories per round, %s\n", subscribers,
                                      events, LoadText());
      absl::StatusOr<FanoutResult> result =
          RunOne(environment, nats_server.ok() ? *nats_server : "", subscribers, events);
      if (!result.ok()) {
        std::cerr << "fanout: N=" << subscribers << ": " << result.status() << "\n";
        FanoutResult failed;
        failed.subscribers = subscribers;
        failed.events = events;
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
  std::string LoadText() const {
    if (flags_.rate > 0) return absl::StrFormat("open loop at %g stories/s", flags_.rate);
    return absl::StrFormat("closed loop, %d stories in flight", flags_.window);
  }

  absl::StatusOr<FanoutResult> RunOne(const BenchEnvironment& environment,
                                      const std::string& nats_server, int subscribers, int events) {
    FanoutResult result;
    result.subscribers = subscribers;
    result.events = events;

    // syndicated first, alone, for its memory figures.
    ServerProcessOptions syndicated_options;
    syndicated_options.binary = environment.syndicated;
    syndicated_options.cpus = environment.server_cpus;
    syndicated_options.extra_args = flags_.server_args;
    // The server's default cap (20,000 streams) leaves room for every N up to it.
    if (subscribers >= 20000) {
      syndicated_options.extra_args.push_back(absl::StrCat("--max-streams=", subscribers + 100));
    }
    absl::StatusOr<std::unique_ptr<GrpcTarget>> syndicated =
        GrpcTarget::Start(System::kSyndicated, syndicated_options, subscribers, flags_.channels);
    if (!syndicated.ok()) return syndicated.status();
    ServerProcess& server = (*syndicated)->server();
    // Idle memory: connections are up, no stream is open yet.
    absl::StatusOr<int64_t> rss_before = server.SettledRssBytes();
    if (!rss_before.ok()) return rss_before.status();
    result.rss_before = *rss_before;
    const absl::Time open_start = absl::Now();
    if (absl::Status opened = (*syndicated)->OpenStreams(flags_.channels); !opened.ok()) {
      result.problems.push_back(std::string(opened.message()));
    }
    result.open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
    absl::StatusOr<int64_t> rss_idle = server.SettledRssBytes();
    if (!rss_idle.ok()) return rss_idle.status();
    result.rss_idle = *rss_idle;
    std::cerr << absl::StreamFormat(
        "fanout: N=%d: %d streams caught up in %.2f s; server RSS %s MiB -> %s MiB\n", subscribers,
        (*syndicated)->streams().caught_up(), result.open_seconds, FormatMib(result.rss_before),
        FormatMib(result.rss_idle));

    std::vector<std::unique_ptr<Target>> targets;
    targets.push_back(*std::move(syndicated));
    ServerProcessOptions bare_options;
    bare_options.binary = std::filesystem::read_symlink("/proc/self/exe").string();
    bare_options.leading_args = {"bare-server"};
    bare_options.syndicated_flags = false;
    bare_options.cpus = environment.server_cpus;
    absl::StatusOr<std::unique_ptr<GrpcTarget>> bare =
        GrpcTarget::Start(System::kBare, bare_options, subscribers, flags_.channels);
    if (!bare.ok()) return bare.status();
    if (absl::Status opened = (*bare)->OpenStreams(flags_.channels); !opened.ok()) {
      result.problems.push_back(absl::StrCat("bare gRPC: ", opened.message()));
    }
    targets.push_back(*std::move(bare));
    if (nats_server.empty()) {
      result.systems[System::kNats].skipped = nats_skipped_;
    } else {
      absl::StatusOr<std::unique_ptr<NatsTarget>> nats = NatsTarget::Start(
          NatsServerOptions(nats_server, environment.server_cpus, /*jetstream=*/false),
          subscribers);
      if (!nats.ok()) return nats.status();
      if (absl::Status opened = (*nats)->OpenStreams(flags_.channels); !opened.ok()) {
        result.problems.push_back(absl::StrCat("nats-server: ", opened.message()));
      }
      targets.push_back(*std::move(nats));
    }

    // Rounds: a warm-up of each system (not counted), then `rounds` rounds in which the
    // systems take turns going first. syndicated's first round gives the baselines the
    // event bytes they relay.
    std::vector<std::string> captured(static_cast<size_t>(events));
    int round_id = 0;  // unique per round of the run
    std::map<System, std::vector<double>> rates;
    if (events > 0) {
      const int first = flags_.quick ? 1 : 0;
      for (int round = first; round <= flags_.rounds; ++round) {
        for (size_t turn = 0; turn < targets.size(); ++turn) {
          Target& target =
              *targets[(turn + static_cast<size_t>(std::max(round - 1, 0))) % targets.size()];
          RoundResult measured = RunRound(target, ++round_id, events, &captured);
          for (std::string& problem : measured.problems) {
            result.problems.push_back(
                absl::StrCat(SystemName(target.system()), ", round ", round, ": ", problem));
          }
          std::cerr << absl::StreamFormat(
              "fanout: N=%d, %s, %s: %s deliveries/s, p50 %.2f ms\n", subscribers,
              SystemName(target.system()), round == 0 ? "warm-up" : absl::StrCat("round ", round),
              FormatNumber(measured.deliveries_per_second, 0),
              measured.latencies_ns.empty()
                  ? 0.0
                  : static_cast<double>(measured.latencies_ns[measured.latencies_ns.size() / 2]) /
                        1e6);
          if (round == 0) continue;
          rates[target.system()].push_back(measured.deliveries_per_second);
          SystemResult& pooled = result.systems[target.system()];
          pooled.ran = true;
          pooled.Add(std::move(measured));
        }
        if (round == 0) continue;
        const double synd = rates[System::kSyndicated].back();
        if (const double bare_rate = rates[System::kBare].back(); bare_rate > 0) {
          result.ratios.push_back(synd / bare_rate);
        }
        if (!rates[System::kNats].empty() && rates[System::kNats].back() > 0) {
          result.nats_ratios.push_back(synd / rates[System::kNats].back());
        }
      }
    }
    for (const auto& [system, pooled] : result.systems) {
      const double other = pooled.Percent(pooled.other_cpu_seconds);
      if (pooled.ran && other > 10) {
        result.warnings.push_back(absl::StrFormat(
            "%s: other processes used %.0f%% of a core during its rounds: timings are disturbed",
            SystemName(system), other));
      }
    }

    absl::StatusOr<int64_t> after = server.SettledRssBytes();
    result.rss_after = after.ok() ? *after : 0;
    if (flags_.hold_seconds > 0) {
      absl::SleepFor(absl::Seconds(flags_.hold_seconds));
      absl::StatusOr<int64_t> held = server.SettledRssBytes();
      result.rss_held = held.ok() ? *held : 0;
    }
    // VmHWM and VmRSS come from different kernel counters; the peak is at least every reading.
    absl::StatusOr<int64_t> peak = server.PeakRssBytes();
    result.rss_peak =
        std::max({peak.ok() ? *peak : 0, result.rss_idle, result.rss_after, result.rss_held});

    for (auto& target : targets) {
      const std::string name = SystemName(target->system());
      if (absl::Status closed = target->CloseStreams(); !closed.ok()) {
        result.problems.push_back(absl::StrCat(name, ": ", closed.message()));
      }
      if (std::string ends = target->streams().StreamEnds(); !ends.empty()) {
        result.problems.push_back(absl::StrCat(name, ": streams ended by themselves: ", ends));
      }
      absl::Status stopped = target->server().Stop(absl::Seconds(20));
      // nats-server exits with status 1 on SIGTERM; only syndicated's exit is checked.
      if (!stopped.ok() && target->system() == System::kSyndicated) {
        result.problems.push_back(std::string(stopped.message()));
      }
    }
    return result;
  }

  // One round of `target`: `events` stories, closed loop (at most --window stories not yet
  // delivered to every subscriber) or open loop at --rate; then every delivery, checked.
  // `round_id` makes syndicated's stories new; syndicated's first subscriber refreshes
  // `captured` with the events it received, which the baselines send.
  RoundResult RunRound(Target& target, int round_id, int events,
                       std::vector<std::string>* captured) {
    RoundResult round;
    const int subscribers = target.streams().size();
    FanoutRun run(subscribers, events);
    if (absl::Status prepared = target.PrepareRound(round_id, events, *captured); !prepared.ok()) {
      round.problems.push_back(std::string(prepared.message()));
      return round;
    }
    const std::vector<Receiver*>& receivers = target.receivers();
    for (size_t i = 0; i < receivers.size(); ++i) {
      receivers[i]->StartRound(
          &run, i == 0 && target.system() == System::kSyndicated ? captured : nullptr);
    }

    FanoutLoadOptions options;
    options.window = flags_.window;
    options.rate = flags_.rate;
    options.timeout = absl::Seconds(flags_.timeout_seconds);
    const double server_cpu_start = target.server().CpuSeconds().value_or(0);
    const double bench_cpu_start = ProcessCpuSeconds(0).value_or(0);
    const double machine_cpu_start = MachineBusyCpuSeconds().value_or(0);
    static_cast<FanoutLoadResult&>(round) = DriveFanoutRound(
        &run, receivers, [&](int index) { target.Publish(index, &run); }, target.has_publish_rpc(),
        options,
        [&] {
          round.server_cpu_seconds =
              target.server().CpuSeconds().value_or(server_cpu_start) - server_cpu_start;
          round.bench_cpu_seconds =
              ProcessCpuSeconds(0).value_or(bench_cpu_start) - bench_cpu_start;
          round.other_cpu_seconds = std::max(
              0.0, MachineBusyCpuSeconds().value_or(machine_cpu_start) - machine_cpu_start -
                       round.server_cpu_seconds - round.bench_cpu_seconds);
        });
    target.EndRound(round.published);
    return round;
  }

  void Print(const std::vector<FanoutResult>& results) const {
    std::cout << "## fanout\n\n"
              << "One publisher, N subscribers over " << flags_.channels
              << " connections, ~10 KB stories. syndicated: StreamArticles from POSITION_NOW "
                 "(callback API), stories published with PublishArticle. bare gRPC: the same "
                 "StreamArticles calls on a relay that writes the event bytes syndicated sent "
                 "(captured from its stream) to every stream, sent to it in a unary call. "
                 "nats-server: core pub/sub through libnats, N subscriptions to one subject, the "
                 "same bytes as payload. Every subscriber parses every message the same way. "
              << (flags_.rate > 0
                      ? absl::StrFormat("Open loop: %g stories per second. ", flags_.rate)
                      : absl::StrFormat(
                            "Closed loop: the next story is published as soon as fewer than %d "
                            "stories lack a subscriber, so deliveries/s is capacity. ",
                            flags_.window))
              << (flags_.quick ? "One round per system, no warm-up. "
                               : absl::StrFormat("A warm-up round per system, then %d rounds, "
                                                 "the systems taking turns going first. ",
                                                 flags_.rounds))
              << "Deliveries/s: median over the rounds, each from its first publish to its last "
                 "delivery. Ratio: syndicated's over the baseline's, same round; median and "
                 "range. Latency: publish to delivery (OnReadDone, or the NATS handler), pooled "
                 "over the rounds. Per CPU-s: deliveries per second of the server's CPU time.\n\n";
    const auto cell = [](const FanoutResult& r, System system, auto format) -> std::string {
      auto it = r.systems.find(system);
      if (it == r.systems.end()) return "";
      if (!it->second.skipped.empty()) return "skipped";
      if (!it->second.ran) return "";
      return format(it->second);
    };
    MarkdownTable capacity({{"N"},
                            {"stories per round"},
                            {"syndicated deliveries/s"},
                            {"bare gRPC deliveries/s"},
                            {"NATS deliveries/s"},
                            {"syndicated / bare"},
                            {"syndicated / NATS"},
                            {"per server CPU-s synd. / bare / NATS"},
                            {"per CPU-s synd. / bare"},
                            {"server CPU synd. / bare / NATS"},
                            {"bench CPU synd. / bare / NATS"},
                            {"other CPU (max)"}});
    MarkdownTable latency({{"N"},
                           {"syndicated p50 / p99 (ms)"},
                           {"bare gRPC p50 / p99 (ms)"},
                           {"NATS p50 / p99 (ms)"},
                           {"syndicated publish RPC p50 / p99 (ms)"},
                           {"bare relay RPC p50 / p99 (ms)"},
                           {"deliveries (all rounds)"}});
    for (const FanoutResult& r : results) {
      const auto rate = [](const SystemResult& s) {
        return FormatNumber(Median(s.deliveries_per_second), 0);
      };
      const auto three = [&](auto format) {
        return absl::StrCat(cell(r, System::kSyndicated, format), " / ",
                            cell(r, System::kBare, format), " / ",
                            r.systems.count(System::kNats) ? cell(r, System::kNats, format) : "–");
      };
      double other = 0;
      int64_t delivered = 0;
      int64_t expected = 0;
      for (const auto& [system, s] : r.systems) {
        other = std::max(other, s.Percent(s.other_cpu_seconds));
        delivered += s.delivered;
        expected += s.expected;
      }
      capacity.AddRow(
          {FormatNumber(r.subscribers, 0), FormatNumber(r.events, 0),
           cell(r, System::kSyndicated, rate), cell(r, System::kBare, rate),
           cell(r, System::kNats, rate), FormatRatio(r.ratios), FormatRatio(r.nats_ratios),
           three([](const SystemResult& s) { return FormatNumber(s.DeliveriesPerCpuSecond(), 0); }),
           absl::StrFormat("%.2f", CpuRatio(r)), three([](const SystemResult& s) {
             return absl::StrFormat("%.0f%%", s.Percent(s.server_cpu_seconds));
           }),
           three([](const SystemResult& s) {
             return absl::StrFormat("%.0f%%", s.Percent(s.bench_cpu_seconds));
           }),
           absl::StrFormat("%.0f%%", other)});
      const auto percentiles = [](std::vector<int64_t> samples) {
        const LatencySummary summary = Summarize(&samples);
        return absl::StrFormat("%.2f / %.2f", summary.p50_ms, summary.p99_ms);
      };
      latency.AddRow({FormatNumber(r.subscribers, 0),
                      cell(r, System::kSyndicated,
                           [&](const SystemResult& s) { return percentiles(s.latencies_ns); }),
                      cell(r, System::kBare,
                           [&](const SystemResult& s) { return percentiles(s.latencies_ns); }),
                      cell(r, System::kNats,
                           [&](const SystemResult& s) { return percentiles(s.latencies_ns); }),
                      cell(r, System::kSyndicated,
                           [&](const SystemResult& s) { return percentiles(s.publish_rpc_ns); }),
                      cell(r, System::kBare,
                           [&](const SystemResult& s) { return percentiles(s.publish_rpc_ns); }),
                      absl::StrCat(FormatNumber(static_cast<double>(delivered), 0), " / ",
                                   FormatNumber(static_cast<double>(expected), 0))});
    }
    std::cout << capacity.Render() << "\n"
              << "Publish-to-delivery latency at that load (the closed loop keeps the window "
                 "full, so this is the latency at capacity), and the publish call's own:\n\n"
              << latency.Render() << "\n";

    std::cout << "syndicated's memory (VmRSS): before opening the streams (connections "
                 "up); with the N streams open, caught up and idle, before any story (ΔRSS is "
                 "the difference); after every round, streams still open; and the peak (VmHWM) "
                 "over the whole run.\n\n";
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

    for (const FanoutResult& r : results) {
      if (r.subscribers != kTargetSubscribers || r.ratios.empty()) continue;
      const double median = Median(r.ratios);
      std::cout << absl::StrFormat(
          "Target (syndicated ≥ %.1f of the bare server's deliveries/s at %s subscribers): %s "
          "(%.2f). Per second of server CPU, syndicated delivers %.2f of what the bare server "
          "does: the ratio deliveries/s reaches when both servers saturate their core.\n\n",
          kTargetRatio, FormatNumber(kTargetSubscribers, 0),
          median >= kTargetRatio ? "met" : "not met", median, CpuRatio(r));
    }
    bool all_ok = true;
    bool listed = false;
    if (!nats_skipped_.empty()) {
      std::cout << "- the NATS baseline was skipped: " << nats_skipped_ << "\n";
      listed = true;
    }
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
      if (flags_.rate > 0) {  // open loop: how far behind its schedule the publisher fell
        for (const auto& [system, result] : r.systems) {
          if (!result.ran) continue;
          std::cout << "- N=" << r.subscribers << ", " << SystemName(system)
                    << ": stories sent up to " << absl::StrFormat("%.1f", result.max_send_lag_ms)
                    << " ms after they were due\n";
          listed = true;
        }
      }
    }
    if (listed) std::cout << "\n";
    if (all_ok) {
      std::cout << "Every stream and subscription caught up and received every story of every "
                   "round exactly once, all in the same order.\n";
    }
    std::cout << std::flush;
  }

  // syndicated's deliveries per server CPU-second over the bare server's; 0 when unknown.
  static double CpuRatio(const FanoutResult& r) {
    const auto synd = r.systems.find(System::kSyndicated);
    const auto bare = r.systems.find(System::kBare);
    if (synd == r.systems.end() || bare == r.systems.end()) return 0;
    const double bare_rate = bare->second.DeliveriesPerCpuSecond();
    return bare_rate > 0 ? synd->second.DeliveriesPerCpuSecond() / bare_rate : 0;
  }

  // Deliveries per second (the median round) and publish-to-delivery latency against N, as
  // plot data (bench/plot_data.h), a line per system; N whose checks failed are left out.
  static absl::Status WritePlotData(const std::string& directory,
                                    const std::vector<FanoutResult>& results) {
    for (System system : {System::kSyndicated, System::kBare, System::kNats}) {
      PlotSeries series;
      series.plot = "fanout";
      series.title = "Fan-out: one publisher, N subscribers (publish-to-delivery)";
      series.x_label = "subscribers (N)";
      series.throughput_label = "deliveries/s";
      series.log_x = true;
      series.series = SystemName(system);
      for (const FanoutResult& r : results) {
        const auto found = r.systems.find(system);
        if (!r.ok() || found == r.systems.end() || !found->second.ran ||
            found->second.delivered == 0) {
          continue;
        }
        std::vector<int64_t> latencies = found->second.latencies_ns;
        const LatencySummary latency = Summarize(&latencies);
        series.points.push_back({static_cast<double>(r.subscribers),
                                 Median(found->second.deliveries_per_second), latency.p50_ms,
                                 latency.p99_ms});
      }
      if (series.points.empty()) continue;
      if (absl::Status written = WritePlotSeries(directory, series); !written.ok()) return written;
    }
    return absl::OkStatus();
  }

  FanoutFlags flags_;
  std::string nats_skipped_;  // why the NATS baseline does not run; empty when it does
};

}  // namespace

void RegisterFanout(ScenarioRegistry* registry) {
  registry->Add("fanout",
                "one publisher, N subscribers: syndicated against a bare gRPC relay and "
                "nats-server; latency, capacity, RSS per stream",
                std::make_unique<Fanout>());
}

}  // namespace syndicate::bench
