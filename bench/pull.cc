// Scenario "pull": GetArticle from syndicated (the candidate) against a bare gRPC server
// that answers with the same Article bytes prepared in advance (the baseline: gRPC's own
// limit). Both run as subprocesses pinned to the same CPUs; each configuration runs them in
// alternating rounds so that the ratio holds on a noisy machine. Closed loop at a fixed
// number of outstanding requests, then open loop at a fixed rate for latency without
// coordinated omission. Alongside, not as a target: nginx serving the same story as a static
// JSON file over HTTP/2 cleartext, driven by h2load (bench/nginx_baseline.h). See
// bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/nginx_baseline.h"
#include "bench/plot_data.h"
#include "bench/pull_load.h"
#include "bench/rounds.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/system_info.h"
#include "bench/table.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::bench {
namespace {

// A story as both servers serve it: syndicated's GetArticle response, byte for byte.
struct StoredStory {
  std::string label;  // "10 KB", "2 KB"
  std::string id;     // Article.id
  std::string bytes;  // the serialized Article
  std::string json;   // the Article in protobuf's JSON mapping: nginx's static file
};

// What one round against one server measured: the load (bench/pull_load.h) and the CPU.
struct Round : GetLoad {
  double server_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
  double other_cpu_seconds = 0;  // every other process of the machine, and steal
  double max_send_lag_ms = 0;    // open loop: how late a call was sent at worst
};

// CPU counters read at the start and the end of a round.
class CpuMeter {
 public:
  explicit CpuMeter(const ServerProcess& server)
      : server_(server),
        server_start_(server.CpuSeconds().value_or(0)),
        bench_start_(ProcessCpuSeconds(0).value_or(0)),
        machine_start_(MachineBusyCpuSeconds().value_or(0)) {}

  void Finish(Round* round) const {
    round->server_cpu_seconds = server_.CpuSeconds().value_or(server_start_) - server_start_;
    round->bench_cpu_seconds = ProcessCpuSeconds(0).value_or(bench_start_) - bench_start_;
    const double machine = MachineBusyCpuSeconds().value_or(machine_start_) - machine_start_;
    round->other_cpu_seconds =
        std::max(0.0, machine - round->server_cpu_seconds - round->bench_cpu_seconds);
  }

 private:
  const ServerProcess& server_;
  const double server_start_;
  const double bench_start_;
  const double machine_start_;
};

// `concurrency` outstanding GetArticle calls for `duration`: a new call as soon as one
// completes. A chain stops at its first failure.
absl::StatusOr<Round> RunClosedLoop(PullClient* client, const ServerProcess& server,
                                    const StoredStory& story, int concurrency,
                                    absl::Duration duration) {
  Round round;
  const CpuMeter cpu(server);
  SYNDICATE_ASSIGN_OR_RETURN(
      static_cast<GetLoad&>(round),
      RunGetClosedLoop({client}, story.id, story.bytes.size(), concurrency, duration));
  cpu.Finish(&round);
  return round;
}

// One call of an open loop; it deletes itself when done.
struct OpenLoopCall {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
};

// GetArticle at `rate_per_second` for `duration`, open loop: call i is due at
// start + i / rate and sent then, or at once if the sender is late, whether or not earlier
// calls completed. Latency runs from the due time, so a stall of the server or of the
// sender counts against every call it delayed (no coordinated omission).
absl::StatusOr<Round> RunOpenLoop(PullClient* client, const ServerProcess& server,
                                  const StoredStory& story, double rate_per_second,
                                  absl::Duration duration) {
  const int64_t calls =
      std::max<int64_t>(1, static_cast<int64_t>(rate_per_second * absl::ToDoubleSeconds(duration)));
  const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / rate_per_second));
  const grpc::ByteBuffer request = GetRequestBytes(story.id);
  const size_t expected = story.bytes.size();
  // Written by call i's completion only; read after in_flight went idle.
  std::vector<int64_t> latencies_ns(static_cast<size_t>(calls), -1);
  std::vector<CallCheck> checks(static_cast<size_t>(calls));
  InFlight in_flight;
  in_flight.Add(calls);

  Round round;
  const CpuMeter cpu(server);
  const auto start = std::chrono::steady_clock::now();
  int64_t max_lag_ns = 0;
  for (int64_t i = 0; i < calls; ++i) {
    const auto due = start + i * interval;
    std::this_thread::sleep_until(due);
    const int64_t due_ns = due.time_since_epoch().count();
    max_lag_ns = std::max(max_lag_ns, NowNs() - due_ns);
    auto* call = new OpenLoopCall();
    client->Get(static_cast<int>(i), &call->context, &request, &call->response,
                [call, i, due_ns, expected, &latencies_ns, &checks,
                 &in_flight](const grpc::Status& status) {
                  const int64_t now = NowNs();
                  checks[i].Record(status, call->response, expected);
                  if (status.ok()) latencies_ns[i] = now - due_ns;
                  delete call;
                  in_flight.Done();
                });
  }
  if (!in_flight.WaitUntilIdle(absl::Now() + absl::Seconds(30))) {
    // The completions still to come write into this frame: the process cannot go on.
    std::cerr << "pull: open loop: calls did not complete within 30 s of the last send\n";
    std::abort();
  }
  cpu.Finish(&round);
  round.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  round.max_send_lag_ms = static_cast<double>(max_lag_ns) / 1e6;
  for (int64_t i = 0; i < calls; ++i) {
    round.calls.Add(checks[i]);
    if (latencies_ns[i] >= 0) round.latencies_ns.push_back(latencies_ns[i]);
  }
  return round;
}

