#include "server/syndication_core.h"

#include <sodium.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::Article;
using syndication::v1::DefaultAttribution;
using syndication::v1::Source;

constexpr char kPageTokenKeyName[] = "page_token_key";

// page_size per AIP-158: 0 means the default, larger than the cap means the cap.
absl::StatusOr<int> EffectivePageSize(int32_t page_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: ", page_size, " is negative; use 0 for the default"));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min<int>(page_size, kMaxPageSize);
}

void FillIfEmpty(std::string* field, const std::string& fallback) {
  if (field->empty()) *field = fallback;
}

// Fills what the publisher left empty from the Source's default attribution.
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
      FillIfEmpty(media.mutable_credit(), defaults.credit_line());
      FillIfEmpty(media.mutable_copyright_notice(), defaults.copyright_notice());
    }
  }
}

void ClearOutputOnly(Article* article) {
  article->clear_id();
  article->clear_version();
  article->clear_first_created();
  article->clear_version_created();
  article->clear_content_hash();
}

absl::Status NotFoundArticle(absl::string_view field_path, absl::string_view id, int64_t version) {
  if (version > 0) {
    return absl::NotFoundError(
        absl::StrCat(field_path, ": article \"", id, "\" has no version ", version));
  }
  return absl::NotFoundError(absl::StrCat(field_path, ": no article has id \"", id, "\""));
}

}  // namespace

std::string ContentHash(const Article& article) {
  Article content = article;
  ClearOutputOnly(&content);
  auto* hops = content.mutable_provenance();
  hops->erase(std::remove_if(hops->begin(), hops->end(),
                             [](const syndication::v1::ProvenanceHop& hop) {
                               return hop.kind() == syndication::v1::ProvenanceHop::KIND_IMPORTED;
                             }),
              hops->end());
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    content.SerializeToCodedStream(&coded);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return absl::StrCat("sha256:", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), sizeof(digest))));
}

absl::StatusOr<std::unique_ptr<SyndicationCore>> SyndicationCore::Create(storage::Store* store,
                                                                         Clock clock) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  SYNDICATE_ASSIGN_OR_RETURN(std::string key,
                             store->GetOrCreateSecret(kPageTokenKeyName, kPageTokenKeyBytes));
  return std::unique_ptr<SyndicationCore>(
      new SyndicationCore(store, std::move(clock), PageTokenCodec(std::move(key))));
}

SyndicationCore::SyndicationCore(storage::Store* store, Clock clock, PageTokenCodec page_tokens)
    : store_(store),
      clock_(std::move(clock)),
      page_tokens_(std::move(page_tokens)),
      feed_reader_(store),
      feed_hub_(store->FeedHead()) {
  store_->SetAppendListener([this](uint64_t sequence) { feed_hub_.Notify(sequence); });
}

SyndicationCore::~SyndicationCore() { store_->SetAppendListener(nullptr); }

absl::StatusOr<uint64_t> SyndicationCore::TrimFeed(const storage::FeedRetention& retention) {
  return store_->TrimFeed(retention, clock_());
}

absl::StatusOr<Source> SyndicationCore::UpsertSource(
    const syndication::v1::UpsertSourceRequest& request) {
  Source source = request.source();
  source.clear_create_time();
  source.clear_update_time();
  SYNDICATE_RETURN_IF_ERROR(ValidateSource(source, "source"));
  return store_->UpsertSource(std::move(source), clock_());
}

absl::StatusOr<syndication::v1::PublishArticleResponse> SyndicationCore::PublishArticle(
    const syndication::v1::PublishArticleRequest& request) {
  Article article = request.article();
  ClearOutputOnly(&article);
  if (article.pubstatus() == syndication::v1::PUB_STATUS_UNSPECIFIED) {
    article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  }
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(article.source_id(), "article.source_id"));
  absl::StatusOr<Source> source = store_->GetSource(article.source_id());
  if (absl::IsNotFound(source.status())) {
    return absl::NotFoundError(
        absl::StrCat("article.source_id: no source has id \"", article.source_id(), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(source.status());
  ApplyDefaults(source->default_attribution(), &article);
  SYNDICATE_RETURN_IF_ERROR(ValidateArticle(article, "article"));
  article.set_content_hash(ContentHash(article));

  SYNDICATE_ASSIGN_OR_RETURN(storage::PublishResult result,
                             store_->PublishArticle(std::move(article), clock_()));
  syndication::v1::PublishArticleResponse response;
  switch (result.outcome) {
    case storage::PublishOutcome::kCreated:
      response.set_outcome(syndication::v1::PublishArticleResponse::OUTCOME_CREATED);
      break;
    case storage::PublishOutcome::kUpdated:
      response.set_outcome(syndication::v1::PublishArticleResponse::OUTCOME_UPDATED);
      break;
    case storage::PublishOutcome::kUnchanged:
      response.set_outcome(syndication::v1::PublishArticleResponse::OUTCOME_UNCHANGED);
      break;
  }
  *response.mutable_article() = std::move(result.article);
  return response;
}

absl::StatusOr<Article> SyndicationCore::GetArticle(
    const syndication::v1::GetArticleRequest& request) const {
  SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(request.id(), "id"));
  if (request.version() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("version: ", request.version(), " is negative; use 0 for the latest"));
  }
  absl::StatusOr<Article> article = store_->GetArticle(request.id(), request.version());
  if (absl::IsNotFound(article.status())) {
    return NotFoundArticle("id", request.id(), request.version());
  }
  return article;
}

