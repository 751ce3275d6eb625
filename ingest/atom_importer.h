// Atom 1.0 (RFC 4287) entries → Articles, and RFC 6721 deleted-entry tombstones →
// withdrawals. Internal to ingest/; callers use Import (importer.h).
#ifndef SYNDICATE_INGEST_ATOM_IMPORTER_H_
#define SYNDICATE_INGEST_ATOM_IMPORTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ingest/item_builder.h"

namespace syndicate::ingest::internal {

// Reads a feed document (<feed>: its title, alternate link, authors and rights, then each
// <entry> and <at:deleted-entry>) or an entry document (<entry>). What goes where:
//  - headline: atom:title, a text construct (RFC 4287 §3.1): type "text" as written,
//    "html" and "xhtml" reduced to their text; an entry without one fails.
//  - body_html / body_text: atom:content (text, html or xhtml; out-of-line content with
//    src is not fetched, with a warning), else atom:summary, sanitized against the
//    content's own base URI: every xml:base from the document's URL (options.base_url)
//    down through feed, entry and content (XML Base; RFC 4287 §2). subheadline: the
//    summary as one line when content is the body.
//  - authors: the entry's atom:author elements (name, uri; role "author") and
//    atom:contributor (role "contributor"); when the entry has no author, those of its
//    atom:source, else those of the feed (RFC 4287 §4.2.1). byline "By A, B and C".
//  - published_at: atom:published, else atom:updated (with a warning).
//  - attribution.original_url: the link rel="alternate" (or without rel) of type
//    text/html or none, resolved. When the entry has an atom:source (§4.2.11), the
//    source's title is the original publisher, its rights the copyright notice unless
//    the entry has its own, and the feed is the distributor; otherwise the feed's title
//    is the publisher. copyright_notice: atom:rights of the entry, else source, else feed.
//  - external_id: atom:id, else the alternate link, else a derived id (with a warning);
//    unique within the feed.
//  - media: link rel="enclosure" of image, video or audio type, and Media RSS children.
//  - keywords: each atom:category's label, else its term. language: xml:lang in effect.
//  - at:deleted-entry (RFC 6721 §2): a kWithdrawal item, external_id its `ref`,
//    withdrawal_reason its at:comment or "deleted from the feed", withdrawn_at its
//    `when`; one without ref fails.
// Errors: INVALID_ARGUMENT when the root is not an Atom <feed> or <entry>, the document is
// not XML, or the feed is over options.max_items.
absl::Status ImportAtom(absl::string_view utf8, FeedContext& feed,
                        std::vector<std::string>& warnings);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_ATOM_IMPORTER_H_
