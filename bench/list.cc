// Scenario "list": ListArticles pages of 50 over a store of many ~10 KB stories (200,000 by
// default, which fits in minutes on two cores; --articles=1000000 for issue 8's million): the
// latency of a first page and of deep pages (via page_token) for the filters partners use, pages
// per second with 1 and 8 concurrent listers, disk bytes and server memory per stored story. The
// baseline is syndicated's own store answering the same page in-process
// (storage::Store::ListArticles over the same data): what the store costs without gRPC, the domain
// layer and serialization. See bench/README.md.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/calls.h"
#include "bench/scenario.h"
#include "bench/server_process.h"
#include "bench/stats.h"
#include "bench/story.h"
#include "bench/system_info.h"
#include "bench/table.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "storage/store.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

using syndication::v1::Article;
using syndication::v1::ListArticlesRequest;
using syndication::v1::ListArticlesResponse;
using syndication::v1::PublishingService;
using syndication::v1::SyndicationService;

constexpr int kPageSize = 50;
// Issue 8's target for a page of ListArticles at 1,000,000 stories.
constexpr double kTargetP99Ms = 5;
// Stories are published this far apart (published_at), the newest a minute ago: 1,000,000
// stories span about a year, a day holds 2,880.
constexpr absl::Duration kSpacing = absl::Seconds(30);
constexpr auto kCallDeadline = std::chrono::seconds(60);

struct ListFlags {
  int articles = 200'000;
  int sources = 4;
  int publishers = 16;
  int first_page_calls = 200;
  int store_pages = 1000;
  double round_seconds = 5;
  std::vector<int> listers = {1, 8};
  bool compact = true;
  bool quick = false;
  std::vector<std::string> server_args;
};

// The stories the load wrote: story i is of source i % sources, published_at
// newest - (N - 1 - i) × kSpacing.
struct Corpus {
  int articles = 0;
  std::vector<std::string> source_ids;
  absl::Time newest;

  std::string SourceOf(int index) const { return source_ids[index % source_ids.size()]; }
  absl::Time PublishedAt(int index) const { return newest - (articles - 1 - index) * kSpacing; }
};

// A mkdtemp directory, removed with everything in it when this goes away.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Make() {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                                    "/syndicate-bench-list-XXXXXX");
    if (mkdtemp(path.data()) == nullptr) return absl::InternalError("mkdtemp failed");
    return TempDir(std::move(path));
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Bytes of every file under `directory`, and of its *.sst files alone.
struct DiskUse {
  int64_t total_bytes = 0;
  int64_t sst_bytes = 0;
};

DiskUse MeasureDisk(const std::string& directory) {
  DiskUse use;
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory, error)) {
    if (!entry.is_regular_file(error)) continue;
    const auto size = static_cast<int64_t>(entry.file_size(error));
    use.total_bytes += size;
    if (entry.path().extension() == ".sst") use.sst_bytes += size;
  }
  return use;
}

// Opens the store at `directory` in this process and waits (up to an hour) until RocksDB's
// background compactions have nothing left to do. Returns the seconds it took.
absl::StatusOr<double> SettleCompactions(const std::string& directory) {
  const int64_t start = NowNs();
  storage::StoreOptions options;
  options.sync_writes = false;
  SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                             storage::Store::Open(directory, options));
  while (true) {
    SYNDICATE_ASSIGN_OR_RETURN(const storage::StoreStats stats, store->Stats());
    const double seconds = static_cast<double>(NowNs() - start) / 1e9;
    if (stats.pending_compaction_bytes == 0) return seconds;
    if (seconds > 3600) {
      return absl::DeadlineExceededError(absl::StrCat(
          "compactions still pending after an hour: ", stats.pending_compaction_bytes, " bytes"));
    }
    absl::SleepFor(absl::Seconds(1));
  }
}

