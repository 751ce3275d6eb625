// Scenario "publish": durable PublishArticle into syndicated (the candidate) against a bare
// RocksDB written with one synced WriteBatch per story (the baseline: what the disk and
// RocksDB's own group commit allow). Closed loop from N concurrent publishers, in
// alternating rounds so that the ratio holds on a noisy machine. Reports, besides
// throughput and latency, how many writes each WAL sync carried: the measure of group
// commit. See bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <httplib.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/plot_data.h"
#include "bench/publish_load.h"
#include "bench/rounds.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/system_info.h"
#include "bench/table.h"
#include "common/status_macros.h"
#include "syndication/v1/publishing_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

// Issue 8's target: durable publish at least this fraction of bare RocksDB's writes/s at 16
// and 64 publishers.
constexpr double kTargetRatio = 0.8;
constexpr int kTargetFromPublishers = 16;

// What one round against one side measured: the load (bench/publish_load.h), the CPU and
// the store's counters.
struct Round : PublishLoad {
  double server_cpu_seconds = 0;  // syndicated's process, or this process for bare RocksDB
  double bench_cpu_seconds = 0;   // the load generator (0 for bare RocksDB: it is the server)
  double other_cpu_seconds = 0;   // every other process, and steal
  uint64_t writes = 0;            // as the store counts them
  uint64_t wal_syncs = 0;
};

// The rounds of one side in one configuration, pooled.
struct Side {
  std::vector<double> writes_per_second;  // per round
  std::vector<int64_t> latencies_ns;
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
  double wall_seconds = 0;
  double server_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
  double other_cpu_seconds = 0;
  uint64_t writes = 0;
  uint64_t wal_syncs = 0;
  LatencySummary latency;

  void Add(Round round) {
    writes_per_second.push_back(round.WritesPerSecond());
    latencies_ns.insert(latencies_ns.end(), round.latencies_ns.begin(), round.latencies_ns.end());
    if (failed == 0 && round.failed > 0) first_error = round.first_error;
    ok += round.ok;
    failed += round.failed;
    wall_seconds += round.wall_seconds;
    server_cpu_seconds += round.server_cpu_seconds;
    bench_cpu_seconds += round.bench_cpu_seconds;
    other_cpu_seconds += round.other_cpu_seconds;
    writes += round.writes;
    wal_syncs += round.wal_syncs;
  }
  double CpuMicrosPerWrite() const {
    return ok > 0 ? 1e6 * server_cpu_seconds / static_cast<double>(ok) : 0;
  }
  // "n/a" when not counted (a syndicated without the counters, or no sync).
  std::string WritesPerSync() const {
    if (wal_syncs == 0) return "n/a";
    return absl::StrFormat("%.1f", static_cast<double>(writes) / static_cast<double>(wal_syncs));
  }
  double Percent(double seconds) const {
    return wall_seconds > 0 ? 100 * seconds / wall_seconds : 0;
  }
};

struct Configuration {
  std::string story;
  size_t article_bytes = 0;
  int publishers = 0;
  Side bare;
  Side syndicated;
  std::vector<double> ratios;  // syndicated / bare writes per second, per round pair

  double OtherCpuPercent() const {
    const double wall = bare.wall_seconds + syndicated.wall_seconds;
    return wall > 0 ? 100 * (bare.other_cpu_seconds + syndicated.other_cpu_seconds) / wall : 0;
  }
};

// CPU counters read at the start and the end of a round. `server_pid` 0 means this process.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server_pid)
      : server_pid_(server_pid),
        server_start_(ProcessCpuSeconds(server_pid).value_or(0)),
        bench_start_(ProcessCpuSeconds(0).value_or(0)),
        machine_start_(MachineBusyCpuSeconds().value_or(0)) {}

  void Finish(Round* round) const {
    round->server_cpu_seconds =
        ProcessCpuSeconds(server_pid_).value_or(server_start_) - server_start_;
    const double bench = ProcessCpuSeconds(0).value_or(bench_start_) - bench_start_;
    // For the bare side this process is the server.
    round->bench_cpu_seconds = server_pid_ == 0 ? 0 : bench;
    const double machine = MachineBusyCpuSeconds().value_or(machine_start_) - machine_start_;
    round->other_cpu_seconds =
        std::max(0.0, machine - round->server_cpu_seconds - round->bench_cpu_seconds);
  }

 private:
  const pid_t server_pid_;
  const double server_start_;
  const double bench_start_;
  const double machine_start_;
};

