// The domain layer: the syndication rules between the gRPC handlers and the store.
// Validation, attribution defaults from the Source, signing, idempotent publishing, the
// story's lifecycle (server/lifecycle.h), what partners may see (embargoes, tombstones)
// and AIP-158 pagination live here. No gRPC types: every method takes and
// returns the API's protobuf messages and absl::Status, so it is testable without a
// server.
//
// Error codes (each message names the request field and its problem):
//   INVALID_ARGUMENT  the request is malformed (see each method).
//   NOT_FOUND         the named source, story or version does not exist, or `caller` may not
//                     read it (server/authz.h): the two read the same.
//   PERMISSION_DENIED `caller`'s role may not make the change (server/authz.h).
//
// Every method takes the caller's Principal; its default, Principal::Operator(), is the
// trusted caller of a server without authentication (and of tests). Articles returned to
// a partner carry its DeliveryInfo (SetDelivery).
//   UNAVAILABLE       the store could not be read or written; nothing was changed.
//   DATA_LOSS         the store found corrupt data.
#ifndef SYNDICATE_SERVER_SYNDICATION_CORE_H_
#define SYNDICATE_SERVER_SYNDICATION_CORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/article_signing.h"
#include "server/authz.h"
#include "server/feed_hub.h"
#include "server/feed_reader.h"
#include "server/page_token.h"
#include "server/usage_recorder.h"
#include "storage/store.h"
#include "syndication/v1/publishing_service.pb.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::server {

// Most source ids one GetUsageReport may name.
inline constexpr int kMaxUsageSourceIds = 100;
// Most recorded deliveries one GetUsageReport page looks at (see Store::ListDeliveries).
inline constexpr int kMaxUsageExaminedPerPage = 10000;

// Most ids one BatchGetArticles may ask for (AIP-231).
inline constexpr int kMaxBatchGetIds = 100;
// Most bytes of articles one response carries, so that it stays under gRPC's default 4 MiB
// receive limit. A list page ends early when the next article would pass it (AIP-158
// allows short pages); a page always holds at least one article.
inline constexpr size_t kMaxResponseBytes = 3 * 1024 * 1024;

// One article of a response as bytes: `stored` followed by `delivery` is the serialized
// Article the caller receives (protobuf merges a message field that comes last into what
// came before, and stored records have no `delivery`).
struct ServedArticle {
  // The version as stored (Store::GetArticleBytes), or for a record that did have a
  // `delivery`, the version parsed, given the caller's and serialized again.
  std::string stored;
  // The caller's DeliveryInfo (SetDelivery) as a serialized Article holding only `delivery`
  // (its tag, length and bytes); empty when the caller is not a partner.
  std::string delivery;
  // What it delivers, for the usage report: the version, or nothing for a tombstone.
  std::vector<DeliveredStory> delivered;
};

// A page of ListArticles as the server sends it (SyndicationCore::ServeList).
struct ServedPage {
  // A serialized syndication.v1::ListArticlesResponse: each story as ServedArticle's
  // stored + delivery, then next_page_token.
  std::string bytes;
  // What it delivers, for the usage report: every story on it but tombstones.
  std::vector<DeliveredStory> delivered;
};

// Thread-safe: every method may be called concurrently.
class SyndicationCore {
 public:
  // Returns the current time; tests substitute a fixed clock.
  using Clock = std::function<absl::Time()>;

  // `store` is not owned and must outlive the core. Reads the page-token key from the store
  // and registers `signing_key` in it (GetSigningKeys lists it from then on).
  static absl::StatusOr<std::unique_ptr<SyndicationCore>> Create(storage::Store* store,
                                                                 SigningKey signing_key,
                                                                 Clock clock = absl::Now);

  // Unregisters the append listener and flushes the usage recorder.
  ~SyndicationCore();

  // PublishingService.UpsertSource. INVALID_ARGUMENT as ValidateSource describes.
  absl::StatusOr<syndication::v1::Source> UpsertSource(
      const syndication::v1::UpsertSourceRequest& request,
      const Principal& caller = Principal::Operator());

  // PublishingService.PublishArticle: applies the Source's defaults, validates, checks a
  // publisher signature, decides the change (DecidePublish), signs and stores it. A
  // request_id is remembered for this method and this story (source_id, external_id): the
  // same id for another story is another request.
  // NOT_FOUND when article.source_id names no source; INVALID_ARGUMENT as ValidateArticle
  // and ValidateExpiry describe, for a malformed request_id or etag, or a publisher
  // signature that is missing or does not verify; INVALID_ARGUMENT, FAILED_PRECONDITION
  // and ABORTED as DecidePublish describes.
  absl::StatusOr<syndication::v1::PublishArticleResponse> PublishArticle(
      const syndication::v1::PublishArticleRequest& request,
      const Principal& caller = Principal::Operator());

