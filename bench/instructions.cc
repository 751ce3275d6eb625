// Scenario "instructions": the regression guard. Counts the instructions syndicated executes
// per GetArticle and per published event with callgrind (valgrind), so that a change that
// makes the hot path heavier shows on any machine, however noisy: the count does not depend
// on the machine's speed or load. See bench/README.md.
//
// syndicated runs under `valgrind --tool=callgrind`. For each workload, callgrind's counters
// are zeroed and dumped around K calls, then around 2K calls (vgdb monitor commands
// `zero` and `dump`); (Ir(2K) - Ir(K)) / K is the instructions per call, without startup and
// without what a measurement window costs by itself (the dump, timers that fired).
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/table.h"
#include "common/status_macros.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

using syndication::v1::PublishingService;
using syndication::v1::SyndicationService;

// A deadline for one call; calls under valgrind are some 50 times slower than natively.
std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(60);
}

// syndicated under callgrind, and the vgdb commands that zero and dump its counters.
class CallgrindServer {
 public:
  // Starts `syndicated` under valgrind's callgrind with its files in a new temporary
  // directory. UNAVAILABLE when it does not start within five minutes.
  static absl::StatusOr<std::unique_ptr<CallgrindServer>> Start(
      const BenchEnvironment& environment) {
    absl::StatusOr<std::string> made = MakeTempDirectory("syndicate-bench-callgrind");
    if (!made.ok()) return made.status();
    const std::string directory = *std::move(made);
    std::unique_ptr<CallgrindServer> server(new CallgrindServer(directory));
    ServerProcessOptions options;
    options.binary = "/usr/bin/valgrind";
    options.leading_args = {
        "--tool=callgrind", absl::StrCat("--callgrind-out-file=", directory, "/callgrind.out"),
        "--vgdb=yes", absl::StrCat("--vgdb-prefix=", server->VgdbPrefix()), environment.syndicated};
    // No feed polling: a timer that fires in one window and not the other would show as
    // instructions per call.
    options.extra_args = {"--poll-feeds=false"};
    options.cpus = environment.server_cpus;
    options.start_timeout = absl::Minutes(5);
    absl::StatusOr<std::unique_ptr<ServerProcess>> process = ServerProcess::Start(options);
    if (!process.ok()) return process.status();
    server->process_ = *std::move(process);
    return server;
  }

  ~CallgrindServer() {
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  const ServerProcess& process() const { return *process_; }

  // Sets callgrind's counters to zero.
  absl::Status Zero() { return Monitor("zero").status(); }

  // Dumps the counters and returns the instructions executed (Ir) since the last Zero.
  absl::StatusOr<int64_t> Dump() {
    absl::StatusOr<std::string> output = Monitor("dump");
    if (!output.ok()) return output.status();
    // Each dump is a new file, callgrind.out.N; its "totals:" line is the count.
    for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
      const std::string name = entry.path().filename().string();
      // callgrind.out itself stays empty: every dump is a file of its own.
      if (!absl::StartsWith(name, "callgrind.out.") || read_.count(name) > 0) continue;
      read_.insert(name);
      std::ifstream in(entry.path());
      std::string line;
      int64_t totals = -1;
      while (std::getline(in, line)) {
        // "totals: 123456": the sum of every cost in the dump (the only event is Ir).
        if (absl::StartsWith(line, "totals:")) {
          std::istringstream(line.substr(line.find(':') + 1)) >> totals;
        }
      }
      if (totals < 0) return absl::DataLossError(absl::StrCat(name, ": no totals line"));
      return totals;
    }
    return absl::DataLossError(absl::StrCat("callgrind wrote no dump; vgdb said: ", *output));
  }

  absl::Status Stop() { return process_->Stop(absl::Minutes(2)); }

 private:
  explicit CallgrindServer(std::string directory) : directory_(std::move(directory)) {}

  std::string VgdbPrefix() const { return directory_ + "/vgdb"; }

  // Sends a callgrind monitor command through vgdb.
  absl::StatusOr<std::string> Monitor(const std::string& command) {
    absl::StatusOr<CommandResult> run =
        RunCommand({"vgdb", absl::StrCat("--vgdb-prefix=", VgdbPrefix()),
                    absl::StrCat("--pid=", process_->pid()), command},
                   absl::Minutes(2));
    if (!run.ok()) return run.status();
    if (run->exit_code != 0) {
      return absl::InternalError(
          absl::StrCat("vgdb ", command, " exited with ", run->exit_code, ": ", run->output));
    }
    return run->output;
  }

  const std::string directory_;
  std::unique_ptr<ServerProcess> process_;
  std::set<std::string> read_;  // dump files already read
};

