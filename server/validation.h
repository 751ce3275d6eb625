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
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::server {

// Largest external_id accepted, in bytes.
inline constexpr size_t kMaxExternalIdBytes = 1024;
// Largest headline accepted, in bytes.
inline constexpr size_t kMaxHeadlineBytes = 1000;
// Largest Article accepted, in bytes of its serialization after the Source's defaults were
// applied. Keeps every stored version small enough to be served in one response under
// gRPC's default 4 MiB receive limit, with room for the server's fields.
inline constexpr size_t kMaxArticleBytes = 1024 * 1024;
// Largest correction note accepted (Correction.text), in bytes.
inline constexpr size_t kMaxCorrectionBytes = 1000;

// A Source id: 1 to 63 characters of a-z, 0-9 and "-", starting with a letter and not
// ending with "-" (AIP-122).
absl::Status ValidateSourceId(absl::string_view id, absl::string_view field_path);

// A Partner id: as a Source id (AIP-122).
absl::Status ValidatePartnerId(absl::string_view id, absl::string_view field_path);

// An Article id as the store assigns them: 32 lowercase hex digits.
absl::Status ValidateArticleId(absl::string_view id, absl::string_view field_path);

// Empty, or an absolute http or https URL with a host and, if any, a port of 0-65535
// (RFC 3986 §3.2, §4.3), without spaces or control characters.
absl::Status ValidateOptionalHttpUrl(absl::string_view url, absl::string_view field_path);

// Empty, or a BCP 47 language tag in its common shape (RFC 5646 §2.1: a 2–8 letter primary
// subtag, or "x" / "i", then subtags of 1–8 letters or digits separated by "-"), e.g. "en",
// "pt-BR", "x-house".
absl::Status ValidateOptionalLanguageTag(absl::string_view tag, absl::string_view field_path);

// Unset, or a Timestamp that google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanos in [0, 999999999].
absl::Status ValidateOptionalTimestamp(const google::protobuf::Timestamp& ts, bool has_value,
                                       absl::string_view field_path);

// A withdrawal reason: required, plain text on one line, at most kMaxHeadlineBytes.
absl::Status ValidateReason(absl::string_view reason, absl::string_view field_path);

// A correction note sent with a publish: text required, plain text (tabs and line breaks
// allowed), at most kMaxCorrectionBytes; time unset or in range.
absl::Status ValidateCorrection(const syndication::v1::Correction& correction,
                                absl::string_view field_path);

// Empty, or an etag as the service makes them (Article.etag): the version number, "-" and
// 12 lowercase hex digits, e.g. "3-1f2e3d4c5b6a". The message quotes the value shortened
// (QuoteForMessage), so an etag of any length makes a short error.
absl::Status ValidateOptionalEtag(absl::string_view etag, absl::string_view field_path);

// At most kMaxArticleBytes serialized; the message names the largest field, e.g.
//   article: is 2097400 bytes serialized; at most 1048576 are allowed (the largest field is
//   body_html, 2097152 bytes)
absl::Status CheckArticleSize(const syndication::v1::Article& article,
                              absl::string_view field_path);

// The article's schedule is possible at `now`: expires_at, when set, is after `now` (a
// story must not be published already expired) and after embargoed_until (it would expire
// before it could be shown). Errors name `field_path`.expires_at.
absl::Status ValidateExpiry(const syndication::v1::Article& article, absl::Time now,
                            absl::string_view field_path);

// Most feeds one Source may list (Source.feed_urls), and the longest URL of one.
inline constexpr int kMaxFeedUrls = 20;
inline constexpr size_t kMaxFeedUrlBytes = 2048;
// Source.feed_poll_interval: its default and its range.
inline constexpr absl::Duration kDefaultFeedPollInterval = absl::Minutes(5);
inline constexpr absl::Duration kMinFeedPollInterval = absl::Seconds(1);
inline constexpr absl::Duration kMaxFeedPollInterval = absl::Hours(24);

// Everything a Source must satisfy to be stored: a valid id, a name, http(s) URLs, no
// control characters, and publisher_aliases with non-empty aliases and names, no two
// aliases the importer would take for the same name; at most kMaxFeedUrls feed_urls, no
// two the same, none longer than kMaxFeedUrlBytes or carrying userinfo; feed_poll_interval
// unset or within [kMinFeedPollInterval,
// kMaxFeedPollInterval]. feed_statuses is output only and not checked.
// `field_path` is the Source's own path, e.g. "source".
absl::Status ValidateSource(const syndication::v1::Source& source, absl::string_view field_path);

// Source.feed_poll_interval, or kDefaultFeedPollInterval when unset.
absl::Duration FeedPollInterval(const syndication::v1::Source& source);

// Everything an Article must satisfy to be stored, checked after the Source's defaults were
// applied: source_id and external_id well formed; a headline of at most kMaxHeadlineBytes;
// body_text or body_html; attribution.credit_line and attribution.original_publisher
// ("required" means some visible character: Unicode white space and invisible format
// characters do not count); no control characters in any text (tab anywhere, line breaks
// in multi-line fields such as body_text); every URL http(s); language a BCP 47 tag;
// timestamps in range (ValidateExpiry checks them against each other and the clock); a
// credit with some visible character on every media item; pubstatus USABLE (withdrawals
// have their own RPC); at most kMaxArticleBytes serialized (CheckArticleSize).
// `field_path` is the Article's own path, e.g. "article".
absl::Status ValidateArticle(const syndication::v1::Article& article, absl::string_view field_path);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_VALIDATION_H_
