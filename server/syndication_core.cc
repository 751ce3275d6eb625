#include "server/syndication_core.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/article_signing.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/article_view.h"
#include "server/lifecycle.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::Article;
using syndication::v1::DefaultAttribution;
using syndication::v1::Source;

void FillIfEmpty(std::string* field, const std::string& fallback) {
  if (field->empty()) *field = fallback;
}

// Fills what the publisher left empty from the Source's default attribution. Media items
// inherit the story's credit and copyright only when the defaults cover media (as a
// scraped page's "information and images from X" does); otherwise validation asks for
// their own credit.
void ApplyDefaults(const DefaultAttribution& defaults, Article* article) {
  auto* attribution = article->mutable_attribution();
  FillIfEmpty(attribution->mutable_credit_line(), defaults.credit_line());
  FillIfEmpty(attribution->mutable_original_publisher(), defaults.original_publisher());
  FillIfEmpty(attribution->mutable_copyright_holder(), defaults.copyright_holder());
  FillIfEmpty(attribution->mutable_copyright_notice(), defaults.copyright_notice());
  FillIfEmpty(attribution->mutable_usage_terms(), defaults.usage_terms());
  FillIfEmpty(attribution->mutable_license_url(), defaults.license_url());
  if (defaults.covers_media()) {
    for (auto& media : *article->mutable_media()) {
      FillIfEmpty(media.mutable_credit(), attribution->credit_line());
      FillIfEmpty(media.mutable_copyright_notice(), attribution->copyright_notice());
    }
  }
}

// Everything the service sets; a publish's values for them are ignored. pubstatus is not
// among them: a publish may say USABLE, and any other value is refused (ValidateArticle)
// rather than dropped, so a publisher who meant to withdraw learns it did not.
void ClearOutputOnly(Article* article) {
  article->clear_id();
  article->clear_version();
  article->clear_first_created();
  article->clear_version_created();
  article->clear_corrections();
  article->clear_content_hash();
  article->clear_signature();
  article->clear_etag();
  article->clear_withdrawal_reason();
  article->clear_delivery();
}

// AIP-155: 1 to 128 printable ASCII characters, or empty for none.
absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > 128 || !std::all_of(request_id.begin(), request_id.end(),
                                              [](char c) { return c > 0x20 && c < 0x7F; })) {
    return absl::InvalidArgumentError(
        "request_id: must be 1 to 128 printable ASCII characters without spaces (a UUID is a "
        "good choice)");
  }
  return absl::OkStatus();
}

// A new story's id: 128 random bits as 32 lowercase hex digits.
std::string NewArticleId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof(bytes));
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), 16));
}

// The key a request_id is remembered under: ids are kept per method and per target — the
// story a publish names (source_id, external_id), the id a withdrawal names — so the same
// id sent to another method, or for another story, names another request, and neither
// replays the other's response. Each part of the target is length-prefixed
// ("PublishArticle/6:source/4:ext1/REQ"), so no two targets make the same key whatever
// they hold. Empty stays empty: no id, nothing remembered.
std::string ScopedRequestId(absl::string_view method,
                            std::initializer_list<absl::string_view> target,
                            absl::string_view request_id) {
  if (request_id.empty()) return std::string();
  std::string key(method);
  for (absl::string_view part : target) absl::StrAppend(&key, "/", part.size(), ":", part);
  absl::StrAppend(&key, "/", request_id);
  return key;
}

// How long a request_id is remembered (AIP-155).
constexpr absl::Duration kRequestIdLifetime = absl::Hours(24);

// At most this many stories are examined for one list page; past it the page ends short
// with a token (AIP-158 allows it), so a run of hidden stories cannot make one call
// unbounded.
constexpr int kMaxExaminedPerPage = 5000;

absl::Status NotFoundArticle(absl::string_view field_path, absl::string_view id, int64_t version) {
  if (version > 0) {
    return absl::NotFoundError(
        absl::StrCat(field_path, ": article \"", id, "\" has no version ", version));
  }
  return absl::NotFoundError(absl::StrCat(field_path, ": no article has id \"", id, "\""));
}

// One version as ServeArticle reads it: the stored bytes and the fields that decide who may
// see it.
struct StoredVersion {
  std::string bytes;
  Article fields;  // ParseVisibilityFields
};

// Version `version` (0: the latest) of story `id`; nullopt when `tier` forbids the disk and
// the answer is there. Errors of Store::GetArticleBytes; DATA_LOSS for unreadable bytes.
absl::StatusOr<std::optional<StoredVersion>> ReadVersion(const storage::Store& store,
                                                         absl::string_view id, int64_t version,
                                                         storage::Store::ReadTier tier) {
  SYNDICATE_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                             store.GetArticleBytes({id.data(), id.size()}, version, tier));
  if (!bytes.has_value()) return std::nullopt;
  std::optional<Article> fields = ParseVisibilityFields(*bytes);
  if (!fields.has_value()) return absl::DataLossError(absl::StrCat("cannot parse article ", id));
  return StoredVersion{*std::move(bytes), *std::move(fields)};
}

