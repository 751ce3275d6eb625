#include "ingest/item_builder.h"

#include <sodium.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "ingest/dates.h"
#include "ingest/html_sanitizer.h"
#include "ingest/publisher_names.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

using ::syndication::v1::Article;
using ::syndication::v1::ProvenanceHop;

constexpr size_t kMaxExternalIdBytes = 1024;

std::string Sha256Hex32(absl::string_view input) {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), 16));
}

}  // namespace

std::string ItemLabel(absl::string_view noun, size_t index, absl::string_view id) {
  if (id.empty()) return absl::StrCat(noun, " ", index + 1);
  return absl::StrCat(noun, " ", index + 1, " (", Quoted(id, 120), ")");
}

absl::Status CheckItemLimit(const FeedContext& feed) {
  if (feed.items >= feed.options.max_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("feed: more than max_items (", feed.options.max_items, ") items"));
  }
  return absl::OkStatus();
}

absl::Status Emit(FeedContext& feed, ImportedItem item) {
  if (absl::Status limit = CheckItemLimit(feed); !limit.ok()) return limit;
  ++feed.items;
  feed.consume(std::move(item));
  return absl::OkStatus();
}

bool SetDate(const FeedContext& feed, absl::string_view field, absl::string_view text,
             google::protobuf::Timestamp* out, std::vector<std::string>& warnings) {
  const std::string value = CollapseWhitespace(text);
  if (value.empty()) return false;
  const std::optional<ParsedDate> parsed = ParseDate(value, feed.default_zone);
  if (!parsed.has_value()) {
    warnings.push_back(absl::StrCat(field, ": ", Quoted(value), " is not a date: left unset"));
    return false;
  }
  if (parsed->zone_assumed) {
    warnings.push_back(absl::StrCat(field, ": ", Quoted(value), " names no zone: read in ",
                                    feed.default_zone.name()));
  }
  *out = ToTimestamp(parsed->time);
  return true;
}

void SetBodyFromHtml(absl::string_view field, absl::string_view html, absl::string_view base_url,
                     Article& article, std::vector<std::string>& warnings) {
  SanitizedHtml clean = SanitizeHtml(html, base_url);
  if (clean.dropped_elements > 0 || clean.dropped_attributes > 0) {
    warnings.push_back(absl::StrCat(field, ": unsafe markup removed (", clean.dropped_elements,
                                    " elements, ", clean.dropped_attributes, " attributes)"));
  }
  article.set_body_html(std::move(clean.html));
  article.set_body_text(std::move(clean.text));
}

std::string OneLine(absl::string_view field, absl::string_view text,
                    std::vector<std::string>& warnings) {
  bool unwrapped = false;
  std::string value = UnwrapEscapedCdata(text, &unwrapped);
  if (unwrapped) warnings.push_back(absl::StrCat(field, ": escaped CDATA markers removed"));
  return CollapseWhitespace(value);
}

void AddAuthor(Article& article, absl::string_view name, absl::string_view role,
               absl::string_view uri) {
  const std::string clean = CollapseWhitespace(name);
  if (clean.empty()) return;
  for (const auto& author : article.authors()) {
    if (author.name() == clean) return;
  }
  auto* author = article.add_authors();
  author->set_name(clean);
  author->set_role(std::string(role));
  author->set_uri(IsHttpUrl(uri) ? std::string(uri) : "");
}

std::string BylineFromAuthors(const Article& article) {
  std::vector<std::string> names;
  for (const auto& author : article.authors()) {
    if (author.role() == "author") names.push_back(author.name());
  }
  if (names.empty()) return "";
  if (names.size() == 1) return absl::StrCat("By ", names[0]);
  const std::string last = names.back();
  names.pop_back();
  return absl::StrCat("By ", absl::StrJoin(names, ", "), " and ", last);
}

std::string DerivedId(absl::string_view prefix, std::initializer_list<absl::string_view> parts) {
  return absl::StrCat(prefix, "-", Sha256Hex32(absl::StrJoin(parts, "\n")));
}

std::string UniqueExternalId(FeedContext& feed, std::string id, absl::string_view distinguisher,
                             std::vector<std::string>& warnings) {
  // Ids come from element text, attributes and JSON strings: one line, no controls.
  id = CollapseWhitespace(id);
  if (id.size() > kMaxExternalIdBytes) {
    warnings.push_back(absl::StrCat("id is over ", kMaxExternalIdBytes,
                                    " bytes: external_id derived from its hash"));
    id = DerivedId(FormatName(feed.format), {id});
  }
  if (feed.used_ids.contains(id)) {
    const std::string unique = absl::StrCat(id, "#", Sha256Hex32(distinguisher).substr(0, 16));
    warnings.push_back(absl::StrCat("id ", Quoted(id),
                                    " is used by an earlier item too: external_id ", Quoted(unique),
                                    " keeps the two apart"));
    id = unique;
  }
  feed.used_ids.insert(id);
  return id;
}

