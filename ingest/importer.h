// The one entry point for turning what a publisher sends — an RSS 2.0 or Atom 1.0 feed, an
// IPTC ninjs document, an HTML article page, or a scraped page saved as text — into
// Articles, each with its own warnings, and withdrawals (RFC 6721 tombstones). The CLI's
// import and convert call it with a file's bytes; a feed poller calls it with the fetched
// body and the response's Content-Type.
//
// One bad item never stops the rest: each item succeeds or fails on its own
// (ImportedItem::status). Only what makes the whole input unreadable is an error of
// Import itself: the input over a limit, nothing parseable, a format that cannot be told.
#ifndef SYNDICATE_INGEST_IMPORTER_H_
#define SYNDICATE_INGEST_IMPORTER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::ingest {

enum class Format {
  kAuto,   // decided from the content (see DetectFormat)
  kText,   // a scraped page saved as plain text (text_importer.h)
  kRss,    // RSS 2.0 (https://www.rssboard.org/rss-specification), also RSS 1.0 items
  kAtom,   // Atom 1.0 (RFC 4287) with RFC 6721 tombstones; a feed or an entry document
  kNinjs,  // IPTC ninjs 1.x, 2.x or 3.x (https://iptc.org/standards/ninjs/): an object or
           // an array of them
  kHtml,   // an HTML article page: JSON-LD NewsArticle, Open Graph, page structure
};

// "auto", "text", "rss", "atom", "ninjs", "html".
absl::string_view FormatName(Format format);
// The Format named so (ASCII case ignored); INVALID_ARGUMENT naming the value otherwise.
absl::StatusOr<Format> ParseFormatName(absl::string_view name);

// Picks the format from the first markup or JSON of `bytes` (after a byte order mark,
// whitespace, the XML declaration, comments and a DOCTYPE): "{", or "[" before "{" or
// "]", is ninjs; a root element <rss> or <rdf:RDF> is RSS, <feed> or <entry> Atom, <html>
// or an HTML DOCTYPE HTML. When the content does not tell, the media type of
// `content_type` (an HTTP Content-Type value, may be empty) does: application/rss+xml,
// application/atom+xml, text/html or application/xhtml+xml, application/json or
// application/ninjs+json. Other markup is HTML; anything else is text. Never fails.
Format DetectFormat(absl::string_view bytes, absl::string_view content_type);

struct ImportOptions {
  // Which importer to run. Default: kAuto.
  Format format = Format::kAuto;
  // The HTTP Content-Type the bytes came with, or "": its charset is the declared
  // encoding when the document declares none, and its media type guides kAuto.
  std::string content_type;
  // Where the bytes came from, as an absolute http(s) URL, or "": the base of relative
  // links (under any xml:base), and the uri of the KIND_IMPORTED provenance hop.
  std::string base_url;
  // The local file the bytes were read from, or "": its base name goes to the
  // KIND_IMPORTED hop's file_name when base_url is empty.
  std::string file_name;
  // The Source the items are imported into: its id becomes each article's source_id, its
  // publisher_aliases canonicalize publisher names, and its default attribution is what
  // the server fills in (so a missing publisher is then not warned about). Not owned;
  // may be null.
  const syndication::v1::Source* source = nullptr;
  // Where a date without a zone or offset is read (with a warning) when `source` names no
  // time_zone (an IANA name, loaded from the system's time zone database). Default: UTC.
  absl::TimeZone default_zone = absl::UTCTimeZone();
  // Largest input accepted, in bytes. Default: 64 MiB.
  size_t max_input_bytes = size_t{64} << 20;
  // Most items (entries, tombstones) one feed may hold. Default: 10000.
  size_t max_items = 10000;
  // Who imported the items, for the KIND_IMPORTED provenance hop's agent; "" means
  // "syndicate import --format=F" (the CLI). The server's feed poller names itself.
  std::string importer_agent;
  // For kText only: the article's external_id and attribution.original_url, when the
  // caller knows them (text_importer.h).
  std::string external_id;
  std::string original_url;
};

// One item of the input, in document order.
struct ImportedItem {
  enum class Kind {
    kArticle,     // `article` is a story to publish
    kWithdrawal,  // `article` names a story the publisher deleted (RFC 6721): source_id,
                  // external_id, pubstatus PUB_STATUS_WITHHELD, withdrawal_reason (the
                  // tombstone's comment, or "deleted from the feed"); nothing else
  };
  Kind kind = Kind::kArticle;
  // 0-based position among the input's items.
  size_t index = 0;
  // How messages name the item: "item 3" (1-based) plus its id when it has one, e.g.
  // "entry 2 (tag:example.org,2026:42)".
  std::string label;
  // OK, or why this item could not be imported (INVALID_ARGUMENT, message naming the
  // item and the field); `article` is then incomplete and must not be published.
  absl::Status status;
  syndication::v1::Article article;
  // When a tombstone says the entry was deleted (RFC 6721 `when`); InfinitePast otherwise.
  absl::Time withdrawn_at = absl::InfinitePast();
  // What was repaired, assumed or left out, one sentence each, e.g.
  // "pubDate \"Tue, 03 Mar 2026 09:30\" names no zone: read in UTC".
  std::vector<std::string> warnings;
};

struct ImportResult {
  // The format that was read (never kAuto).
  Format format = Format::kText;
  // For ninjs, the version read from the content: "1.x", "2.x" or "3.x"; else "".
  std::string format_version;
  // About the input as a whole (its encoding, its parser's recovery), one sentence each.
  std::vector<std::string> warnings;
  std::vector<ImportedItem> items;
};

// Reads `bytes` (any encoding; see ingest/encoding.h for the repairs) as options.format.
// Returns every item, successful or failed, in document order.
// Errors:
//  - INVALID_ARGUMENT "input: N bytes is over the limit max_input_bytes (M)";
//  - INVALID_ARGUMENT "feed: more than max_items (N) items" — no item is returned;
//  - INVALID_ARGUMENT naming the problem when the input as a whole cannot be read: empty,
//    not well-formed enough to find its root, not the format asked for ("rss: the root
//    element is <feed>, not <rss>"), invalid JSON ("ninjs: …"), or the text importer's
//    errors for kText.
// Memory: the XML formats are read with libxml2's streaming reader, one item's subtree at
// a time, so beyond `bytes` and the result, memory grows with the largest item, not the
// feed. Thread-safe; keeps no reference to `bytes` or `options`.
absl::StatusOr<ImportResult> Import(absl::string_view bytes, const ImportOptions& options);

// As Import, but hands each item to `consume` (on the calling thread, in document order)
// as soon as it is read instead of keeping it; the returned result has no items. For very
// large feeds. When the feed turns out to be over max_items, the items before the limit
// have already been handed over when the error is returned.
absl::StatusOr<ImportResult> ImportEach(absl::string_view bytes, const ImportOptions& options,
                                        const std::function<void(ImportedItem)>& consume);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_IMPORTER_H_
