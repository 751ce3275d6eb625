#include "server/feed_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "server/cursor.h"
#include "server/error_info.h"
#include "server/lifecycle.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::ArticleEvent;
using syndication::v1::StreamArticlesRequest;

// Subject codes longer than this are not codes anyone assigns.
constexpr size_t kMaxSubjectCodeBytes = 256;

bool CarriesArticle(syndication::v1::EventType type) {
  switch (type) {
    case syndication::v1::EVENT_TYPE_PUBLISHED:
    case syndication::v1::EVENT_TYPE_UPDATED:
    case syndication::v1::EVENT_TYPE_CORRECTED:
    case syndication::v1::EVENT_TYPE_EMBARGO_LIFTED:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool StreamFilter::Matches(const storage::FeedRecord& record) const {
  // Made under embargo: partners learn of the story from its EMBARGO_LIFTED event.
  if (record.hidden()) return false;
  if (caller != nullptr && !MayReadEvent(*caller, record.source_id(), record.language(),
                                         !CarriesArticle(record.type()))) {
    return false;
  }
  if (!source_ids.empty() && !source_ids.contains(record.source_id())) return false;
  // previous_language: a story that moved out of the filter's languages is still sent
  // once, so the stream learns of it.
  if (!languages.empty() && !languages.contains(absl::AsciiStrToLower(record.language())) &&
      (record.previous_language().empty() ||
       !languages.contains(absl::AsciiStrToLower(record.previous_language())))) {
    return false;
  }
  if (!subject_codes.empty()) {
    for (const std::string& code : record.subject_codes()) {
      if (subject_codes.contains(code)) return true;
    }
    return false;
  }
  return true;
}

std::string FeedReader::CursorAt(uint64_t sequence) const {
  return FormatCursor(store_->FeedEpoch(), sequence);
}

absl::Status FeedReader::CursorExpired(absl::string_view why) const {
  return WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat(
          "after_cursor: ", why,
          "; re-sync with ListArticles, then stream after the head_cursor in the error details")),
      kCursorExpired,
      {{"oldest_cursor", CursorAt(store_->FeedStart())},
       {"head_cursor", CursorAt(store_->FeedHead())}});
}

absl::StatusOr<StreamPlan> FeedReader::Plan(const StreamArticlesRequest& request) const {
  // Checked before anything is built: the sets below are made on gRPC's threads.
  for (const auto& [field, size] : {std::pair{"source_ids", request.source_ids_size()},
                                    std::pair{"languages", request.languages_size()},
                                    std::pair{"subject_codes", request.subject_codes_size()}}) {
    if (size > kMaxFilterEntries) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": has ", size, " entries; at most ",
                                                     kMaxFilterEntries, " are allowed"));
    }
  }
  StreamPlan plan;
  for (int i = 0; i < request.source_ids_size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(
        ValidateSourceId(request.source_ids(i), absl::StrCat("source_ids[", i, "]")));
    plan.filter.source_ids.insert(request.source_ids(i));
  }
  for (int i = 0; i < request.languages_size(); ++i) {
    const std::string path = absl::StrCat("languages[", i, "]");
    if (request.languages(i).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": is empty"));
    }
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalLanguageTag(request.languages(i), path));
    plan.filter.languages.insert(absl::AsciiStrToLower(request.languages(i)));
  }
  for (int i = 0; i < request.subject_codes_size(); ++i) {
    const std::string& code = request.subject_codes(i);
    if (code.empty() || code.size() > kMaxSubjectCodeBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("subject_codes[", i, "]: must be 1 to ", kMaxSubjectCodeBytes, " bytes"));
    }
    plan.filter.subject_codes.insert(code);
  }
  if (request.has_heartbeat_interval()) {
    const absl::Duration interval = absl::Seconds(request.heartbeat_interval().seconds()) +
                                    absl::Nanoseconds(request.heartbeat_interval().nanos());
    if (interval < kMinHeartbeatInterval || interval > kMaxHeartbeatInterval) {
      return absl::InvalidArgumentError(absl::StrCat(
          "heartbeat_interval: ", absl::FormatDuration(interval), " is outside [1s, 1h]"));
    }
    plan.heartbeat_interval = interval;
  }

  const uint64_t head = store_->FeedHead();
  switch (request.start_case()) {
    case StreamArticlesRequest::kPosition:
      if (request.position() == StreamArticlesRequest::POSITION_BEGINNING) {
        plan.after = store_->FeedStart();
      } else if (request.position() == StreamArticlesRequest::POSITION_NOW) {
        plan.after = head;
      } else {
        return absl::InvalidArgumentError(
            "position: must be POSITION_BEGINNING or POSITION_NOW (or give after_cursor)");
      }
      return plan;
    case StreamArticlesRequest::kAfterCursor: {
      SYNDICATE_ASSIGN_OR_RETURN(Cursor cursor,
                                 ParseCursor(request.after_cursor(), "after_cursor"));
      if (cursor.epoch != store_->FeedEpoch()) {
        return CursorExpired("the cursor is from another feed history (epoch)");
      }
      if (cursor.sequence > head) {
        // A replica behind its log (another replica gave the cursor) serves the stream once
        // it has applied that far: the stream waits, as a caught-up stream waits.
        SYNDICATE_ASSIGN_OR_RETURN(const uint64_t end, store_->LogEnd());
        if (cursor.sequence > end) {
          return absl::OutOfRangeError(
              absl::StrCat("after_cursor: is beyond the head of the feed (", CursorAt(end), ")"));
        }
      }
      if (cursor.sequence < store_->FeedStart()) {
        return CursorExpired("the feed no longer holds the events after this cursor");
      }
      plan.after = cursor.sequence;
      return plan;
    }
    case StreamArticlesRequest::START_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("start: give after_cursor or position");
}

