#include "server/metrics.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "syndication/v1/admin_service.pb.h"
#include "syndication/v1/publishing_service.pb.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::server {
namespace {

// A label value, escaped as the exposition format wants.
std::string LabelValue(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Number(double value) { return absl::StrFormat("%.10g", value); }

void Header(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

// Sorted copies, so the output is stable from scrape to scrape.
template <typename Map>
std::vector<std::pair<typename Map::key_type, typename Map::mapped_type>> Sorted(const Map& map) {
  std::vector<std::pair<typename Map::key_type, typename Map::mapped_type>> sorted(map.begin(),
                                                                                   map.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

// "service/method" of every method this server serves: the syndication.v1 services' (from
// their descriptors), health checking's and server reflection's. Built once; afterwards a
// lookup is one hash of the path, with no lock.
const absl::flat_hash_set<std::string>& KnownMethods() {
  static const auto* const known = [] {
    auto* methods = new absl::flat_hash_set<std::string>{
        "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch",
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
    for (const google::protobuf::FileDescriptor* file :
         {syndication::v1::GetArticleRequest::descriptor()->file(),
          syndication::v1::PublishArticleRequest::descriptor()->file(),
          syndication::v1::CreatePartnerRequest::descriptor()->file()}) {
      for (int i = 0; i < file->service_count(); ++i) {
        const google::protobuf::ServiceDescriptor* service = file->service(i);
        for (int m = 0; m < service->method_count(); ++m) {
          methods->insert(absl::StrCat(service->full_name(), "/", service->method(m)->name()));
        }
      }
    }
    return methods;
  }();
  return *known;
}

}  // namespace

Metrics::MethodKey Metrics::Split(absl::string_view full_method) {
  // "/syndication.v1.SyndicationService/GetArticle"
  if (!full_method.empty() && full_method.front() == '/') full_method.remove_prefix(1);
  const size_t slash = full_method.find('/');
  // Only methods the process knows get series of their own: the path is the caller's
  // choice, and one series per made-up path would grow the scrape without bound.
  if (slash != absl::string_view::npos && KnownMethods().contains(full_method)) {
    return {std::string(full_method.substr(0, slash)), std::string(full_method.substr(slash + 1))};
  }
  return {"unknown", "unknown"};
}

void Metrics::RpcStarted(absl::string_view full_method) {
  MethodKey key = Split(full_method);  // outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  ++methods_[std::move(key)].started;
}

void Metrics::RpcHandled(absl::string_view full_method, absl::StatusCode code,
                         absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  MethodKey key = Split(full_method);  // outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  MethodStats& stats = methods_[std::move(key)];
  ++stats.handled[code];
  ++stats.count;
  stats.sum_seconds += seconds;
  const auto bucket = std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds);
  if (bucket != kLatencyBuckets.end()) ++stats.buckets[bucket - kLatencyBuckets.begin()];
}

void Metrics::PartnerDelivery(absl::string_view partner_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++deliveries_[partner_id];
}

void Metrics::Publish(absl::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++publishes_[result];
}

void Metrics::FeedPollerError() { feed_poller_errors_.fetch_add(1, std::memory_order_relaxed); }

void Metrics::SetGaugeSource(std::function<absl::StatusOr<MetricsGauges>()> source) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_ = std::move(source);
}

std::string Metrics::Render() const {
  std::function<absl::StatusOr<MetricsGauges>()> source;
  std::vector<std::pair<MethodKey, MethodStats>> methods;
  std::vector<std::pair<std::string, uint64_t>> deliveries;
  std::vector<std::pair<std::string, uint64_t>> publishes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    source = gauges_;
    methods.assign(methods_.begin(), methods_.end());
    deliveries = Sorted(deliveries_);
    publishes = Sorted(publishes_);
  }
  std::sort(methods.begin(), methods.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.service, a.first.method) < std::tie(b.first.service, b.first.method);
  });
  // Outside the lock: reading the store's properties may take a moment.
  absl::StatusOr<MetricsGauges> gauges = source ? source() : MetricsGauges();