// Upserts the corpus's sources and publishes its stories with `publishers` concurrent
// calls. Returns the mean serialized size of a story as sent.
absl::StatusOr<double> Load(const std::string& address, const Corpus& corpus, int publishers) {
  std::vector<std::unique_ptr<PublishingService::Stub>> stubs;
  for (int i = 0; i < 4; ++i) stubs.push_back(PublishingService::NewStub(MakeChannel(address, i)));
  for (const std::string& id : corpus.source_ids) {
    syndication::v1::Source source = BenchSource();
    source.set_id(id);
    SYNDICATE_RETURN_IF_ERROR(UpsertSource(stubs[0].get(), source));
  }
  std::atomic<int> next{0};
  std::atomic<int64_t> story_bytes{0};
  std::mutex mutex;
  std::string first_error;
  const auto publish = [&](PublishingService::Stub* stub) {
    for (int i = next++; i < corpus.articles; i = next++) {
      syndication::v1::PublishArticleRequest request;
      Article* article = request.mutable_article();
      *article = VariedBenchStory(absl::StrFormat("list-%07d", i), i);
      article->set_source_id(corpus.SourceOf(i));
      *article->mutable_published_at() = ToTimestamp(corpus.PublishedAt(i));
      story_bytes += static_cast<int64_t>(article->ByteSizeLong());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
      syndication::v1::PublishArticleResponse response;
      grpc::Status status = stub->PublishArticle(&context, request, &response);
      if (status.ok() &&
          response.outcome() != syndication::v1::PublishArticleResponse::OUTCOME_CREATED) {
        status = grpc::Status(grpc::StatusCode::INTERNAL, "outcome is not CREATED");
      }
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error.empty()) {
          first_error = absl::StrCat("PublishArticle of story ", i, ": ",
                                     CodeName(status.error_code()), " ", status.error_message());
        }
        next = corpus.articles;
        return;
      }
      if (corpus.articles >= 10 && (i + 1) % (corpus.articles / 10) == 0) {
        std::cerr << absl::StreamFormat("list: loaded %d of %d stories\n", i + 1, corpus.articles);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < publishers; ++t) {
    threads.emplace_back(publish, stubs[t % stubs.size()].get());
  }
  for (std::thread& thread : threads) thread.join();
  if (!first_error.empty()) return absl::InternalError(first_error);
  return static_cast<double>(story_bytes) / corpus.articles;
}

// Where a page starts: after the (time, id) of the last story of the page before it.
struct Position {
  absl::Time time;
  std::string article_id;
};

// One kind of listing a partner asks for.
struct ListCase {
  std::string label;
  ListArticlesRequest request;  // page_size and filters; no page_token
  bool by_update = false;       // order_by "version_created"
  int64_t expected = 0;         // how many stories the whole list holds
};

// A page fetched while walking a list: the token that asked for it and where it starts.
struct Page {
  std::string token;
  std::optional<Position> after;
};

struct Walk {
  std::vector<Page> pages;
  std::vector<int64_t> later_page_ns;  // latency of every page but the first
  int64_t listed = 0;
  std::vector<int64_t> version_created_ns;  // of every story listed, in list order
};

