// Input rules for what publishers send: identifiers, URLs, language tags, timestamps,
// and the fields an Article and a Source must carry. Pure functions, no I/O.
//
// Every error is INVALID_ARGUMENT with a message that starts with the field's path as
// the caller wrote it (`field_path`), e.g.
//   article.attribution.original_url: "ftp://x" is not an absolute http(s) URL
#ifndef SYNDICATE_SERVER_VALIDATION_H_
#define SYNDICATE_SERVER_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::server {

// Largest external_id accepted, in bytes.
inline constexpr size_t kMaxExternalIdBytes = 1024;

// A Source id: 1 to 63 characters of a-z, 0-9 and "-", starting with a letter and not
// ending with "-" (AIP-122).
absl::Status ValidateSourceId(absl::string_view id, absl::string_view field_path);

// An Article id as the store assigns them: 32 lowercase hex digits.
absl::Status ValidateArticleId(absl::string_view id, absl::string_view field_path);

// Empty, or an absolute http or https URL with a host (RFC 3986 §4.3), without spaces or
// control characters.
absl::Status ValidateOptionalHttpUrl(absl::string_view url, absl::string_view field_path);

// Empty, or a BCP 47 language tag in its common shape (RFC 5646 §2.1: a 2–8 letter primary
// subtag, then subtags of 1–8 letters or digits separated by "-"), e.g. "en", "pt-BR".
absl::Status ValidateOptionalLanguageTag(absl::string_view tag, absl::string_view field_path);

// Unset, or a Timestamp that google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanos in [0, 999999999].
absl::Status ValidateOptionalTimestamp(const google::protobuf::Timestamp& ts, bool has_value,
                                       absl::string_view field_path);

// Everything a Source must satisfy to be stored: a valid id, a name, http(s) URLs, and
// publisher_aliases with non-empty, distinct (case-insensitive) aliases and names.
// `field_path` is the Source's own path, e.g. "source".
absl::Status ValidateSource(const syndication::v1::Source& source, absl::string_view field_path);

// Everything an Article must satisfy to be stored, checked after the Source's defaults were
// applied: source_id and external_id well formed; headline; body_text or body_html;
// attribution.credit_line and attribution.original_publisher; every URL http(s); language
// a BCP 47 tag; timestamps in range; pubstatus USABLE (withdrawals have their own RPC).
// `field_path` is the Article's own path, e.g. "article".
absl::Status ValidateArticle(const syndication::v1::Article& article, absl::string_view field_path);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_VALIDATION_H_