// Appends field `field` of a message, length-delimited (wire type 2), holding `bytes` then
// `more`: a message field's serialization can be split so, as a message's fields may come
// in any order (the protobuf encoding guide, "Message Structure").
void AppendLengthDelimited(int field, absl::string_view bytes, absl::string_view more,
                           std::string* out) {
  uint8_t header[1 + 5];  // the tag (field < 16), then the length: a varint32 takes 5 bytes at most
  header[0] = static_cast<uint8_t>(field << 3 | 2);
  const uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(bytes.size() + more.size()), header + 1);
  out->append(reinterpret_cast<const char*>(header), end - header);
  out->append(bytes.data(), bytes.size());
  out->append(more.data(), more.size());
}

// `version` as `caller` receives it: the stored bytes and the caller's delivery.
absl::StatusOr<ServedArticle> Serve(StoredVersion version, const Principal& caller) {
  ServedArticle served;
  served.delivered = DeliveredStories(version.fields);
  if (version.fields.has_delivery()) {
    // This server never stores one (ClearOutputOnly), but a record that has one would merge
    // with the caller's: replace it on the whole message, as SetDelivery does.
    Article article;
    if (!article.ParseFromString(version.bytes)) {
      return absl::DataLossError(absl::StrCat("cannot parse article ", version.fields.id()));
    }
    SetDelivery(caller, &article);
    served.stored = article.SerializeAsString();
    return served;
  }
  served.stored = std::move(version.bytes);
  SetDelivery(caller, &version.fields);
  if (version.fields.has_delivery()) {
    Article delivery_only;
    *delivery_only.mutable_delivery() = std::move(*version.fields.mutable_delivery());
    served.delivery = delivery_only.SerializeAsString();
  }
  return served;
}

// Whether a caller reads the story whose latest version is `latest` as one that does not
// exist: under embargo, or not licensed to the caller.
bool HiddenFrom(const Principal& caller, const Article& latest, absl::Time now) {
  return UnderEmbargo(latest, now) || !MayReadArticle(caller, latest);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SyndicationCore>> SyndicationCore::Create(storage::Store* store,
                                                                         SigningKey signing_key,
                                                                         Clock clock) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  SYNDICATE_ASSIGN_OR_RETURN(std::string key,
                             store->GetOrCreateSecret(kPageTokenKeyName, kPageTokenKeyBytes));
  SYNDICATE_RETURN_IF_ERROR(
      store->RegisterSigningKey({signing_key.key_id(), signing_key.public_key(), clock()}));
  return std::unique_ptr<SyndicationCore>(new SyndicationCore(
      store, std::move(signing_key), std::move(clock), PageTokenCodec(std::move(key))));
}

SyndicationCore::SyndicationCore(storage::Store* store, SigningKey signing_key, Clock clock,
                                 PageTokenCodec page_tokens)
    : store_(store),
      signing_key_(std::move(signing_key)),
      clock_(std::move(clock)),
      page_tokens_(std::move(page_tokens)),
      feed_reader_(store),
      feed_hub_(store->FeedHead()),
      usage_(std::make_unique<UsageRecorder>(store)) {
  store_->SetAppendListener([this](uint64_t sequence) { feed_hub_.Notify(sequence); });
}

SyndicationCore::~SyndicationCore() {
  store_->SetAppendListener(nullptr);
  // What is still queued; the server flushed before, and reported any error.
  (void)usage_->Flush();
}

absl::StatusOr<uint64_t> SyndicationCore::TrimFeed(const storage::FeedRetention& retention) {
  const absl::Time now = clock_();
  SYNDICATE_RETURN_IF_ERROR(store_->TrimRequests(now - kRequestIdLifetime).status());
  return store_->TrimFeed(retention, now);
}

void SyndicationCore::NoteSchedule(const Article& version) const {
  if (!schedule_listener_) return;
  if (version.has_embargoed_until()) schedule_listener_(ToAbslTime(version.embargoed_until()));
  if (version.has_expires_at()) schedule_listener_(ToAbslTime(version.expires_at()));
}

absl::StatusOr<Source> SyndicationCore::UpsertSource(
    const syndication::v1::UpsertSourceRequest& request, const Principal& caller) {
  Source source = request.source();
  source.clear_create_time();
  source.clear_update_time();
  source.clear_feed_statuses();
  SYNDICATE_RETURN_IF_ERROR(ValidateSource(source, "source"));
  if (caller.role != syndication::v1::ROLE_ADMIN) {
    absl::StatusOr<Source> stored = store_->GetSource(source.id());
    if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
    SYNDICATE_RETURN_IF_ERROR(RequireSourceUpsert(caller, source.id(), stored.ok()));
  }
  SYNDICATE_ASSIGN_OR_RETURN(Source stored, store_->UpsertSource(std::move(source), clock_()));
  // A feed the source no longer lists is forgotten: listed again, it starts afresh.
  SYNDICATE_RETURN_IF_ERROR(
      store_->PruneFeedStates(stored.id(), {stored.feed_urls().begin(), stored.feed_urls().end()})
          .status());
  SYNDICATE_RETURN_IF_ERROR(AddFeedStatuses(&stored, caller));
  return stored;
}

