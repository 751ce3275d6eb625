// Scenario "jetstream": what syndicated's JetStream mode (--log=jetstream: every change
// appended to a NATS JetStream stream, every replica following it into its own RocksDB)
// costs and buys on one machine. Publish latency and throughput of the embedded mode against
// the JetStream mode (one nats-server, file storage, one copy), in alternating rounds; then
// aggregate GetArticle throughput and aggregate fan-out with one and with two replicas
// following the same stream. The loads are the publish, pull and fanout scenarios' own
// (bench/publish_load.h, bench/pull_load.h, bench/fanout_load.h). See bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/fanout_load.h"
#include "bench/nats_baseline.h"
#include "bench/publish_load.h"
#include "bench/pull_load.h"
#include "bench/rounds.h"
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

using syndication::v1::PublishingService;
using syndication::v1::SyndicationService;

// The streams of the two parts: the publish rounds write many stories, which a replica
// started later would have to apply first, so the read part follows a stream of its own.
constexpr char kPublishStream[] = "SYNDICATE_BENCH_PUBLISH";
constexpr char kReadStream[] = "SYNDICATE_BENCH_READS";

// CPU time of the given processes, of this one and of the rest of the machine, from
// construction to Finish.
struct CpuUse {
  std::vector<double> servers;  // seconds, one per process, in the meter's order
  double bench = 0;
  double other = 0;  // every other process of the machine, and steal
  double wall = 0;

  void Add(const CpuUse& more) {
    if (servers.size() < more.servers.size()) servers.resize(more.servers.size(), 0);
    for (size_t i = 0; i < more.servers.size(); ++i) servers[i] += more.servers[i];
    bench += more.bench;
    other += more.other;
    wall += more.wall;
  }
  double ServersTotal() const {
    double total = 0;
    for (double seconds : servers) total += seconds;
    return total;
  }
  // `seconds` in % of one core over the wall time.
  std::string Percent(double seconds) const {
    return absl::StrFormat("%.0f%%", wall > 0 ? 100 * seconds / wall : 0);
  }
};

class CpuMeter {
 public:
  explicit CpuMeter(std::vector<const ServerProcess*> servers)
      : servers_(std::move(servers)),
        bench_start_(ProcessCpuSeconds(0).value_or(0)),
        machine_start_(MachineBusyCpuSeconds().value_or(0)),
        start_(absl::Now()) {
    for (const ServerProcess* server : servers_) {
      server_starts_.push_back(server->CpuSeconds().value_or(0));
    }
  }

  CpuUse Finish() const {
    CpuUse use;
    double servers = 0;
    for (size_t i = 0; i < servers_.size(); ++i) {
      use.servers.push_back(servers_[i]->CpuSeconds().value_or(server_starts_[i]) -
                            server_starts_[i]);
      servers += use.servers.back();
    }
    use.bench = ProcessCpuSeconds(0).value_or(bench_start_) - bench_start_;
    const double machine = MachineBusyCpuSeconds().value_or(machine_start_) - machine_start_;
    use.other = std::max(0.0, machine - servers - use.bench);
    use.wall = absl::ToDoubleSeconds(absl::Now() - start_);
    return use;
  }

 private:
  const std::vector<const ServerProcess*> servers_;
  std::vector<double> server_starts_;
  const double bench_start_;
  const double machine_start_;
  const absl::Time start_;
};

// "p50 / p99" in ms of `samples` (nearest rank), or "–" when there are none.
std::string Percentiles(std::vector<int64_t> samples) {
  if (samples.empty()) return "–";
  const LatencySummary summary = Summarize(&samples);
  return absl::StrFormat("%.2f / %.2f", summary.p50_ms, summary.p99_ms);
}

// One mode's publish rounds in one configuration, pooled.
struct PublishSide {
  std::vector<double> writes_per_second;  // per round
  std::vector<int64_t> latencies_ns;
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
  CpuUse cpu;  // embedded: syndicated; JetStream: syndicated, nats-server

  void Add(PublishLoad load, const CpuUse& used) {
    writes_per_second.push_back(load.WritesPerSecond());
    latencies_ns.insert(latencies_ns.end(), load.latencies_ns.begin(), load.latencies_ns.end());
    if (failed == 0 && load.failed > 0) first_error = load.first_error;
    ok += load.ok;
    failed += load.failed;
    cpu.Add(used);
  }
  // Server CPU (every server process of the mode) per acknowledged publish, in µs.
  double CpuMicrosPerWrite() const {
    return ok > 0 ? 1e6 * cpu.ServersTotal() / static_cast<double>(ok) : 0;
  }
};