absl::StatusOr<syndication::v1::BatchGetArticlesResponse> SyndicationCore::BatchGetArticles(
    const syndication::v1::BatchGetArticlesRequest& request) const {
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
  for (int i = 0; i < request.ids_size(); ++i) {
    absl::StatusOr<Article> article = store_->GetArticle(request.ids(i));
    if (absl::IsNotFound(article.status())) {
      return NotFoundArticle(absl::StrCat("ids[", i, "]"), request.ids(i), 0);
    }
    SYNDICATE_RETURN_IF_ERROR(article.status());
    response_bytes += article->ByteSizeLong();
    if (response_bytes > kMaxResponseBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ids: the first ", i + 1, " articles come to ", response_bytes,
          " bytes, more than one response carries (", kMaxResponseBytes, "); ask for fewer"));
    }
    *response.add_articles() = *std::move(article);
  }
  return response;
}

absl::StatusOr<syndication::v1::ListArticlesResponse> SyndicationCore::ListArticles(
    const syndication::v1::ListArticlesRequest& request) const {
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  for (int i = 0; i < request.source_ids_size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(
        ValidateSourceId(request.source_ids(i), absl::StrCat("source_ids[", i, "]")));
  }
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.start_time(), request.has_start_time(), "start_time"));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalTimestamp(request.end_time(), request.has_end_time(), "end_time"));

  storage::ListQuery query;
  query.source_ids.assign(request.source_ids().begin(), request.source_ids().end());
  std::sort(query.source_ids.begin(), query.source_ids.end());
  query.source_ids.erase(std::unique(query.source_ids.begin(), query.source_ids.end()),
                         query.source_ids.end());
  if (request.has_start_time()) query.start_time = ToAbslTime(request.start_time());
  if (request.has_end_time()) query.end_time = ToAbslTime(request.end_time());
  if (query.start_time && query.end_time && *query.start_time >= *query.end_time) {
    return absl::InvalidArgumentError("start_time: must be before end_time");
  }

  // The fingerprint covers the filter in canonical form, so reordering source_ids between
  // pages is not a change of filter.
  syndication::v1::ListArticlesRequest filter = request;
  filter.clear_page_size();
  filter.clear_page_token();
  filter.clear_source_ids();
  for (const std::string& id : query.source_ids) filter.add_source_ids(id);
  const std::string fingerprint = FilterFingerprint(filter);

  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListArticles", fingerprint));
    SYNDICATE_RETURN_IF_ERROR(ValidateArticleId(token.article_id(), "page_token"));
    query.after =
        storage::ListPosition{absl::FromUnixMicros(token.list_time_micros()), token.article_id()};
  }
  // One more than the page tells whether another page follows.
  query.limit = page_size + 1;
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<Article> articles, store_->ListArticles(query));

  syndication::v1::ListArticlesResponse response;
  bool more = static_cast<int>(articles.size()) > page_size;
  if (more) articles.resize(page_size);
  size_t response_bytes = 0;
  for (Article& article : articles) {
    response_bytes += article.ByteSizeLong();
    if (response_bytes > kMaxResponseBytes && response.articles_size() > 0) {
      more = true;
      break;
    }
    *response.add_articles() = std::move(article);
  }
  if (more) {
    const Article& last = response.articles(response.articles_size() - 1);
    PageToken token;
    token.set_method("ListArticles");
    token.set_filter_fingerprint(fingerprint);
    token.set_list_time_micros(absl::ToUnixMicros(storage::ListTime(last)));
    token.set_article_id(last.id());
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

absl::StatusOr<Source> SyndicationCore::GetSource(
    const syndication::v1::GetSourceRequest& request) const {
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(request.id(), "id"));
  absl::StatusOr<Source> source = store_->GetSource(request.id());
  if (absl::IsNotFound(source.status())) {
    return absl::NotFoundError(absl::StrCat("id: no source has id \"", request.id(), "\""));
  }
  return source;
}

absl::StatusOr<syndication::v1::ListSourcesResponse> SyndicationCore::ListSources(
    const syndication::v1::ListSourcesRequest& request) const {
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  syndication::v1::ListSourcesRequest filter;  // ListSources has no filter fields yet
  const std::string fingerprint = FilterFingerprint(filter);
  std::string after_id;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListSources", fingerprint));
    after_id = token.source_id();
  }
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<Source> sources,
                             store_->ListSources(after_id, page_size + 1));
  syndication::v1::ListSourcesResponse response;
  const bool more = static_cast<int>(sources.size()) > page_size;
  if (more) sources.resize(page_size);
  for (Source& source : sources) *response.add_sources() = std::move(source);
  if (more) {
    PageToken token;
    token.set_method("ListSources");
    token.set_filter_fingerprint(fingerprint);
    token.set_source_id(response.sources(response.sources_size() - 1).id());
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

}  // namespace syndicate::server
