// Turns a news page saved as plain text (the shape of a scraped copy: section word,
// headline, standfirst, story paragraphs, then the republishing site's trailer) into an
// Article with its attribution worked out from the text.
#ifndef SYNDICATE_INGEST_TEXT_IMPORTER_H_
#define SYNDICATE_INGEST_TEXT_IMPORTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::ingest {

struct TextImportOptions {
  // The Source the story is imported into: its id becomes article.source_id and its
  // publisher_aliases canonicalize the original publisher's name. Not owned; may be null.
  const syndication::v1::Source* source = nullptr;
  // article.external_id. When empty: "text-" followed by the first 32 lowercase hex digits
  // of SHA-256(distributor + "\n" + headline), so importing the same page again updates
  // the same story.
  std::string external_id;
  // attribution.original_url, when the caller knows it. Absolute http(s) URL or empty.
  std::string original_url;
  // Where the text came from, recorded in the KIND_IMPORTED provenance hop: an absolute
  // http(s) URL goes to the hop's `uri`; anything else is taken for a file path and its
  // base name goes to the hop's `file_name`. May be empty.
  std::string origin;
};

struct ImportResult {
  syndication::v1::Article article;
  // What could not be determined or looked doubtful, one sentence each, e.g.
  // "no attribution line found: attribution.original_publisher left empty".
  std::vector<std::string> warnings;
};

// Parses `text` (UTF-8; LF or CRLF line endings; a leading byte order mark is skipped).
// Never invents a value: whatever it cannot determine is left empty and reported in
// ImportResult::warnings, in a fixed order. Never reads a date: published_at stays unset.
//
// What goes where:
//  - section: a first paragraph of one short line (at most 3 words) when the paragraph
//    after it does not end with a full stop; headline: the next paragraph (or the first).
//  - subheadline: the paragraph after the headline, when more story follows and it does
//    not open with a byline or dateline.
//  - body_text: the story paragraphs, as written (only line-end whitespace and CRs are
//    dropped; inner line breaks, leading spaces, bullets and quotes stay), joined by
//    "\n\n". The story ends where the trailer begins: the first paragraph of page
//    furniture (attribution, distributor or copyright line, share/comment/subscribe
//    prompt) after the story has started; everything after it is trailer.
//  - byline, authors (role "author"): a paragraph of one line "By A", "By A and B",
//    "By A, B and C"; names kept as written.
//  - dateline: PLACE from "PLACE — " / "PLACE (Agency) — " opening the first story
//    paragraph.
//  - attribution.original_publisher: from an attribution line ("Source: X", "Via X",
//    "This article originally appeared on X", …), else the dateline's "(Agency)", else
//    the copyright holder (with a warning); quotes removed, all-lower-case names given
//    capitals, then mapped through options.source's publisher_aliases.
//  - attribution.distributor: the site naming itself in the trailer ("Discover more from
//    X", "For more: X website"); copyright_holder / copyright_notice: the first copyright
//    line whose holder is not the distributor; credit_line: "{publisher} via
//    {distributor}", or the publisher alone.
//  - provenance: KIND_CREATED (publisher, original_url) and KIND_REPUBLISHED
//    (distributor) when known, then KIND_IMPORTED ("syndicate import --format=text").
//
// Errors:
//  - INVALID_ARGUMENT: `text` is empty or not valid UTF-8; it holds no headline (nothing
//    but bylines and page furniture, or a first paragraph over 1000 bytes);
//    options.original_url is set but is not an absolute http(s) URL.
//  - INTERNAL: libsodium could not be initialized.
//
// Thread-safe; keeps no reference to `text` or `options` after it returns. Time and
// memory are linear in the size of `text`.
absl::StatusOr<ImportResult> ParseScrapedText(std::string_view text,
                                              const TextImportOptions& options);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_TEXT_IMPORTER_H_