struct PublishConfiguration {
  int publishers = 0;
  PublishSide embedded;
  PublishSide jetstream;
  std::vector<double> ratios;  // JetStream / embedded writes per second, per round pair
};

// One read configuration (GetArticle at N outstanding, or fan-out to N subscribers) with a
// given number of replicas, pooled over its rounds.
struct ReadConfiguration {
  int replicas = 0;
  int load = 0;                    // N: requests outstanding, or subscribers (all replicas)
  int stories = 0;                 // fan-out: stories per round
  std::vector<double> per_second;  // requests/s or deliveries/s, per round
  std::vector<int64_t> latencies_ns;
  std::vector<int64_t> publish_rpc_ns;  // fan-out
  int64_t ok = 0;                       // OK calls, or deliveries
  int64_t expected = 0;                 // fan-out: deliveries expected
  CpuUse cpu;                           // the replicas, then nats-server
};

struct JetStreamFlags : RoundFlags {
  std::vector<int> publishers = {1, 8};
  std::vector<int> concurrency = {8, 32};
  int subscribers = 100;
  int events = -1;  // fan-out stories per round; -1: about 30,000 deliveries
  // Larger than the fanout scenario's 2: a JetStream publish takes some 20 ms (its replica
  // polls the stream), so 2 stories in flight would measure that latency, not delivery.
  int window = 8;
  std::string nats_server;
};

// The replicas of the read part and what the benchmark holds of each.
struct Replica {
  std::unique_ptr<ServerProcess> server;
  std::shared_ptr<grpc::Channel> channel;  // setup calls (and the fan-out's publisher)
  std::unique_ptr<PublishingService::Stub> publisher;
  std::unique_ptr<PullClient> pull;
  std::vector<std::unique_ptr<SyndicationService::Stub>> stream_stubs;
};

// A fan-out publish in flight: gRPC needs the context, request and response until it
// completes.
struct PublishCall {
  grpc::ClientContext context;
  syndication::v1::PublishArticleRequest request;
  syndication::v1::PublishArticleResponse response;
};

