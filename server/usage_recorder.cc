#include "server/usage_recorder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/timestamps.h"
#include "server/lifecycle.h"

namespace syndicate::server {

UsageRecorder::UsageRecorder(storage::Store* store) : store_(store) {}

std::vector<DeliveredStory> DeliveredStories(
    const google::protobuf::RepeatedPtrField<syndication::v1::Article>& articles) {
  std::vector<DeliveredStory> stories;
  for (const syndication::v1::Article& article : articles) {
    if (IsTombstone(article)) continue;
    stories.push_back({article.id(), article.version(), article.source_id()});
  }
  return stories;
}

std::vector<DeliveredStory> DeliveredStories(const syndication::v1::Article& article) {
  if (IsTombstone(article)) return {};
  return {{article.id(), article.version(), article.source_id()}};
}

void UsageRecorder::Record(absl::string_view partner_id, const DeliveredStory& story,
                           syndication::v1::DeliveryChannel channel) {
  if (partner_id.empty()) return;
  // Article ids have a fixed length, so the parts cannot run into each other.
  std::string key = absl::StrCat(story.article_id, story.version, "/", partner_id);
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
  delivery.set_article_id(story.article_id);
  delivery.set_version(story.version);
  delivery.set_source_id(story.source_id);
  *delivery.mutable_delivered_at() = ToTimestamp(absl::Now());
  delivery.set_channel(channel);
}

absl::Time UsageRecorder::CompleteUntil() const {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Time until = absl::Now();
  if (!queue_.empty()) until = std::min(until, ToAbslTime(queue_.front().delivered_at()));
  if (writing_since_.has_value()) until = std::min(until, *writing_since_);
  return until;
}

absl::Status UsageRecorder::Flush() {
  std::lock_guard<std::mutex> flushing(flush_mu_);
  std::vector<syndication::v1::Delivery> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return absl::OkStatus();
    batch.swap(queue_);
    writing_since_ = ToAbslTime(batch.front().delivered_at());
  }
  absl::StatusOr<int> recorded = store_->RecordDeliveries(batch);
  std::lock_guard<std::mutex> lock(mu_);
  writing_since_.reset();
  if (recorded.ok()) return absl::OkStatus();
  if (absl::IsInvalidArgument(recorded.status())) {
    // Never written, however often retried: dropped, so the deliveries after it are not
    // held up behind it.
    dropped_ += batch.size();
    return recorded.status();
  }
  // Back in front of what was queued meanwhile, so the queue stays in time order; what
  // passes kUsageMaxQueued is dropped.
  const size_t room = kUsageMaxQueued > queue_.size() ? kUsageMaxQueued - queue_.size() : 0;
  if (batch.size() > room) {
    dropped_ += batch.size() - room;
    batch.resize(room);
  }
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
