#include "ingest/xml_stream.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

struct ReaderDeleter {
  void operator()(xmlTextReader* reader) const { xmlFreeTextReader(reader); }
};

// A document that breaks off is parsed again whole in libxml2's recovery mode, which goes
// on past mismatched tags; above this size that tree would cost too much memory.
constexpr size_t kMaxRecoveryBytes = size_t{16} << 20;

constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT;

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Length of a character reference "&#123;" / "&#x1F;" opening `s`, or 0.
size_t CharacterReferenceLength(absl::string_view s) {
  if (!absl::StartsWith(s, "&#")) return 0;
  size_t i = 2;
  const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
  if (hex) ++i;
  const size_t digits_start = i;
  while (i < s.size() && (hex ? absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))
                              : absl::ascii_isdigit(static_cast<unsigned char>(s[i])))) {
    ++i;
  }
  return i > digits_start && i < s.size() && s[i] == ';' ? i + 1 : 0;
}

}  // namespace

bool DeclaresEntities(absl::string_view xml) {
  absl::string_view rest = xml;
  while (true) {
    const size_t lt = rest.find('<');
    if (lt == absl::string_view::npos) return false;
    rest.remove_prefix(lt);
    if (absl::StartsWith(rest, "<?") || absl::StartsWith(rest, "<!--")) {
      const absl::string_view close = absl::StartsWith(rest, "<?") ? "?>" : "-->";
      const size_t end = rest.find(close);
      if (end == absl::string_view::npos) return false;
      rest.remove_prefix(end + close.size());
    } else if (absl::StartsWith(rest, "<!DOCTYPE") || absl::StartsWith(rest, "<!doctype")) {
      // The internal subset, if any, runs from '[' to "]>"; nothing but it declares.
      const size_t open = rest.find('[');
      const size_t gt = rest.find('>');
      if (open == absl::string_view::npos || (gt != absl::string_view::npos && gt < open)) {
        return false;
      }
      const size_t end = rest.find("]>", open);
      return absl::StrContains(
          rest.substr(open, end == absl::string_view::npos ? absl::string_view::npos : end - open),
          "<!ENTITY");
    } else {
      return false;  // the root element: the prolog is over
    }
  }
}

std::optional<std::string> RepairEntities(absl::string_view xml,
                                          std::vector<std::string>& warnings) {
  std::string out;
  size_t copied = 0;
  size_t html_entities = 0;
  size_t bare_ampersands = 0;
  std::string first_html;
  for (size_t i = 0; i < xml.size(); ++i) {
    const char c = xml[i];
    if (c == '<') {
      // Markup where '&' is literal: CDATA sections, comments, processing instructions.
      for (const auto& [open, close] :
           {std::pair<absl::string_view, absl::string_view>{"<![CDATA[", "]]>"},
            {"<!--", "-->"},
            {"<?", "?>"}}) {
        if (absl::StartsWith(xml.substr(i), open)) {
          const size_t end = xml.find(close, i + open.size());
          i = end == absl::string_view::npos ? xml.size() : end + close.size() - 1;
          break;
        }
      }
      continue;
    }
    if (c != '&') continue;
    const absl::string_view rest = xml.substr(i);
    if (CharacterReferenceLength(rest) > 0) continue;
    size_t n = 1;
    while (n < rest.size() && IsNameChar(rest[n])) ++n;
    const bool named = n > 1 && n < rest.size() && rest[n] == ';';
    const std::string name(named ? rest.substr(1, n - 1) : absl::string_view());
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") continue;
    std::string replacement;
    size_t replaced = 1;
    if (named) {
      if (const htmlEntityDesc* entity =
              htmlEntityLookup(reinterpret_cast<const xmlChar*>(name.c_str()))) {
        replacement = absl::StrCat("&#", entity->value, ";");
        replaced = n + 1;
        if (html_entities++ == 0) first_html = absl::StrCat("&", name, ";");
      }
    }
    if (replacement.empty()) {
      replacement = "&amp;";
      ++bare_ampersands;
    }
    out.append(xml.data() + copied, i - copied);
    out += replacement;
    copied = i + replaced;
    i = copied - 1;
  }
  if (html_entities == 0 && bare_ampersands == 0) return std::nullopt;
  out.append(xml.data() + copied, xml.size() - copied);
  if (html_entities > 0) {
    warnings.push_back(absl::StrCat("xml: ", html_entities,
                                    html_entities == 1 ? " HTML entity" : " HTML entities", " (",
                                    first_html, ") that XML does not define read as characters"));
  }
  if (bare_ampersands > 0) {
    warnings.push_back(absl::StrCat("xml: ", bare_ampersands,
                                    bare_ampersands == 1 ? " \"&\"" : " \"&\"s",
                                    " not starting an entity read as text"));
  }
  return out;
}