// --- The baseline: a bare RocksDB in this process -------------------------------------

// A RocksDB with default options (plus statistics), written the way a store that keeps a
// story, its version and a feed event would: one WriteBatch per story with the story's
// bytes under two keys and a small event, WriteOptions::sync = true. Its writer threads run
// on the server's CPUs, and so do RocksDB's background threads (started from a thread
// pinned there), so it competes for the same cores as syndicated does.
class BareRocksDb {
 public:
  static absl::StatusOr<std::unique_ptr<BareRocksDb>> Open(const std::string& path,
                                                           const std::vector<int>& cpus) {
    std::unique_ptr<BareRocksDb> bare(new BareRocksDb(cpus));
    absl::Status status;
    std::thread opener([&] {
      if (!cpus.empty()) status = PinCurrentThread(cpus);
      if (!status.ok()) return;
      rocksdb::Options options;
      options.create_if_missing = true;
      options.statistics = rocksdb::CreateDBStatistics();
      bare->statistics_ = options.statistics;
      rocksdb::DB* db = nullptr;
      const rocksdb::Status opened = rocksdb::DB::Open(options, path, &db);
      if (!opened.ok()) {
        status = absl::UnavailableError(absl::StrCat(path, ": ", opened.ToString()));
        return;
      }
      bare->db_.reset(db);
    });
    opener.join();
    if (!status.ok()) return status;
    return bare;
  }

  ~BareRocksDb() {
    if (db_ != nullptr) (void)db_->Close();
  }

  // `publishers` threads, each writing its next batch as soon as the previous one returned,
  // for `duration`. `story` is the value; keys are distinct per write.
  Round Run(int publishers, const std::string& story, absl::Duration duration) {
    const uint64_t syncs_start = statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
    const uint64_t writes_start = Writes();
    Round round;
    std::mutex mu;
    const CpuMeter cpu(0);
    const int64_t start_ns = NowNs();
    const int64_t end_ns = start_ns + absl::ToInt64Nanoseconds(duration);
    std::atomic<int64_t> last_done_ns{start_ns};
    std::vector<std::thread> threads;
    for (int t = 0; t < publishers; ++t) {
      threads.emplace_back([&, t] {
        Round mine;
        if (!cpus_.empty()) {
          if (absl::Status pinned = PinCurrentThread(cpus_); !pinned.ok()) {
            mine.Fail(std::string(pinned.message()));
          }
        }
        rocksdb::WriteOptions synced;
        synced.sync = true;
        const std::string event(120, 'e');
        int64_t now = NowNs();
        while (mine.failed == 0 && now < end_ns) {
          const uint64_t n = next_key_.fetch_add(1, std::memory_order_relaxed);
          const std::string id = absl::StrFormat("%016x%016x", n, t);
          rocksdb::WriteBatch batch;
          (void)batch.Put(absl::StrCat("a/", id), story);
          (void)batch.Put(absl::StrCat("v/", id, "/1"), story);
          (void)batch.Put(absl::StrFormat("f/%016x", n), event);
          const int64_t sent = now;
          const rocksdb::Status status = db_->Write(synced, &batch);
          now = NowNs();
          if (status.ok()) {
            ++mine.ok;
            mine.latencies_ns.push_back(now - sent);
          } else {
            mine.Fail(status.ToString());
          }
        }
        int64_t last = last_done_ns.load();
        while (last < now && !last_done_ns.compare_exchange_weak(last, now)) {
        }
        std::lock_guard<std::mutex> lock(mu);
        if (round.failed == 0 && mine.failed > 0) round.first_error = mine.first_error;
        round.ok += mine.ok;
        round.failed += mine.failed;
        round.latencies_ns.insert(round.latencies_ns.end(), mine.latencies_ns.begin(),
                                  mine.latencies_ns.end());
      });
    }
    for (std::thread& thread : threads) thread.join();
    cpu.Finish(&round);
    round.wall_seconds = static_cast<double>(last_done_ns.load() - start_ns) / 1e9;
    round.wal_syncs = statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED) - syncs_start;
    round.writes = Writes() - writes_start;
    return round;
  }

 private:
  explicit BareRocksDb(std::vector<int> cpus) : cpus_(std::move(cpus)) {}

  // Writes RocksDB carried out, each by its own thread or by a group leader for it.
  uint64_t Writes() const {
    return statistics_->getTickerCount(rocksdb::WRITE_DONE_BY_SELF) +
           statistics_->getTickerCount(rocksdb::WRITE_DONE_BY_OTHER);
  }

  const std::vector<int> cpus_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_key_{0};
};

