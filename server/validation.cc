#include "server/validation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "ingest/publisher_names.h"

namespace syndicate::server {
namespace {

using syndication::v1::Article;
using syndication::v1::Source;

// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range that
// google/protobuf/timestamp.proto allows.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

std::string Quote(absl::string_view value) { return QuoteForMessage({value.data(), value.size()}); }

absl::Status Invalid(absl::string_view field_path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field_path, ": ", problem));
}

std::string Path(absl::string_view parent, absl::string_view field) {
  return absl::StrCat(parent, ".", field);
}

std::string Path(absl::string_view parent, absl::string_view field, int index) {
  return absl::StrCat(parent, ".", field, "[", index, "]");
}

bool IsBlank(absl::string_view text) { return IsBlankText({text.data(), text.size()}); }

// Plain-text fields that may hold several lines; every other string field is one line.
bool IsMultiLine(const google::protobuf::FieldDescriptor& field) {
  static const auto* const kMultiLine = new absl::flat_hash_set<std::string>{
      "body_text",   "body_html",        "subheadline", "caption",
      "usage_terms", "copyright_notice", "text"};
  return kMultiLine->contains(field.name());
}

// "holds control character U+001B", and " (one line, no line breaks)" for one-line text.
absl::Status CheckControl(absl::string_view value, bool multi_line, absl::string_view path) {
  if (std::optional<char32_t> control =
          FindControlCharacter({value.data(), value.size()}, multi_line)) {
    return Invalid(path, absl::StrCat("holds control character U+",
                                      absl::AsciiStrToUpper(absl::StrCat(absl::Hex(
                                          static_cast<uint32_t>(*control), absl::kZeroPad4))),
                                      multi_line ? "" : " (one line, no line breaks)"));
  }
  return absl::OkStatus();
}

absl::Status CheckString(const google::protobuf::FieldDescriptor& field, absl::string_view value,
                         absl::string_view path) {
  return CheckControl(value, IsMultiLine(field), path);
}

// Refuses control characters in every string field of `message`, nested messages included:
// a story's text ends up in partners' pages and terminals.
absl::Status CheckControlCharacters(const google::protobuf::Message& message,
                                    absl::string_view path) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    const std::string field_path = Path(path, field->name());
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          SYNDICATE_RETURN_IF_ERROR(CheckString(*field,
                                                reflection.GetRepeatedString(message, field, i),
                                                absl::StrCat(field_path, "[", i, "]")));
        }
      } else {
        SYNDICATE_RETURN_IF_ERROR(
            CheckString(*field, reflection.GetString(message, field), field_path));
      }
    } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          SYNDICATE_RETURN_IF_ERROR(
              CheckControlCharacters(reflection.GetRepeatedMessage(message, field, i),
                                     absl::StrCat(field_path, "[", i, "]")));
        }
      } else {
        SYNDICATE_RETURN_IF_ERROR(
            CheckControlCharacters(reflection.GetMessage(message, field), field_path));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Require(absl::string_view value, absl::string_view field_path) {
  if (IsBlank(value)) return Invalid(field_path, "is required");
  return absl::OkStatus();
}

bool HasControlOrSpace(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return true;
  }
  return false;
}

// "the largest field is body_text, 1300000 bytes": where to look when an Article is too big.
std::string LargestField(const Article& article) {
  const google::protobuf::Reflection& reflection = *article.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(article, &fields);
  std::string largest;
  size_t largest_size = 0;
  for (const google::protobuf::FieldDescriptor* field : fields) {
    size_t size = 0;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(article, field); ++i) {
        size += field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE
                    ? reflection.GetRepeatedMessage(article, field, i).ByteSizeLong()
                    : reflection.GetRepeatedString(article, field, i).size();
      }
    } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      size = reflection.GetMessage(article, field).ByteSizeLong();
    } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      size = reflection.GetString(article, field).size();
    }
    if (size > largest_size) {
      largest_size = size;
      largest = field->name();
    }
  }
  return absl::StrCat("the largest field is ", largest, ", ", largest_size, " bytes");
}

}  // namespace

absl::Status ValidateSourceId(absl::string_view id, absl::string_view field_path) {
  if (id.empty()) return Invalid(field_path, "is required");
  const bool well_formed = [&] {
    if (id.size() > 63 || !absl::ascii_islower(id.front()) || id.back() == '-') return false;
    for (char c : id) {
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
    }
    return true;
  }();
  if (!well_formed) {
    return Invalid(field_path,
                   absl::StrCat(Quote(id),
                                " is not a source id (1-63 of a-z, 0-9 and \"-\", starting with "
                                "a letter, not ending with \"-\")"));
  }
  return absl::OkStatus();
}