absl::StatusOr<FeedBatch> FeedReader::Read(const StreamFilter& filter, uint64_t after,
                                           int max_records) const {
  FeedBatch batch;
  batch.head = store_->FeedHead();
  batch.scanned_to = after;
  if (after >= batch.head) return batch;
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::FeedRecord> records,
                             store_->ReadFeed(after, max_records));
  // One ReadFeed sees one consistent state, so its records are contiguous; retention shows
  // as a first record past after + 1, or as no record at all below the head.
  if (records.empty() || records.front().sequence() != after + 1) {
    return CursorExpired("the stream fell behind what the feed retains");
  }
  for (storage::FeedRecord& record : records) {
    batch.scanned_to = record.sequence();
    if (filter.Matches(record)) batch.matched.push_back(std::move(record));
  }
  // Appends may have landed between reading the head and reading the records.
  batch.head = std::max(batch.head, batch.scanned_to);
  return batch;
}

absl::StatusOr<ArticleEvent> FeedReader::Event(const storage::FeedRecord& record) const {
  ArticleEvent event;
  event.set_cursor(CursorAt(record.sequence()));
  event.set_type(record.type());
  event.set_article_id(record.article_id());
  event.set_version(record.version());
  event.set_source_id(record.source_id());
  *event.mutable_time() = record.time();
  if (!CarriesArticle(record.type())) {
    // The tombstone version this event made.
    SYNDICATE_ASSIGN_OR_RETURN(syndication::v1::Article tombstone,
                               store_->GetArticle(record.article_id(), record.version()));
    event.set_pubstatus(tombstone.pubstatus());
    event.set_reason(tombstone.withdrawal_reason());
    return event;
  }
  // A story withdrawn, killed or expired since this event shows as its tombstone: its text
  // is not replayed to a stream reading the backlog.
  SYNDICATE_ASSIGN_OR_RETURN(syndication::v1::Article latest,
                             store_->GetArticle(record.article_id()));
  if (IsTombstone(latest)) {
    event.set_pubstatus(latest.pubstatus());
    event.set_reason(latest.withdrawal_reason());
    return event;
  }
  // A live stream reads the version just published, which is still the latest: the store
  // keeps the same bytes as the latest and as that version, so one read serves both.
  if (latest.version() == record.version()) {
    *event.mutable_article() = std::move(latest);
  } else {
    SYNDICATE_ASSIGN_OR_RETURN(*event.mutable_article(),
                               store_->GetArticle(record.article_id(), record.version()));
  }
  event.set_pubstatus(event.article().pubstatus());
  return event;
}

}  // namespace syndicate::server
