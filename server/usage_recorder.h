// Records the first delivery of each (partner, story, version) for the usage report
// (PublishingService.GetUsageReport), at a bounded cost per delivery.
//
// Record() never touches the disk, so stream reactions may call it: a delivery this
// recorder remembers having queued costs one hash lookup; any other is queued. Flush()
// writes the queue in one WriteBatch (Store::RecordDeliveries, which keeps only the first
// delivery per key, so a forgotten one costs one read and no write). Each (partner, story,
// version) is therefore written at most once, whatever the number of reads.
//
// The server flushes every second and at shutdown; a crash of the process loses at most
// what was queued since the last flush.
#ifndef SYNDICATE_SERVER_USAGE_RECORDER_H_
#define SYNDICATE_SERVER_USAGE_RECORDER_H_

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "storage/store.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.pb.h"

namespace syndicate::server {

// Most deliveries queued; past that (the store has not taken a flush for a long while),
// Record() drops new ones and counts them (dropped()).
inline constexpr size_t kUsageMaxQueued = 1000000;
// Keys remembered per generation; two generations are kept, so the most recent
// kUsageRememberPerGeneration to 2 × that deliveries are deduplicated in memory.
inline constexpr size_t kUsageRememberPerGeneration = 100000;

// Thread-safe.
class UsageRecorder {
 public:
  // `store` is not owned and must outlive the recorder.
  explicit UsageRecorder(storage::Store* store);

  // Notes that version `version` of story `article_id` (of source `source_id`) was
  // delivered to partner `partner_id` by `channel` at `now`.
  void Record(absl::string_view partner_id, absl::string_view article_id, int64_t version,
              absl::string_view source_id, syndication::v1::DeliveryChannel channel,
              absl::Time now);
  // As above, for `article`; a tombstone (no content) is not recorded.
  void Record(absl::string_view partner_id, const syndication::v1::Article& article,
              syndication::v1::DeliveryChannel channel, absl::Time now);

  // Writes every queued delivery. On a store error the deliveries go back to the queue
  // for the next flush, and the error is returned.
  absl::Status Flush();

  // Deliveries dropped because the queue was full.
  size_t dropped() const;

 private:
  storage::Store* const store_;
  // Serializes Flush() calls, so that a retried batch keeps its place before newer ones.
  std::mutex flush_mu_;
  mutable std::mutex mu_;
  std::vector<syndication::v1::Delivery> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> current_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> previous_ ABSL_GUARDED_BY(mu_);
  size_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_USAGE_RECORDER_H_
