// Streams an XML feed with libxml2's xmlTextReader: the root element is seen first, then
// each element the caller picks is expanded into a small subtree, handed over, and freed
// when the reader moves past it, so memory follows the largest item rather than the feed.
// Internal to ingest/.
#ifndef SYNDICATE_INGEST_XML_STREAM_H_
#define SYNDICATE_INGEST_XML_STREAM_H_

#include <libxml/tree.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {

struct XmlVisitor {
  // The root element, with its attributes but no children yet. A non-OK status stops the
  // walk and is returned (e.g. the wrong root for the format).
  std::function<absl::Status(const xmlNode* root)> root;
  // Whether the element at `depth` (root = 0, asked after `root`), with its ancestors in
  // place, is one to expand and hand to `element`; false descends into it instead.
  std::function<bool(const xmlNode* node, int depth)> expand;
  // An expanded element; its ancestors (without their other children) are reachable
  // through `parent`, so xml:base chains resolve. A non-OK status stops the walk.
  std::function<absl::Status(const xmlNode* node)> element;
};

// Walks `utf8` (already decoded; its encoding declaration is ignored) with `base_url` as
// the document's URL (may be empty), after RepairEntities. Entities are not loaded from
// outside and the network is never used. A document that is not well-formed (a mismatched
// tag in one item) is read again whole with libxml2's recovery mode, which goes on past
// the fault, and the elements the reader had not yet handed over are handed from that
// tree, with a warning naming the line; inputs over 16 MiB are not read again (the rest is
// lost, with a warning). INVALID_ARGUMENT "xml: not well-formed (line N)" when not even a
// root element can be found, and when the document's DOCTYPE declares entities of its own
// (DeclaresEntities): entity expansion is how "billion laughs" documents exhaust memory.
absl::Status WalkXml(absl::string_view utf8, absl::string_view base_url, const XmlVisitor& visitor,
                     std::vector<std::string>& warnings);

// True when a DOCTYPE in the prolog has an internal subset with an <!ENTITY declaration.
bool DeclaresEntities(absl::string_view xml);

// Feeds written by hand or by HTML tools use HTML's named entities (&nbsp;, &eacute;,
// &copy;), which XML does not define, and bare "&" in text; either makes the document not
// well-formed. Returns a copy with each HTML entity replaced by its character reference
// and each bare "&" by "&amp;" (CDATA sections, comments and processing instructions left
// alone), with a warning counting each kind; nullopt when there is nothing to repair.
std::optional<std::string> RepairEntities(absl::string_view xml,
                                          std::vector<std::string>& warnings);

// The name of the first element of `utf8` (skipping the declaration, comments, processing
// instructions and a DOCTYPE), with its prefix as written ("rdf:RDF"); "" when none.
std::string RootElementName(absl::string_view utf8);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_XML_STREAM_H_
