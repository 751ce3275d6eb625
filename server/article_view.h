// The fields of a stored Article that decide who may see it, read without parsing the
// rest: GetArticle answers with the stored bytes (SyndicationCore::ServeArticle), so it
// needs no message of the headline, body and media, only of what the visibility rules
// (server/authz.h, server/lifecycle.h) and SetDelivery read.
#ifndef SYNDICATE_SERVER_ARTICLE_VIEW_H_
#define SYNDICATE_SERVER_ARTICLE_VIEW_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "syndication/v1/article.pb.h"

namespace syndicate::server {

// An Article holding, of the serialized Article `bytes`, only id, source_id, version,
// pubstatus, version_created, embargoed_until, language, attribution.original_url and
// delivery, with protobuf's parse semantics (a repeated scalar or string field keeps its
// last value, a repeated message field is merged); every other field is skipped without
// being copied or checked. nullopt when `bytes` is not a well-formed message at its top
// level or in the fields read (a malformed nested message elsewhere is not noticed: stored
// records are checked when written, and RocksDB checksums what it reads). Thread-safe.
std::optional<syndication::v1::Article> ParseVisibilityFields(absl::string_view bytes);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_ARTICLE_VIEW_H_
