#include "server/usage_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/timestamps.h"
#include "server/lifecycle.h"

namespace syndicate::server {

UsageRecorder::UsageRecorder(storage::Store* store) : store_(store) {}

void UsageRecorder::Record(absl::string_view partner_id, const syndication::v1::Article& article,
                           syndication::v1::DeliveryChannel channel, absl::Time now) {
  if (IsTombstone(article)) return;
  Record(partner_id, article.id(), article.version(), article.source_id(), channel, now);
}

void UsageRecorder::Record(absl::string_view partner_id, absl::string_view article_id,
                           int64_t version, absl::string_view source_id,
                           syndication::v1::DeliveryChannel channel, absl::Time now) {
  if (partner_id.empty()) return;
  // Article ids have a fixed length, so the parts cannot run into each other.
  std::string key = absl::StrCat(article_id, version, "/", partner_id);
  std::lock_guard<std::mutex> lock(mu_);
  if (current_.contains(key) || previous_.contains(key)) return;
  if (queue_.size() >= kUsageMaxQueued) {
    ++dropped_;
    return;
  }
  if (current_.size() >= kUsageRememberPerGeneration) {
    previous_ = std::exchange(current_, {});
  }
  current_.insert(std::move(key));
  syndication::v1::Delivery& delivery = queue_.emplace_back();
  delivery.set_partner_id(std::string(partner_id));
  delivery.set_article_id(std::string(article_id));
  delivery.set_version(version);
  delivery.set_source_id(std::string(source_id));
  *delivery.mutable_delivered_at() = ToTimestamp(now);
  delivery.set_channel(channel);
}

absl::Status UsageRecorder::Flush() {
  std::lock_guard<std::mutex> flushing(flush_mu_);
  std::vector<syndication::v1::Delivery> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  if (batch.empty()) return absl::OkStatus();
  absl::StatusOr<int> recorded = store_->RecordDeliveries(batch);
  if (recorded.ok()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  // Back in front of what was queued meanwhile, so the first delivery stays first.
  batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
               std::make_move_iterator(queue_.end()));
  queue_ = std::move(batch);
  return recorded.status();
}

size_t UsageRecorder::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace syndicate::server