// --- The candidate: syndicated over gRPC ----------------------------------------------

// syndicated's store counters, from its /metrics endpoint.
struct StoreCounters {
  bool exported = false;  // false for a syndicated older than the counters
  uint64_t writes = 0;
  uint64_t wal_syncs = 0;
};

absl::StatusOr<StoreCounters> ReadStoreCounters(const std::string& metrics_address) {
  const std::vector<std::string> host_port = absl::StrSplit(metrics_address, ':');
  int port = 0;
  if (host_port.size() != 2 || !absl::SimpleAtoi(host_port[1], &port)) {
    return absl::InvalidArgumentError(absl::StrCat("metrics address ", metrics_address));
  }
  httplib::Client client(host_port[0], port);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get("/metrics");
  if (!result || result->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET http://", metrics_address, "/metrics failed"));
  }
  StoreCounters counters;
  int found = 0;
  for (absl::string_view line : absl::StrSplit(result->body, '\n')) {
    const std::pair<absl::string_view, absl::string_view> name_value = absl::StrSplit(line, ' ');
    uint64_t* field = name_value.first == "syndicate_store_writes_total"      ? &counters.writes
                      : name_value.first == "syndicate_store_wal_syncs_total" ? &counters.wal_syncs
                                                                              : nullptr;
    if (field != nullptr && absl::SimpleAtoi(name_value.second, field)) ++found;
  }
  counters.exported = found == 2;
  return counters;
}

class SyndicatedTarget {
 public:
  SyndicatedTarget(const ServerProcess* server, std::string metrics_address,
                   std::vector<std::unique_ptr<syndication::v1::PublishingService::Stub>> stubs)
      : server_(server), metrics_address_(std::move(metrics_address)), stubs_(std::move(stubs)) {}

  absl::StatusOr<Round> Run(int publishers, const syndication::v1::Article& story,
                            absl::Duration duration) {
    SYNDICATE_ASSIGN_OR_RETURN(const StoreCounters before, ReadStoreCounters(metrics_address_));
    std::vector<syndication::v1::PublishingService::Stub*> stubs;
    for (const auto& stub : stubs_) stubs.push_back(stub.get());
    Round round;
    const CpuMeter cpu(server_->pid());
    SYNDICATE_ASSIGN_OR_RETURN(
        static_cast<PublishLoad&>(round),
        RunPublishers(stubs, publishers, story, absl::StrCat("publish-", round_++, "-"), duration));
    cpu.Finish(&round);
    SYNDICATE_ASSIGN_OR_RETURN(const StoreCounters after, ReadStoreCounters(metrics_address_));
    if (!before.exported || !after.exported) return round;  // writes per sync unknown
    round.writes = after.writes - before.writes;
    round.wal_syncs = after.wal_syncs - before.wal_syncs;
    if (round.writes != static_cast<uint64_t>(round.ok)) {
      round.Fail(absl::StrCat("the store counted ", round.writes, " writes for ", round.ok,
                              " acknowledged publishes"));
    }
    return round;
  }

 private:
  const ServerProcess* const server_;
  const std::string metrics_address_;
  const std::vector<std::unique_ptr<syndication::v1::PublishingService::Stub>> stubs_;
  int round_ = 0;  // keeps external ids distinct across rounds
};

struct PublishFlags : RoundFlags {
  PublishFlags() { rounds = 4; }
  std::vector<int> publishers = {1, 16, 64};
};

