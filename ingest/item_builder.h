// What every feed importer does the same way once it has read an item's fields: dates,
// sanitized bodies, bylines, stable external ids, attribution and provenance, and handing
// items on under the max_items limit. Internal to ingest/.
#ifndef SYNDICATE_INGEST_ITEM_BUILDER_H_
#define SYNDICATE_INGEST_ITEM_BUILDER_H_

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "ingest/importer.h"
#include "syndication/v1/article.pb.h"

namespace syndicate::ingest::internal {

// The feed-level facts items inherit, and the state that spans items.
struct FeedContext {
  FeedContext(const ImportOptions& options, Format format,
              const std::function<void(ImportedItem)>& consume)
      : options(options), format(format), consume(consume) {}

  const ImportOptions& options;
  Format format;
  const std::function<void(ImportedItem)>& consume;
  // Where dates without a zone are read: the Source's time_zone, else options.default_zone.
  absl::TimeZone default_zone = absl::UTCTimeZone();

  // The feed's own title: the publisher of its items unless an item names another
  // (RSS <source>, atom:source), and otherwise the distributor.
  std::string feed_title;
  // The feed's home page (RSS channel link, Atom link rel=alternate).
  std::string feed_link;
  std::string language;
  std::string rights;
  std::vector<syndication::v1::Person> feed_authors;

  // Items handed on so far, and the external ids they used.
  size_t items = 0;
  absl::flat_hash_set<std::string> used_ids;
};

// "item 3" (1-based) or "item 3 (ID)".
std::string ItemLabel(absl::string_view noun, size_t index, absl::string_view id);

// Counts the item and hands it to the consumer. INVALID_ARGUMENT "feed: more than
// max_items (N) items" when it is one too many (the item is then not handed on).
absl::Status Emit(FeedContext& feed, ImportedItem item);
// INVALID_ARGUMENT when one more item would be over max_items; for callers that want to
// stop before reading it.
absl::Status CheckItemLimit(const FeedContext& feed);

// Parses `text` (the element or field `field`, e.g. "pubDate") into `out`. A date
// without a zone is read in feed.default_zone with a warning; an unreadable one leaves
// `out` unset with a warning. Returns whether `out` was set.
bool SetDate(const FeedContext& feed, absl::string_view field, absl::string_view text,
             google::protobuf::Timestamp* out, std::vector<std::string>& warnings);

// Sanitizes `html` against `base_url` into article.body_html and derives body_text, with
// a warning when markup was removed (scripts, event handlers, unsafe URLs).
void SetBodyFromHtml(absl::string_view field, absl::string_view html, absl::string_view base_url,
                     syndication::v1::Article& article, std::vector<std::string>& warnings);

// Text fields read from markup: escaped CDATA unwrapped (with a warning), whitespace
// collapsed to one line.
std::string OneLine(absl::string_view field, absl::string_view text,
                    std::vector<std::string>& warnings);

// Adds `name` (trimmed, one line) as an author with `role` unless empty or already there.
void AddAuthor(syndication::v1::Article& article, absl::string_view name, absl::string_view role,
               absl::string_view uri = "");
// "By A", "By A and B", "By A, B and C" from the article's authors; "" when none.
std::string BylineFromAuthors(const syndication::v1::Article& article);

// prefix + "-" + the first 32 lowercase hex digits of SHA-256 of `parts` joined by "\n".
std::string DerivedId(absl::string_view prefix, std::initializer_list<absl::string_view> parts);

// Makes `id` (as one line: CollapseWhitespace) unique within the feed: the first item with an id
// keeps it; a later one gets id + "#" + DerivedId's hex of `distinguisher` (its link and title),
// with a warning, so two stories that share a guid stay apart and keep their ids across fetches. An
// id over 1024 bytes (the server's limit) is replaced by DerivedId of it.
std::string UniqueExternalId(FeedContext& feed, std::string id, absl::string_view distinguisher,
                             std::vector<std::string>& warnings);

// Fills what every imported story needs from the feed and options: source_id, language
// (when the item has none), attribution.original_publisher (the feed title when the item
// named none) mapped through the Source's publisher_aliases, credit_line ("P via D" or
// "P"), copyright_notice from the feed's rights, then the provenance chain: KIND_CREATED
// (publisher, original_url), KIND_REPUBLISHED (distributor) when there is one, and
// KIND_IMPORTED (agent "syndicate import --format=F", uri base_url or file_name).
// Warns when no publisher is known and the Source has no default for it.
void FinishArticle(const FeedContext& feed, syndication::v1::Article& article,
                   std::vector<std::string>& warnings);

// INVALID_ARGUMENT naming the item when it has neither headline nor body: nothing a
// partner could show. OK otherwise.
absl::Status CheckPublishable(absl::string_view label, const syndication::v1::Article& article);

// The end of every feed item: external_id from UniqueExternalId(id, distinguisher), then
// FinishArticle, then item.status from CheckPublishable. `origin_feed_url`, the original
// publisher's own feed or site when the item names one (RSS <source url>, atom:source's
// link), is the KIND_CREATED hop's uri when the item has no original_url.
void CompleteItem(FeedContext& feed, std::string id, absl::string_view distinguisher,
                  ImportedItem& item, absl::string_view origin_feed_url = "");

// Appends the provenance chain: KIND_CREATED (the original publisher, with original_url)
// and KIND_REPUBLISHED (the distributor, with `republished_uri`) when attribution names
// them, then KIND_IMPORTED by `importer_agent` from `origin`: an absolute http(s) URL goes
// to the hop's uri, anything else is a file path whose base name goes to file_name.
void AddProvenanceHops(syndication::v1::Article& article, absl::string_view importer_agent,
                       absl::string_view republished_uri, absl::string_view origin);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_ITEM_BUILDER_H_
