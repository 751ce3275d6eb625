// The server's Prometheus metrics: counters and a latency histogram that the gRPC
// interceptor (server/observability.h) and the stream machinery feed, gauges read when
// scraped, and the text exposition format (version 0.0.4) that /metrics serves.
//
// Families:
//   grpc_server_started_total{grpc_service,grpc_method}          calls started
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_code} calls finished, by status
//   grpc_server_handling_seconds{grpc_service,grpc_method}       histogram, start to status
//   syndicate_open_streams                                       StreamArticles calls open
//   syndicate_feed_head_sequence                                 the change feed's head
//   syndicate_partner_deliveries_total{partner}                  stream events sent a partner
//   syndicate_publishes_total{result}                            created|updated|unchanged|refused
//   syndicate_embargo_queue_length                               embargo lifts and expiries pending
//   syndicate_feed_poller_errors_total                           feed polls that failed
//   syndicate_rocksdb_sst_bytes, syndicate_rocksdb_memtable_bytes,
//   syndicate_rocksdb_pending_compaction_bytes                   store sizes (storage::StoreStats)
//   syndicate_store_writes_total, syndicate_store_wal_syncs_total story versions written, and
//                                                                the WAL syncs that made them
//                                                                durable
#ifndef SYNDICATE_SERVER_METRICS_H_
#define SYNDICATE_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace syndicate::server {

// Values read when /metrics is scraped.
struct MetricsGauges {
  uint64_t open_streams = 0;
  uint64_t feed_head = 0;
  storage::StoreStats store;
};

// Thread-safe: every method may be called from any thread at any time.
class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds (then +Inf).
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

  // A call to `full_method` ("/package.Service/Method") started.
  void RpcStarted(absl::string_view full_method);
  // A call to `full_method` finished with `code` after `latency` (for a stream, its life).
  void RpcHandled(absl::string_view full_method, absl::StatusCode code, absl::Duration latency);
  // A stream sent one event to `partner_id`.
  void PartnerDelivery(absl::string_view partner_id);
  // A PublishArticle call ended: "created", "updated", "unchanged", or "refused" (any error).
  void Publish(absl::string_view result);
  // The feed poller (importing from publishers' feeds) failed one poll.
  void FeedPollerError();

  // Where the gauges come from; called on the scraping thread. Unset: they read 0. An error
  // leaves them out of that scrape and sets syndicate_metrics_gauges_ok to 0.
  void SetGaugeSource(std::function<absl::StatusOr<MetricsGauges>()> source);

  // Every family, in the Prometheus text exposition format.
  std::string Render() const;

 private:
  struct MethodKey {
    std::string service;
    std::string method;
    template <typename H>
    friend H AbslHashValue(H h, const MethodKey& k) {
      return H::combine(std::move(h), k.service, k.method);
    }
    bool operator==(const MethodKey& other) const {
      return service == other.service && method == other.method;
    }
  };
  struct MethodStats {
    uint64_t started = 0;
    absl::flat_hash_map<absl::StatusCode, uint64_t> handled;
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
  };

  static MethodKey Split(absl::string_view full_method);

  mutable std::mutex mu_;
  absl::flat_hash_map<MethodKey, MethodStats> methods_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> deliveries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> publishes_ ABSL_GUARDED_BY(mu_);
  std::function<absl::StatusOr<MetricsGauges>()> gauges_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> feed_poller_errors_{0};
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_METRICS_H_
