#include "ingest/xml_stream.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

struct ReaderDeleter {
  void operator()(xmlTextReader* reader) const { xmlFreeTextReader(reader); }
};

}  // namespace

absl::Status WalkXml(absl::string_view utf8, absl::string_view base_url, const XmlVisitor& visitor,
                     std::vector<std::string>& warnings) {
  InitLibxml2();
  const std::string url(base_url);
  // No XML_PARSE_NOENT: entities are never substituted from outside; NONET: no network.
  std::unique_ptr<xmlTextReader, ReaderDeleter> reader(xmlReaderForMemory(
      utf8.data(), static_cast<int>(utf8.size()), url.empty() ? nullptr : url.c_str(), "UTF-8",
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
          XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT));
  if (reader == nullptr) return absl::InvalidArgumentError("xml: the parser could not start");
  bool root_seen = false;
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
        ret = xmlTextReaderNext(reader.get());
        continue;
      }
    }
    ret = xmlTextReaderRead(reader.get());
  }
  if (ret < 0) {
    const int line = xmlTextReaderGetParserLineNumber(reader.get());
    if (!root_seen) {
      return absl::InvalidArgumentError(absl::StrCat("xml: not well-formed (line ", line, ")"));
    }
    warnings.push_back(
        absl::StrCat("xml: not well-formed at line ", line, ": nothing after it was read"));
  } else if (!root_seen) {
    return absl::InvalidArgumentError("xml: no root element");
  }
  return absl::OkStatus();
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