absl::Status SyndicationCore::AddFeedStatuses(Source* source, const Principal& caller) const {
  source->clear_feed_statuses();
  if (!RequireWriter(caller, source->id(), "id").ok()) {
    // A feed URL may carry the publisher's access token: partners see neither.
    source->clear_feed_urls();
    source->clear_feed_poll_interval();
    return absl::OkStatus();
  }
  if (source->feed_urls().empty()) return absl::OkStatus();
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::FeedState> states,
                             store_->ListFeedStates(source->id()));
  for (const std::string& url : source->feed_urls()) {
    syndication::v1::FeedStatus* status = source->add_feed_statuses();
    const auto found = std::find_if(states.begin(), states.end(),
                                    [&](const auto& state) { return state.status().url() == url; });
    if (found != states.end()) *status = found->status();
    status->set_url(url);
  }
  return absl::OkStatus();
}

absl::StatusOr<storage::FeedState> SyndicationCore::LoadFeedState(absl::string_view source_id,
                                                                  absl::string_view url) const {
  absl::StatusOr<storage::FeedState> stored =
      store_->GetFeedState({source_id.data(), source_id.size()}, {url.data(), url.size()});
  if (!absl::IsNotFound(stored.status())) return stored;
  storage::FeedState fresh;
  fresh.set_source_id(std::string(source_id));
  fresh.mutable_status()->set_url(std::string(url));
  return fresh;
}

absl::StatusOr<std::vector<Source>> SyndicationCore::SourcesWithFeeds() const {
  constexpr int kPage = 500;
  std::vector<Source> sources;
  std::string after;
  while (true) {
    SYNDICATE_ASSIGN_OR_RETURN(std::vector<Source> page, store_->ListSources(after, kPage));
    if (page.empty()) return sources;
    after = page.back().id();
    for (Source& source : page) {
      if (!source.feed_urls().empty()) sources.push_back(std::move(source));
    }
    if (static_cast<int>(page.size()) < kPage) return sources;
  }
}

absl::Status SyndicationCore::SaveFeedState(const storage::FeedState& state) {
  return store_->PutFeedState(state);
}

absl::StatusOr<std::optional<Article>> SyndicationCore::WithdrawByExternalId(
    absl::string_view source_id, absl::string_view external_id, absl::string_view reason, bool kill,
    const Principal& caller) {
  SYNDICATE_RETURN_IF_ERROR(RequireWriter(caller, source_id, "source_id"));
  const absl::Time now = clock_();
  SYNDICATE_ASSIGN_OR_RETURN(
      storage::CommitResult result,
      store_->CommitByExternalId(
          {source_id.data(), source_id.size()}, {external_id.data(), external_id.size()}, "",
          [&](const Article* latest) -> absl::StatusOr<std::optional<storage::Change>> {
            if (latest == nullptr || latest->pubstatus() == syndication::v1::PUB_STATUS_CANCELED ||
                (latest->pubstatus() == syndication::v1::PUB_STATUS_WITHHELD && !kill)) {
              return std::nullopt;
            }
            syndication::v1::WithdrawArticleRequest request;
            request.set_id(latest->id());
            request.set_reason(std::string(reason));
            request.set_kill(kill);
            SYNDICATE_ASSIGN_OR_RETURN(storage::Change change,
                                       DecideWithdraw(latest, request, now, signing_key_));
            return change;
          }));
  if (result.sequence == 0) return std::nullopt;
  return std::move(result.latest);
}

absl::StatusOr<syndication::v1::PublishArticleResponse> SyndicationCore::PublishArticle(
    const syndication::v1::PublishArticleRequest& request, const Principal& caller) {
  return Publish(request, caller, /*leave_tombstones=*/false);
}

absl::StatusOr<syndication::v1::PublishArticleResponse> SyndicationCore::PublishFeedItem(
    const Article& article, const Principal& caller) {
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = article;
  return Publish(request, caller, /*leave_tombstones=*/true);
}