void FinishArticle(const FeedContext& feed, Article& article, std::vector<std::string>& warnings) {
  const ImportOptions& options = feed.options;
  if (options.source != nullptr) article.set_source_id(options.source->id());
  if (article.language().empty()) article.set_language(feed.language);

  auto& attribution = *article.mutable_attribution();
  if (attribution.original_publisher().empty()) {
    attribution.set_original_publisher(feed.feed_title);
  }
  attribution.set_original_publisher(
      CanonicalPublisherName(attribution.original_publisher(), options.source));
  if (!attribution.distributor().empty()) {
    attribution.set_distributor(CanonicalPublisherName(attribution.distributor(), options.source));
    if (PublisherNameKey(attribution.distributor()) ==
        PublisherNameKey(attribution.original_publisher())) {
      attribution.clear_distributor();
    }
  }
  if (attribution.copyright_notice().empty()) attribution.set_copyright_notice(feed.rights);
  if (attribution.original_publisher().empty()) {
    const bool has_default = options.source != nullptr &&
                             !options.source->default_attribution().original_publisher().empty();
    if (!has_default) {
      warnings.emplace_back(
          "no publisher named by the item or the feed: attribution.original_publisher left empty");
    }
  } else if (attribution.distributor().empty()) {
    attribution.set_credit_line(attribution.original_publisher());
  } else {
    attribution.set_credit_line(
        absl::StrCat(attribution.original_publisher(), " via ", attribution.distributor()));
  }

  AddProvenanceHops(article,
                    feed.options.importer_agent.empty()
                        ? absl::StrCat("syndicate import --format=", FormatName(feed.format))
                        : feed.options.importer_agent,
                    feed.feed_link,
                    IsHttpUrl(options.base_url) ? options.base_url : options.file_name);
}

void AddProvenanceHops(Article& article, absl::string_view importer_agent,
                       absl::string_view republished_uri, absl::string_view origin) {
  const auto& attribution = article.attribution();
  if (!attribution.original_publisher().empty()) {
    ProvenanceHop* hop = article.add_provenance();
    hop->set_kind(ProvenanceHop::KIND_CREATED);
    hop->set_agent(attribution.original_publisher());
    hop->set_uri(attribution.original_url());
  }
  if (!attribution.distributor().empty()) {
    ProvenanceHop* hop = article.add_provenance();
    hop->set_kind(ProvenanceHop::KIND_REPUBLISHED);
    hop->set_agent(attribution.distributor());
    hop->set_uri(std::string(republished_uri));
  }
  ProvenanceHop* hop = article.add_provenance();
  hop->set_kind(ProvenanceHop::KIND_IMPORTED);
  hop->set_agent(std::string(importer_agent));
  if (IsHttpUrl(origin)) {
    hop->set_uri(std::string(origin));
  } else if (!origin.empty()) {
    const size_t slash = origin.find_last_of('/');
    hop->set_file_name(
        std::string(slash == absl::string_view::npos ? origin : origin.substr(slash + 1)));
  }
}

void CompleteItem(FeedContext& feed, std::string id, absl::string_view distinguisher,
                  ImportedItem& item, absl::string_view origin_feed_url) {
  item.article.set_external_id(UniqueExternalId(feed, std::move(id), distinguisher, item.warnings));
  FinishArticle(feed, item.article, item.warnings);
  auto* hops = item.article.mutable_provenance();
  if (!origin_feed_url.empty() && !hops->empty() &&
      hops->Get(0).kind() == ProvenanceHop::KIND_CREATED && hops->Get(0).uri().empty()) {
    hops->Mutable(0)->set_uri(std::string(origin_feed_url));
  }
  item.status = CheckPublishable(item.label, item.article);
}

absl::Status CheckPublishable(absl::string_view label, const Article& article) {
  if (article.headline().empty() && article.body_text().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": no headline and no body: nothing to publish"));
  }
  if (article.headline().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": headline: missing or empty"));
  }
  return absl::OkStatus();
}

}  // namespace syndicate::ingest::internal