  std::string out;
  const auto labels = [](const MethodKey& key) {
    return absl::StrCat("grpc_service=\"", LabelValue(key.service), "\",grpc_method=\"",
                        LabelValue(key.method), "\"");
  };
  Header(&out, "grpc_server_started_total", "counter", "RPCs started on the server.");
  for (const auto& [key, stats] : methods) {
    absl::StrAppend(&out, "grpc_server_started_total{", labels(key), "} ", stats.started, "\n");
  }
  Header(&out, "grpc_server_handled_total", "counter",
         "RPCs completed on the server, by status code.");
  for (const auto& [key, stats] : methods) {
    std::vector<std::pair<absl::StatusCode, uint64_t>> codes(stats.handled.begin(),
                                                             stats.handled.end());
    std::sort(codes.begin(), codes.end());
    for (const auto& [code, count] : codes) {
      absl::StrAppend(&out, "grpc_server_handled_total{", labels(key), ",grpc_code=\"",
                      absl::StatusCodeToString(code), "\"} ", count, "\n");
    }
  }
  Header(&out, "grpc_server_handling_seconds", "histogram",
         "Time from the start of an RPC to its status (for a stream, its whole life).");
  for (const auto& [key, stats] : methods) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += stats.buckets[i];
      absl::StrAppend(&out, "grpc_server_handling_seconds_bucket{", labels(key), ",le=\"",
                      Number(kLatencyBuckets[i]), "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "grpc_server_handling_seconds_bucket{", labels(key), ",le=\"+Inf\"} ",
                    stats.count, "\n");
    absl::StrAppend(&out, "grpc_server_handling_seconds_sum{", labels(key), "} ",
                    Number(stats.sum_seconds), "\n");
    absl::StrAppend(&out, "grpc_server_handling_seconds_count{", labels(key), "} ", stats.count,
                    "\n");
  }
  Header(&out, "syndicate_partner_deliveries_total", "counter",
         "Stream events sent to each partner.");
  for (const auto& [partner, count] : deliveries) {
    absl::StrAppend(&out, "syndicate_partner_deliveries_total{partner=\"", LabelValue(partner),
                    "\"} ", count, "\n");
  }
  Header(&out, "syndicate_publishes_total", "counter",
         "PublishArticle calls by result: created, updated, unchanged, refused.");
  for (const auto& [result, count] : publishes) {
    absl::StrAppend(&out, "syndicate_publishes_total{result=\"", LabelValue(result), "\"} ", count,
                    "\n");
  }
  Header(&out, "syndicate_feed_poller_errors_total", "counter",
         "Polls of publishers' feeds that failed.");
  absl::StrAppend(&out, "syndicate_feed_poller_errors_total ",
                  feed_poller_errors_.load(std::memory_order_relaxed), "\n");

  Header(&out, "syndicate_metrics_gauges_ok", "gauge",
         "1 when the gauges below could be read at this scrape, else 0.");
  absl::StrAppend(&out, "syndicate_metrics_gauges_ok ", gauges.ok() ? 1 : 0, "\n");
  if (gauges.ok()) {
    const auto gauge = [&out](absl::string_view name, absl::string_view help, uint64_t value) {
      Header(&out, name, "gauge", help);
      absl::StrAppend(&out, name, " ", value, "\n");
    };
    gauge("syndicate_open_streams", "StreamArticles calls open now.", gauges->open_streams);
    gauge("syndicate_feed_head_sequence", "Sequence number of the change feed's newest event.",
          gauges->feed_head);
    gauge("syndicate_embargo_queue_length", "Embargo lifts and expiries scheduled and not yet due.",
          gauges->store.scheduled_tasks);
    gauge("syndicate_rocksdb_sst_bytes", "Bytes of the store's SST files.",
          gauges->store.sst_bytes);
    gauge("syndicate_rocksdb_memtable_bytes", "Bytes in the store's memtables.",
          gauges->store.memtable_bytes);
    gauge("syndicate_rocksdb_pending_compaction_bytes",
          "RocksDB's estimate of the bytes compaction has yet to rewrite.",
          gauges->store.pending_compaction_bytes);
    const auto counter = [&out](absl::string_view name, absl::string_view help, uint64_t value) {
      Header(&out, name, "counter", help);
      absl::StrAppend(&out, name, " ", value, "\n");
    };
    counter("syndicate_store_writes_total",
            "Story versions the store wrote since it was opened (publishes, corrections, "
            "withdrawals, embargo lifts, expiries).",
            gauges->store.commits_written);
    counter("syndicate_store_wal_syncs_total",
            "WAL syncs the store made for those writes; writes / syncs is how many writes "
            "one sync carried (group commit). 0 with --sync-writes=false.",
            gauges->store.commit_wal_syncs);
  }
  return out;
}

}  // namespace syndicate::server