absl::StatusOr<syndication::v1::PublishArticleResponse> SyndicationCore::Publish(
    const syndication::v1::PublishArticleRequest& request, const Principal& caller,
    bool leave_tombstones) {
  SYNDICATE_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalEtag(request.etag(), "etag"));
  Article article = request.article();
  ClearOutputOnly(&article);
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(article.source_id(), "article.source_id"));
  SYNDICATE_RETURN_IF_ERROR(RequireWriter(caller, article.source_id(), "article.source_id"));
  absl::StatusOr<Source> source = store_->GetSource(article.source_id());
  if (absl::IsNotFound(source.status())) {
    return absl::NotFoundError(
        absl::StrCat("article.source_id: no source has id \"", article.source_id(), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(source.status());
  ApplyDefaults(source->default_attribution(), &article);
  if (article.pubstatus() == syndication::v1::PUB_STATUS_UNSPECIFIED) {
    article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  }
  SYNDICATE_RETURN_IF_ERROR(ValidateArticle(article, "article"));
  const absl::Time now = clock_();
  SYNDICATE_RETURN_IF_ERROR(ValidateExpiry(article, now, "article"));
  if (!source->publisher_public_key().empty()) {
    if (!article.has_publisher_signature()) {
      return absl::InvalidArgumentError(
          "article.publisher_signature: is required: the source has a publisher_public_key");
    }
    if (absl::Status verified = VerifySignature(
            PublisherBytes(article), article.publisher_signature(), source->publisher_public_key());
        !verified.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("article.publisher_signature: ", verified.message()));
    }
  } else {
    article.clear_publisher_signature();
  }

  const std::string new_id = NewArticleId();
  SYNDICATE_ASSIGN_OR_RETURN(
      storage::CommitResult result,
      store_->CommitByExternalId(
          article.source_id(), article.external_id(),
          ScopedRequestId("PublishArticle", {article.source_id(), article.external_id()},
                          request.request_id()),
          [&](const Article* latest) -> absl::StatusOr<std::optional<storage::Change>> {
            if (leave_tombstones && latest != nullptr && IsTombstone(*latest)) {
              return std::nullopt;
            }
            // Before a withheld or expired tombstone is always the usable version it took
            // down (a withheld story can only be killed or republished).
            std::optional<Article> taken_down;
            if (latest != nullptr && IsTombstone(*latest) && latest->version() > 1) {
              SYNDICATE_ASSIGN_OR_RETURN(taken_down,
                                         store_->GetArticle(latest->id(), latest->version() - 1));
            }
            return DecidePublish(latest, article, request, new_id, now, signing_key_,
                                 taken_down.has_value() ? &*taken_down : nullptr);
          }));
  syndication::v1::PublishArticleResponse response;
  if (result.replayed_response.has_value()) {
    if (!response.ParseFromString(*result.replayed_response)) {
      return absl::DataLossError("request_id: the recorded response cannot be read");
    }
    return response;
  }
  if (result.sequence == 0) {
    response.set_outcome(syndication::v1::PublishArticleResponse::OUTCOME_UNCHANGED);
  } else {
    response.set_outcome(result.latest.version() == 1
                             ? syndication::v1::PublishArticleResponse::OUTCOME_CREATED
                             : syndication::v1::PublishArticleResponse::OUTCOME_UPDATED);
    NoteSchedule(result.latest);
  }
  *response.mutable_article() = std::move(result.latest);
  return response;
}

absl::StatusOr<syndication::v1::WithdrawArticleResponse> SyndicationCore::WithdrawArticle(
    const syndication::v1::WithdrawArticleRequest& request, const Principal& caller) {
  SYNDICATE_RETURN_IF_ERROR(RequirePublishingRole(caller, "WithdrawArticle"));
  SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.id(), "id"));
  SYNDICATE_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalEtag(request.etag(), "etag"));
  SYNDICATE_RETURN_IF_ERROR(ValidateReason(request.reason(), "reason"));
  const absl::Time now = clock_();
  SYNDICATE_ASSIGN_OR_RETURN(
      storage::CommitResult result,
      store_->CommitById(
          request.id(), ScopedRequestId("WithdrawArticle", {request.id()}, request.request_id()),
          [&](const Article* latest) -> absl::StatusOr<std::optional<storage::Change>> {
            // Checked under the store's write lock, on the story as it is.
            if (latest != nullptr) {
              SYNDICATE_RETURN_IF_ERROR(RequireWriter(caller, latest->source_id(), "id"));
            }
            SYNDICATE_ASSIGN_OR_RETURN(storage::Change change,
                                       DecideWithdraw(latest, request, now, signing_key_));
            return change;
          }));
  syndication::v1::WithdrawArticleResponse response;
  if (result.replayed_response.has_value()) {
    if (!response.ParseFromString(*result.replayed_response)) {
      return absl::DataLossError("request_id: the recorded response cannot be read");
    }
    // A replay answers only a caller who could have made the withdrawal.
    SYNDICATE_RETURN_IF_ERROR(RequireWriter(caller, response.article().source_id(), "id"));
    return response;
  }
  *response.mutable_article() = std::move(result.latest);
  return response;
}

absl::StatusOr<Article> SyndicationCore::VisibleLatest(absl::string_view id,
                                                       absl::string_view field_path, absl::Time now,
                                                       const Principal& caller) const {
  absl::StatusOr<Article> latest = store_->GetArticle({id.data(), id.size()});
  // A story under embargo, or one the caller has not licensed, reads exactly like one that
  // does not exist.
  if (absl::IsNotFound(latest.status()) || (latest.ok() && HiddenFrom(caller, *latest, now))) {
    return NotFoundArticle(field_path, id, 0);
  }
  return latest;
}

absl::StatusOr<Article> SyndicationCore::GetArticle(
    const syndication::v1::GetArticleRequest& request, const Principal& caller) const {
  SYNDICATE_ASSIGN_OR_RETURN(std::optional<ServedArticle> served, ServeArticle(request, caller));
  Article article;
  if (!article.ParseFromString(absl::StrCat(served->stored, served->delivery))) {
    return absl::DataLossError(absl::StrCat("cannot parse article ", request.id()));
  }
  return article;
}