// One measured workload: `run(n)` makes n calls, one after the other; `calls` is its K.
struct Workload {
  std::string name;
  int calls = 0;
  std::function<absl::Status(int)> run;
};

struct Measurement {
  std::string name;
  int calls = 0;                 // K
  std::vector<double> per_call;  // (Ir(2K) - Ir(K)) / K, one per repetition
  double window_per_call = 0;    // Ir(K) / K of the first repetition: window costs included
};

struct InstructionsFlags {
  int calls = 100;
  int repetitions = 3;
  bool quick = false;
};

class Instructions final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command
        ->add_option("--calls", flags_.calls,
                     "K: GetArticle calls in the first window (2K in the second); published "
                     "events get K / 4, at least 1")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--repetitions", flags_.repetitions,
                     "Pairs of windows per workload; more than one shows how repeatable the "
                     "count is")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_flag("--quick", flags_.quick, "Smoke test: K = 4, one repetition");
  }

  int Run(const BenchEnvironment& environment) override {
    if (flags_.quick) {
      flags_.calls = 4;
      flags_.repetitions = 1;
    }
    std::cout << "## instructions\n\n";
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // syndicated is built alongside, with the same sanitizer, and valgrind cannot run a
    // sanitized binary (the sanitizer's runtime must map its shadow memory first).
    std::cout << "Skipped: this is a sanitizer build, which valgrind cannot run.\n" << std::flush;
    return 0;
#endif
    for (const char* program : {"/usr/bin/valgrind", "vgdb"}) {
      if (FindProgram(program).empty()) {
        std::cout << "Skipped: " << program
                  << " is not installed (scripts/install-deps.sh installs valgrind).\n"
                  << std::flush;
        return 0;
      }
    }
    std::vector<Measurement> measurements;
    absl::Status status = RunAll(environment, &measurements);
    Print(measurements);
    if (!status.ok()) {
      std::cout << "- **" << status.message() << "**\n" << std::flush;
      return 1;
    }
    return 0;
  }

 private:
  absl::Status RunAll(const BenchEnvironment& environment, std::vector<Measurement>* out) {
    std::cerr << "instructions: starting syndicated under callgrind (slow)\n";
    absl::StatusOr<std::unique_ptr<CallgrindServer>> started = CallgrindServer::Start(environment);
    if (!started.ok()) return started.status();
    CallgrindServer& server = **started;

    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(server.process().address(), grpc::InsecureChannelCredentials());
    std::unique_ptr<PublishingService::Stub> publisher = PublishingService::NewStub(channel);
    std::unique_ptr<SyndicationService::Stub> reader = SyndicationService::NewStub(channel);
    SYNDICATE_RETURN_IF_ERROR(UpsertSource(publisher.get()));
    int next_story = 0;
    const auto publish = [&](size_t target_bytes) -> absl::StatusOr<std::string> {
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      syndication::v1::PublishArticleRequest request;
      *request.mutable_article() =
          BenchStory(absl::StrCat("instructions-", next_story), next_story, target_bytes);
      ++next_story;
      syndication::v1::PublishArticleResponse response;
      if (grpc::Status s = publisher->PublishArticle(&context, request, &response); !s.ok()) {
        return CallFailed("PublishArticle", s);
      }
      return response.article().id();
    };

    std::vector<Workload> workloads;
    for (const auto& [label, target_bytes] :
         {std::pair{"GetArticle, 10 KB story", kStoryTargetBytes},
          std::pair{"GetArticle, 2 KB story", kShortStoryTargetBytes}}) {
      absl::StatusOr<std::string> id = publish(target_bytes);
      if (!id.ok()) return id.status();
      workloads.push_back({label, flags_.calls, [&reader, id = *id](int calls) -> absl::Status {
                             for (int i = 0; i < calls; ++i) {
                               grpc::ClientContext context;
                               context.set_deadline(Deadline());
                               syndication::v1::GetArticleRequest request;
                               request.set_id(id);
                               syndication::v1::Article article;
                               if (grpc::Status s = reader->GetArticle(&context, request, &article);
                                   !s.ok()) {
                                 return CallFailed("GetArticle", s);
                               }
                             }
                             return absl::OkStatus();
                           }});
    }

    // One subscriber from now on; each published story is read from its stream before the
    // next is published, so the delivery falls inside the window.
    grpc::ClientContext stream_context;
    syndication::v1::StreamArticlesRequest stream_request;
    stream_request.set_position(syndication::v1::StreamArticlesRequest::POSITION_NOW);
    std::unique_ptr<grpc::ClientReader<syndication::v1::StreamArticlesResponse>> stream =
        reader->StreamArticles(&stream_context, stream_request);
    syndication::v1::StreamArticlesResponse response;
    while (stream->Read(&response) && !response.has_caught_up()) {
    }
    if (!response.has_caught_up()) return absl::UnavailableError("StreamArticles: no caught_up");
    // A publish costs some 15 times a read: fewer of them give as steady a count.
    workloads.push_back({"published event: PublishArticle (10 KB) + delivery to 1 stream",
                         std::max(1, flags_.calls / 4), [&](int calls) -> absl::Status {
                           for (int i = 0; i < calls; ++i) {
                             absl::StatusOr<std::string> id = publish(kStoryTargetBytes);
                             if (!id.ok()) return id.status();
                             syndication::v1::StreamArticlesResponse event;
                             while (stream->Read(&event) && !event.has_event()) {
                             }
                             if (!event.has_event() || event.event().article_id() != *id) {
                               return absl::DataLossError("the stream missed a published story");
                             }
                           }
                           return absl::OkStatus();
                         }});

    for (const Workload& workload : workloads) {
      const int k = workload.calls;
      // First an unmeasured window of K calls: lazy initialization and first-use
      // allocations. Without it (and with K plain calls instead) the first repetition counted
      // some 10 % more per call than the others.
      SYNDICATE_RETURN_IF_ERROR(server.Zero());
      SYNDICATE_RETURN_IF_ERROR(workload.run(k));
      if (absl::StatusOr<int64_t> discarded = server.Dump(); !discarded.ok()) {
        return discarded.status();
      }
      Measurement measurement{workload.name, k, {}, 0};
      for (int r = 0; r < flags_.repetitions; ++r) {
        int64_t counts[2] = {0, 0};
        for (int w = 0; w < 2; ++w) {
          SYNDICATE_RETURN_IF_ERROR(server.Zero());
          SYNDICATE_RETURN_IF_ERROR(workload.run(k * (w + 1)));
          absl::StatusOr<int64_t> count = server.Dump();
          if (!count.ok()) return count.status();
          counts[w] = *count;
        }
        measurement.per_call.push_back(static_cast<double>(counts[1] - counts[0]) / k);
        if (r == 0) measurement.window_per_call = static_cast<double>(counts[0]) / k;
        std::cerr << absl::StreamFormat(
            "instructions: %s: Ir %d (K = %d), %d (2K): %.0f per call\n", workload.name, counts[0],
            k, counts[1], measurement.per_call.back());
      }
      out->push_back(std::move(measurement));
    }
    stream_context.TryCancel();
    static_cast<void>(stream->Finish());
    // The server is killed when `server` goes: a clean stop under valgrind (the drain, the
    // flush of the stories, callgrind's last dump) takes minutes and measures nothing.
    return absl::OkStatus();
  }

  void Print(const std::vector<Measurement>& measurements) const {
    std::cout << "Instructions syndicated executes (callgrind's Ir, every thread of the server; "
                 "the benchmark client is not counted) per call, from counters zeroed and "
                 "dumped around K and 2K calls made one after the other: (Ir(2K) − Ir(K)) / K, "
              << flags_.repetitions
              << " time(s); the median, each repetition, and their spread ((max − min) / "
                 "median). The count depends on the build (type, compiler, library versions: "
                 "see Machine), not on the machine's speed or load.\n\n";
    MarkdownTable table({{"workload", MarkdownTable::Align::kLeft},
                         {"K"},
                         {"Ir per call (median)"},
                         {"repetitions"},
                         {"spread"},
                         {"Ir(K) / K"}});
    for (const Measurement& m : measurements) {
      if (m.per_call.empty()) continue;
      const double median = Median(m.per_call);
      const auto [low, high] = std::minmax_element(m.per_call.begin(), m.per_call.end());
      std::string repetitions;
      for (double value : m.per_call) {
        absl::StrAppend(&repetitions, repetitions.empty() ? "" : ", ", FormatNumber(value, 0));
      }
      table.AddRow({m.name, absl::StrCat(m.calls), FormatNumber(median, 0), repetitions,
                    m.per_call.size() > 1 && median > 0
                        ? absl::StrFormat("%.1f%%", 100 * (*high - *low) / median)
                        : "",
                    FormatNumber(m.window_per_call, 0)});
    }
    std::cout << table.Render() << "\n" << std::flush;
  }

  InstructionsFlags flags_;
};

}  // namespace

void RegisterInstructions(ScenarioRegistry* registry) {
  registry->Add("instructions",
                "the regression guard: callgrind instructions per GetArticle and per event",
                std::make_unique<Instructions>());
}

}  // namespace syndicate::bench
