#include "ingest/xml_support.h"

#include <libxml/parser.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/utf8.h"

namespace syndicate::ingest::internal {
namespace {

absl::string_view View(const xmlChar* s) {
  return s == nullptr ? absl::string_view() : absl::string_view(reinterpret_cast<const char*>(s));
}

// Takes ownership of a string libxml2 allocated.
std::string Take(xmlChar* s) {
  std::string out(View(s));
  xmlFree(s);
  return out;
}

size_t ControlBytes(absl::string_view s);
size_t SpaceBytes(absl::string_view s);

void IgnoreGenericError(void*, const char*, ...) {}
void IgnoreStructuredError(void*, xmlErrorPtr) {}

}  // namespace

void InitLibxml2() {
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
  // The handlers are thread-local in libxml2: set them on every thread that parses.
  xmlSetGenericErrorFunc(nullptr, IgnoreGenericError);
  xmlSetStructuredErrorFunc(nullptr, IgnoreStructuredError);
}

absl::string_view LocalName(const xmlNode* node) {
  return node != nullptr && node->type == XML_ELEMENT_NODE ? View(node->name) : absl::string_view();
}

absl::string_view NamespaceUri(const xmlNode* node) {
  return node != nullptr && node->ns != nullptr ? View(node->ns->href) : absl::string_view();
}

bool IsElement(const xmlNode* node, absl::string_view ns, absl::string_view local) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && LocalName(node) == local &&
         NamespaceUri(node) == ns;
}

std::vector<const xmlNode*> ChildElements(const xmlNode* parent, absl::string_view ns,
                                          absl::string_view local) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsElement(child, ns, local)) found.push_back(child);
  }
  return found;
}

const xmlNode* FirstChildElement(const xmlNode* parent, absl::string_view ns,
                                 absl::string_view local) {
  if (parent == nullptr) return nullptr;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsElement(child, ns, local)) return child;
  }
  return nullptr;
}

std::string NodeText(const xmlNode* node) {
  if (node == nullptr) return "";
  return Take(xmlNodeGetContent(node));
}

std::string Attribute(const xmlNode* node, absl::string_view name, absl::string_view ns) {
  if (node == nullptr) return "";
  const std::string n(name);
  if (ns.empty()) {
    return Take(xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(n.c_str())));
  }
  const std::string uri(ns);
  return Take(xmlGetNsProp(node, reinterpret_cast<const xmlChar*>(n.c_str()),
                           reinterpret_cast<const xmlChar*>(uri.c_str())));
}

std::string BaseUrl(const xmlNode* node) {
  if (node == nullptr) return "";
  return Take(xmlNodeGetBase(node->doc, node));
}

std::string InnerXml(const xmlNode* node) {
  std::string out;
  xmlBufferPtr buffer = xmlBufferCreate();
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    xmlBufferEmpty(buffer);
    xmlNodeDump(buffer, node->doc, child, 0, 0);
    const absl::string_view dumped = View(xmlBufferContent(buffer));
    out.append(dumped.data(), dumped.size());
  }
  xmlBufferFree(buffer);
  return out;
}

bool IsHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    std::string lowered = absl::AsciiStrToLower(url.substr(0, 8));
    if (!absl::StartsWith(lowered, "http://") && !absl::StartsWith(lowered, "https://")) {
      return false;
    }
    rest = url.substr(url.find("://") + 3);
  }
  if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') return false;
  for (size_t i = 0; i < url.size(); ++i) {
    const absl::string_view at = url.substr(i);
    if (static_cast<unsigned char>(url[i]) <= 0x20 || ControlBytes(at) > 0 || SpaceBytes(at) > 0) {
      return false;
    }
  }
  return true;
}

std::string ResolveHttpUrl(absl::string_view base, absl::string_view reference) {
  const std::string ref(absl::StripAsciiWhitespace(reference));
  if (ref.empty()) return "";
  if (IsHttpUrl(ref)) return ref;
  const std::string base_string(base);
  xmlChar* built = xmlBuildURI(
      reinterpret_cast<const xmlChar*>(ref.c_str()),
      base_string.empty() ? nullptr : reinterpret_cast<const xmlChar*>(base_string.c_str()));
  if (built == nullptr) return "";
  std::string resolved = Take(built);
  return IsHttpUrl(resolved) ? resolved : "";
}

std::string Quoted(absl::string_view value, size_t max_bytes) {
  return QuoteForMessage(std::string_view(value.data(), value.size()), max_bytes);
}

namespace {

// Bytes of the control character opening `s`, or 0.
size_t ControlBytes(absl::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x20) return (b0 == '\t' || b0 == '\n' || b0 == '\r') ? 0 : 1;
  if (b0 == 0x7F) return 1;
  if (b0 == 0xC2 && s.size() >= 2 && static_cast<unsigned char>(s[1]) <= 0x9F) return 2;
  return 0;
}

// Bytes of the whitespace character opening `s` (ASCII, U+00A0, U+2028, U+2029), or 0.
size_t SpaceBytes(absl::string_view s) {
  if (absl::ascii_isspace(static_cast<unsigned char>(s[0]))) return 1;
  if (absl::StartsWith(s, "\u00A0")) return 2;
  if (absl::StartsWith(s, "\u2028") || absl::StartsWith(s, "\u2029")) return 3;
  return 0;
}

}  // namespace

std::string StripControls(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (const size_t n = ControlBytes(text.substr(i))) {
      i += n;
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string CollapseWhitespace(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    const absl::string_view rest = text.substr(i);
    if (const size_t n = ControlBytes(rest)) {
      i += n;
      continue;
    }
    if (const size_t n = SpaceBytes(rest)) {
      pending_space = !out.empty();
      i += n;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string UnwrapEscapedCdata(absl::string_view text, bool* unwrapped) {
  absl::string_view inner = absl::StripAsciiWhitespace(text);
  *unwrapped = absl::ConsumePrefix(&inner, "<![CDATA[") && absl::ConsumeSuffix(&inner, "]]>");
  return *unwrapped ? std::string(inner) : std::string(text);
}

}  // namespace syndicate::ingest::internal