absl::StatusOr<std::optional<ServedArticle>> SyndicationCore::ServeArticle(
    const syndication::v1::GetArticleRequest& request, const Principal& caller,
    storage::Store::ReadTier tier) const {
  SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.id(), "id"));
  if (request.version() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version: ", request.version(), " is negative; use 0 for the latest"));
  }
  const absl::Time now = clock_();
  // As VisibleLatest, from the visibility fields alone.
  absl::StatusOr<std::optional<StoredVersion>> latest = ReadVersion(*store_, request.id(), 0, tier);
  if (absl::IsNotFound(latest.status()) ||
      (latest.ok() && latest->has_value() && HiddenFrom(caller, (*latest)->fields, now))) {
    return NotFoundArticle("id", request.id(), 0);
  }
  SYNDICATE_RETURN_IF_ERROR(latest.status());
  if (!latest->has_value()) return std::nullopt;
  const Article& latest_fields = (*latest)->fields;
  if (request.version() > latest_fields.version()) {
    return NotFoundArticle("id", request.id(), request.version());
  }
  // A withdrawn story shows only its tombstone, whatever version is asked for.
  if (request.version() == 0 || request.version() == latest_fields.version() ||
      IsTombstone(latest_fields)) {
    SYNDICATE_ASSIGN_OR_RETURN(ServedArticle served, Serve(**std::move(latest), caller));
    return served;
  }
  // The latest version is visible, so every earlier one is (as in ListArticleVersions): an
  // embargo a version was made under has passed, or a later version lifted or removed it.
  absl::StatusOr<std::optional<StoredVersion>> version =
      ReadVersion(*store_, request.id(), request.version(), tier);
  if (absl::IsNotFound(version.status()) ||
      (version.ok() && version->has_value() && !MayReadArticle(caller, (*version)->fields))) {
    return NotFoundArticle("id", request.id(), request.version());
  }
  SYNDICATE_RETURN_IF_ERROR(version.status());
  if (!version->has_value()) return std::nullopt;
  SYNDICATE_ASSIGN_OR_RETURN(ServedArticle served, Serve(**std::move(version), caller));
  return served;
}

absl::StatusOr<syndication::v1::ListArticleVersionsResponse> SyndicationCore::ListArticleVersions(
    const syndication::v1::ListArticleVersionsRequest& request, const Principal& caller) const {
  SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.id(), "id"));
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  syndication::v1::ListArticleVersionsRequest filter;
  filter.set_id(request.id());
  const std::string fingerprint = FilterFingerprint(filter);
  int64_t first = 1;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token,
        page_tokens_.Decode(request.page_token(), "ListArticleVersions", fingerprint));
    first = token.list_time_micros() + 1;  // the last version of the previous page
  }
  const absl::Time now = clock_();
  SYNDICATE_ASSIGN_OR_RETURN(Article latest, VisibleLatest(request.id(), "id", now, caller));
  syndication::v1::ListArticleVersionsResponse response;
  if (IsTombstone(latest)) {
    if (first == 1) {
      SetDelivery(caller, &latest);
      *response.add_versions() = std::move(latest);
    }
    return response;
  }
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<Article> versions,
                             store_->ListVersions(request.id(), first, page_size + 1));
  bool more = static_cast<int>(versions.size()) > page_size;
  if (more) versions.resize(page_size);
  size_t response_bytes = 0;
  // The latest version is visible (VisibleLatest), so the story is out and every version is
  // listed: an embargo an earlier version was made under has passed, or a later version
  // lifted it or removed it (a publish with an earlier or no embargoed_until), and with it
  // the reason to hide what was made under it.
  for (Article& version : versions) {
    // A version in a language the partner has not licensed is left out.
    if (!MayReadArticle(caller, version)) continue;
    SetDelivery(caller, &version);
    response_bytes += version.ByteSizeLong();
    if (response_bytes > kMaxResponseBytes && response.versions_size() > 0) {
      more = true;
      break;
    }
    *response.add_versions() = std::move(version);
  }
  if (more) {
    PageToken token;
    token.set_method("ListArticleVersions");
    token.set_filter_fingerprint(fingerprint);
    // The field holds the last version number shown; the next page starts after it.
    token.set_list_time_micros(response.versions(response.versions_size() - 1).version());
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

absl::StatusOr<syndication::v1::GetSigningKeysResponse> SyndicationCore::GetSigningKeys() const {
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::SigningKeyRecord> keys,
                             store_->ListSigningKeys());
  // The current key first, then the others, most recent first.
  std::stable_sort(keys.begin(), keys.end(), [this](const auto& a, const auto& b) {
    const bool a_current = a.key_id == signing_key_.key_id();
    const bool b_current = b.key_id == signing_key_.key_id();
    if (a_current != b_current) return a_current;
    return a.first_used > b.first_used;
  });
  syndication::v1::GetSigningKeysResponse response;
  for (const storage::SigningKeyRecord& record : keys) {
    syndication::v1::SigningKey* key = response.add_keys();
    key->set_key_id(record.key_id);
    key->set_public_key(record.public_key);
    *key->mutable_first_used() = ToTimestamp(record.first_used);
    key->set_current(record.key_id == signing_key_.key_id());
  }
  return response;
}

