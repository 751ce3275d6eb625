// RSS 2.0 (https://www.rssboard.org/rss-specification) items → Articles, with the
// extensions news feeds use: content:encoded (RSS content module), dc:creator / dc:date /
// dc:rights / dc:language (Dublin Core), Media RSS 1.5 (media:content, media:group,
// media:credit, media:description, media:copyright), enclosures, and <source url> as the
// original publisher. RSS 1.0 (RDF) items are read the same way. Internal to ingest/;
// callers use Import (importer.h).
#ifndef SYNDICATE_INGEST_RSS_IMPORTER_H_
#define SYNDICATE_INGEST_RSS_IMPORTER_H_

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ingest/item_builder.h"

namespace syndicate::ingest::internal {

// Reads the channel's title, link, language and copyright, then each <item>, handing one
// ImportedItem per item to feed.consume. What goes where:
//  - headline: <title> as plain text (markup-looking text stays text; escaped CDATA
//    markers are removed); an item without one fails.
//  - body_html / body_text: content:encoded when present, else <description>, sanitized
//    (html_sanitizer.h) against the item's base URL; subheadline: the description as
//    one line when content:encoded is the body.
//  - authors (role "author"): each dc:creator, then <author> ("mail@example.org (Name)"
//    gives Name; a bare address is skipped with a warning); byline "By A, B and C".
//  - published_at: <pubDate>, else dc:date (dates.h).
//  - attribution.original_url: <link>, else a permalink <guid>, resolved against
//    xml:base and options.base_url. original_publisher: <source>'s text (distributor:
//    the channel title), else the channel title. copyright_notice: dc:rights, else the
//    channel's <copyright>.
//  - external_id: <guid> as written (a non-URL guid is an id, never the canonical URL),
//    else the link, else DerivedId("rss", title, pubDate, description) with a warning;
//    made unique within the feed (item_builder.h).
//  - media: each media:group is one item, its media:content children its renditions
//    (isDefault, else the first, gives the item's uri), with the group's (or the
//    rendition's) media:description as caption, media:credit as credit, media:copyright;
//    each media:content outside a group and each <enclosure> of image, video or audio
//    type is one item.
//  - keywords: each <category>.
// Errors: INVALID_ARGUMENT when the root is not <rss> or <rdf:RDF>, the document is not
// XML, or the feed is over options.max_items.
absl::Status ImportRss(absl::string_view utf8, FeedContext& feed,
                       std::vector<std::string>& warnings);

// Appends the Media RSS children of `item` (media:group, media:content; see above) to
// article.media, URLs resolved against `base`. Also used for Atom entries.
void AddMediaRss(const xmlNode* item, absl::string_view base, syndication::v1::Article& article,
                 std::vector<std::string>& warnings);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_RSS_IMPORTER_H_