// The rounds of one server in one configuration, pooled.
struct Side {
  std::vector<double> requests_per_second;  // per round
  std::vector<int64_t> latencies_ns;        // every round's OK calls
  CallCheck calls;
  double wall_seconds = 0;
  double server_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
  double other_cpu_seconds = 0;
  double max_send_lag_ms = 0;
  LatencySummary latency;  // of latencies_ns, once every round is in

  void Add(Round round) {
    requests_per_second.push_back(round.RequestsPerSecond());
    latencies_ns.insert(latencies_ns.end(), round.latencies_ns.begin(), round.latencies_ns.end());
    calls.Add(round.calls);
    wall_seconds += round.wall_seconds;
    server_cpu_seconds += round.server_cpu_seconds;
    bench_cpu_seconds += round.bench_cpu_seconds;
    other_cpu_seconds += round.other_cpu_seconds;
    max_send_lag_ms = std::max(max_send_lag_ms, round.max_send_lag_ms);
  }
  // OK calls per second of server CPU time (user + system).
  double RequestsPerServerCpuSecond() const {
    return server_cpu_seconds > 0 ? static_cast<double>(calls.ok) / server_cpu_seconds : 0;
  }
  // In % of one core over the measured rounds.
  double ServerCpuPercent() const {
    return wall_seconds > 0 ? 100 * server_cpu_seconds / wall_seconds : 0;
  }
  double BenchCpuPercent() const {
    return wall_seconds > 0 ? 100 * bench_cpu_seconds / wall_seconds : 0;
  }
};

// One configuration: a story, and a concurrency (closed loop) or a rate (open loop).
struct Configuration {
  std::string story;
  size_t article_bytes = 0;
  int concurrency = 0;         // closed loop; 0 for open loop
  double rate_per_second = 0;  // open loop
  Side bare;                   // the baseline
  Side syndicated;             // the candidate
  std::vector<double> ratios;  // syndicated / bare requests per second, per round
  // nginx + h2load, closed loop only, when it ran: h2load -c and -m, and the JSON's size.
  Side nginx;
  int nginx_connections = 0;
  int nginx_streams = 0;
  size_t json_bytes = 0;

