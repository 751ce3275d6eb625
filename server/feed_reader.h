// The domain side of StreamArticles: validating a stream request and resolving where it
// starts, reading the change feed in batches through a filter, and turning feed records
// into the events partners receive. No gRPC types; the reactor in stream_session.h drives
// it.
#ifndef SYNDICATE_SERVER_FEED_READER_H_
#define SYNDICATE_SERVER_FEED_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/authz.h"
#include "storage/store.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::server {

// Heartbeat interval when the request leaves it unset.
inline constexpr absl::Duration kDefaultHeartbeatInterval = absl::Seconds(15);
inline constexpr absl::Duration kMinHeartbeatInterval = absl::Seconds(1);
inline constexpr absl::Duration kMaxHeartbeatInterval = absl::Hours(1);
// Most entries in each of a stream's filters (source_ids, languages, subject_codes).
inline constexpr int kMaxFilterEntries = 100;

// Which events a stream wants. An empty set means "any". Events of versions made under
// embargo (FeedRecord.hidden) never match, nor events `caller` may not read
// (MayReadEvent, server/authz.h). A language matches FeedRecord.language or
// previous_language; a subject code any of FeedRecord.subject_codes (which include those
// the previous version had): so a story's event that takes it out of the filter, or takes
// it down, still matches once.
struct StreamFilter {
  // Who is streaming; nullptr means anyone may read everything (the operator). Replaced
  // when the caller's key or partner changes.
  std::shared_ptr<const Principal> caller;
  absl::flat_hash_set<std::string> source_ids;
  absl::flat_hash_set<std::string> languages;  // ASCII lower case
  absl::flat_hash_set<std::string> subject_codes;

  bool Matches(const storage::FeedRecord& record) const;
};

// A validated StreamArticlesRequest.
struct StreamPlan {
  StreamFilter filter;
  // The stream starts after this sequence.
  uint64_t after = 0;
  absl::Duration heartbeat_interval = kDefaultHeartbeatInterval;
};

// One read of the feed.
struct FeedBatch {
  // The records that matched, in feed order.
  std::vector<storage::FeedRecord> matched;
  // The last sequence examined; the reader's next read starts after it.
  uint64_t scanned_to = 0;
  // The feed's head when the batch was read.
  uint64_t head = 0;
};

// Thread-safe; `store` is not owned and must outlive the reader.
class FeedReader {
 public:
  explicit FeedReader(const storage::Store* store) : store_(store) {}

  // The cursor string for a position in this feed.
  std::string CursorAt(uint64_t sequence) const;

  // The sequence of the last event appended.
  uint64_t head() const { return store_->FeedHead(); }

  // Validates `request` and resolves its start. INVALID_ARGUMENT for a malformed cursor,
  // source id, language or subject code, more than kMaxFilterEntries entries in a filter,
  // no start, or a heartbeat interval outside [1 s, 1 h]; FAILED_PRECONDITION with
  // ErrorInfo CURSOR_EXPIRED for a cursor of another epoch or older than FeedStart();
  // OUT_OF_RANGE for a cursor beyond the head (with a replicated log, beyond the log's end:
  // a cursor between this replica's head and the log's end starts a stream that waits for
  // the replica to catch up); UNAVAILABLE when the log does not answer then.
  absl::StatusOr<StreamPlan> Plan(const syndication::v1::StreamArticlesRequest& request) const;

  // Examines up to `max_records` records after `after` and returns the matching ones.
  // FAILED_PRECONDITION with ErrorInfo CURSOR_EXPIRED when retention removed events after
  // `after` (the reader fell behind); errors of Store::ReadFeed otherwise.
  absl::StatusOr<FeedBatch> Read(const StreamFilter& filter, uint64_t after, int max_records) const;

  // The event partners receive for `record`: with the article as of record.version for
  // PUBLISHED, UPDATED, CORRECTED and EMBARGO_LIFTED; with the tombstone fields (pubstatus,
  // reason) for the others — and for every event of a story that is now withdrawn, killed
  // or expired, whose text is then not sent. Errors of Store::GetArticle.
  absl::StatusOr<syndication::v1::ArticleEvent> Event(const storage::FeedRecord& record) const;

  // FAILED_PRECONDITION with ErrorInfo CURSOR_EXPIRED {oldest_cursor, head_cursor}.
  absl::Status CursorExpired(absl::string_view why) const;

 private:
  const storage::Store* const store_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_FEED_READER_H_