class Publish final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command
        ->add_option("--publishers", flags_.publishers,
                     "Concurrent publishers (closed loop), comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    AddRoundFlags(command, "side",
                  "gRPC channels (TCP connections) to syndicated the publishers share", &flags_);
  }

  int Run(const BenchEnvironment& environment) override {
    flags_.ApplyQuick();
    std::vector<Configuration> configurations;
    std::vector<std::string> problems;
    if (absl::Status status = RunAll(environment, &configurations); !status.ok()) {
      problems.push_back(std::string(status.message()));
    }
    for (const Configuration& c : configurations) {
      for (const auto& [name, side] :
           {std::pair{"syndicated", &c.syndicated}, std::pair{"bare RocksDB", &c.bare}}) {
        if (side->failed > 0) {
          problems.push_back(absl::StrFormat("%s, N = %d, %s: %d writes failed, first: %s", c.story,
                                             c.publishers, name, side->failed, side->first_error));
        }
        if (side->ok == 0) {
          problems.push_back(
              absl::StrFormat("%s, N = %d, %s: no write completed", c.story, c.publishers, name));
        }
      }
    }
    Print(configurations, problems);
    if (absl::Status written = WritePlotData(environment.plot_data, configurations);
        !written.ok()) {
      std::cerr << "publish: " << written << "\n";
      return 1;
    }
    return problems.empty() ? 0 : 1;
  }

 private:
  // Writes per second (the median round) and latency against the publishers, as plot data
  // (bench/plot_data.h): a plot per story, a line per side.
  static absl::Status WritePlotData(const std::string& directory,
                                    const std::vector<Configuration>& configurations) {
    for (const char* story : {"10 KB", "2 KB"}) {
      for (const auto& [name, side] : {std::pair{"syndicated", &Configuration::syndicated},
                                       std::pair{"bare RocksDB", &Configuration::bare}}) {
        PlotSeries series;
        series.plot = absl::StrCat("publish-", absl::StrReplaceAll(story, {{" ", ""}}));
        series.title = absl::StrCat("Durable PublishArticle, ", story, " story, closed loop");
        series.x_label = "concurrent publishers";
        series.throughput_label = "writes/s";
        series.log_x = true;
        series.series = name;
        for (const Configuration& c : configurations) {
          const Side& measured = c.*side;
          if (c.story != story || measured.ok == 0) continue;
          series.points.push_back({static_cast<double>(c.publishers),
                                   Median(measured.writes_per_second), measured.latency.p50_ms,
                                   measured.latency.p99_ms});
        }
        if (series.points.empty()) continue;
        SYNDICATE_RETURN_IF_ERROR(WritePlotSeries(directory, series));
      }
    }
    return absl::OkStatus();
  }

  absl::Status RunAll(const BenchEnvironment& environment,
                      std::vector<Configuration>* configurations) {
    // The ports file names the metrics port; it lives in a directory of its own because
    // ServerProcess makes the server's directory only when it starts the server.
    SYNDICATE_ASSIGN_OR_RETURN(const std::string ports_dir, MakeTempDirectory("syndicate-publish"));
    const auto remove_ports_dir = [&ports_dir] {
      std::error_code ignored;
      std::filesystem::remove_all(ports_dir, ignored);
    };
    absl::Status status = RunWithPortsDir(environment, ports_dir, configurations);
    remove_ports_dir();
    return status;
  }

  absl::Status RunWithPortsDir(const BenchEnvironment& environment, const std::string& ports_dir,
                               std::vector<Configuration>* configurations) {
    const std::string ports_file = ports_dir + "/ports";
    ServerProcessOptions options;
    options.binary = environment.syndicated;
    options.cpus = environment.server_cpus;
    options.extra_args = flags_.server_args;
    options.extra_args.push_back("--metrics-listen=127.0.0.1:0");
    options.extra_args.push_back("--ports-file=" + ports_file);
    SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> server,
                               ServerProcess::Start(options));
    std::string metrics_address;
    {
      std::ifstream in(ports_file);
      for (std::string line; std::getline(in, line);) {
        if (absl::StartsWith(line, "metrics ")) metrics_address = line.substr(8);
      }
    }
    if (metrics_address.empty()) {
      return absl::NotFoundError(absl::StrCat(ports_file, " names no metrics address"));
    }

    std::vector<std::unique_ptr<syndication::v1::PublishingService::Stub>> stubs;
    for (int i = 0; i < flags_.channels; ++i) {
      SYNDICATE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                                 ConnectChannel(server->address(), i));
      stubs.push_back(syndication::v1::PublishingService::NewStub(channel));
    }
    SYNDICATE_RETURN_IF_ERROR(UpsertSource(stubs[0].get()));
    SyndicatedTarget syndicated(server.get(), metrics_address, std::move(stubs));

    // Same disk as syndicated's data: inside its temporary directory.
    SYNDICATE_ASSIGN_OR_RETURN(
        std::unique_ptr<BareRocksDb> bare,
        BareRocksDb::Open(server->directory() + "/bare-rocksdb", environment.server_cpus));

    for (const auto& [label, target_bytes] :
         {std::pair{"10 KB", kStoryTargetBytes}, std::pair{"2 KB", kShortStoryTargetBytes}}) {
      const syndication::v1::Article story = BenchStory("publish", 0, target_bytes);
      const std::string story_bytes = story.SerializeAsString();
      for (int publishers : flags_.publishers) {
        Configuration c;
        c.story = label;
        c.article_bytes = story_bytes.size();
        c.publishers = publishers;
        std::cerr << "publish: " << label << ", " << publishers << " publishers\n";
        const auto run = [&](int side, absl::Duration duration) -> absl::StatusOr<Round> {
          if (side == 0) return bare->Run(publishers, story_bytes, duration);
          return syndicated.Run(publishers, story, duration);
        };
        if (flags_.warmup_seconds > 0) {
          for (int side = 0; side < 2; ++side) {
            SYNDICATE_RETURN_IF_ERROR(run(side, absl::Seconds(flags_.warmup_seconds)).status());
          }
        }
        for (int r = 0; r < flags_.rounds; ++r) {
          double wps[2] = {0, 0};
          for (int k = 0; k < 2; ++k) {
            const int side = r % 2 == 0 ? k : 1 - k;
            SYNDICATE_ASSIGN_OR_RETURN(Round round, run(side, absl::Seconds(flags_.round_seconds)));
            wps[side] = round.WritesPerSecond();
            (side == 0 ? c.bare : c.syndicated).Add(std::move(round));
          }
          c.ratios.push_back(wps[0] > 0 ? wps[1] / wps[0] : 0);
          std::cerr << absl::StreamFormat("publish:   round %d: bare %.0f/s, syndicated %.0f/s\n",
                                          r + 1, wps[0], wps[1]);
        }
        c.bare.latency = Summarize(&c.bare.latencies_ns);
        c.syndicated.latency = Summarize(&c.syndicated.latencies_ns);
        configurations->push_back(std::move(c));
      }
    }
    bare.reset();
    return server->Stop(absl::Seconds(20));
  }

  void Print(const std::vector<Configuration>& configurations,
             const std::vector<std::string>& problems) const {
    const auto ms = [](double value) { return absl::StrFormat("%.2f", value); };
    const auto cpu = [](double percent) { return absl::StrFormat("%.0f%%", percent); };
    std::cout << "## publish\n\n"
              << "Durable PublishArticle (sync_writes, the default) from N concurrent "
                 "publishers, closed loop over "
              << flags_.channels
              << " connections, each call a new story; against a bare RocksDB (default "
                 "options, in the benchmark process, its threads pinned to the server's CPUs) "
                 "written with one synced WriteBatch per story (the story's bytes twice and a "
                 "small event). Each configuration: "
              << FormatNumber(flags_.warmup_seconds, 1) << " s of warm-up per side, then "
              << flags_.rounds << " rounds of " << FormatNumber(flags_.round_seconds, 1)
              << " s per side, alternating. Ratio: syndicated / bare writes per second of the "
                 "same round pair; its median and range. Latencies pooled over the rounds. "
                 "CPU per write: server CPU time (utime + stime) / acknowledged writes. Writes "
                 "per sync: writes / WAL syncs (syndicated: its /metrics counters; bare: "
                 "RocksDB's WRITE_DONE_BY_SELF + WRITE_DONE_BY_OTHER / WAL_FILE_SYNCED).\n\n";
    MarkdownTable table({{"article", MarkdownTable::Align::kLeft},
                         {"N"},
                         {"ratio (median, range)"},
                         {"syndicated writes/s"},
                         {"bare writes/s"},
                         {"syndicated p50 / p99 (ms)"},
                         {"bare p50 / p99 (ms)"},
                         {"CPU per write synd. / bare (µs)"},
                         {"writes per sync synd. / bare"},
                         {"server CPU synd. / bare"},
                         {"bench CPU"},
                         {"other CPU"}});
    for (const Configuration& c : configurations) {
      table.AddRow(
          {absl::StrCat(c.story, " (", FormatNumber(static_cast<double>(c.article_bytes), 0),
                        " B)"),
           absl::StrCat(c.publishers), FormatRatio(c.ratios),
           FormatNumber(Median(c.syndicated.writes_per_second), 0),
           FormatNumber(Median(c.bare.writes_per_second), 0),
           absl::StrCat(ms(c.syndicated.latency.p50_ms), " / ", ms(c.syndicated.latency.p99_ms)),
           absl::StrCat(ms(c.bare.latency.p50_ms), " / ", ms(c.bare.latency.p99_ms)),
           absl::StrCat(FormatNumber(c.syndicated.CpuMicrosPerWrite(), 0), " / ",
                        FormatNumber(c.bare.CpuMicrosPerWrite(), 0)),
           absl::StrCat(c.syndicated.WritesPerSync(), " / ", c.bare.WritesPerSync()),
           absl::StrCat(cpu(c.syndicated.Percent(c.syndicated.server_cpu_seconds)), " / ",
                        cpu(c.bare.Percent(c.bare.server_cpu_seconds))),
           cpu(c.syndicated.Percent(c.syndicated.bench_cpu_seconds)), cpu(c.OtherCpuPercent())});
    }
    std::cout << table.Render() << "\n";

    std::vector<std::string> missed;
    for (const Configuration& c : configurations) {
      if (c.publishers >= kTargetFromPublishers && Median(c.ratios) < kTargetRatio) {
        missed.push_back(
            absl::StrFormat("%s at N = %d (%.2f)", c.story, c.publishers, Median(c.ratios)));
      }
    }
    std::cout << absl::StrFormat(
        "Target (durable publish ≥ %.1f of bare RocksDB's writes/s at N ≥ %d): %s\n", kTargetRatio,
        kTargetFromPublishers,
        configurations.empty() ? "not measured"
        : missed.empty()       ? "met"
                               : "not met at " + absl::StrJoin(missed, "; "));

    double most_other_cpu = 0;
    for (const Configuration& c : configurations) {
      most_other_cpu = std::max(most_other_cpu, c.OtherCpuPercent());
    }
    if (most_other_cpu > 10) {
      std::cout << absl::StrFormat(
          "\n- warning: other processes used up to %.0f%% of a core during a configuration's "
          "rounds: timings are disturbed\n",
          most_other_cpu);
    }
    for (const std::string& problem : problems) std::cout << "- **" << problem << "**\n";
    bool counted = false;
    for (const Configuration& c : configurations) counted = counted || c.syndicated.writes > 0;
    if (problems.empty()) {
      std::cout << (counted ? "\nEvery publish was acknowledged as a new story, and "
                              "syndicated's store counted one write for each.\n"
                            : "\nEvery publish was acknowledged as a new story. This syndicated "
                              "exports no store counters: writes per sync not measured.\n");
    }
    std::cout << std::flush;
  }

  PublishFlags flags_;
};

}  // namespace

void RegisterPublish(ScenarioRegistry* registry) {
  registry->Add("publish",
                "Durable PublishArticle from N publishers vs a bare synced RocksDB: "
                "writes/s, latency, writes per WAL sync",
                std::make_unique<Publish>());
}

}  // namespace syndicate::bench