absl::StatusOr<int> SyndicationCore::RunDueTasks() {
  constexpr int kBatch = 100;
  int changed = 0;
  while (true) {
    const absl::Time now = clock_();
    SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::DueTask> due, store_->DueTasks(now, kBatch));
    for (const storage::DueTask& task : due) {
      SYNDICATE_ASSIGN_OR_RETURN(
          storage::CommitResult result,
          store_->CommitById(
              task.article_id, "",
              [&](const Article* latest) -> absl::StatusOr<std::optional<storage::Change>> {
                return task.kind == storage::TaskKind::kLiftEmbargo
                           ? DecideLiftEmbargo(latest, now, signing_key_)
                           : DecideExpire(latest, now, signing_key_);
              }));
      if (result.sequence != 0) {
        ++changed;
        NoteSchedule(result.latest);
      }
    }
    // A full batch may hide more; one that changed nothing would only repeat itself.
    if (static_cast<int>(due.size()) < kBatch || changed == 0) return changed;
  }
}

absl::StatusOr<std::optional<absl::Time>> SyndicationCore::NextTaskTime() const {
  return store_->NextTaskTime();
}

absl::StatusOr<syndication::v1::BatchGetArticlesResponse> SyndicationCore::BatchGetArticles(
    const syndication::v1::BatchGetArticlesRequest& request, const Principal& caller) const {
  if (request.ids().empty()) return absl::InvalidArgumentError("ids: at least one is required");
  if (request.ids_size() > kMaxBatchGetIds) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ids: ", request.ids_size(), " were given; at most ", kMaxBatchGetIds, " are allowed"));
  }
  for (int i = 0; i < request.ids_size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.ids(i), absl::StrCat("ids[", i, "]")));
  }
  syndication::v1::BatchGetArticlesResponse response;
  size_t response_bytes = 0;
  const absl::Time now = clock_();
  for (int i = 0; i < request.ids_size(); ++i) {
    SYNDICATE_ASSIGN_OR_RETURN(
        Article article, VisibleLatest(request.ids(i), absl::StrCat("ids[", i, "]"), now, caller));
    SetDelivery(caller, &article);
    response_bytes += article.ByteSizeLong();
    if (response_bytes > kMaxResponseBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ids: the first ", i + 1, " articles come to ", response_bytes,
          " bytes, more than one response carries (", kMaxResponseBytes, "); ask for fewer"));
    }
    *response.add_articles() = std::move(article);
  }
  return response;
}

absl::StatusOr<syndication::v1::ListArticlesResponse> SyndicationCore::ListArticles(
    const syndication::v1::ListArticlesRequest& request, const Principal& caller) const {
  SYNDICATE_ASSIGN_OR_RETURN(const ServedPage served, ServeList(request, caller));
  syndication::v1::ListArticlesResponse response;
  if (!response.ParseFromString(served.bytes)) {
    return absl::DataLossError("cannot parse the page of stories as served");
  }
  return response;
}

