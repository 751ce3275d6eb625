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

struct TextImportResult {
  syndication::v1::Article article;
  // What could not be determined or looked doubtful, one sentence each, e.g.
  // "no attribution line found: attribution.original_publisher left empty".
  std::vector<std::string> warnings;
};

// Parses `text` (UTF-8; a leading byte order mark is skipped). A line ends at LF, CRLF or
// a lone CR (old Mac OS), and also at a vertical tab or form feed (a page break) and at
// U+2028 LINE SEPARATOR or U+2029 PARAGRAPH SEPARATOR, so that none reaches a field. Never invents
// a value: whatever it cannot determine is left empty and reported in TextImportResult::warnings,
// in a fixed order (section, byline, story boundary in page order, story, attribution, date). Never
// reads a date: published_at stays unset.
//
// Control characters are refused, not stripped: C0 controls other than tab, LF, VT, FF
// and CR; DEL (U+007F); C1 controls (U+0080–U+009F). The server refuses them in stories,
// and on a scraped page they mean the text was decoded wrongly rather than that a stray
// character slipped in: NULs between letters are UTF-16, and U+0091–U+0097 are Windows-1252
// quotes and dashes read as Latin-1. Stripping them would store "Chinas" for "China’s"
// without a word; refusing names the line so the page can be re-saved as UTF-8.
//
// No field but body_text holds a tab: in one-line fields (section, headline, subheadline,
// byline, authors, dateline, attribution names, copyright notice) a tab becomes a space.
//
// What goes where:
//  - section: a first paragraph of one short line (at most 3 words) when the paragraph
//    after it does not end with a full stop; headline: the next paragraph (or the first).
//    Page furniture is never the section or the headline. An attribution line is furniture
//    wherever it stands, with one exception: a line opening with a bare "Source" or "Via"
//    and no colon ("Via Rail strike ends") may be the headline, though never the section.
//    "Source: X" is an attribution line only when X reads as a name: at most 8 words, and
//    no lower-case word other than a joining word (of, the, and, on, de, …) with more words
//    after it, so "Source: Ministry of Health figures released on Monday." is story text
//    while "Source: Ministry of Health", "Source: The Mail on Sunday" and "Source: Example
//    Wire staff" are attribution. Text written all in lower case ("northwind gazette")
//    reads as a name unless it also runs to 4 words or more and ends in a full stop.
//  - subheadline: the paragraph after the headline, when more story follows and it does
//    not open with a byline or dateline.
//  - body_text: the story paragraphs, as written (every line end becomes "\n" and
//    line-end whitespace is dropped; inner line breaks, leading spaces, tabs, bullets and
//    quotes stay), joined by "\n\n". Story text is never dropped without a warning.
//  - The trailer boundary. The story begins at the first text paragraph after the headline
//    and ends with its last story-like paragraph: one that ends like a sentence (".", "?",
//    "!", also inside closing quotes, or a closing ” » ") or holds 20 words or more. The
//    trailer begins at the first paragraph of page furniture (attribution, distributor or
//    copyright line, share/follow/comment/subscribe prompt, a label line such as "Tags: …",
//    "Filed under: …" or "Categories: …", a heading such as "Related Articles") after that;
//    everything from it on is trailer. A line of page furniture is never story-like, even
//    when it ends with a full stop ("Comments are closed.", "Thanks for reading.", "Your
//    email address will not be published."), and its words do not count towards the 20. So:
//     - furniture with story-like text after it does not end the story. It stays in
//       body_text as written, with a warning, and is not read for attribution: it may be
//       the story's own "Source: X" under a figure, or a credit line followed by text that
//       only looks like story (the importer cannot tell, so it keeps the text). Only a
//       paragraph of one line that is nothing but a furniture phrase ("Advertisement",
//       "Share this:") is left out of the story, as it holds no text; that too is named
//       in a warning;
//     - after a list heading ("Related Articles", "Read also", "You may also like", …) the
//       paragraphs without a final full stop are that list's headlines, not story, even
//       when they end in "?" or run long: they are left out without a warning;
//     - the readers' comments come after all of the story: nothing after their heading
//       ("Leave a Reply", "Comments", "12 comments") is story, and its text paragraphs
//       are left out of body_text, counted in one warning;
//     - other text in the trailer ("Name *", a lone "Facebook") is left out of body_text
//       with a warning naming it.
//  - byline, authors (role "author"): a paragraph of one line "By A", "By A and B",
//    "By A, B and C"; names kept as written.
//  - dateline: PLACE from "PLACE — " / "PLACE (Agency) — " opening the first story
//    paragraph.
//  - attribution.original_publisher: from an attribution line ("Source: X", "Via X",
//    "This article originally appeared on X", …) before the story or in the trailer (one
//    kept inside the story is not read), else the dateline's "(Agency)", else
//    the copyright holder (with a warning); quotes removed, all-lower-case names given
//    capitals, then mapped through options.source's publisher_aliases: a name takes the
//    alias's `name` when both have the same PublisherNameKey (publisher_names.h). Names
//    read from the page are compared with each other by that key as well.
//  - attribution.distributor: the site naming itself in the trailer ("Discover more from
//    X", "For more: X website"); copyright_holder / copyright_notice: the first copyright
//    line whose holder is not the distributor; credit_line: "{publisher} via
//    {distributor}", or the publisher alone.
//  - provenance: KIND_CREATED (publisher, original_url) and KIND_REPUBLISHED
//    (distributor) when known, then KIND_IMPORTED ("syndicate import --format=text").
//
// Errors:
//  - INVALID_ARGUMENT, with a message naming the problem:
//     - "text: empty" (nothing, or only a byte order mark);
//     - "text: not valid UTF-8";
//     - "text: line N holds control character U+XXXX": the first refused control
//       character (see above); lines counted from 1 at LF, CRLF or a lone CR;
//     - "text: holds only whitespace" (or "… whitespace and list bullets");
//     - "text: no headline (…)": every paragraph is a byline or page furniture, or the
//       headline paragraph is over 1000 bytes;
//     - options.original_url is set but is not an absolute http(s) URL.
//  - INTERNAL: libsodium could not be initialized.
//
// Thread-safe; keeps no reference to `text` or `options` after it returns. Time and
// memory are linear in the size of `text`.
absl::StatusOr<TextImportResult> ParseScrapedText(std::string_view text,
                                                  const TextImportOptions& options);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_TEXT_IMPORTER_H_
