// A story's life as rules: what each request or due time does to its latest version —
// publish, update, correct, withdraw, kill, lift an embargo, expire — and what partners may
// see of a version. Pure functions over protobuf messages: the domain layer runs the
// decisions inside Store::Commit*, under the store's write lock, so each one sees the
// story's true latest version.
#ifndef SYNDICATE_SERVER_LIFECYCLE_H_
#define SYNDICATE_SERVER_LIFECYCLE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/article_signing.h"
#include "storage/store.h"
#include "syndication/v1/publishing_service.pb.h"

namespace syndicate::server {

// withdrawal_reason of an expired story.
inline constexpr char kExpiredReason[] = "expired";

// Completes `version` as the next version after `latest` (nullptr for a new story, which
// gets `new_id`): id, version number, first_created, version_created = now, then
// content_hash, the service's signature with `key`, and etag.
syndication::v1::Article Seal(syndication::v1::Article version,
                              const syndication::v1::Article* latest, absl::string_view new_id,
                              absl::Time now, const SigningKey& key);

// The change a publish makes. `candidate` is the validated article with the Source's
// defaults applied. When `latest` is a tombstone (withheld or expired), `taken_down` is the
// version before it, whose attribution the candidate must keep and whose corrections it
// carries on, as it would the latest's; nullptr otherwise. Returns std::nullopt when it
// equals the latest version (same ContentFingerprint, story usable, no correction). Errors:
//   FAILED_PRECONDITION  the story was killed; or the candidate changes
//                        attribution.original_publisher or a non-empty original_url.
//   ABORTED              request.etag is well formed and is not the latest version's.
//   INVALID_ARGUMENT     request.etag is malformed (ValidateOptionalEtag); request.correction
//                        is invalid (ValidateCorrection) or comes with a new story; the
//                        sealed version, with the corrections it carries over, is over
//                        kMaxArticleBytes (CheckArticleSize).
// The Change's response is the serialized PublishArticleResponse.
absl::StatusOr<std::optional<storage::Change>> DecidePublish(
    const syndication::v1::Article* latest, syndication::v1::Article candidate,
    const syndication::v1::PublishArticleRequest& request, absl::string_view new_id, absl::Time now,
    const SigningKey& key, const syndication::v1::Article* taken_down = nullptr);

// The change a withdrawal or kill makes: a tombstone version (WITHHELD, or CANCELED when
// request.kill), event WITHDRAWN or CANCELED. A story still under embargo at `now` gets a
// tombstone under the same embargo, hidden from partners until the instant. Errors:
// NOT_FOUND (no story), FAILED_PRECONDITION (already killed; already withheld and not a
// kill), INVALID_ARGUMENT (malformed etag), ABORTED (stale etag). The Change's response is
// the serialized WithdrawArticleResponse.
absl::StatusOr<storage::Change> DecideWithdraw(
    const syndication::v1::Article* latest, const syndication::v1::WithdrawArticleRequest& request,
    absl::Time now, const SigningKey& key);

// The EMBARGO_LIFTED version when the latest version's embargo is due at `now`; nullopt
// when there is nothing to lift (already lifted, withdrawn, not yet due).
std::optional<storage::Change> DecideLiftEmbargo(const syndication::v1::Article* latest,
                                                 absl::Time now, const SigningKey& key);

// The EXPIRED tombstone when the latest version's expires_at has passed; nullopt otherwise.
// Under an embargo still running at `now`, the tombstone keeps it, as DecideWithdraw's does.
std::optional<storage::Change> DecideExpire(const syndication::v1::Article* latest, absl::Time now,
                                            const SigningKey& key);

// True when partners may not see `version` yet: it was made under an embargo that has not
// passed at `now`.
bool UnderEmbargo(const syndication::v1::Article& version, absl::Time now);

// True for a withdrawn, killed or expired version (pubstatus WITHHELD or CANCELED).
bool IsTombstone(const syndication::v1::Article& version);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_LIFECYCLE_H_