class JetStream final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command
        ->add_option("--publishers", flags_.publishers,
                     "Concurrent publishers of the publish part, comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--concurrency", flags_.concurrency,
                     "GetArticle calls outstanding (over every replica), comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--subscribers", flags_.subscribers,
                     "Fan-out subscribers, split evenly across the replicas")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--events", flags_.events,
                        "Fan-out stories per round (default: about 30,000 deliveries)");
    command
        ->add_option("--window", flags_.window,
                     "Fan-out closed loop: stories published and not yet delivered to every "
                     "subscriber")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--nats-server", flags_.nats_server,
                        "The nats-server binary (default: from PATH or /usr/sbin)");
    AddRoundFlags(command, "mode",
                  "gRPC channels (TCP connections) per replica the calls are spread over", &flags_);
  }

  int Run(const BenchEnvironment& environment) override {
    flags_.ApplyQuick();
    if (flags_.events < 0) {
      flags_.events = flags_.quick ? 5 : std::clamp(30000 / flags_.subscribers, 6, 400);
    }
    absl::StatusOr<std::string> nats_server = FindNatsServer(flags_.nats_server);
    if (!nats_server.ok()) {
      std::cerr << "jetstream: " << nats_server.status().message() << "\n";
      std::cout << "## jetstream\n\nSkipped: " << nats_server.status().message()
                << " (scripts/install-deps.sh installs the package nats-server).\n";
      return 0;
    }
    RaiseOpenFileLimit(flags_.subscribers + 1024);
    absl::Status status = RunAll(environment, *nats_server);
    if (!status.ok()) {
      std::cerr << "jetstream: " << status << "\n";
      problems_.push_back(std::string(status.message()));
    }
    Print();
    return problems_.empty() ? 0 : 1;
  }

 private:
  absl::Status RunAll(const BenchEnvironment& environment, const std::string& nats_server) {
    // The signing key every replica shares: created by the first, read by the others.
    SYNDICATE_ASSIGN_OR_RETURN(const std::string key_dir, MakeTempDirectory("syndicate-jetstream"));
    absl::Status status = [&]() -> absl::Status {
      SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> nats,
                                 ServerProcess::Start(NatsServerOptions(
                                     nats_server, environment.server_cpus, /*jetstream=*/true)));
      std::cerr << "jetstream: nats-server with JetStream on " << nats->address() << "\n";
      const std::string key_file = key_dir + "/signing-key";
      SYNDICATE_RETURN_IF_ERROR(RunPublish(environment, *nats, key_file));
      SYNDICATE_RETURN_IF_ERROR(RunReads(environment, *nats, key_file));
      static_cast<void>(nats->Stop(absl::Seconds(10)));  // exits with status 1 on SIGTERM
      return absl::OkStatus();
    }();
    std::error_code ignored;
    std::filesystem::remove_all(key_dir, ignored);
    return status;
  }

  ServerProcessOptions ReplicaOptions(const BenchEnvironment& environment,
                                      const ServerProcess& nats, const std::string& key_file,
                                      const std::string& stream) const {
    ServerProcessOptions options;
    options.binary = environment.syndicated;
    options.cpus = environment.server_cpus;
    options.extra_args = flags_.server_args;
    options.extra_args.insert(
        options.extra_args.end(),
        {"--log=jetstream", "--nats-url=nats://" + nats.address(), "--nats-replicas=1",
         "--signing-key-file=" + key_file, absl::StrCat("--nats-stream=", stream)});
    return options;
  }

  // --- Part 1: publish, embedded against JetStream -------------------------------------

  absl::Status RunPublish(const BenchEnvironment& environment, const ServerProcess& nats,
                          const std::string& key_file) {
    ServerProcessOptions embedded_options;
    embedded_options.binary = environment.syndicated;
    embedded_options.cpus = environment.server_cpus;
    embedded_options.extra_args = flags_.server_args;
    SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> embedded,
                               ServerProcess::Start(embedded_options));
    SYNDICATE_ASSIGN_OR_RETURN(
        std::unique_ptr<ServerProcess> jetstream,
        ServerProcess::Start(ReplicaOptions(environment, nats, key_file, kPublishStream)));

    // Per mode: its stubs (one per channel) and the processes that do its work.
    struct Mode {
      std::vector<std::unique_ptr<PublishingService::Stub>> owned;
      std::vector<PublishingService::Stub*> stubs;
      std::vector<const ServerProcess*> processes;
    };
    Mode modes[2];
    modes[0].processes = {embedded.get()};
    modes[1].processes = {jetstream.get(), &nats};
    for (int m = 0; m < 2; ++m) {
      const ServerProcess& server = *modes[m].processes[0];
      for (int i = 0; i < flags_.channels; ++i) {
        SYNDICATE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                                   ConnectChannel(server.address(), i));
        modes[m].owned.push_back(PublishingService::NewStub(channel));
        modes[m].stubs.push_back(modes[m].owned.back().get());
      }
      SYNDICATE_RETURN_IF_ERROR(UpsertSource(modes[m].stubs[0]));
    }

    const syndication::v1::Article story = BenchStory("jetstream", 0);
    story_bytes_ = story.SerializeAsString().size();
    int round_id = 0;
    const auto run = [&](int m, int publishers, absl::Duration duration,
                         PublishSide* side) -> absl::Status {
      const CpuMeter cpu(modes[m].processes);
      SYNDICATE_ASSIGN_OR_RETURN(
          PublishLoad load, RunPublishers(modes[m].stubs, publishers, story,
                                          absl::StrCat("jetstream-", round_id++, "-"), duration));
      const CpuUse used = cpu.Finish();
      if (side != nullptr) side->Add(std::move(load), used);
      return absl::OkStatus();
    };
    for (int publishers : flags_.publishers) {
      PublishConfiguration c;
      c.publishers = publishers;
      std::cerr << "jetstream: publish, " << publishers << " publishers\n";
      if (flags_.warmup_seconds > 0) {
        for (int m = 0; m < 2; ++m) {
          SYNDICATE_RETURN_IF_ERROR(
              run(m, publishers, absl::Seconds(flags_.warmup_seconds), nullptr));
        }
      }
      for (int r = 0; r < flags_.rounds; ++r) {
        for (int k = 0; k < 2; ++k) {
          const int m = r % 2 == 0 ? k : 1 - k;
          SYNDICATE_RETURN_IF_ERROR(run(m, publishers, absl::Seconds(flags_.round_seconds),
                                        m == 0 ? &c.embedded : &c.jetstream));
        }
        const double embedded_rate = c.embedded.writes_per_second.back();
        const double jetstream_rate = c.jetstream.writes_per_second.back();
        c.ratios.push_back(embedded_rate > 0 ? jetstream_rate / embedded_rate : 0);
        std::cerr << absl::StreamFormat(
            "jetstream:   round %d: embedded %.0f/s, JetStream %.0f/s\n", r + 1, embedded_rate,
            jetstream_rate);
      }
      for (const auto& [name, side] :
           {std::pair{"embedded", &c.embedded}, std::pair{"JetStream", &c.jetstream}}) {
        if (side->failed > 0) {
          problems_.push_back(absl::StrFormat("publish, N = %d, %s: %d publishes failed, first: %s",
                                              publishers, name, side->failed, side->first_error));
        }
        if (side->ok == 0) {
          problems_.push_back(
              absl::StrFormat("publish, N = %d, %s: no publish completed", publishers, name));
        }
      }
      publish_.push_back(std::move(c));
    }
    SYNDICATE_RETURN_IF_ERROR(embedded->Stop(absl::Seconds(20)));
    return jetstream->Stop(absl::Seconds(20));
  }

  // --- Part 2: reads and fan-out with one and two replicas -----------------------------

  absl::StatusOr<Replica> StartReplica(const BenchEnvironment& environment,
                                       const ServerProcess& nats, const std::string& key_file) {
    Replica replica;
    SYNDICATE_ASSIGN_OR_RETURN(replica.server, ServerProcess::Start(ReplicaOptions(
                                                   environment, nats, key_file, kReadStream)));
    SYNDICATE_ASSIGN_OR_RETURN(replica.channel, ConnectChannel(replica.server->address(), -1));
    replica.publisher = PublishingService::NewStub(replica.channel);
    SYNDICATE_RETURN_IF_ERROR(UpsertSource(replica.publisher.get()));
    SYNDICATE_ASSIGN_OR_RETURN(replica.pull,
                               PullClient::Connect(replica.server->address(), flags_.channels));
    for (int i = 0; i < flags_.channels; ++i) {
      SYNDICATE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                                 ConnectChannel(replica.server->address(), i));
      replica.stream_stubs.push_back(SyndicationService::NewStub(channel));
    }
    return replica;
  }

  absl::Status RunReads(const BenchEnvironment& environment, const ServerProcess& nats,
                        const std::string& key_file) {
    std::vector<Replica> replicas;
    SYNDICATE_ASSIGN_OR_RETURN(Replica first, StartReplica(environment, nats, key_file));
    replicas.push_back(std::move(first));

    // The story every GetArticle asks for, published through the first replica.
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = BenchStory("jetstream-read", 0);
    syndication::v1::PublishArticleResponse response;
    if (grpc::Status published =
            replicas[0].publisher->PublishArticle(&context, request, &response);
        !published.ok()) {
      return CallFailed("PublishArticle", published);
    }
    const std::string id = response.article().id();
    SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, GetArticleBytes(replicas[0].channel, id));
    read_bytes_ = bytes.size();

    for (int count = 1; count <= 2; ++count) {
      if (count == 2) {
        SYNDICATE_ASSIGN_OR_RETURN(Replica second, StartReplica(environment, nats, key_file));
        // It serves the story once it applied the stream that far; the bytes must be the
        // first replica's (the same signed version).
        const absl::Time deadline = absl::Now() + absl::Seconds(60);
        absl::StatusOr<std::string> got = GetArticleBytes(second.channel, id);
        while (!got.ok() && absl::Now() < deadline) {
          absl::SleepFor(absl::Milliseconds(50));
          got = GetArticleBytes(second.channel, id);
        }
        if (!got.ok()) return got.status();
        if (*got != bytes) {
          problems_.push_back(absl::StrFormat(
              "the second replica's GetArticle returned %d bytes that differ from the first's %d",
              got->size(), bytes.size()));
        }
        replicas.push_back(std::move(second));
      }
      std::vector<const ServerProcess*> processes;
      std::vector<PullClient*> clients;
      for (const Replica& replica : replicas) {
        processes.push_back(replica.server.get());
        clients.push_back(replica.pull.get());
      }
      processes.push_back(&nats);
      for (int concurrency : flags_.concurrency) {
        SYNDICATE_RETURN_IF_ERROR(RunPull(clients, processes, id, count, concurrency));
      }
      SYNDICATE_RETURN_IF_ERROR(RunFanout(replicas, processes, count));
    }
    for (Replica& replica : replicas) {
      SYNDICATE_RETURN_IF_ERROR(replica.server->Stop(absl::Seconds(20)));
    }
    return absl::OkStatus();
  }

  absl::Status RunPull(const std::vector<PullClient*>& clients,
                       const std::vector<const ServerProcess*>& processes, const std::string& id,
                       int replicas, int concurrency) {
    std::cerr << "jetstream: GetArticle, " << replicas << " replica(s), " << concurrency
              << " outstanding\n";
    ReadConfiguration c;
    c.replicas = replicas;
    c.load = concurrency;
    CallCheck calls;
    for (int r = flags_.warmup_seconds > 0 ? -1 : 0; r < flags_.rounds; ++r) {
      const CpuMeter cpu(processes);
      SYNDICATE_ASSIGN_OR_RETURN(
          GetLoad load,
          RunGetClosedLoop(clients, id, read_bytes_, concurrency,
                           absl::Seconds(r < 0 ? flags_.warmup_seconds : flags_.round_seconds)));
      const CpuUse used = cpu.Finish();
      calls.Add(load.calls);
      if (r < 0) continue;
      c.per_second.push_back(load.RequestsPerSecond());
      c.latencies_ns.insert(c.latencies_ns.end(), load.latencies_ns.begin(),
                            load.latencies_ns.end());
      c.ok += load.calls.ok;
      c.cpu.Add(used);
      std::cerr << absl::StreamFormat("jetstream:   round %d: %.0f/s\n", r + 1,
                                      load.RequestsPerSecond());
    }
    if (calls.failed > 0) {
      problems_.push_back(
          absl::StrFormat("GetArticle, %d replica(s), N = %d: %d calls failed, "
                          "first: %s",
                          replicas, concurrency, calls.failed, calls.first_error));
    }
    pulls_.push_back(std::move(c));
    return absl::OkStatus();
  }

  absl::Status RunFanout(const std::vector<Replica>& replicas,
                         const std::vector<const ServerProcess*>& processes, int count) {
    const int subscribers = flags_.subscribers;
    std::cerr << "jetstream: fan-out, " << count << " replica(s), " << subscribers
              << " subscribers, " << flags_.events << " stories per round\n";
    // Subscriber i on replica i mod count, over that replica's channels in turn.
    StreamSet streams(subscribers);
    std::vector<std::unique_ptr<Subscriber>> owned;
    std::vector<Receiver*> receivers;
    for (int i = 0; i < subscribers; ++i) {
      owned.push_back(std::make_unique<Subscriber>(&streams));
      receivers.push_back(owned.back()->receiver());
      const Replica& replica = replicas[static_cast<size_t>(i % count)];
      owned.back()->Start(
          replica.stream_stubs[static_cast<size_t>(i / count) % replica.stream_stubs.size()].get());
    }
    const auto close = [&]() -> absl::Status {
      for (auto& subscriber : owned) subscriber->Cancel();
      if (!streams.WaitForDone(absl::Now() + absl::Seconds(30))) {
        // Reactors gRPC still holds must outlive it: leak them rather than free them early.
        for (auto& subscriber : owned) static_cast<void>(subscriber.release());
        return absl::DeadlineExceededError("streams did not end within 30 s of cancelling");
      }
      return absl::OkStatus();
    };
    if (!streams.WaitForCaughtUp(absl::Now() + absl::Seconds(30)) ||
        streams.caught_up() < subscribers) {
      const int caught_up = streams.caught_up();
      static_cast<void>(close());
      return absl::DeadlineExceededError(
          absl::StrCat(subscribers - caught_up, " of ", subscribers, " streams did not catch up"));
    }

    ReadConfiguration c;
    c.replicas = count;
    c.load = subscribers;
    c.stories = flags_.events;
    PublishingService::Stub* publisher = replicas[0].publisher.get();
    for (int r = flags_.quick ? 0 : -1; r < (flags_.quick ? 1 : flags_.rounds); ++r) {
      FanoutRun run(subscribers, flags_.events);
      std::vector<std::unique_ptr<PublishCall>> calls;
      for (int i = 0; i < flags_.events; ++i) {
        calls.push_back(std::make_unique<PublishCall>());
        calls.back()->context.set_deadline(std::chrono::system_clock::now() +
                                           std::chrono::hours(1));
        *calls.back()->request.mutable_article() =
            BenchStory(absl::StrCat("jetstream-fanout-", count, "-", r + 1, "-", i), i);
      }
      for (Receiver* receiver : receivers) receiver->StartRound(&run, nullptr);
      FanoutLoadOptions options;
      options.window = flags_.window;
      const CpuMeter cpu(processes);
      CpuUse used;
      FanoutLoadResult result = DriveFanoutRound(
          &run, receivers,
          [&](int index) {
            PublishCall* call = calls[static_cast<size_t>(index)].get();
            publisher->async()->PublishArticle(
                &call->context, &call->request, &call->response,
                [&run, index](const grpc::Status& status) { run.OnPublished(index, status); });
          },
          /*has_publish_rpc=*/true, options, [&] { used = cpu.Finish(); });
      if (!result.published) {
        // gRPC still holds the calls: leak them rather than free them under it.
        for (auto& call : calls) static_cast<void>(call.release());
      }
      for (const std::string& problem : result.problems) {
        problems_.push_back(
            absl::StrFormat("fan-out, %d replica(s), round %d: %s", count, r + 1, problem));
      }
      std::cerr << absl::StreamFormat("jetstream:   %s: %s deliveries/s\n",
                                      r < 0 ? "warm-up" : absl::StrCat("round ", r + 1),
                                      FormatNumber(result.deliveries_per_second, 0));
      if (r < 0) continue;
      c.per_second.push_back(result.deliveries_per_second);
      c.latencies_ns.insert(c.latencies_ns.end(), result.latencies_ns.begin(),
                            result.latencies_ns.end());
      c.publish_rpc_ns.insert(c.publish_rpc_ns.end(), result.publish_rpc_ns.begin(),
                              result.publish_rpc_ns.end());
      c.ok += result.delivered;
      c.expected += result.expected;
      c.cpu.Add(used);
    }
    fanouts_.push_back(std::move(c));
    SYNDICATE_RETURN_IF_ERROR(close());
    if (std::string ends = streams.StreamEnds(); !ends.empty()) {
      problems_.push_back(
          absl::StrCat("fan-out, ", count, " replica(s): streams ended by themselves: ", ends));
    }
    return absl::OkStatus();
  }

  // --- Output ---------------------------------------------------------------------------

  // The replicas' CPU, "A / B", and nats-server's (the last process of the meter).
  static std::string ReplicaCpu(const CpuUse& cpu) {
    std::vector<std::string> parts;
    for (size_t i = 0; i + 1 < cpu.servers.size(); ++i) {
      parts.push_back(cpu.Percent(cpu.servers[i]));
    }
    return absl::StrJoin(parts, " / ");
  }
  static std::string NatsCpu(const CpuUse& cpu) {
    return cpu.servers.empty() ? "" : cpu.Percent(cpu.servers.back());
  }

  void Print() const {
    double most_other = 0;
    std::cout << "## jetstream\n\n"
              << "syndicated's JetStream mode (--log=jetstream: each change appended to a NATS "
                 "JetStream stream, acknowledged once JetStream stored it and this replica "
                 "applied it; every replica follows the stream into its own RocksDB) on this "
                 "one machine: one nats-server with JetStream (file storage, "
                 "--nats-replicas=1), pinned with syndicated to the server CPUs. A real "
                 "deployment adds a network round trip to the NATS cluster and R=3 "
                 "replication (a quorum of three servers stores each change) to every publish, "
                 "so its publish latency is higher than here. nats-server's file store "
                 "acknowledges a message once written to its file and syncs to disk on its own "
                 "schedule, not per message; the embedded mode syncs RocksDB's log before it "
                 "acknowledges (group commit).\n\n"
              << "Publish: ~10 KB stories (" << FormatNumber(static_cast<double>(story_bytes_), 0)
              << " B), N publishers in a closed loop over " << flags_.channels
              << " connections (the publish scenario's load), each call a new story, against "
                 "the embedded mode (the default: synced RocksDB) and the JetStream mode, "
              << FormatNumber(flags_.warmup_seconds, 1) << " s of warm-up per mode, then "
              << flags_.rounds << " rounds of " << FormatNumber(flags_.round_seconds, 1)
              << " s per mode, alternating. Ratio: JetStream / embedded writes per second of "
                 "the same round pair, median and range. CPU per write: the mode's server "
                 "processes (JetStream: syndicated + nats-server) per acknowledged publish.\n\n";
    MarkdownTable publish({{"N"},
                           {"embedded writes/s"},
                           {"JetStream writes/s"},
                           {"JetStream / embedded"},
                           {"embedded p50 / p99 (ms)"},
                           {"JetStream p50 / p99 (ms)"},
                           {"CPU per write emb. / JS (µs)"},
                           {"CPU embedded"},
                           {"CPU JS syndicated / nats-server"},
                           {"bench CPU emb. / JS"},
                           {"other CPU"}});
    for (const PublishConfiguration& c : publish_) {
      CpuUse both = c.embedded.cpu;
      both.Add(c.jetstream.cpu);
      const double other = both.wall > 0 ? 100 * both.other / both.wall : 0;
      most_other = std::max(most_other, other);
      const CpuUse& js = c.jetstream.cpu;
      publish.AddRow(
          {absl::StrCat(c.publishers), FormatNumber(Median(c.embedded.writes_per_second), 0),
           FormatNumber(Median(c.jetstream.writes_per_second), 0), FormatRatio(c.ratios),
           Percentiles(c.embedded.latencies_ns), Percentiles(c.jetstream.latencies_ns),
           absl::StrCat(FormatNumber(c.embedded.CpuMicrosPerWrite(), 0), " / ",
                        FormatNumber(c.jetstream.CpuMicrosPerWrite(), 0)),
           c.embedded.cpu.Percent(c.embedded.cpu.ServersTotal()),
           js.servers.size() == 2
               ? absl::StrCat(js.Percent(js.servers[0]), " / ", js.Percent(js.servers[1]))
               : "",
           absl::StrCat(c.embedded.cpu.Percent(c.embedded.cpu.bench), " / ", js.Percent(js.bench)),
           absl::StrFormat("%.0f%%", other)});
    }
    std::cout << publish.Render() << "\n";

    std::cout << "Reads: the JetStream mode with one replica, then with a second replica "
                 "started on the same stream (same nats-server, same server CPUs: on a machine "
                 "whose server side is one core the replicas share it, so a second replica "
                 "cannot add capacity here; read the CPU columns). GetArticle of one stored "
                 "story ("
              << FormatNumber(static_cast<double>(read_bytes_), 0)
              << " B, the pull scenario's load): N calls outstanding in all, split evenly "
                 "across the replicas, "
              << flags_.channels << " connections per replica; "
              << FormatNumber(flags_.warmup_seconds, 1) << " s of warm-up, then " << flags_.rounds
              << " rounds of " << FormatNumber(flags_.round_seconds, 1)
              << " s. Requests/s: median round (range); per CPU-s: OK calls per second of the "
                 "replicas' and nats-server's CPU.\n\n";
    MarkdownTable pull({{"replicas"},
                        {"N"},
                        {"req/s (median, range)"},
                        {"vs 1 replica"},
                        {"p50 / p99 (ms)"},
                        {"req per server CPU-s"},
                        {"CPU syndicated (each)"},
                        {"CPU nats-server"},
                        {"bench CPU"},
                        {"other CPU"}});
    for (const ReadConfiguration& c : pulls_) {
      AddReadRow(c, pulls_, &pull, &most_other);
    }
    std::cout << pull.Render() << "\n";

    std::cout << "Fan-out: " << flags_.subscribers
              << " StreamArticles subscribers from POSITION_NOW (the fanout scenario's load), "
                 "split evenly across the replicas; stories published through the first "
                 "replica, closed loop (the next once fewer than "
              << flags_.window << " lack a subscriber), " << flags_.events << " stories per round; "
              << (flags_.quick ? "one round, no warm-up"
                               : absl::StrCat("a warm-up round, then ", flags_.rounds, " rounds"))
              << ". Deliveries/s: median round (range), from the first publish to the last "
                 "delivery; latency from publish to delivery, pooled over every subscriber of "
                 "every replica; every subscriber must get every story once, all in the same "
                 "order.\n\n";
    MarkdownTable fanout({{"replicas"},
                          {"N"},
                          {"deliveries/s (median, range)"},
                          {"vs 1 replica"},
                          {"p50 / p99 (ms)"},
                          {"deliveries per server CPU-s"},
                          {"CPU syndicated (each)"},
                          {"CPU nats-server"},
                          {"bench CPU"},
                          {"other CPU"},
                          {"publish RPC p50 / p99 (ms)"},
                          {"deliveries"}});
    for (const ReadConfiguration& c : fanouts_) {
      AddReadRow(c, fanouts_, &fanout, &most_other);
    }
    std::cout << fanout.Render() << "\n";

    if (most_other > 10) {
      std::cout << absl::StrFormat(
          "- warning: other processes used up to %.0f%% of a core during a configuration's "
          "rounds: timings are disturbed\n",
          most_other);
    }
    for (const std::string& problem : problems_) std::cout << "- **" << problem << "**\n";
    if (problems_.empty()) {
      std::cout << "\nEvery publish was acknowledged as a new story, every GetArticle was OK "
                   "with the story's bytes (the second replica's the same as the first's), and "
                   "every subscriber of every replica got every story once, in the same "
                   "order.\n";
    }
    std::cout << std::flush;
  }

  // A row of the GetArticle or fan-out table; "vs 1 replica" compares with the row of the
  // same N and one replica.
  static void AddReadRow(const ReadConfiguration& c, const std::vector<ReadConfiguration>& all,
                         MarkdownTable* table, double* most_other) {
    std::string versus;
    for (const ReadConfiguration& one : all) {
      if (c.replicas > 1 && one.replicas == 1 && one.load == c.load && Median(one.per_second) > 0) {
        versus = absl::StrFormat("%.2f×", Median(c.per_second) / Median(one.per_second));
      }
    }
    std::string range;
    if (!c.per_second.empty()) {
      range = absl::StrFormat(
          "%s (%s–%s)", FormatNumber(Median(c.per_second), 0),
          FormatNumber(*std::min_element(c.per_second.begin(), c.per_second.end()), 0),
          FormatNumber(*std::max_element(c.per_second.begin(), c.per_second.end()), 0));
    }
    const double servers = c.cpu.ServersTotal();
    const double other = c.cpu.wall > 0 ? 100 * c.cpu.other / c.cpu.wall : 0;
    *most_other = std::max(*most_other, other);
    std::vector<std::string> row = {
        absl::StrCat(c.replicas),
        FormatNumber(c.load, 0),
        range,
        versus,
        Percentiles(c.latencies_ns),
        FormatNumber(servers > 0 ? static_cast<double>(c.ok) / servers : 0, 0),
        ReplicaCpu(c.cpu),
        NatsCpu(c.cpu),
        c.cpu.Percent(c.cpu.bench),
        absl::StrFormat("%.0f%%", other)};
    if (c.stories > 0) {
      row.push_back(Percentiles(c.publish_rpc_ns));
      row.push_back(absl::StrCat(FormatNumber(static_cast<double>(c.ok), 0), " / ",
                                 FormatNumber(static_cast<double>(c.expected), 0)));
    }
    table->AddRow(row);
  }

  JetStreamFlags flags_;
  size_t story_bytes_ = 0;  // the publish part's story, serialized
  size_t read_bytes_ = 0;   // GetArticle's response
  std::vector<PublishConfiguration> publish_;
  std::vector<ReadConfiguration> pulls_;
  std::vector<ReadConfiguration> fanouts_;
  std::vector<std::string> problems_;  // failed checks: exit status 1
};

}  // namespace

void RegisterJetStream(ScenarioRegistry* registry) {
  registry->Add("jetstream",
                "syndicated's JetStream mode: publish latency vs the embedded mode; GetArticle "
                "and fan-out with 1 and 2 replicas",
                std::make_unique<JetStream>());
}

}  // namespace syndicate::bench