  double OtherCpuPercent() const {
    const double wall = bare.wall_seconds + syndicated.wall_seconds;
    return wall > 0 ? 100 * (bare.other_cpu_seconds + syndicated.other_cpu_seconds) / wall : 0;
  }
  double P99Ratio() const {
    return bare.latency.p99_ms > 0 ? syndicated.latency.p99_ms / bare.latency.p99_ms : 0;
  }
};

// Issue 8's target for GetArticle.
constexpr double kTargetThroughputRatio = 0.85;
constexpr double kTargetP99Ratio = 1.3;

struct PullFlags : RoundFlags {
  std::vector<int> concurrency = {1, 8, 32};
  bool no_nginx = false;
};

class Pull final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command
        ->add_option("--concurrency", flags_.concurrency,
                     "Outstanding requests of the closed loop, comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    AddRoundFlags(command, "server",
                  "gRPC channels (TCP connections) per server the calls are spread over", &flags_);
    command->add_flag("--no-nginx", flags_.no_nginx,
                      "Skip the nginx + h2load figures reported alongside the closed loop");
  }

  int Run(const BenchEnvironment& environment) override {
    flags_.ApplyQuick();
    std::vector<Configuration> closed;
    std::vector<Configuration> open;
    std::vector<std::string> problems;
    if (absl::Status status = RunAll(environment, &closed, &open); !status.ok()) {
      problems.push_back(std::string(status.message()));
    }
    for (const auto* configurations : {&closed, &open}) {
      for (const Configuration& c : *configurations) {
        for (const auto& [name, side] :
             {std::pair{"syndicated", &c.syndicated}, std::pair{"bare server", &c.bare},
              std::pair{"nginx", &c.nginx}}) {
          if (side->calls.failed > 0) {
            problems.push_back(absl::StrFormat(
                "%s, %s: %d of %d calls failed, first: %s", c.story, name, side->calls.failed,
                side->calls.ok + side->calls.failed, side->calls.first_error));
          }
        }
      }
    }
    Print(closed, open, problems);
    if (absl::Status written = WritePlotData(environment.plot_data, closed); !written.ok()) {
      std::cerr << "pull: " << written << "\n";
      return 1;
    }
    return problems.empty() ? 0 : 1;
  }

 private:
  absl::Status RunAll(const BenchEnvironment& environment, std::vector<Configuration>* closed,
                      std::vector<Configuration>* open) {
    ServerProcessOptions syndicated_options;
    syndicated_options.binary = environment.syndicated;
    syndicated_options.cpus = environment.server_cpus;
    syndicated_options.extra_args = flags_.server_args;
    absl::StatusOr<std::unique_ptr<ServerProcess>> syndicated =
        ServerProcess::Start(syndicated_options);
    if (!syndicated.ok()) return syndicated.status();
    absl::StatusOr<std::vector<StoredStory>> stories = PublishStories(**syndicated);
    if (!stories.ok()) return stories.status();

    // The bare server gets the bytes syndicated answered with, as files beside its data.
    ServerProcessOptions bare_options;
    bare_options.binary = std::filesystem::read_symlink("/proc/self/exe").string();
    bare_options.leading_args = {"bare-server"};
    bare_options.syndicated_flags = false;
    bare_options.cpus = environment.server_cpus;
    for (size_t i = 0; i < stories->size(); ++i) {
      const std::string path = absl::StrCat((*syndicated)->directory(), "/article-", i, ".pb");
      std::ofstream out(path, std::ios::binary);
      out << (*stories)[i].bytes;
      if (!out.flush()) return absl::InternalError(absl::StrCat(path, ": cannot be written"));
      bare_options.extra_args.push_back(absl::StrCat("--article-file=", path));
    }
    absl::StatusOr<std::unique_ptr<ServerProcess>> bare = ServerProcess::Start(bare_options);
    if (!bare.ok()) return bare.status();

    absl::StatusOr<std::unique_ptr<PullClient>> bare_client =
        PullClient::Connect((*bare)->address(), flags_.channels);
    if (!bare_client.ok()) return bare_client.status();
    absl::StatusOr<std::unique_ptr<PullClient>> syndicated_client =
        PullClient::Connect((*syndicated)->address(), flags_.channels);
    if (!syndicated_client.ok()) return syndicated_client.status();
    const Target targets[2] = {{"bare server", bare_client->get(), bare->get()},
                               {"syndicated", syndicated_client->get(), syndicated->get()}};

    // nginx gets each story as JSON; without nginx or h2load the figures are skipped.
    std::unique_ptr<NginxServer> nginx;
    if (flags_.no_nginx) {
      nginx_skipped_ = "skipped (--no-nginx)";
    } else {
      std::vector<std::string> json_files;
      for (StoredStory& story : *stories) {
        syndication::v1::Article article;
        if (!article.ParseFromString(story.bytes) ||
            !google::protobuf::util::MessageToJsonString(article, &story.json).ok()) {
          return absl::InternalError("the story cannot be rendered as JSON");
        }
        json_files.push_back(story.json);
      }
      absl::StatusOr<std::unique_ptr<NginxServer>> started =
          NginxServer::Start(json_files, environment.server_cpus);
      if (started.ok()) {
        nginx = *std::move(started);
      } else if (absl::IsFailedPrecondition(started.status())) {
        nginx_skipped_ = absl::StrCat(
            "skipped: ", started.status().message(),
            " (scripts/install-deps.sh installs the packages nginx-light and nghttp2-client)");
        std::cerr << "pull: nginx + h2load " << nginx_skipped_ << "\n";
      } else {
        return started.status();
      }
    }

    for (const StoredStory& story : *stories) {
      double peak = 0;
      for (int concurrency : flags_.concurrency) {
        Configuration c;
        c.story = story.label;
        c.article_bytes = story.bytes.size();
        c.concurrency = concurrency;
        SYNDICATE_RETURN_IF_ERROR(RunRounds(targets, story, &c));
        if (nginx != nullptr) {
          c.json_bytes = story.json.size();
          SYNDICATE_RETURN_IF_ERROR(
              RunNginxRounds(*nginx, static_cast<size_t>(&story - stories->data()), &c));
        }
        peak = std::max(peak, Median(c.syndicated.requests_per_second));
        closed->push_back(std::move(c));
      }
      // Half of syndicated's peak: both servers at well under their capacity, so the
      // latencies are those of a server keeping up, not of a queue.
      Configuration c;
      c.story = story.label;
      c.article_bytes = story.bytes.size();
      c.rate_per_second = std::max(1.0, peak / 2);
      SYNDICATE_RETURN_IF_ERROR(RunRounds(targets, story, &c));
      open->push_back(std::move(c));
    }

    for (ServerProcess* server : {bare->get(), syndicated->get()}) {
      SYNDICATE_RETURN_IF_ERROR(server->Stop(absl::Seconds(20)));
    }
    if (nginx != nullptr) SYNDICATE_RETURN_IF_ERROR(nginx->Stop());
    return absl::OkStatus();
  }

  // nginx's rounds of a closed-loop configuration, after the gRPC servers' (not
  // interleaved with them: nginx is reported alongside, not compared round by round). The
  // N outstanding requests are spread like the gRPC calls: over min(N, --channels) HTTP/2
  // connections, ceil(N / connections) streams each.
  absl::Status RunNginxRounds(const NginxServer& nginx, size_t index, Configuration* c) const {
    c->nginx_connections = std::min(c->concurrency, flags_.channels);
    c->nginx_streams = (c->concurrency + c->nginx_connections - 1) / c->nginx_connections;
    std::cerr << absl::StreamFormat("pull: %s, nginx + h2load -c %d -m %d\n", c->story,
                                    c->nginx_connections, c->nginx_streams);
    if (flags_.warmup_seconds > 0) {
      absl::StatusOr<H2loadResult> warmup = nginx.RunH2load(
          index, c->nginx_connections, c->nginx_streams, absl::Seconds(flags_.warmup_seconds));
      if (!warmup.ok()) return warmup.status();
    }
    for (int r = 0; r < flags_.rounds; ++r) {
      Round round;
      const CpuMeter cpu(nginx.process());
      const absl::Time start = absl::Now();
      absl::StatusOr<H2loadResult> run = nginx.RunH2load(
          index, c->nginx_connections, c->nginx_streams, absl::Seconds(flags_.round_seconds));
      if (!run.ok()) return run.status();
      cpu.Finish(&round);
      // The CPU shares are over the whole run of h2load (its start and its connections
      // included); the rate is h2load's own, over its measured duration.
      round.wall_seconds = absl::ToDoubleSeconds(absl::Now() - start);
      round.calls.ok = run->ok;
      round.calls.failed = run->failed;
      round.calls.first_error = run->first_error;
      round.latencies_ns = std::move(run->latencies_ns);
      c->nginx.Add(std::move(round));
      c->nginx.requests_per_second.back() = run->requests_per_second;
      std::cerr << absl::StreamFormat("pull:   round %d: nginx %.0f/s\n", r + 1,
                                      run->requests_per_second);
    }
    c->nginx.latency = Summarize(&c->nginx.latencies_ns);
    return absl::OkStatus();
  }

  // The closed loop as plot data (bench/plot_data.h): one plot per story, a line per server.
  static absl::Status WritePlotData(const std::string& directory,
                                    const std::vector<Configuration>& closed) {
    std::map<std::string, std::vector<const Configuration*>> by_story;
    for (const Configuration& c : closed) by_story[c.story].push_back(&c);
    for (const auto& [story, configurations] : by_story) {
      for (const auto& [name, side] :
           {std::pair{"syndicated", &Configuration::syndicated},
            std::pair{"bare gRPC server", &Configuration::bare},
            std::pair{"nginx + h2load (HTTP/2, JSON file)", &Configuration::nginx}}) {
        PlotSeries series;
        series.plot = absl::StrCat("pull-", absl::StrReplaceAll(story, {{" ", ""}}));
        series.title = absl::StrCat("GetArticle, ", story, " story, closed loop");
        series.x_label = "requests outstanding";
        series.throughput_label = "requests/s";
        series.log_x = true;
        series.series = name;
        for (const Configuration* c : configurations) {
          const Side& measured = c->*side;
          if (measured.requests_per_second.empty()) continue;
          series.points.push_back({static_cast<double>(c->concurrency),
                                   Median(measured.requests_per_second), measured.latency.p50_ms,
                                   measured.latency.p99_ms});
        }
        if (series.points.empty()) continue;
        SYNDICATE_RETURN_IF_ERROR(WritePlotSeries(directory, series));
      }
    }
    return absl::OkStatus();
  }

  struct Target {
    const char* name;
    PullClient* client;
    ServerProcess* server;
  };

  // Upserts the bench source, publishes a full and a short story, and reads each back with
  // GetArticle as bytes: what both servers will serve.
  static absl::StatusOr<std::vector<StoredStory>> PublishStories(const ServerProcess& server) {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
    std::unique_ptr<syndication::v1::PublishingService::Stub> publisher =
        syndication::v1::PublishingService::NewStub(channel);
    const auto deadline = [] { return absl::ToChronoTime(absl::Now() + absl::Seconds(10)); };
    SYNDICATE_RETURN_IF_ERROR(UpsertSource(publisher.get()));
    std::vector<StoredStory> stories;
    for (const auto& [label, target_bytes] :
         {std::pair{"10 KB", kStoryTargetBytes}, std::pair{"2 KB", kShortStoryTargetBytes}}) {
      grpc::ClientContext context;
      context.set_deadline(deadline());
      syndication::v1::PublishArticleRequest request;
      *request.mutable_article() = BenchStory(absl::StrCat("pull-", target_bytes),
                                              static_cast<int>(stories.size()), target_bytes);
      syndication::v1::PublishArticleResponse response;
      if (grpc::Status status = publisher->PublishArticle(&context, request, &response);
          !status.ok()) {
        return CallFailed("PublishArticle", status);
      }
      StoredStory story{label, response.article().id(), "", ""};

      SYNDICATE_ASSIGN_OR_RETURN(story.bytes, GetArticleBytes(channel, story.id));
      syndication::v1::Article article;
      if (!article.ParseFromString(story.bytes) || article.id() != story.id) {
        return absl::DataLossError("GetArticle: the response is not the published article");
      }
      std::cerr << absl::StreamFormat("pull: published %s story %s: GetArticle returns %d bytes\n",
                                      story.label, story.id, story.bytes.size());
      stories.push_back(std::move(story));
    }
    return stories;
  }

  // A warm-up for each server, then flags_.rounds rounds of each, alternating which goes
  // first (bare, syndicated; syndicated, bare; …) so that a drift of the machine's speed
  // favours neither.
  absl::Status RunRounds(const Target (&targets)[2], const StoredStory& story,
                         Configuration* c) const {
    const auto run = [&](const Target& target, absl::Duration duration) {
      return c->concurrency > 0
                 ? RunClosedLoop(target.client, *target.server, story, c->concurrency, duration)
                 : RunOpenLoop(target.client, *target.server, story, c->rate_per_second, duration);
    };
    const std::string what = c->concurrency > 0
                                 ? absl::StrCat(c->concurrency, " outstanding")
                                 : absl::StrFormat("open loop at %.0f/s", c->rate_per_second);
    std::cerr << "pull: " << story.label << ", " << what << "\n";
    if (flags_.warmup_seconds > 0) {
      for (const Target& target : targets) {
        absl::StatusOr<Round> warmup = run(target, absl::Seconds(flags_.warmup_seconds));
        if (!warmup.ok()) return warmup.status();
      }
    }
    for (int r = 0; r < flags_.rounds; ++r) {
      double rps[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        const int t = r % 2 == 0 ? k : 1 - k;
        absl::StatusOr<Round> round = run(targets[t], absl::Seconds(flags_.round_seconds));
        if (!round.ok()) return round.status();
        rps[t] = round->RequestsPerSecond();
        (t == 0 ? c->bare : c->syndicated).Add(*std::move(round));
      }
      c->ratios.push_back(rps[0] > 0 ? rps[1] / rps[0] : 0);
      std::cerr << absl::StreamFormat("pull:   round %d: bare %.0f/s, syndicated %.0f/s\n", r + 1,
                                      rps[0], rps[1]);
    }
    c->bare.latency = Summarize(&c->bare.latencies_ns);
    c->syndicated.latency = Summarize(&c->syndicated.latencies_ns);
    return absl::OkStatus();
  }

  void Print(const std::vector<Configuration>& closed, const std::vector<Configuration>& open,
             const std::vector<std::string>& problems) const {
    const auto ms = [](double value) { return absl::StrFormat("%.3f", value); };
    const auto cpu = [](double percent) { return absl::StrFormat("%.0f%%", percent); };
    std::cout << "## pull\n\n"
              << "GetArticle of one stored story from syndicated, against a bare gRPC server "
                 "answering with the same Article bytes prepared in advance (gRPC's limit). "
                 "Both are subprocesses pinned to the same CPUs; the load generator uses the "
                 "callback API over "
              << flags_.channels
              << " connections per server and never parses an article. Each configuration: "
              << FormatNumber(flags_.warmup_seconds, 1) << " s of warm-up per server, then "
              << flags_.rounds << " rounds of " << FormatNumber(flags_.round_seconds, 1)
              << " s per server, alternating. Ratio: syndicated / bare requests per second of "
                 "the same round; its median and range over the rounds. Latencies pooled over "
                 "the rounds. Per CPU-s: OK calls per second of server CPU time (utime + stime "
                 "of /proc/PID/stat).\n\n"
              << "Closed loop: N requests outstanding, the next sent as one completes.\n\n";
    MarkdownTable table({{"article", MarkdownTable::Align::kLeft},
                         {"N"},
                         {"ratio (median, range)"},
                         {"syndicated req/s"},
                         {"bare req/s"},
                         {"syndicated p50 / p99 (ms)"},
                         {"bare p50 / p99 (ms)"},
                         {"p99 ratio"},
                         {"syndicated req per CPU-s"},
                         {"bare req per CPU-s"},
                         {"server CPU synd. / bare"},
                         {"bench CPU"},
                         {"other CPU"}});
    for (const Configuration& c : closed) {
      table.AddRow(
          {absl::StrCat(c.story, " (", FormatNumber(static_cast<double>(c.article_bytes), 0),
                        " B)"),
           absl::StrCat(c.concurrency), FormatRatio(c.ratios),
           FormatNumber(Median(c.syndicated.requests_per_second), 0),
           FormatNumber(Median(c.bare.requests_per_second), 0),
           absl::StrCat(ms(c.syndicated.latency.p50_ms), " / ", ms(c.syndicated.latency.p99_ms)),
           absl::StrCat(ms(c.bare.latency.p50_ms), " / ", ms(c.bare.latency.p99_ms)),
           absl::StrFormat("%.2f", c.P99Ratio()),
           FormatNumber(c.syndicated.RequestsPerServerCpuSecond(), 0),
           FormatNumber(c.bare.RequestsPerServerCpuSecond(), 0),
           absl::StrCat(cpu(c.syndicated.ServerCpuPercent()), " / ",
                        cpu(c.bare.ServerCpuPercent())),
           cpu(std::max(c.syndicated.BenchCpuPercent(), c.bare.BenchCpuPercent())),
           cpu(c.OtherCpuPercent())});
    }
    std::cout << table.Render() << "\n";
    PrintNginx(closed);

    std::cout << "Open loop: calls due at a fixed rate (half of syndicated's closed-loop peak "
                 "for the story), each sent when due whether or not earlier ones completed; "
                 "latency from the due time, so no coordinated omission. Same rate for both "
                 "servers.\n\n";
    MarkdownTable latency({{"article", MarkdownTable::Align::kLeft},
                           {"rate (req/s)"},
                           {"syndicated p50 / p99 / p99.9 / max (ms)"},
                           {"bare p50 / p99 / p99.9 / max (ms)"},
                           {"p99 ratio"},
                           {"server CPU synd. / bare"},
                           {"max send lag (ms)"},
                           {"other CPU"}});
    for (const Configuration& c : open) {
      const auto percentiles = [&](const LatencySummary& s) {
        return absl::StrCat(ms(s.p50_ms), " / ", ms(s.p99_ms), " / ", ms(s.p999_ms), " / ",
                            ms(s.max_ms));
      };
      latency.AddRow(
          {c.story, FormatNumber(c.rate_per_second, 0), percentiles(c.syndicated.latency),
           percentiles(c.bare.latency), absl::StrFormat("%.2f", c.P99Ratio()),
           absl::StrCat(cpu(c.syndicated.ServerCpuPercent()), " / ",
                        cpu(c.bare.ServerCpuPercent())),
           absl::StrFormat("%.1f", std::max(c.syndicated.max_send_lag_ms, c.bare.max_send_lag_ms)),
           cpu(c.OtherCpuPercent())});
    }
    std::cout << latency.Render() << "\n";

    // Issue 8's target, judged on this run's figures.
    std::vector<std::string> missed;
    for (const Configuration& c : closed) {
      if (Median(c.ratios) < kTargetThroughputRatio || c.P99Ratio() > kTargetP99Ratio) {
        missed.push_back(absl::StrFormat("%s at N = %d (%.2f, p99 %.2f×)", c.story, c.concurrency,
                                         Median(c.ratios), c.P99Ratio()));
      }
    }
    for (const Configuration& c : open) {
      if (c.P99Ratio() > kTargetP99Ratio) {
        missed.push_back(absl::StrFormat("%s open loop (p99 %.2f×)", c.story, c.P99Ratio()));
      }
    }
    std::cout << absl::StrFormat(
        "Target (throughput ≥ %.2f of the bare server's, p99 ≤ %.1f×): %s\n",
        kTargetThroughputRatio, kTargetP99Ratio,
        missed.empty() ? "met" : "not met at " + absl::StrJoin(missed, "; "));

    double most_other_cpu = 0;
    for (const auto* configurations : {&closed, &open}) {
      for (const Configuration& c : *configurations) {
        most_other_cpu = std::max(most_other_cpu, c.OtherCpuPercent());
      }
    }
    if (most_other_cpu > 10) {
      std::cout << absl::StrFormat(
          "\n- warning: other processes used up to %.0f%% of a core during a configuration's "
          "rounds: timings are disturbed\n",
          most_other_cpu);
    }
    for (const std::string& problem : problems) std::cout << "- **" << problem << "**\n";
    if (problems.empty()) std::cout << "\nEvery call was OK and returned the story's bytes.\n";
    std::cout << std::flush;
  }

  // The nginx + h2load table, or why there is none.
  void PrintNginx(const std::vector<Configuration>& closed) const {
    std::cout << "nginx + h2load, reported alongside (no target): the same story as a static "
                 "JSON file (the Article in protobuf's JSON mapping), served by nginx over "
                 "HTTP/2 cleartext (one process, master_process off, no access log, pinned to "
                 "the server CPUs) and requested by h2load (one thread, on the load generator's "
                 "CPUs) with -c connections and -m streams each: N outstanding. Same warm-up "
                 "and rounds, run after the two gRPC servers' rounds of each configuration. "
                 "Latency: h2load's time per request (--log-file), pooled over the rounds. The "
                 "last column is everything but nginx and this process, h2load included.\n\n";
    if (!nginx_skipped_.empty()) {
      std::cout << "nginx + h2load: " << nginx_skipped_ << ".\n\n";
      return;
    }
    const auto ms = [](double value) { return absl::StrFormat("%.3f", value); };
    const auto cpu = [](double percent) { return absl::StrFormat("%.0f%%", percent); };
    MarkdownTable table({{"article", MarkdownTable::Align::kLeft},
                         {"N"},
                         {"h2load -c × -m"},
                         {"JSON (B)"},
                         {"nginx req/s"},
                         {"nginx p50 / p99 (ms)"},
                         {"nginx req per CPU-s"},
                         {"nginx CPU"},
                         {"syndicated req/s"},
                         {"syndicated p50 / p99 (ms)"},
                         {"h2load + other CPU"}});
    for (const Configuration& c : closed) {
      if (c.nginx.requests_per_second.empty()) continue;
      const double other =
          c.nginx.wall_seconds > 0 ? 100 * c.nginx.other_cpu_seconds / c.nginx.wall_seconds : 0;
      table.AddRow(
          {c.story, absl::StrCat(c.concurrency),
           absl::StrCat(c.nginx_connections, " × ", c.nginx_streams),
           FormatNumber(static_cast<double>(c.json_bytes), 0),
           FormatNumber(Median(c.nginx.requests_per_second), 0),
           absl::StrCat(ms(c.nginx.latency.p50_ms), " / ", ms(c.nginx.latency.p99_ms)),
           FormatNumber(c.nginx.RequestsPerServerCpuSecond(), 0), cpu(c.nginx.ServerCpuPercent()),
           FormatNumber(Median(c.syndicated.requests_per_second), 0),
           absl::StrCat(ms(c.syndicated.latency.p50_ms), " / ", ms(c.syndicated.latency.p99_ms)),
           cpu(other)});
    }
    std::cout << table.Render() << "\n";
  }

  PullFlags flags_;
  std::string nginx_skipped_;  // why nginx + h2load did not run; empty when it did
};

}  // namespace

void RegisterPull(ScenarioRegistry* registry) {
  registry->Add("pull", "GetArticle from syndicated vs a bare gRPC server: throughput, latency",
                std::make_unique<Pull>());
}

}  // namespace syndicate::bench
