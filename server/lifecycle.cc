#include "server/lifecycle.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::Article;
using syndication::v1::EventType;
using syndication::v1::PubStatus;

// A malformed etag is the caller's mistake (INVALID_ARGUMENT); only a well-formed one that
// is not the latest version's is stale (ABORTED).
absl::Status CheckEtag(const Article* latest, absl::string_view etag) {
  if (etag.empty()) return absl::OkStatus();
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalEtag(etag, "etag"));
  if (latest == nullptr) {
    return absl::AbortedError(absl::StrCat("etag: ", QuoteForMessage({etag.data(), etag.size()}),
                                           " does not match: the story does not exist yet"));
  }
  if (latest->etag() != etag) {
    return absl::AbortedError(absl::StrCat("etag: ", QuoteForMessage({etag.data(), etag.size()}),
                                           " is stale: the story is at version ", latest->version(),
                                           " (etag ", QuoteForMessage(latest->etag()), ")"));
  }
  return absl::OkStatus();
}

// Attribution that identifies where a story comes from cannot be rewritten by an update.
absl::Status CheckAttributionKept(const Article& latest, const Article& candidate) {
  const auto& was = latest.attribution();
  const auto& now = candidate.attribution();
  if (!was.original_publisher().empty() && was.original_publisher() != now.original_publisher()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "article.attribution.original_publisher: a story's original publisher cannot change (it "
        "is \"",
        was.original_publisher(), "\")"));
  }
  if (!was.original_url().empty() && was.original_url() != now.original_url()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "article.attribution.original_url: a story's canonical URL cannot change (it is \"",
        was.original_url(), "\")"));
  }
  return absl::OkStatus();
}

// The tombstone partners see of a withdrawn, killed or expired story: identity, status,
// reason and first publication time; no text. A story still under embargo at `now` keeps
// its embargoed_until, so the tombstone is made under the same embargo: partners learn
// nothing of the story before the instant, not even that it was taken down.
Article Tombstone(const Article& latest, PubStatus status, absl::string_view reason,
                  absl::Time now) {
  Article tombstone;
  tombstone.set_source_id(latest.source_id());
  tombstone.set_external_id(latest.external_id());
  tombstone.set_pubstatus(status);
  tombstone.set_withdrawal_reason(std::string(reason));
  if (UnderEmbargo(latest, now)) *tombstone.mutable_embargoed_until() = latest.embargoed_until();
  // Kept so that a listing with show_withdrawn places the tombstone where the story was.
  if (latest.has_published_at()) *tombstone.mutable_published_at() = latest.published_at();
  return tombstone;
}

storage::Change MakeChange(Article version, EventType type) {
  storage::Change change;
  change.version = std::move(version);
  change.event_type = type;
  return change;
}

}  // namespace

Article Seal(Article version, const Article* latest, absl::string_view new_id, absl::Time now,
             const SigningKey& key) {
  version.set_id(latest != nullptr ? latest->id() : std::string(new_id));
  version.set_version(latest != nullptr ? latest->version() + 1 : 1);
  *version.mutable_first_created() = latest != nullptr ? latest->first_created() : ToTimestamp(now);
  *version.mutable_version_created() = ToTimestamp(now);
  version.clear_etag();
  version.clear_signature();
  // Both cover the same bytes (SignedBytes leaves out content_hash and signature).
  const std::string signed_bytes = SignedBytes(version);
  version.set_content_hash(ContentHashOfSignedBytes(signed_bytes));
  *version.mutable_signature() = key.Sign(signed_bytes);
  // The version number names the version; the hash keeps etags of two histories apart.
  version.set_etag(absl::StrCat(version.version(), "-", version.content_hash().substr(7, 12)));
  return version;
}