absl::StatusOr<ServedPage> SyndicationCore::ServeList(
    const syndication::v1::ListArticlesRequest& request, const Principal& caller) const {
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  for (int i = 0; i < request.source_ids_size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(
        ValidateSourceId(request.source_ids(i), absl::StrCat("source_ids[", i, "]")));
  }
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.start_time(), request.has_start_time(), "start_time"));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.end_time(), request.has_end_time(), "end_time"));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalTimestamp(
      request.updated_after(), request.has_updated_after(), "updated_after"));
  const bool by_update = request.order_by() == "version_created";
  if (!by_update && !request.order_by().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("order_by: ", QuoteForMessage(request.order_by()),
                     " is not supported; use \"\" (newest first) or \"version_created\""));
  }
  if (request.has_updated_after() && !by_update) {
    return absl::InvalidArgumentError(
        "updated_after: applies only with order_by \"version_created\"");
  }
  if (by_update && (request.has_start_time() || request.has_end_time())) {
    return absl::InvalidArgumentError(
        "start_time: start_time and end_time do not apply with order_by \"version_created\"; "
        "use updated_after");
  }

  std::vector<std::string> source_ids(request.source_ids().begin(), request.source_ids().end());
  std::sort(source_ids.begin(), source_ids.end());
  source_ids.erase(std::unique(source_ids.begin(), source_ids.end()), source_ids.end());
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  if (request.has_start_time()) start_time = ToAbslTime(request.start_time());
  if (request.has_end_time()) end_time = ToAbslTime(request.end_time());
  if (start_time && end_time && *start_time >= *end_time) {
    return absl::InvalidArgumentError("start_time: must be before end_time");
  }

  // The fingerprint covers the filter in canonical form, so reordering source_ids between
  // pages is not a change of filter.
  syndication::v1::ListArticlesRequest filter = request;
  filter.clear_page_size();
  filter.clear_page_token();
  filter.clear_source_ids();
  for (const std::string& id : source_ids) filter.add_source_ids(id);
  const std::string fingerprint = FilterFingerprint(filter);
  // A caller limited to some sources lists only those: the ones asked for among them, or
  // all of them when none were asked for. None left means an empty list.
  if (caller.role != syndication::v1::ROLE_ADMIN) {
    std::vector<std::string> readable;
    for (const std::string& id :
         source_ids.empty()
             ? std::vector<std::string>(caller.source_ids.begin(), caller.source_ids.end())
             : source_ids) {
      if (MayReadSource(caller, id)) readable.push_back(id);
    }
    std::sort(readable.begin(), readable.end());
    if (readable.empty()) return ServedPage();
    source_ids = std::move(readable);
  }

  // Where the previous page stopped: the time (list time, or version_created) and id of
  // the last story it examined.
  std::optional<std::pair<absl::Time, std::string>> position;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListArticles", fingerprint));
    SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(token.article_id(), "page_token"));
    position.emplace(absl::FromUnixMicros(token.list_time_micros()), token.article_id());
  }
  const auto fetch = [&](int limit) -> absl::StatusOr<std::vector<storage::ListedArticle>> {
    if (by_update) {
      storage::UpdateQuery query;
      query.source_ids = source_ids;
      if (request.has_updated_after()) query.updated_after = ToAbslTime(request.updated_after());
      if (position) query.after = storage::UpdatePosition{position->first, position->second};
      query.limit = limit;
      return store_->ListArticleBytesByUpdate(query);
    }
    storage::ListQuery query;
    query.source_ids = source_ids;
    query.start_time = start_time;
    query.end_time = end_time;
    if (position) query.after = storage::ListPosition{position->first, position->second};
    query.limit = limit;
    return store_->ListArticleBytes(query);
  };

  // Stories partners may not see are skipped, so a page may take several reads; each read
  // asks for one more than the page still needs, to tell whether more follow.
  const absl::Time now = clock_();
  ServedPage page;
  int listed = 0;
  int examined = 0;
  bool more = false;
  while (true) {
    const int wanted = page_size - listed;
    SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::ListedArticle> batch, fetch(wanted + 1));
    bool stop = static_cast<int>(batch.size()) <= wanted;  // nothing after this batch
    for (storage::ListedArticle& stored : batch) {
      if (listed == page_size || examined == kMaxExaminedPerPage) {
        more = true;
        stop = true;
        break;
      }
      std::optional<Article> fields = ParseVisibilityFields(stored.bytes);
      if (!fields.has_value()) {
        return absl::DataLossError(absl::StrCat("cannot parse article ", stored.article_id));
      }
      const bool visible =
          !HiddenFrom(caller, *fields, now) && (request.show_withdrawn() || !IsTombstone(*fields));
      std::optional<ServedArticle> served;
      if (visible) {
        SYNDICATE_ASSIGN_OR_RETURN(
            served, Serve(StoredVersion{std::move(stored.bytes), *std::move(fields)}, caller));
        const size_t size = served->stored.size() + served->delivery.size();
        if (page.bytes.size() + size > kMaxResponseBytes && listed > 0) {
          more = true;
          stop = true;
          break;
        }
      }
      ++examined;
      position.emplace(stored.time, std::move(stored.article_id));
      if (served.has_value()) {
        AppendLengthDelimited(1, served->stored, served->delivery, &page.bytes);
        std::move(served->delivered.begin(), served->delivered.end(),
                  std::back_inserter(page.delivered));
        ++listed;
      }
    }
    if (stop) break;
  }
  if (more) {
    PageToken token;
    token.set_method("ListArticles");
    token.set_filter_fingerprint(fingerprint);
    token.set_list_time_micros(absl::ToUnixMicros(position->first));
    token.set_article_id(position->second);
    AppendLengthDelimited(2, page_tokens_.Encode(token), "", &page.bytes);
  }
  return page;
}

