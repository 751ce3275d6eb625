// An HTML article page → one Article: schema.org NewsArticle in JSON-LD
// (https://schema.org/NewsArticle; JSON-LD 1.1 @graph and @id references), Open Graph
// (https://ogp.me/) and <link rel="canonical"> (RFC 6596), and the story's body taken
// from the page's structure. Parsing is libxml2's HTML parser. Internal to ingest/;
// callers use Import (importer.h).
#ifndef SYNDICATE_INGEST_HTML_IMPORTER_H_
#define SYNDICATE_INGEST_HTML_IMPORTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ingest/item_builder.h"

namespace syndicate::ingest::internal {

// Reads the page. JSON-LD blocks (<script type="application/ld+json">) are searched for a
// node whose @type is NewsArticle or a kind of it (Article, ReportageNewsArticle,
// AnalysisNewsArticle, OpinionNewsArticle, BackgroundNewsArticle, BlogPosting,
// LiveBlogPosting, …), at the top level, in an array, or in @graph; a block that is not
// valid JSON is skipped with a warning. Values given as {"@id": …} are looked up among
// the nodes of every block. What goes where (first present wins):
//  - headline: JSON-LD headline / name, og:title, the first <h1>, <title>.
//  - subheadline: JSON-LD description, og:description, <meta name="description">.
//  - authors: JSON-LD author (one, an array, names or Person/Organization nodes),
//    else <meta name="author">, else article:author when it is not a URL; byline
//    "By A and B".
//  - published_at: JSON-LD datePublished, article:published_time.
//  - attribution.original_url: <link rel="canonical">, JSON-LD url / mainEntityOfPage,
//    og:url, options.base_url; original_publisher: JSON-LD publisher's name, og:site_name.
//  - body: the element with itemprop="articleBody", else the <article> holding the most
//    text, else <main>, else <body>; inside it, navigation, asides, headers, footers,
//    forms, the <h1>, and elements whose class or id names related stories, comments,
//    subscription or newsletter prompts, paywalls, sharing, promotions or ads are left
//    out; the rest sanitized (html_sanitizer.h). JSON-LD articleBody when the page
//    structure yields nothing.
//  - media: JSON-LD image (URL, ImageObject or array), else og:image (og:image:alt as
//    caption).
//  - section: JSON-LD articleSection, article:section; keywords: JSON-LD keywords,
//    article:tag; language: JSON-LD inLanguage, <html lang>.
//  - external_id: the canonical URL, else a derived id (warning).
// Errors: INVALID_ARGUMENT "html: …" when libxml2 finds no document at all.
absl::Status ImportHtml(absl::string_view utf8, FeedContext& feed,
                        std::vector<std::string>& warnings);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_HTML_IMPORTER_H_