namespace {

// The outermost elements under `under` with `node`'s name and namespace. Recovery nests
// the items after a broken one inside it (an unclosed <b> swallows them); they are moved
// out and handed over on their own.
void CollectNested(xmlNode* node, xmlNode* under, std::vector<xmlNode*>& found) {
  for (xmlNode* child = under->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (LocalName(child) == LocalName(node) && NamespaceUri(child) == NamespaceUri(node)) {
      found.push_back(child);
    } else {
      CollectNested(node, child, found);
    }
  }
}

// Moves the elements nested in `node` out to follow it, then hands `node` over (unless it
// is among the first `skip`); the walk reaches the moved ones next, as siblings.
absl::Status HandOver(xmlNode* node, const XmlVisitor& visitor, size_t& skip) {
  std::vector<xmlNode*> nested;
  CollectNested(node, node, nested);
  xmlNode* after = node;
  for (xmlNode* inner : nested) {
    xmlUnlinkNode(inner);
    after = xmlAddNextSibling(after, inner);
  }
  if (skip > 0) {
    --skip;
    return absl::OkStatus();
  }
  return visitor.element(node);
}

// Hands the tree's elements to `visitor` as the reader would, skipping the first `skip`
// that `expand` picks (the ones the reader already handed over).
absl::Status WalkTree(xmlNode* node, int depth, const XmlVisitor& visitor, size_t& skip) {
  for (; node != nullptr; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    if (visitor.expand(node, depth)) {
      SYNDICATE_RETURN_IF_ERROR(HandOver(node, visitor, skip));
      continue;
    }
    SYNDICATE_RETURN_IF_ERROR(WalkTree(node->children, depth + 1, visitor, skip));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WalkXml(absl::string_view utf8, absl::string_view base_url, const XmlVisitor& visitor,
                     std::vector<std::string>& warnings) {
  InitLibxml2();
  if (DeclaresEntities(utf8)) {
    return absl::InvalidArgumentError(
        "xml: the document declares entities (<!ENTITY>), which no feed needs and which can "
        "expand without bound: refused");
  }
  const std::optional<std::string> repaired = RepairEntities(utf8, warnings);
  if (repaired.has_value()) utf8 = *repaired;
  const std::string url(base_url);
  // No XML_PARSE_NOENT: entities are never substituted from outside; NONET: no network.
  std::unique_ptr<xmlTextReader, ReaderDeleter> reader(
      xmlReaderForMemory(utf8.data(), static_cast<int>(utf8.size()),
                         url.empty() ? nullptr : url.c_str(), "UTF-8", kParseOptions));
  if (reader == nullptr) return absl::InvalidArgumentError("xml: the parser could not start");
  bool root_seen = false;
  size_t handed = 0;
  int ret = xmlTextReaderRead(reader.get());
  while (ret == 1) {
    if (xmlTextReaderNodeType(reader.get()) == XML_READER_TYPE_ELEMENT) {
      const int depth = xmlTextReaderDepth(reader.get());
      xmlNode* node = xmlTextReaderCurrentNode(reader.get());
      if (depth == 0 && !root_seen) {
        root_seen = true;
        if (absl::Status status = visitor.root(node); !status.ok()) return status;
      }
      if (visitor.expand(node, depth)) {
        xmlNode* expanded = xmlTextReaderExpand(reader.get());
        if (expanded == nullptr) {
          ret = -1;
          break;
        }
        if (absl::Status status = visitor.element(expanded); !status.ok()) return status;
        ++handed;
        ret = xmlTextReaderNext(reader.get());
        continue;
      }
    }
    ret = xmlTextReaderRead(reader.get());
  }
  if (ret >= 0) {
    return root_seen ? absl::OkStatus() : absl::InvalidArgumentError("xml: no root element");
  }
  const int line = xmlTextReaderGetParserLineNumber(reader.get());
  reader.reset();
  XmlDocPtr doc;
  if (utf8.size() <= kMaxRecoveryBytes) {
    doc.reset(xmlReadMemory(utf8.data(), static_cast<int>(utf8.size()),
                            url.empty() ? nullptr : url.c_str(), "UTF-8",
                            kParseOptions | XML_PARSE_RECOVER));
  }
  xmlNode* root = doc == nullptr ? nullptr : xmlDocGetRootElement(doc.get());
  if (root == nullptr) {
    if (!root_seen) {
      return absl::InvalidArgumentError(absl::StrCat("xml: not well-formed (line ", line, ")"));
    }
    warnings.push_back(
        absl::StrCat("xml: not well-formed at line ", line, ": nothing after it was read"));
    return absl::OkStatus();
  }
  warnings.push_back(absl::StrCat("xml: not well-formed at line ", line,
                                  ": read again in recovery mode, so items from there on may "
                                  "be incomplete"));
  if (!root_seen) SYNDICATE_RETURN_IF_ERROR(visitor.root(root));
  size_t skip = handed;
  return WalkTree(root, 0, visitor, skip);
}

std::string RootElementName(absl::string_view utf8) {
  absl::string_view rest = utf8;
  while (true) {
    const size_t lt = rest.find('<');
    if (lt == absl::string_view::npos) return "";
    rest.remove_prefix(lt);
    if (absl::StartsWith(rest, "<?")) {
      const size_t end = rest.find("?>");
      if (end == absl::string_view::npos) return "";
      rest.remove_prefix(end + 2);
    } else if (absl::StartsWith(rest, "<!--")) {
      const size_t end = rest.find("-->");
      if (end == absl::string_view::npos) return "";
      rest.remove_prefix(end + 3);
    } else if (absl::StartsWith(rest, "<!")) {
      const size_t end = rest.find('>');
      if (end == absl::string_view::npos) return "";
      rest.remove_prefix(end + 1);
    } else {
      size_t n = 1;
      while (n < rest.size() && !absl::ascii_isspace(rest[n]) && rest[n] != '>' && rest[n] != '/') {
        ++n;
      }
      return std::string(rest.substr(1, n - 1));
    }
  }
}

}  // namespace syndicate::ingest::internal