absl::StatusOr<Source> SyndicationCore::GetSource(const syndication::v1::GetSourceRequest& request,
                                                  const Principal& caller) const {
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(request.id(), "id"));
  absl::StatusOr<Source> source = MayReadSource(caller, request.id())
                                      ? store_->GetSource(request.id())
                                      : absl::NotFoundError("not readable");
  if (absl::IsNotFound(source.status())) {
    return absl::NotFoundError(absl::StrCat("id: no source has id \"", request.id(), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(source.status());
  SYNDICATE_RETURN_IF_ERROR(AddFeedStatuses(&*source, caller));
  return source;
}

absl::StatusOr<syndication::v1::ListSourcesResponse> SyndicationCore::ListSources(
    const syndication::v1::ListSourcesRequest& request, const Principal& caller) const {
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  syndication::v1::ListSourcesRequest filter;  // ListSources has no filter fields yet
  const std::string fingerprint = FilterFingerprint(filter);
  std::string after_id;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListSources", fingerprint));
    after_id = token.source_id();
  }
  std::vector<Source> sources;
  if (caller.role == syndication::v1::ROLE_ADMIN) {
    SYNDICATE_ASSIGN_OR_RETURN(sources, store_->ListSources(after_id, page_size + 1));
  } else {
    // Only the caller's own sources, which are few: each read by id, in id order.
    std::vector<std::string> ids(caller.source_ids.begin(), caller.source_ids.end());
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids) {
      if (id <= after_id) continue;
      if (static_cast<int>(sources.size()) > page_size) break;
      absl::StatusOr<Source> source = store_->GetSource(id);
      if (absl::IsNotFound(source.status())) continue;
      SYNDICATE_RETURN_IF_ERROR(source.status());
      sources.push_back(*std::move(source));
    }
  }
  syndication::v1::ListSourcesResponse response;
  const bool more = static_cast<int>(sources.size()) > page_size;
  if (more) sources.resize(page_size);
  for (Source& source : sources) {
    SYNDICATE_RETURN_IF_ERROR(AddFeedStatuses(&source, caller));
    *response.add_sources() = std::move(source);
  }
  if (more) {
    PageToken token;
    token.set_method("ListSources");
    token.set_filter_fingerprint(fingerprint);
    token.set_source_id(response.sources(response.sources_size() - 1).id());
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

absl::StatusOr<syndication::v1::GetUsageReportResponse> SyndicationCore::GetUsageReport(
    const syndication::v1::GetUsageReportRequest& request, const Principal& caller) const {
  SYNDICATE_RETURN_IF_ERROR(RequirePublishingRole(caller, "GetUsageReport"));
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  if (request.source_ids_size() > kMaxUsageSourceIds) {
    return absl::InvalidArgumentError(absl::StrCat("source_ids: ", request.source_ids_size(),
                                                   " were given; at most ", kMaxUsageSourceIds,
                                                   " are allowed"));
  }
  for (int i = 0; i < request.source_ids_size(); ++i) {
    const std::string field = absl::StrCat("source_ids[", i, "]");
    SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(request.source_ids(i), field));
    // A publisher reads the usage of its own sources only (server/authz.h).
    SYNDICATE_RETURN_IF_ERROR(RequireWriter(caller, request.source_ids(i), field));
  }
  if (!request.article_id().empty()) {
    SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.article_id(), "article_id"));
  }
  if (!request.partner_id().empty()) {
    SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(request.partner_id(), "partner_id"));
  }
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.start_time(), request.has_start_time(), "start_time"));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.end_time(), request.has_end_time(), "end_time"));
  storage::UsageQuery query;
  if (request.has_start_time()) query.start_time = ToAbslTime(request.start_time());
  if (request.has_end_time()) query.end_time = ToAbslTime(request.end_time());
  if (query.start_time && query.end_time && *query.start_time >= *query.end_time) {
    return absl::InvalidArgumentError("start_time: must be before end_time");
  }
  query.source_ids.assign(request.source_ids().begin(), request.source_ids().end());
  if (query.source_ids.empty() && caller.role != syndication::v1::ROLE_ADMIN) {
    // A publisher's own sources; a publisher bound to none has no usage to see.
    if (caller.source_ids.empty()) return syndication::v1::GetUsageReportResponse();
    query.source_ids.assign(caller.source_ids.begin(), caller.source_ids.end());
  }
  std::sort(query.source_ids.begin(), query.source_ids.end());
  query.source_ids.erase(std::unique(query.source_ids.begin(), query.source_ids.end()),
                         query.source_ids.end());
  query.article_id = request.article_id();
  query.partner_id = request.partner_id();
  query.limit = page_size;
  query.max_examined = kMaxUsageExaminedPerPage;

  // The fingerprint covers the filter as applied, so a token serves only the same caller's
  // view of the same filter.
  syndication::v1::GetUsageReportRequest filter = request;
  filter.clear_page_size();
  filter.clear_page_token();
  filter.clear_source_ids();
  for (const std::string& id : query.source_ids) filter.add_source_ids(id);
  const std::string fingerprint = FilterFingerprint(filter);
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "GetUsageReport", fingerprint));
    query.resume_after = token.usage_position();
  }
  // Taken before the read: every delivery made before it is in what the read sees.
  const absl::Time complete_until = usage_->CompleteUntil();
  SYNDICATE_ASSIGN_OR_RETURN(storage::UsagePage page, store_->ListDeliveries(query));
  syndication::v1::GetUsageReportResponse response;
  *response.mutable_complete_until() = ToTimestamp(complete_until);
  for (syndication::v1::Delivery& delivery : page.deliveries) {
    *response.add_deliveries() = std::move(delivery);
  }
  if (!page.resume_after.empty()) {
    PageToken token;
    token.set_method("GetUsageReport");
    token.set_filter_fingerprint(fingerprint);
    token.set_usage_position(page.resume_after);
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

}  // namespace syndicate::server