// The time a list orders `article` by, at the microsecond precision lists order by.
absl::Time ListTimeOf(const Article& article, bool by_update) {
  const absl::Time time =
      by_update ? ToAbslTime(article.version_created()) : storage::ListTime(article);
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

// Pages through `list` from the first page to the last, checking that every call is OK,
// that a page holds at most kPageSize stories, that the order holds across pages, and that
// the pages together hold every expected story exactly once.
absl::StatusOr<Walk> WalkList(SyndicationService::Stub* stub, const ListCase& list) {
  Walk walk;
  absl::flat_hash_set<std::string> seen;
  seen.reserve(static_cast<size_t>(list.expected));
  std::optional<Position> after;
  std::string token;
  do {
    ListArticlesRequest request = list.request;
    request.set_page_token(token);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    ListArticlesResponse response;
    const int64_t start = NowNs();
    const grpc::Status status = stub->ListArticles(&context, request, &response);
    const int64_t elapsed = NowNs() - start;
    const std::string where = absl::StrCat(list.label, ", page ", walk.pages.size() + 1);
    if (!status.ok()) {
      return absl::InternalError(
          absl::StrCat(where, ": ", CodeName(status.error_code()), " ", status.error_message()));
    }
    if (response.articles_size() > kPageSize) {
      return absl::InternalError(absl::StrCat(where, " holds ", response.articles_size()));
    }
    if (!walk.pages.empty()) walk.later_page_ns.push_back(elapsed);
    walk.pages.push_back(Page{token, after});
    for (const Article& article : response.articles()) {
      if (!seen.insert(article.id()).second) {
        return absl::InternalError(absl::StrCat(where, " repeats story ", article.id()));
      }
      const Position here{ListTimeOf(article, list.by_update), article.id()};
      if (after.has_value()) {
        // Newest first, or oldest change first; ties by id ascending.
        const bool ordered = list.by_update ? here.time > after->time : here.time < after->time;
        if (!ordered && !(here.time == after->time && here.article_id > after->article_id)) {
          return absl::InternalError(
              absl::StrCat(where, ": story ", article.id(), " is out of order"));
        }
      }
      after = here;
      walk.version_created_ns.push_back(absl::ToUnixNanos(ToAbslTime(article.version_created())));
    }
    walk.listed += response.articles_size();
    token = response.next_page_token();
  } while (!token.empty());
  if (walk.listed != list.expected) {
    return absl::InternalError(absl::StrCat(list.label, ": the pages hold ", walk.listed,
                                            " stories, expected ", list.expected));
  }
  return walk;
}

// Latencies of `calls` first pages of `list`, one after another.
absl::StatusOr<std::vector<int64_t>> FirstPages(SyndicationService::Stub* stub,
                                                const ListCase& list, int calls) {
  std::vector<int64_t> latencies;
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    ListArticlesResponse response;
    const int64_t start = NowNs();
    const grpc::Status status = stub->ListArticles(&context, list.request, &response);
    latencies.push_back(NowNs() - start);
    if (!status.ok() || response.articles_size() != std::min<int64_t>(kPageSize, list.expected)) {
      return absl::InternalError(
          absl::StrCat(list.label, ", first page: ", CodeName(status.error_code()), " ",
                       status.error_message(), ", ", response.articles_size(), " stories"));
    }
  }
  return latencies;
}

// The same pages from syndicated's store, in this process: the store's ListArticleBytes
// (or ListArticleBytesByUpdate) for kPageSize + 1 stories after the page's position, as
// the server asks it. Up to `pages` pages of `walk`, evenly spread, the first included.
absl::StatusOr<std::vector<int64_t>> StorePages(const storage::Store& store, const ListCase& list,
                                                const Walk& walk, int pages) {
  std::vector<std::string> source_ids(list.request.source_ids().begin(),
                                      list.request.source_ids().end());
  std::vector<int64_t> latencies;
  const size_t step = std::max<size_t>(1, walk.pages.size() / static_cast<size_t>(pages));
  for (size_t p = 0; p < walk.pages.size(); p += step) {
    const std::optional<Position>& after = walk.pages[p].after;
    const int64_t start = NowNs();
    absl::StatusOr<std::vector<storage::ListedArticle>> got;
    if (list.by_update) {
      storage::UpdateQuery query;
      query.source_ids = source_ids;
      query.updated_after = ToAbslTime(list.request.updated_after());
      if (after) query.after = storage::UpdatePosition{after->time, after->article_id};
      query.limit = kPageSize + 1;
      got = store.ListArticleBytesByUpdate(query);
    } else {
      storage::ListQuery query;
      query.source_ids = source_ids;
      if (list.request.has_start_time()) query.start_time = ToAbslTime(list.request.start_time());
      if (list.request.has_end_time()) query.end_time = ToAbslTime(list.request.end_time());
      if (after) query.after = storage::ListPosition{after->time, after->article_id};
      query.limit = kPageSize + 1;
      got = store.ListArticleBytes(query);
    }
    latencies.push_back(NowNs() - start);
    if (!got.ok()) return got.status();
    if (got->empty() && p + 1 < walk.pages.size()) {
      return absl::InternalError(
          absl::StrCat(list.label, ": the store's page ", p + 1, " is empty"));
    }
  }
  return latencies;
}

