// Makes story HTML safe to hand to partners: an allowlist of tags and attributes, URLs
// resolved and limited to http(s) (and mailto: for links), and the plain text a reader
// sees derived from the result. Parsing is libxml2's HTML parser; this file only walks
// its tree. Internal to ingest/.
#ifndef SYNDICATE_INGEST_HTML_SANITIZER_H_
#define SYNDICATE_INGEST_HTML_SANITIZER_H_

#include <libxml/tree.h>

#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {

struct SanitizedHtml {
  // The allowed markup, serialized as HTML (void elements as <br>, attributes in double
  // quotes, text escaped). Empty when nothing visible remains.
  std::string html;
  // What a reader sees: block elements (p, h1–h6, li, blockquote, pre, figcaption, div, …)
  // make paragraphs joined by "\n\n"; <br> makes "\n"; other whitespace collapses to one
  // space, except inside <pre>.
  std::string text;
  // Elements dropped with their content (script, style, iframe, object, embed, form, …).
  int dropped_elements = 0;
  // Attributes dropped: event handlers (on…), style, and URLs that are not http(s) after
  // resolution (javascript:, data:, vbscript:, …).
  int dropped_attributes = 0;
};

// Which elements to leave out with their content besides the built-in list (the HTML
// importer's navigation, related-story lists, comments). May be empty.
using SkipElement = std::function<bool(const xmlNode*)>;

// Sanitizes an HTML fragment. Kept: p br h1–h6 blockquote pre code ul ol li a(href title)
// strong b em i u s sub sup small mark q(cite) cite abbr(title) figure figcaption
// img(src alt title width height) hr table thead tbody tfoot tr th td(colspan rowspan)
// dl dt dd. Other elements (div, span, section, font, …) are unwrapped: their children
// stay. Relative href/src/cite are resolved against `base_url` (may be empty: then a
// relative URL is dropped). An <img> left without src is dropped. Thread-safe.
SanitizedHtml SanitizeHtml(absl::string_view fragment, absl::string_view base_url);

// The same over the children of `parent`, a node of a document libxml2 already parsed,
// also skipping the elements `skip` says.
SanitizedHtml SanitizeChildren(const xmlNode* parent, absl::string_view base_url,
                               const SkipElement& skip);

// The plain text of an HTML fragment (an Atom title of type "html"), on one line.
std::string HtmlToOneLine(absl::string_view fragment);

// `text` escaped for HTML text: & < > become entities.
std::string EscapeHtml(absl::string_view text);

// Plain text as HTML paragraphs: each block separated by a blank line becomes <p>…</p>,
// a single line break <br>.
std::string TextToHtml(absl::string_view text);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_HTML_SANITIZER_H_