  // PublishingService.WithdrawArticle. A request_id is remembered for this method and this
  // id. INVALID_ARGUMENT for a malformed id, request_id or etag, or a missing reason; the
  // rest as DecideWithdraw describes.
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> WithdrawArticle(
      const syndication::v1::WithdrawArticleRequest& request,
      const Principal& caller = Principal::Operator());

  // The feed poller's withdrawal of the story (source_id, external_id) that its feed said
  // was deleted (an RFC 6721 tombstone, a ninjs item withheld or canceled): as
  // WithdrawArticle, with the story found by its external id. Returns the tombstone, or
  // nullopt when there is nothing to withdraw: no such story, or it is already withdrawn
  // (or killed, when `kill` is false). PERMISSION_DENIED when `caller` may not write to
  // source_id; the rest as DecideWithdraw describes.
  absl::StatusOr<std::optional<syndication::v1::Article>> WithdrawByExternalId(
      absl::string_view source_id, absl::string_view external_id, absl::string_view reason,
      bool kill, const Principal& caller);

  // The feed poller's publish of one feed item: as PublishArticle, except that a story
  // whose latest version is a tombstone (withdrawn, killed or expired) is left as it is,
  // OUTCOME_UNCHANGED: an item a feed still lists must not undo a withdrawal.
  absl::StatusOr<syndication::v1::PublishArticleResponse> PublishFeedItem(
      const syndication::v1::Article& article, const Principal& caller);

  // Every source that lists feed_urls, without feed_statuses, in id order.
  absl::StatusOr<std::vector<syndication::v1::Source>> SourcesWithFeeds() const;
  // Source `id` as stored, without feed_statuses (the poller's re-read before a poll).
  // NOT_FOUND when there is none.
  absl::StatusOr<syndication::v1::Source> StoredSource(absl::string_view id) const {
    return store_->GetSource({id.data(), id.size()});
  }

  // What the feed poller stored about feed `url` of `source_id`, or a FeedState holding
  // only those two when it stored nothing yet.
  absl::StatusOr<storage::FeedState> LoadFeedState(absl::string_view source_id,
                                                   absl::string_view url) const;
  // Stores it (Store::PutFeedState).
  absl::Status SaveFeedState(const storage::FeedState& state);