// Compacts every column family of the store in `data_dir` down to its last level
// (Store::CompactAll, with the store's own options; the server is stopped).
absl::Status CompactAll(const std::string& data_dir) {
  storage::StoreOptions options;
  options.sync_writes = false;
  SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                             storage::Store::Open(data_dir, options));
  return store->CompactAll();
}

// CPU counters over a closed-loop round.
struct CpuUse {
  double server = 0;
  double bench = 0;
  double other = 0;
};

struct ClosedLoop {
  int listers = 0;
  int64_t pages = 0;
  double seconds = 0;
  LatencySummary latency;
  CpuUse cpu;
};

// `listers` threads, each asking for the next page as soon as its last one came, for
// `seconds`: pages of walk `pages` (first and deep) picked at random.
absl::StatusOr<ClosedLoop> RunClosedLoop(
    const ServerProcess& server,
    const std::vector<std::unique_ptr<SyndicationService::Stub>>& stubs, const ListCase& list,
    const std::vector<Page>& pages, int listers, double seconds) {
  std::mutex mutex;
  std::vector<int64_t> latencies;
  std::string first_error;
  const double server_start = server.CpuSeconds().value_or(0);
  const double bench_start = ProcessCpuSeconds(0).value_or(0);
  const double machine_start = MachineBusyCpuSeconds().value_or(0);
  const int64_t start = NowNs();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  std::vector<std::thread> threads;
  for (int t = 0; t < listers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(static_cast<uint64_t>(t) + 1);
      std::uniform_int_distribution<size_t> pick(0, pages.size() - 1);
      std::vector<int64_t> mine;
      while (NowNs() < end) {
        ListArticlesRequest request = list.request;
        request.set_page_token(pages[pick(random)].token);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
        ListArticlesResponse response;
        const int64_t sent = NowNs();
        const grpc::Status status = stubs[static_cast<size_t>(t) % stubs.size()]->ListArticles(
            &context, request, &response);
        mine.push_back(NowNs() - sent);
        if (!status.ok() || response.articles_size() == 0) {
          std::lock_guard<std::mutex> lock(mutex);
          if (first_error.empty()) {
            first_error = absl::StrCat("closed loop: ", CodeName(status.error_code()), " ",
                                       status.error_message());
          }
          break;
        }
      }
      std::lock_guard<std::mutex> lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  ClosedLoop result;
  result.listers = listers;
  result.seconds = static_cast<double>(NowNs() - start) / 1e9;
  result.cpu.server = server.CpuSeconds().value_or(server_start) - server_start;
  result.cpu.bench = ProcessCpuSeconds(0).value_or(bench_start) - bench_start;
  result.cpu.other = std::max(0.0, MachineBusyCpuSeconds().value_or(machine_start) - machine_start -
                                       result.cpu.server - result.cpu.bench);
  if (!first_error.empty()) return absl::InternalError(first_error);
  result.pages = static_cast<int64_t>(latencies.size());
  result.latency = Summarize(&latencies);
  return result;
}

// Results of one case.
struct CaseResult {
  std::string label;
  int64_t listed = 0;
  int64_t pages = 0;
  LatencySummary first;
  LatencySummary later;
  LatencySummary store;
};

struct Results {
  Corpus corpus;
  double story_bytes = 0;
  double load_seconds = 0;
  int64_t empty_rss = 0;
  int64_t loader_rss = 0;
  int64_t opened_rss = 0;
  int64_t after_rss = 0;
  int64_t peak_rss = 0;
  DiskUse after_load;
  DiskUse after_lists;
  std::optional<DiskUse> after_compaction;
  double compaction_seconds = 0;
  double settle_seconds = 0;
  std::vector<CaseResult> cases;
  std::vector<ClosedLoop> closed;
  double worst_other_cpu_percent = 0;
};

class List final : public Scenario {
 public:
  void AddFlags(CLI::App* command) override {
    command->add_option("--articles", flags_.articles, "Stories in the store")
        ->check(CLI::Range(kPageSize * 4, 100'000'000))
        ->capture_default_str();
    command->add_option("--sources", flags_.sources, "Sources the stories are spread over")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    command->add_option("--publishers", flags_.publishers, "Concurrent publishes while loading")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--first-page-calls", flags_.first_page_calls,
                     "First pages asked for, one after another, per case")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--store-pages", flags_.store_pages,
                     "Pages per case read from the store in-process (the baseline)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--listers", flags_.listers,
                     "Concurrent listers of the closed-loop rounds, comma-separated")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--round-seconds", flags_.round_seconds, "Length of a closed-loop round")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--compact", flags_.compact,
                     "Compact the data fully at the end and measure it again (true|false)")
        ->capture_default_str();
    command->add_flag("--quick", flags_.quick,
                      "Smoke test in seconds: 2,000 stories, 20 first pages, rounds of 0.5 s");
    command->add_option("--server-arg", flags_.server_args,
                        "Extra flag for syndicated, e.g. --server-arg=--sync-writes=false");
  }

  int Run(const BenchEnvironment& environment) override {
    if (flags_.quick) {
      flags_.articles = 2000;
      flags_.first_page_calls = 20;
      flags_.store_pages = 50;
      flags_.round_seconds = 0.5;
    }
    Results results;
    absl::Status status = RunAll(environment, &results);
    Print(results, status);
    return status.ok() ? 0 : 1;
  }

 private:
  absl::Status RunAll(const BenchEnvironment& environment, Results* results) {
    Corpus& corpus = results->corpus;
    corpus.articles = flags_.articles;
    for (int s = 0; s < flags_.sources; ++s) {
      corpus.source_ids.push_back(s == 0 ? std::string(kBenchSourceId)
                                         : absl::StrCat(std::string(kBenchSourceId), "-", s + 1));
    }
    corpus.newest = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) - absl::Minutes(1);

    SYNDICATE_ASSIGN_OR_RETURN(TempDir data, TempDir::Make());
    ServerProcessOptions options;
    options.binary = environment.syndicated;
    options.cpus = environment.server_cpus;
    options.extra_args = flags_.server_args;

    // An empty server's memory, the base the per-story figures are taken from.
    {
      SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> empty,
                                 ServerProcess::Start(options));
      SYNDICATE_ASSIGN_OR_RETURN(results->empty_rss, empty->SettledRssBytes());
      SYNDICATE_RETURN_IF_ERROR(empty->Stop(absl::Seconds(30)));
    }

    // The load: unsynced writes, on every CPU this benchmark was given (RocksDB's flushes
    // and compactions may use them all); not measured beyond its duration.
    {
      ServerProcessOptions loading = options;
      loading.cpus = environment.server_cpus;
      loading.cpus.insert(loading.cpus.end(), environment.bench_cpus.begin(),
                          environment.bench_cpus.end());
      loading.data_dir = data.path() + "/data";
      loading.extra_args.emplace_back("--sync-writes=false");
      SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> loader,
                                 ServerProcess::Start(loading));
      std::cerr << absl::StreamFormat("list: loading %d stories\n", corpus.articles);
      const int64_t start = NowNs();
      SYNDICATE_ASSIGN_OR_RETURN(results->story_bytes,
                                 Load(loader->address(), corpus, flags_.publishers));
      results->load_seconds = static_cast<double>(NowNs() - start) / 1e9;
      SYNDICATE_ASSIGN_OR_RETURN(results->loader_rss, loader->SettledRssBytes());
      SYNDICATE_RETURN_IF_ERROR(loader->Stop(absl::Minutes(5)));
    }
    results->after_load = MeasureDisk(data.path() + "/data");
    SYNDICATE_ASSIGN_OR_RETURN(results->settle_seconds, SettleCompactions(data.path() + "/data"));

    std::vector<ListCase> cases = Cases(corpus);
    std::vector<Walk> walks;
    {
      ServerProcessOptions measuring = options;
      measuring.data_dir = data.path() + "/data";
      SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> server,
                                 ServerProcess::Start(measuring));
      SYNDICATE_ASSIGN_OR_RETURN(results->opened_rss, server->SettledRssBytes());
      std::vector<std::unique_ptr<SyndicationService::Stub>> stubs;
      for (int i = 0; i < 8; ++i) {
        stubs.push_back(SyndicationService::NewStub(MakeChannel(server->address(), i)));
      }
      for (size_t c = 0; c < cases.size(); ++c) {
        ListCase& list = cases[c];
        if (list.by_update) {
          // Stories changed after the middle one of the first case's order.
          std::vector<int64_t> times = walks[0].version_created_ns;
          std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
          const int64_t middle = times[times.size() / 2];
          *list.request.mutable_updated_after() = ToTimestamp(absl::FromUnixNanos(middle));
          list.expected =
              std::count_if(walks[0].version_created_ns.begin(), walks[0].version_created_ns.end(),
                            [middle](int64_t t) { return t > middle; });
        }
        std::cerr << absl::StreamFormat("list: walking \"%s\" (%d stories)\n", list.label,
                                        list.expected);
        SYNDICATE_ASSIGN_OR_RETURN(Walk walk, WalkList(stubs[0].get(), list));
        SYNDICATE_ASSIGN_OR_RETURN(std::vector<int64_t> first,
                                   FirstPages(stubs[0].get(), list, flags_.first_page_calls));
        CaseResult result;
        result.label = list.label;
        result.listed = walk.listed;
        result.pages = static_cast<int64_t>(walk.pages.size());
        result.first = Summarize(&first);
        result.later = Summarize(&walk.later_page_ns);
        results->cases.push_back(result);
        walks.push_back(std::move(walk));
      }
      for (int listers : flags_.listers) {
        std::cerr << absl::StreamFormat("list: closed loop, %d listers\n", listers);
        SYNDICATE_ASSIGN_OR_RETURN(
            ClosedLoop round,
            RunClosedLoop(*server, stubs, cases[0], walks[0].pages, listers, flags_.round_seconds));
        results->worst_other_cpu_percent =
            std::max(results->worst_other_cpu_percent, 100 * round.cpu.other / round.seconds);
        results->closed.push_back(round);
      }
      SYNDICATE_ASSIGN_OR_RETURN(results->after_rss, server->SettledRssBytes());
      SYNDICATE_ASSIGN_OR_RETURN(results->peak_rss, server->PeakRssBytes());
      SYNDICATE_RETURN_IF_ERROR(server->Stop(absl::Minutes(5)));
    }
    results->after_lists = MeasureDisk(data.path() + "/data");

    // The baseline: the same pages from the store, in this process.
    {
      std::cerr << "list: the same pages from the store in-process\n";
      storage::StoreOptions store_options;
      store_options.sync_writes = false;
      SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                                 storage::Store::Open(data.path() + "/data", store_options));
      for (size_t c = 0; c < cases.size(); ++c) {
        SYNDICATE_ASSIGN_OR_RETURN(std::vector<int64_t> pages,
                                   StorePages(*store, cases[c], walks[c], flags_.store_pages));
        results->cases[c].store = Summarize(&pages);
      }
    }
    if (flags_.compact) {
      std::cerr << "list: compacting\n";
      const int64_t start = NowNs();
      SYNDICATE_RETURN_IF_ERROR(CompactAll(data.path() + "/data"));
      results->compaction_seconds = static_cast<double>(NowNs() - start) / 1e9;
      results->after_compaction = MeasureDisk(data.path() + "/data");
    }
    return absl::OkStatus();
  }

  // The listings partners ask for: everything newest first; one source's stories; one day;
  // what changed since a time (order_by version_created, the catch-up after a stream's
  // cursor expired). The last one's updated_after is set once the first has been walked.
  static std::vector<ListCase> Cases(const Corpus& corpus) {
    std::vector<ListCase> cases;
    ListCase all;
    all.label = "every source, newest first";
    all.request.set_page_size(kPageSize);
    all.expected = corpus.articles;
    cases.push_back(all);

    ListCase one_source = all;
    one_source.label = "one source (source_ids)";
    one_source.request.add_source_ids(corpus.source_ids[0]);
    one_source.expected = 0;
    for (int i = 0; i < corpus.articles; ++i) {
      if (i % static_cast<int>(corpus.source_ids.size()) == 0) ++one_source.expected;
    }
    cases.push_back(one_source);

    // The day before the middle story's time, on a day boundary of the spacing.
    ListCase day = all;
    day.label = "one day (start_time, end_time)";
    const absl::Time end = corpus.PublishedAt(corpus.articles / 2);
    const absl::Time start = std::max(end - absl::Hours(24), corpus.PublishedAt(0));
    *day.request.mutable_start_time() = ToTimestamp(start);
    *day.request.mutable_end_time() = ToTimestamp(end);
    day.expected = 0;
    for (int i = 0; i < corpus.articles; ++i) {
      if (corpus.PublishedAt(i) >= start && corpus.PublishedAt(i) < end) ++day.expected;
    }
    cases.push_back(day);

    ListCase changed = all;
    changed.label = "changed since (version_created)";
    changed.request.set_order_by("version_created");
    changed.by_update = true;
    cases.push_back(changed);
    return cases;
  }

  void Print(const Results& results, const absl::Status& status) const {
    const Corpus& corpus = results.corpus;
    const double n = corpus.articles;
    const auto ms = [](double value) { return absl::StrFormat("%.2f", value); };
    std::cout << "## list\n\n"
              << "ListArticles pages of " << kPageSize << " over " << FormatNumber(n, 0)
              << " stories (" << FormatNumber(results.story_bytes, 0)
              << " bytes serialized on average: attribution, two media items, a body drawn "
                 "afresh for each story) of "
              << corpus.source_ids.size() << " sources, published "
              << absl::FormatDuration(kSpacing) << " apart. Loaded by PublishArticle ("
              << flags_.publishers
              << " concurrent calls) into a server with --sync-writes=false, in "
              << FormatNumber(results.load_seconds, 1) << " s ("
              << FormatNumber(results.load_seconds > 0 ? n / results.load_seconds : 0, 0)
              << " stories/s); RocksDB then finished the compactions the load left pending ("
              << FormatNumber(results.settle_seconds, 0)
              << " s, the store open in this process, until its estimate of pending "
                 "compaction bytes was 0: a store filled at this rate is not one partners "
                 "usually read); then measured on a server restarted on that data with the "
                 "defaults. Every list was walked from its first page to its last with "
                 "page_token, one call after another: later pages are every page of that walk "
                 "but the first. First page: the first page asked for again, "
              << flags_.first_page_calls << " times. Store in-process: the same pages (up to "
              << flags_.store_pages
              << " per list, spread over it) read by this process from syndicated's store "
                 "library (storage::Store, the server stopped): the index scan and the "
              << kPageSize + 1
              << " story reads (the stored bytes, as the server reads them) without gRPC, the "
                 "domain layer "
                 "and serialization.\n\n";
    MarkdownTable lists({{"list", MarkdownTable::Align::kLeft},
                         {"stories"},
                         {"pages"},
                         {"first page p50 / p99 (ms)"},
                         {"later pages p50 / p99 / max (ms)"},
                         {"store in-process p50 / p99 (ms)"}});
    double worst_p99 = 0;
    for (const CaseResult& c : results.cases) {
      worst_p99 = std::max({worst_p99, c.first.p99_ms, c.later.p99_ms});
      lists.AddRow({c.label, FormatNumber(static_cast<double>(c.listed), 0),
                    FormatNumber(static_cast<double>(c.pages), 0),
                    ms(c.first.p50_ms) + " / " + ms(c.first.p99_ms),
                    ms(c.later.p50_ms) + " / " + ms(c.later.p99_ms) + " / " + ms(c.later.max_ms),
                    ms(c.store.p50_ms) + " / " + ms(c.store.p99_ms)});
    }
    std::cout << lists.Render() << "\n";

    std::cout << "Closed loop: N listers, each asking for its next page as soon as the last "
                 "came, pages of the first list picked at random (first and deep), for "
              << FormatNumber(flags_.round_seconds, 1) << " s.\n\n";
    MarkdownTable closed({{"listers"},
                          {"pages/s"},
                          {"stories/s"},
                          {"p50 / p99 (ms)"},
                          {"server CPU"},
                          {"bench CPU"},
                          {"other CPU"}});
    for (const ClosedLoop& round : results.closed) {
      const double pages_per_second = round.seconds > 0 ? round.pages / round.seconds : 0;
      const auto percent = [&](double cpu) {
        return absl::StrFormat("%.0f%%", round.seconds > 0 ? 100 * cpu / round.seconds : 0);
      };
      closed.AddRow({FormatNumber(round.listers, 0), FormatNumber(pages_per_second, 0),
                     FormatNumber(pages_per_second * kPageSize, 0),
                     ms(round.latency.p50_ms) + " / " + ms(round.latency.p99_ms),
                     percent(round.cpu.server), percent(round.cpu.bench),
                     percent(round.cpu.other)});
    }
    std::cout << closed.Render() << "\n";

    std::cout << "Disk: every file of the data directory, and its SST files alone, per "
                 "stored story (each story is stored twice, as its latest version and as "
                 "version 1, plus index entries and its feed event).\n\n";
    MarkdownTable disk({{"when", MarkdownTable::Align::kLeft},
                        {"data dir (MiB)"},
                        {"SST (MiB)"},
                        {"data dir per story (bytes)"},
                        {"SST per story (bytes)"}});
    const auto disk_row = [&](const std::string& when, const DiskUse& use) {
      disk.AddRow({when, FormatMib(use.total_bytes), FormatMib(use.sst_bytes),
                   FormatNumber(use.total_bytes / n, 0), FormatNumber(use.sst_bytes / n, 0)});
    };
    disk_row("after the load", results.after_load);
    disk_row("after the lists", results.after_lists);
    if (results.after_compaction) {
      disk_row(absl::StrFormat("after a full compaction (%.0f s)", results.compaction_seconds),
               *results.after_compaction);
    }
    std::cout << disk.Render() << "\n";

    std::cout << "Server memory (VmRSS of syndicated), and per million stories: less an "
                 "empty server's ("
              << FormatMib(results.empty_rss) << " MiB).\n\n";
    MarkdownTable memory({{"when", MarkdownTable::Align::kLeft},
                          {"RSS (MiB)"},
                          {"RSS − empty, per million stories (MiB)"}});
    const auto memory_row = [&](const std::string& when, int64_t rss) {
      memory.AddRow(
          {when, FormatMib(rss),
           FormatNumber(static_cast<double>(rss - results.empty_rss) / (1 << 20) * 1e6 / n, 1)});
    };
    memory_row("loading server, after the load (unsynced)", results.loader_rss);
    memory_row("restarted server, opened", results.opened_rss);
    memory_row("restarted server, after the lists", results.after_rss);
    memory_row("restarted server, peak (VmHWM)", results.peak_rss);
    std::cout << memory.Render() << "\n";

    if (status.ok()) {
      std::cout << absl::StrFormat(
          "Target (list p99 under %.0f ms at 1,000,000 stories): %s at "
          "%s stories (worst p99 of a lister alone: %.2f ms)\n",
          kTargetP99Ms, worst_p99 < kTargetP99Ms ? "met" : "not met", FormatNumber(n, 0),
          worst_p99);
    }
    if (results.worst_other_cpu_percent > 10) {
      std::cout << absl::StrFormat(
          "\n- warning: other processes used up to %.0f%% of a core during a closed-loop "
          "round: timings are disturbed\n",
          results.worst_other_cpu_percent);
    }
    if (!status.ok()) {
      std::cout << "\n- **" << status.message() << "**\n";
    } else {
      std::cout << "\nEvery page was OK, and every list's pages held each of its stories "
                   "exactly once, in order.\n";
    }
    std::cout << std::flush;
  }

  ListFlags flags_;
};

}  // namespace

void RegisterList(ScenarioRegistry* registry) {
  registry->Add(
      "list", "ListArticles pages over a large store: latency, pages/s, disk and memory per story",
      std::make_unique<List>());
}

}  // namespace syndicate::bench