absl::StatusOr<std::optional<storage::Change>> DecidePublish(
    const Article* latest, Article candidate, const syndication::v1::PublishArticleRequest& request,
    absl::string_view new_id, absl::Time now, const SigningKey& key, const Article* taken_down) {
  if (latest != nullptr && latest->pubstatus() == syndication::v1::PUB_STATUS_CANCELED) {
    return absl::FailedPreconditionError(
        absl::StrCat("article: story ", latest->id(), " was killed at version ", latest->version(),
                     "; a killed story cannot be published again"));
  }
  SYNDICATE_RETURN_IF_ERROR(CheckEtag(latest, request.etag()));
  // A tombstone carries no attribution: a reinstatement keeps the one it took down.
  const Article* kept = latest != nullptr && IsTombstone(*latest) ? taken_down : latest;
  if (kept != nullptr) SYNDICATE_RETURN_IF_ERROR(CheckAttributionKept(*kept, candidate));

  candidate.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  candidate.clear_corrections();
  // The notes carry over from the last version with text: the latest, or for a
  // reinstatement the version the tombstone took down.
  if (kept != nullptr) *candidate.mutable_corrections() = kept->corrections();
  if (request.has_correction()) {
    if (latest == nullptr) {
      return absl::InvalidArgumentError(
          "correction: the story is new, so there is no earlier version to correct; publish "
          "it without a correction");
    }
    syndication::v1::Correction correction = request.correction();
    SYNDICATE_RETURN_IF_ERROR(ValidateCorrection(correction, "correction"));
    if (!correction.has_time()) *correction.mutable_time() = ToTimestamp(now);
    *candidate.add_corrections() = std::move(correction);
  }

  if (latest != nullptr && !request.has_correction() && !IsTombstone(*latest) &&
      ContentFingerprint(*latest) == ContentFingerprint(candidate)) {
    return std::nullopt;
  }
  const EventType type = latest == nullptr          ? syndication::v1::EVENT_TYPE_PUBLISHED
                         : request.has_correction() ? syndication::v1::EVENT_TYPE_CORRECTED
                                                    : syndication::v1::EVENT_TYPE_UPDATED;
  storage::Change change = MakeChange(Seal(std::move(candidate), latest, new_id, now, key), type);
  // Checked again as stored: the notes carried over from earlier versions count too, and a
  // version past the limit could not be served.
  if (absl::Status size = CheckArticleSize(change.version, "article"); !size.ok()) {
    if (change.version.corrections_size() == 0) return size;
    size_t notes = 0;
    for (const auto& note : change.version.corrections()) notes += note.ByteSizeLong();
    return absl::InvalidArgumentError(absl::StrCat(
        size.message(), "; that counts the story's ", change.version.corrections_size(),
        " correction notes, ", notes, " bytes, which every version carries"));
  }
  syndication::v1::PublishArticleResponse response;
  response.set_outcome(latest == nullptr
                           ? syndication::v1::PublishArticleResponse::OUTCOME_CREATED
                           : syndication::v1::PublishArticleResponse::OUTCOME_UPDATED);
  *response.mutable_article() = change.version;
  change.response = response.SerializeAsString();
  return change;
}

absl::StatusOr<storage::Change> DecideWithdraw(
    const Article* latest, const syndication::v1::WithdrawArticleRequest& request, absl::Time now,
    const SigningKey& key) {
  if (latest == nullptr) {
    return absl::NotFoundError(absl::StrCat("id: no article has id \"", request.id(), "\""));
  }
  if (latest->pubstatus() == syndication::v1::PUB_STATUS_CANCELED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "id: story ", latest->id(), " was already killed at version ", latest->version()));
  }
  if (latest->pubstatus() == syndication::v1::PUB_STATUS_WITHHELD && !request.kill()) {
    return absl::FailedPreconditionError(absl::StrCat("id: story ", latest->id(),
                                                      " is already withdrawn (version ",
                                                      latest->version(), "); set kill to kill it"));
  }
  SYNDICATE_RETURN_IF_ERROR(CheckEtag(latest, request.etag()));
  const PubStatus status =
      request.kill() ? syndication::v1::PUB_STATUS_CANCELED : syndication::v1::PUB_STATUS_WITHHELD;
  storage::Change change =
      MakeChange(Seal(Tombstone(*latest, status, request.reason(), now), latest, "", now, key),
                 request.kill() ? syndication::v1::EVENT_TYPE_CANCELED
                                : syndication::v1::EVENT_TYPE_WITHDRAWN);
  syndication::v1::WithdrawArticleResponse response;
  *response.mutable_article() = change.version;
  change.response = response.SerializeAsString();
  return change;
}

std::optional<storage::Change> DecideLiftEmbargo(const Article* latest, absl::Time now,
                                                 const SigningKey& key) {
  if (latest == nullptr || IsTombstone(*latest) || !latest->has_embargoed_until()) {
    return std::nullopt;
  }
  const absl::Time embargo = ToAbslTime(latest->embargoed_until());
  if (embargo > now || ToAbslTime(latest->version_created()) >= embargo) return std::nullopt;
  // The same story, made again after the embargo: partners see it from this version on.
  return MakeChange(Seal(*latest, latest, "", now, key),
                    syndication::v1::EVENT_TYPE_EMBARGO_LIFTED);
}

std::optional<storage::Change> DecideExpire(const Article* latest, absl::Time now,
                                            const SigningKey& key) {
  if (latest == nullptr || IsTombstone(*latest) || !latest->has_expires_at() ||
      ToAbslTime(latest->expires_at()) > now) {
    return std::nullopt;
  }
  return MakeChange(
      Seal(Tombstone(*latest, syndication::v1::PUB_STATUS_WITHHELD, kExpiredReason, now), latest,
           "", now, key),
      syndication::v1::EVENT_TYPE_EXPIRED);
}

bool UnderEmbargo(const Article& version, absl::Time now) {
  if (!version.has_embargoed_until()) return false;
  const absl::Time embargo = ToAbslTime(version.embargoed_until());
  return embargo > now && embargo > ToAbslTime(version.version_created());
}

bool IsTombstone(const Article& version) {
  return version.pubstatus() == syndication::v1::PUB_STATUS_WITHHELD ||
         version.pubstatus() == syndication::v1::PUB_STATUS_CANCELED;
}

}  // namespace syndicate::server