// Partner ids follow the source id rule (AIP-122).
absl::Status ValidatePartnerId(absl::string_view id, absl::string_view field_path) {
  absl::Status status = ValidateSourceId(id, field_path);
  if (status.ok() || id.empty()) return status;
  return absl::InvalidArgumentError(absl::StrCat(
      field_path, ": ", QuoteForMessage(std::string(id)),
      " is not a partner id (1-63 of a-z, 0-9 and \"-\", starting with a letter, not ending "
      "with \"-\")"));
}

absl::Status ValidateArticleId(absl::string_view id, absl::string_view field_path) {
  if (id.empty()) return Invalid(field_path, "is required");
  bool well_formed = id.size() == 32;
  for (char c : id) {
    well_formed = well_formed && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
  }
  if (!well_formed) {
    return Invalid(field_path,
                   absl::StrCat(Quote(id), " is not an article id (32 lowercase hex digits)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalHttpUrl(absl::string_view url, absl::string_view field_path) {
  if (url.empty()) return absl::OkStatus();
  const auto bad = [&] {
    return Invalid(field_path, absl::StrCat(Quote(url), " is not an absolute http(s) URL"));
  };
  if (HasControlOrSpace(url)) return bad();
  absl::string_view rest = url;
  if (absl::StartsWithIgnoreCase(rest, "https://")) {
    rest.remove_prefix(8);
  } else if (absl::StartsWithIgnoreCase(rest, "http://")) {
    rest.remove_prefix(7);
  } else {
    return bad();
  }
  // RFC 3986 §3.2: the authority ends at the first "/", "?" or "#"; the host follows any
  // "userinfo@" (which cannot itself hold "@") and precedes any ":port" of digits.
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = authority.find('@'); at != absl::string_view::npos) {
    authority.remove_prefix(at + 1);
    if (absl::StrContains(authority, '@')) return bad();
  }
  absl::string_view host = authority;
  if (const size_t colon = authority.rfind(':');
      colon != absl::string_view::npos && authority.find(']', colon) == absl::string_view::npos) {
    host = authority.substr(0, colon);
    const absl::string_view port = authority.substr(colon + 1);
    int port_number = 0;
    if (!port.empty() && (!absl::SimpleAtoi(port, &port_number) || port_number < 0 ||
                          port_number > 65535 || !absl::ascii_isdigit(port.front()))) {
      return bad();
    }
  }
  if (host.empty()) return bad();
  // RFC 3986 §3.2.2: "[" opens an IPv6 literal, which must close with "]" and be an IPv6
  // address (IPvFuture is not accepted); a name never holds a bracket.
  if (host.front() == '[') {
    in6_addr address;
    if (host.size() < 3 || host.back() != ']' ||
        inet_pton(AF_INET6, std::string(host.substr(1, host.size() - 2)).c_str(), &address) != 1) {
      return bad();
    }
  } else if (absl::StrContains(host, '[') || absl::StrContains(host, ']')) {
    return bad();
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalLanguageTag(absl::string_view tag, absl::string_view field_path) {
  if (tag.empty()) return absl::OkStatus();
  // RFC 5646 §2.1 also allows a private-use tag ("x-…") and the grandfathered "i-…" tags,
  // whose first subtag is one letter.
  const bool one_letter_prefix =
      absl::StartsWithIgnoreCase(tag, "x-") || absl::StartsWithIgnoreCase(tag, "i-");
  bool first = true;
  for (absl::string_view subtag : absl::StrSplit(tag, '-')) {
    bool ok = !subtag.empty() && subtag.size() <= 8;
    for (char c : subtag) {
      ok = ok && (absl::ascii_isalpha(c) || (!first && absl::ascii_isdigit(c)));
    }
    if (first && !one_letter_prefix) ok = ok && subtag.size() >= 2;
    if (!ok) return Invalid(field_path, absl::StrCat(Quote(tag), " is not a BCP 47 language tag"));
    first = false;
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalTimestamp(const google::protobuf::Timestamp& ts, bool has_value,
                                       absl::string_view field_path) {
  if (!has_value) return absl::OkStatus();
  if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds) {
    return Invalid(field_path,
                   absl::StrCat("seconds ", ts.seconds(), " is outside 0001-01-01 to 9999-12-31"));
  }
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    return Invalid(field_path, absl::StrCat("nanos ", ts.nanos(), " is outside [0, 999999999]"));
  }
  return absl::OkStatus();
}

absl::Status ValidateReason(absl::string_view reason, absl::string_view field_path) {
  SYNDICATE_RETURN_IF_ERROR(Require(reason, field_path));
  SYNDICATE_RETURN_IF_ERROR(CheckControl(reason, /*multi_line=*/false, field_path));
  if (reason.size() > kMaxHeadlineBytes) {
    return Invalid(field_path, absl::StrCat("is ", reason.size(), " bytes; at most ",
                                            kMaxHeadlineBytes, " are allowed"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCorrection(const syndication::v1::Correction& correction,
                                absl::string_view field_path) {
  const std::string text_path = Path(field_path, "text");
  SYNDICATE_RETURN_IF_ERROR(Require(correction.text(), text_path));
  SYNDICATE_RETURN_IF_ERROR(CheckControl(correction.text(), /*multi_line=*/true, text_path));
  // Every later version carries the note, so its size counts against every one of them.
  if (correction.text().size() > kMaxCorrectionBytes) {
    return Invalid(text_path, absl::StrCat("is ", correction.text().size(), " bytes; at most ",
                                           kMaxCorrectionBytes, " are allowed"));
  }
  return ValidateOptionalTimestamp(correction.time(), correction.has_time(),
                                   Path(field_path, "time"));
}

absl::Status ValidateOptionalEtag(absl::string_view etag, absl::string_view field_path) {
  if (etag.empty()) return absl::OkStatus();
  // "<version>-<12 hex digits>", as Seal (server/lifecycle.cc) makes it.
  const size_t dash = etag.find('-');
  bool well_formed = dash != absl::string_view::npos && etag.size() - dash - 1 == 12;
  if (well_formed) {
    const absl::string_view version = etag.substr(0, dash);
    int64_t number = 0;
    well_formed = !version.empty() && version.size() <= 19 && version.front() != '0' &&
                  std::all_of(version.begin(), version.end(), absl::ascii_isdigit) &&
                  absl::SimpleAtoi(version, &number) && number > 0;
    for (char c : etag.substr(dash + 1)) {
      well_formed = well_formed && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
    }
  }
  if (!well_formed) {
    return Invalid(field_path,
                   absl::StrCat(Quote(etag),
                                " is not an etag (the version number, \"-\" and 12 lowercase "
                                "hex digits, as Article.etag gives it)"));
  }
  return absl::OkStatus();
}

absl::Status CheckArticleSize(const Article& article, absl::string_view field_path) {
  if (const size_t size = article.ByteSizeLong(); size > kMaxArticleBytes) {
    return Invalid(field_path,
                   absl::StrCat("is ", size, " bytes serialized; at most ", kMaxArticleBytes,
                                " are allowed (", LargestField(article), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateExpiry(const Article& article, absl::Time now, absl::string_view field_path) {
  if (!article.has_expires_at()) return absl::OkStatus();
  const std::string path = Path(field_path, "expires_at");
  const absl::Time expires_at = ToAbslTime(article.expires_at());
  const auto format = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
  };
  if (expires_at <= now) {
    return Invalid(path, absl::StrCat(format(expires_at), " is not after now (", format(now),
                                      "): the story would be published already expired"));
  }
  if (article.has_embargoed_until()) {
    const absl::Time embargo = ToAbslTime(article.embargoed_until());
    if (expires_at <= embargo) {
      return Invalid(
          path, absl::StrCat(format(expires_at), " is not after embargoed_until (", format(embargo),
                             "): the story would expire before it could be shown"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSource(const Source& source, absl::string_view field_path) {
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(source.id(), Path(field_path, "id")));
  SYNDICATE_RETURN_IF_ERROR(CheckControlCharacters(source, field_path));
  if (!source.publisher_public_key().empty() && source.publisher_public_key().size() != 32) {
    return Invalid(Path(field_path, "publisher_public_key"),
                   absl::StrCat("is ", source.publisher_public_key().size(),
                                " bytes; an Ed25519 public key is 32"));
  }
  SYNDICATE_RETURN_IF_ERROR(Require(source.name(), Path(field_path, "name")));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalHttpUrl(source.homepage_url(), Path(field_path, "homepage_url")));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalHttpUrl(source.default_attribution().license_url(),
                              Path(field_path, "default_attribution.license_url")));
  absl::flat_hash_set<std::string> aliases;
  for (int i = 0; i < source.publisher_aliases_size(); ++i) {
    const auto& alias = source.publisher_aliases(i);
    const std::string path = Path(field_path, "publisher_aliases", i);
    SYNDICATE_RETURN_IF_ERROR(Require(alias.alias(), Path(path, "alias")));
    SYNDICATE_RETURN_IF_ERROR(Require(alias.name(), Path(path, "name")));
    // Compared as the importer compares names, so no two aliases can match the same name.
    const std::string key = ingest::PublisherNameKey(alias.alias());
    if (key.empty()) {
      return Invalid(Path(path, "alias"),
                     absl::StrCat(Quote(alias.alias()), " holds only quotes and spaces"));
    }
    if (!aliases.insert(key).second) {
      return Invalid(Path(path, "alias"),
                     absl::StrCat(Quote(alias.alias()),
                                  " is the same name as an earlier alias (ignoring case, quotes "
                                  "and spacing)"));
    }
  }
  if (source.feed_urls_size() > kMaxFeedUrls) {
    return Invalid(Path(field_path, "feed_urls"),
                   absl::StrCat(source.feed_urls_size(), " feeds is more than the ", kMaxFeedUrls,
                                " a source may list"));
  }
  absl::flat_hash_set<std::string> feeds;
  for (int i = 0; i < source.feed_urls_size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(
        ValidateOptionalHttpUrl(source.feed_urls(i), Path(field_path, "feed_urls", i)));
    SYNDICATE_RETURN_IF_ERROR(Require(source.feed_urls(i), Path(field_path, "feed_urls", i)));
    const std::string& url = source.feed_urls(i);
    if (url.size() > kMaxFeedUrlBytes) {
      return Invalid(Path(field_path, "feed_urls", i),
                     absl::StrCat(url.size(), " bytes is longer than ", kMaxFeedUrlBytes));
    }
    // The authority is what follows "scheme://" up to the path, query or fragment.
    const size_t authority = url.find("://") + 3;
    const size_t authority_end = url.find_first_of("/?#", authority);
    if (url.substr(authority, authority_end - authority).find('@') != std::string::npos) {
      return Invalid(Path(field_path, "feed_urls", i),
                     "carries a user name or password (user:password@host), which partners and "
                     "logs would see; feeds that need credentials are not supported");
    }
    if (!feeds.insert(url).second) {
      return Invalid(Path(field_path, "feed_urls", i),
                     absl::StrCat(Quote(source.feed_urls(i)), " is listed twice"));
    }
  }
  if (source.has_feed_poll_interval()) {
    const auto& given = source.feed_poll_interval();
    if (given.nanos() < 0 || given.nanos() > 999999999) {
      return Invalid(Path(Path(field_path, "feed_poll_interval"), "nanos"),
                     absl::StrCat(given.nanos(), " is outside 0 to 999999999"));
    }
    const absl::Duration interval =
        absl::Seconds(given.seconds()) + absl::Nanoseconds(given.nanos());
    if (interval < kMinFeedPollInterval || interval > kMaxFeedPollInterval) {
      return Invalid(Path(field_path, "feed_poll_interval"),
                     absl::StrCat(absl::FormatDuration(interval),
                                  " is outside 1s to 24h (leave it unset for 5m)"));
    }
  }
  absl::TimeZone zone;
  if (!source.time_zone().empty() && !absl::LoadTimeZone(source.time_zone(), &zone)) {
    return Invalid(Path(field_path, "time_zone"),
                   absl::StrCat(Quote(source.time_zone()),
                                " is not a time zone name this server knows (an IANA name such "
                                "as Europe/London)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateArticle(const Article& article, absl::string_view field_path) {
  SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(article.source_id(), Path(field_path, "source_id")));
  const std::string external_id_path = Path(field_path, "external_id");
  SYNDICATE_RETURN_IF_ERROR(Require(article.external_id(), external_id_path));
  if (article.external_id().size() > kMaxExternalIdBytes) {
    return Invalid(external_id_path,
                   absl::StrCat("is ", article.external_id().size(), " bytes; at most ",
                                kMaxExternalIdBytes, " are allowed"));
  }
  if (article.pubstatus() != syndication::v1::PUB_STATUS_USABLE) {
    const std::string& name = syndication::v1::PubStatus_Name(article.pubstatus());
    return Invalid(Path(field_path, "pubstatus"),
                   absl::StrCat(name.empty() ? absl::StrCat(article.pubstatus()) : name,
                                " cannot be published: leave it unset or PUB_STATUS_USABLE, and "
                                "use WithdrawArticle to withhold or kill a story"));
  }
  SYNDICATE_RETURN_IF_ERROR(CheckControlCharacters(article, field_path));
  SYNDICATE_RETURN_IF_ERROR(Require(article.headline(), Path(field_path, "headline")));
  if (article.headline().size() > kMaxHeadlineBytes) {
    return Invalid(Path(field_path, "headline"),
                   absl::StrCat("is ", article.headline().size(), " bytes; at most ",
                                kMaxHeadlineBytes, " are allowed"));
  }
  if (IsBlank(article.body_text()) && IsBlank(article.body_html())) {
    return Invalid(Path(field_path, "body_text"), "is required (or body_html)");
  }
  const std::string attribution = Path(field_path, "attribution");
  SYNDICATE_RETURN_IF_ERROR(
      Require(article.attribution().credit_line(), Path(attribution, "credit_line")));
  SYNDICATE_RETURN_IF_ERROR(
      Require(article.attribution().original_publisher(), Path(attribution, "original_publisher")));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalHttpUrl(article.attribution().original_url(),
                                                    Path(attribution, "original_url")));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalHttpUrl(article.attribution().license_url(),
                                                    Path(attribution, "license_url")));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateOptionalLanguageTag(article.language(), Path(field_path, "language")));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalTimestamp(
      article.published_at(), article.has_published_at(), Path(field_path, "published_at")));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalTimestamp(article.embargoed_until(),
                                                      article.has_embargoed_until(),
                                                      Path(field_path, "embargoed_until")));
  SYNDICATE_RETURN_IF_ERROR(ValidateOptionalTimestamp(
      article.expires_at(), article.has_expires_at(), Path(field_path, "expires_at")));
  for (int i = 0; i < article.authors_size(); ++i) {
    const std::string path = Path(field_path, "authors", i);
    SYNDICATE_RETURN_IF_ERROR(Require(article.authors(i).name(), Path(path, "name")));
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalHttpUrl(article.authors(i).uri(), Path(path, "uri")));
  }
  for (int i = 0; i < article.media_size(); ++i) {
    const auto& media = article.media(i);
    const std::string path = Path(field_path, "media", i);
    SYNDICATE_RETURN_IF_ERROR(Require(media.uri(), Path(path, "uri")));
    if (media.credit().empty()) {
      return Invalid(Path(path, "credit"),
                     "is required: the source's default attribution does not cover media "
                     "(default_attribution.covers_media), so each item needs its own credit");
    }
    // Not filled from the defaults, as a blank attribution field is not: the publisher sent
    // something, and it shows nothing.
    if (IsBlank(media.credit())) {
      return Invalid(Path(path, "credit"),
                     "is blank: give the item's credit, or leave it empty to take the story's "
                     "credit_line when the source's default attribution covers media");
    }
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalHttpUrl(media.uri(), Path(path, "uri")));
    for (int j = 0; j < media.renditions_size(); ++j) {
      const std::string rendition = Path(path, "renditions", j);
      SYNDICATE_RETURN_IF_ERROR(Require(media.renditions(j).uri(), Path(rendition, "uri")));
      SYNDICATE_RETURN_IF_ERROR(
          ValidateOptionalHttpUrl(media.renditions(j).uri(), Path(rendition, "uri")));
      if (media.renditions(j).width() < 0 || media.renditions(j).height() < 0) {
        return Invalid(rendition, "width and height must not be negative");
      }
    }
  }
  for (int i = 0; i < article.corrections_size(); ++i) {
    const std::string path = Path(field_path, "corrections", i);
    SYNDICATE_RETURN_IF_ERROR(Require(article.corrections(i).text(), Path(path, "text")));
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalTimestamp(
        article.corrections(i).time(), article.corrections(i).has_time(), Path(path, "time")));
  }
  SYNDICATE_RETURN_IF_ERROR(CheckArticleSize(article, field_path));
  for (int i = 0; i < article.provenance_size(); ++i) {
    const auto& hop = article.provenance(i);
    const std::string path = Path(field_path, "provenance", i);
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalHttpUrl(hop.uri(), Path(path, "uri")));
    SYNDICATE_RETURN_IF_ERROR(
        ValidateOptionalTimestamp(hop.time(), hop.has_time(), Path(path, "time")));
    if (absl::StrContains(hop.file_name(), '/')) {
      return Invalid(Path(path, "file_name"),
                     absl::StrCat(Quote(hop.file_name()), " must be a base name, without \"/\""));
    }
  }
  return absl::OkStatus();
}

absl::Duration FeedPollInterval(const syndication::v1::Source& source) {
  if (!source.has_feed_poll_interval()) return kDefaultFeedPollInterval;
  return absl::Seconds(source.feed_poll_interval().seconds()) +
         absl::Nanoseconds(source.feed_poll_interval().nanos());
}

}  // namespace syndicate::server