  // SyndicationService.ListArticleVersions. As GetArticle for what is visible: when the
  // latest version is, every version is (a tombstone stands for them all).
  absl::StatusOr<syndication::v1::ListArticleVersionsResponse> ListArticleVersions(
      const syndication::v1::ListArticleVersionsRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // SyndicationService.GetSigningKeys.
  absl::StatusOr<syndication::v1::GetSigningKeysResponse> GetSigningKeys() const;

  // Lifts every embargo and applies every expiry due now (each a new version and event).
  // Returns how many stories changed.
  absl::StatusOr<int> RunDueTasks();

  // When the next embargo lift or expiry falls due; nullopt when none is pending.
  absl::StatusOr<std::optional<absl::Time>> NextTaskTime() const;

  // Called with a version's embargo or expiry time after each change that stored one, so
  // the caller can run RunDueTasks then. Set once, before serving.
  void SetScheduleListener(std::function<void(absl::Time)> listener) {
    schedule_listener_ = std::move(listener);
  }

  // SyndicationService.GetArticle. INVALID_ARGUMENT for a malformed id or negative version.
  // ServeArticle's answer, parsed.
  absl::StatusOr<syndication::v1::Article> GetArticle(
      const syndication::v1::GetArticleRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // SyndicationService.GetArticle as the server answers it: the stored bytes, not a message
  // (ServedArticle). The version's visibility is decided from its visibility fields alone
  // (ParseVisibilityFields). With ReadTier::kMemoryOnly, nullopt when an answer needs the
  // disk (ask again with kAnywhere, off gRPC's threads); never nullopt with kAnywhere.
  // Errors as GetArticle.
  absl::StatusOr<std::optional<ServedArticle>> ServeArticle(
      const syndication::v1::GetArticleRequest& request, const Principal& caller,
      storage::Store::ReadTier tier = storage::Store::ReadTier::kAnywhere) const;

  // SyndicationService.BatchGetArticles. INVALID_ARGUMENT for no ids, more than
  // kMaxBatchGetIds, a malformed id, or articles that together pass kMaxResponseBytes
  // (ask for fewer); NOT_FOUND names the first missing id.
  absl::StatusOr<syndication::v1::BatchGetArticlesResponse> BatchGetArticles(
      const syndication::v1::BatchGetArticlesRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // SyndicationService.ListArticles. INVALID_ARGUMENT for a negative page_size, a malformed
  // source id, start_time not before end_time, or a page_token that is altered, foreign or
  // was issued for another filter.
  // ServeList's answer, parsed.
  absl::StatusOr<syndication::v1::ListArticlesResponse> ListArticles(
      const syndication::v1::ListArticlesRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // SyndicationService.ListArticles as the server answers it: the stored bytes of each
  // story, not messages (ServedPage); visibility from each story's visibility fields
  // alone, as ServeArticle. Errors as ListArticles; DATA_LOSS for a stored story that is
  // not a well-formed message.
  absl::StatusOr<ServedPage> ServeList(const syndication::v1::ListArticlesRequest& request,
                                       const Principal& caller) const;

  // PublishingService.GetUsageReport: the deliveries the usage recorder wrote (those still
  // queued in it are not shown). PERMISSION_DENIED for a partner, or a publisher naming in
  // source_ids a source it is not bound to; INVALID_ARGUMENT for more than
  // kMaxUsageSourceIds source ids, a malformed source id, article_id or partner_id,
  // start_time not before end_time, a negative page_size or a bad page_token.
  absl::StatusOr<syndication::v1::GetUsageReportResponse> GetUsageReport(
      const syndication::v1::GetUsageReportRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // Where the server records what partners were delivered (Get, BatchGet, List,
  // ListArticleVersions and the stream), for GetUsageReport; the server flushes it.
  UsageRecorder& usage() const { return *usage_; }

  // SyndicationService.GetSource. INVALID_ARGUMENT for a malformed id. feed_urls,
  // feed_poll_interval and feed_statuses are shown to the source's publishers and admins
  // only (as in ListSources and the UpsertSource response).
  absl::StatusOr<syndication::v1::Source> GetSource(
      const syndication::v1::GetSourceRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // SyndicationService.ListSources. INVALID_ARGUMENT for a negative page_size or a bad token.
  absl::StatusOr<syndication::v1::ListSourcesResponse> ListSources(
      const syndication::v1::ListSourcesRequest& request,
      const Principal& caller = Principal::Operator()) const;

  // The change feed as streams read it, and the hub that wakes them on every append (the
  // core registers it as the store's append listener).
  const FeedReader& feed_reader() const { return feed_reader_; }
  FeedHub& feed_hub() { return feed_hub_; }

  // Applies feed retention now: removes the events `retention` no longer keeps. Returns
  // how many were removed. Errors of Store::TrimFeed.
  absl::StatusOr<uint64_t> TrimFeed(const storage::FeedRetention& retention);

 private:
  SyndicationCore(storage::Store* store, SigningKey signing_key, Clock clock,
                  PageTokenCodec page_tokens);

  // The latest version of story `id` as `caller` may see it: NOT_FOUND (named `field_path`)
  // when it does not exist, is under embargo at `now`, or `caller` may not read it.
  absl::StatusOr<syndication::v1::Article> VisibleLatest(absl::string_view id,
                                                         absl::string_view field_path,
                                                         absl::Time now,
                                                         const Principal& caller) const;

  // PublishArticle and PublishFeedItem.
  absl::StatusOr<syndication::v1::PublishArticleResponse> Publish(
      const syndication::v1::PublishArticleRequest& request, const Principal& caller,
      bool leave_tombstones);

  // Fills source->feed_statuses, one per feed_urls entry, for a caller who may write to the
  // source; for anyone else (a partner) clears feed_urls and feed_poll_interval as well.
  absl::Status AddFeedStatuses(syndication::v1::Source* source, const Principal& caller) const;

  // Tells the schedule listener about `version`'s embargo and expiry times.
  void NoteSchedule(const syndication::v1::Article& version) const;

  storage::Store* const store_;
  const SigningKey signing_key_;
  const Clock clock_;
  const PageTokenCodec page_tokens_;
  const FeedReader feed_reader_;
  FeedHub feed_hub_;
  std::function<void(absl::Time)> schedule_listener_;
  const std::unique_ptr<UsageRecorder> usage_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SYNDICATION_CORE_H_
