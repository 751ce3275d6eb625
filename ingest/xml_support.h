// Small helpers over libxml2's tree (XML and HTML alike) and the URL and text rules the
// importers share. Internal to ingest/.
#ifndef SYNDICATE_INGEST_XML_SUPPORT_H_
#define SYNDICATE_INGEST_XML_SUPPORT_H_

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {

inline constexpr absl::string_view kAtomNs = "http://www.w3.org/2005/Atom";
inline constexpr absl::string_view kContentNs = "http://purl.org/rss/1.0/modules/content/";
inline constexpr absl::string_view kDublinCoreNs = "http://purl.org/dc/elements/1.1/";
inline constexpr absl::string_view kMediaRssNs = "http://search.yahoo.com/mrss/";
// RFC 6721 deleted-entry tombstones.
inline constexpr absl::string_view kTombstoneNs = "http://purl.org/atompub/tombstones/1.0";
inline constexpr absl::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

struct XmlDocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocDeleter>;

// Initializes libxml2 once per process and routes its error printing nowhere (parse
// problems become warnings through the parser's own status instead). Thread-safe.
void InitLibxml2();

// The local name of an element, "" for other nodes.
absl::string_view LocalName(const xmlNode* node);
// The element's namespace URI, "" when it has none.
absl::string_view NamespaceUri(const xmlNode* node);
// True when `node` is an element named `local` in namespace `ns` ("" for none).
bool IsElement(const xmlNode* node, absl::string_view ns, absl::string_view local);

// Child elements named `local` in `ns`, in document order.
std::vector<const xmlNode*> ChildElements(const xmlNode* parent, absl::string_view ns,
                                          absl::string_view local);
// The first such child, or null.
const xmlNode* FirstChildElement(const xmlNode* parent, absl::string_view ns,
                                 absl::string_view local);

// The node's text content, entities and CDATA decoded once, as written (not trimmed).
std::string NodeText(const xmlNode* node);
// The attribute's value ("" when absent); `ns` "" for an attribute without a namespace.
std::string Attribute(const xmlNode* node, absl::string_view name, absl::string_view ns = "");
// The base URI in effect at `node`: its xml:base chain resolved against the document's
// URL (RFC 3986 §5.1, XML Base). "" when there is none.
std::string BaseUrl(const xmlNode* node);
// The node's children serialized as XML (for Atom xhtml content).
std::string InnerXml(const xmlNode* node);

// `reference` resolved against `base` (RFC 3986 §5.2) when it is an absolute http(s)
// URL after resolution; "" otherwise (javascript:, data:, mailto:, relative without a
// base, unparseable).
std::string ResolveHttpUrl(absl::string_view base, absl::string_view reference);
// True for an absolute http(s) URL with a host and no whitespace (ASCII, U+00A0, U+2028,
// U+2029) or control characters (C0, DEL, C1). Other non-ASCII characters are allowed.
bool IsHttpUrl(absl::string_view url);

// `value` quoted for a message (common/utf8.h QuoteForMessage), from an absl::string_view.
std::string Quoted(absl::string_view value, size_t max_bytes = 80);

// `text` without control characters (C0 but tab, LF and CR; DEL; C1): numeric character
// references (&#x85;) and JSON escapes (\u0001) bring back what decoding stripped. Valid
// UTF-8 in, valid UTF-8 out.
std::string StripControls(absl::string_view text);

// `text` as one line: control characters dropped, runs of whitespace (ASCII, U+00A0 and
// the line and paragraph separators U+2028, U+2029) become one space; trimmed.
std::string CollapseWhitespace(absl::string_view text);
// A text field whose whole value is a CDATA section escaped as text ("<![CDATA[x]]>",
// what a feed writer produces when it escapes a CDATA section) unwrapped to "x".
// Returns true in `unwrapped` when it did.
std::string UnwrapEscapedCdata(absl::string_view text, bool* unwrapped);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_XML_SUPPORT_H_
