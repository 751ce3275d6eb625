#include "ingest/atom_importer.h"

#include <libxml/tree.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "ingest/dates.h"
#include "ingest/html_sanitizer.h"
#include "ingest/rss_importer.h"
#include "ingest/xml_stream.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

using ::syndication::v1::Article;

const xmlNode* AtomChild(const xmlNode* parent, absl::string_view local) {
  return FirstChildElement(parent, kAtomNs, local);
}

std::string TextConstructType(const xmlNode* node) {
  const std::string type =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(Attribute(node, "type")));
  return type.empty() ? "text" : type;
}

// The xhtml construct's markup: the children of its one xhtml:div (RFC 4287 §3.1.1.3).
std::string XhtmlMarkup(const xmlNode* node) {
  const xmlNode* div = FirstChildElement(node, "http://www.w3.org/1999/xhtml", "div");
  return InnerXml(div != nullptr ? div : node);
}

// A text construct (title, summary, rights) as one line of plain text.
std::string ConstructText(absl::string_view field, const xmlNode* node,
                          std::vector<std::string>& warnings) {
  if (node == nullptr) return "";
  const std::string type = TextConstructType(node);
  if (type == "html") return HtmlToOneLine(NodeText(node));
  if (type == "xhtml") return HtmlToOneLine(XhtmlMarkup(node));
  return OneLine(field, NodeText(node), warnings);
}

// Sets the body from a content or summary construct; false when it held nothing.
bool SetBodyFromConstruct(absl::string_view field, const xmlNode* node, Article& article,
                          std::vector<std::string>& warnings) {
  if (node == nullptr) return false;
  const std::string base = BaseUrl(node);
  const std::string type = TextConstructType(node);
  if (!Attribute(node, "src").empty()) {
    warnings.push_back(absl::StrCat(field, ": out-of-line content (src) is not fetched"));
    return false;
  }
  if (type == "html" || type == "text/html") {
    SetBodyFromHtml(field, NodeText(node), base, article, warnings);
  } else if (type == "xhtml") {
    SetBodyFromHtml(field, XhtmlMarkup(node), base, article, warnings);
  } else if (type == "text" || absl::StartsWith(type, "text/")) {
    SetBodyFromHtml(field, TextToHtml(NodeText(node)), base, article, warnings);
  } else {
    warnings.push_back(absl::StrCat(field, ": type ", Quoted(type), " is not text: left out"));
    return false;
  }
  return !article.body_text().empty() || !article.body_html().empty();
}

bool IsAlternate(const xmlNode* link) {
  const std::string rel = std::string(absl::StripAsciiWhitespace(Attribute(link, "rel")));
  const std::string type = absl::AsciiStrToLower(Attribute(link, "type"));
  return (rel.empty() || rel == "alternate") &&
         (type.empty() || type == "text/html" || type == "application/xhtml+xml");
}

std::string AlternateLink(const xmlNode* parent) {
  for (const xmlNode* link : ChildElements(parent, kAtomNs, "link")) {
    if (!IsAlternate(link)) continue;
    const std::string url = ResolveHttpUrl(BaseUrl(link), Attribute(link, "href"));
    if (!url.empty()) return url;
  }
  return "";
}

// An atom:author or atom:contributor (RFC 4287 §3.2); no name gives an empty name.
syndication::v1::Person ReadPerson(const xmlNode* node, absl::string_view role) {
  syndication::v1::Person person;
  person.set_name(CollapseWhitespace(NodeText(AtomChild(node, "name"))));
  person.set_uri(ResolveHttpUrl(BaseUrl(node), NodeText(AtomChild(node, "uri"))));
  person.set_role(std::string(role));
  return person;
}

std::vector<syndication::v1::Person> ReadPersons(const xmlNode* parent, absl::string_view local,
                                                 absl::string_view role) {
  std::vector<syndication::v1::Person> persons;
  for (const xmlNode* node : ChildElements(parent, kAtomNs, local)) {
    syndication::v1::Person person = ReadPerson(node, role);
    if (!person.name().empty()) persons.push_back(std::move(person));
  }
  return persons;
}

void AddPersons(Article& article, const std::vector<syndication::v1::Person>& persons) {
  for (const auto& person : persons) AddAuthor(article, person.name(), person.role(), person.uri());
}

std::string Language(const xmlNode* node) {
  xmlChar* lang = xmlNodeGetLang(node);
  if (lang == nullptr) return "";
  std::string value(reinterpret_cast<const char*>(lang));
  xmlFree(lang);
  return std::string(absl::StripAsciiWhitespace(value));
}

ImportedItem ReadEntry(FeedContext& feed, const xmlNode* entry) {
  ImportedItem result;
  result.index = feed.items;
  Article& article = result.article;
  std::vector<std::string>& warnings = result.warnings;
  const std::string id = CollapseWhitespace(NodeText(AtomChild(entry, "id")));
  result.label = ItemLabel("entry", result.index, id);

  article.set_headline(ConstructText("title", AtomChild(entry, "title"), warnings));
  const std::string link = AlternateLink(entry);
  article.mutable_attribution()->set_original_url(link);

  const xmlNode* summary = AtomChild(entry, "summary");
  if (SetBodyFromConstruct("content", AtomChild(entry, "content"), article, warnings)) {
    const std::string standfirst = ConstructText("summary", summary, warnings);
    if (!standfirst.empty() && !absl::StartsWith(article.body_text(), standfirst)) {
      article.set_subheadline(standfirst);
    }
  } else {
    SetBodyFromConstruct("summary", summary, article, warnings);
  }

  const xmlNode* source = AtomChild(entry, "source");
  std::vector<syndication::v1::Person> authors = ReadPersons(entry, "author", "author");
  if (authors.empty() && source != nullptr) authors = ReadPersons(source, "author", "author");
  if (authors.empty()) authors = feed.feed_authors;
  AddPersons(article, authors);
  AddPersons(article, ReadPersons(entry, "contributor", "contributor"));
  article.set_byline(BylineFromAuthors(article));

  const xmlNode* published = AtomChild(entry, "published");
  if (published != nullptr) {
    SetDate(feed, "published", NodeText(published), article.mutable_published_at(), warnings);
  } else if (const xmlNode* updated = AtomChild(entry, "updated")) {
    if (SetDate(feed, "updated", NodeText(updated), article.mutable_published_at(), warnings)) {
      warnings.emplace_back("no published date: published_at taken from updated");
    }
  }

  auto& attribution = *article.mutable_attribution();
  attribution.set_copyright_notice(ConstructText("rights", AtomChild(entry, "rights"), warnings));
  if (source != nullptr) {
    const std::string title = ConstructText("source title", AtomChild(source, "title"), warnings);
    if (!title.empty()) {
      attribution.set_original_publisher(title);
      attribution.set_distributor(feed.feed_title);
    }
    if (attribution.copyright_notice().empty()) {
      attribution.set_copyright_notice(
          ConstructText("source rights", AtomChild(source, "rights"), warnings));
    }
  }

  for (const xmlNode* category : ChildElements(entry, kAtomNs, "category")) {
    std::string keyword = CollapseWhitespace(Attribute(category, "label"));
    if (keyword.empty()) keyword = CollapseWhitespace(Attribute(category, "term"));
    if (!keyword.empty()) article.add_keywords(keyword);
  }
  article.set_language(Language(entry));

  for (const xmlNode* link_node : ChildElements(entry, kAtomNs, "link")) {
    if (Attribute(link_node, "rel") != "enclosure") continue;
    const std::string type = std::string(absl::StripAsciiWhitespace(Attribute(link_node, "type")));
    const std::string url = ResolveHttpUrl(BaseUrl(link_node), Attribute(link_node, "href"));
    if (url.empty() || !(absl::StartsWith(type, "image/") || absl::StartsWith(type, "video/") ||
                         absl::StartsWith(type, "audio/"))) {
      continue;
    }
    auto* media = article.add_media();
    media->set_uri(url);
    media->set_mime_type(type);
  }
  AddMediaRss(entry, BaseUrl(entry), article, warnings);

  std::string external_id = id;
  if (external_id.empty()) {
    if (!link.empty()) {
      external_id = link;
      warnings.emplace_back("no atom:id: external_id is the alternate link");
    } else {
      external_id = DerivedId("atom", {article.headline(), article.body_text()});
      warnings.emplace_back("no atom:id and no link: external_id derived from the title and text");
    }
  }
  CompleteItem(feed, external_id, absl::StrCat(link, "\n", article.headline()), result,
               source != nullptr ? AlternateLink(source) : "");
  return result;
}

ImportedItem ReadTombstone(FeedContext& feed, const xmlNode* tombstone) {
  ImportedItem result;
  result.kind = ImportedItem::Kind::kWithdrawal;
  result.index = feed.items;
  const std::string ref = CollapseWhitespace(Attribute(tombstone, "ref"));
  result.label = ItemLabel("deleted entry", result.index, ref);
  Article& article = result.article;
  if (feed.options.source != nullptr) article.set_source_id(feed.options.source->id());
  article.set_external_id(ref);
  article.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  const std::string comment =
      CollapseWhitespace(NodeText(FirstChildElement(tombstone, kTombstoneNs, "comment")));
  article.set_withdrawal_reason(comment.empty() ? "deleted from the feed" : comment);
  const std::string when = Attribute(tombstone, "when");
  if (!when.empty()) {
    google::protobuf::Timestamp at;
    if (SetDate(feed, "when", when, &at, result.warnings)) result.withdrawn_at = ToAbslTime(at);
  }
  if (ref.empty()) {
    result.status = absl::InvalidArgumentError(
        absl::StrCat(result.label, ": ref: missing: the tombstone names no entry"));
  }
  return result;
}

}  // namespace

absl::Status ImportAtom(absl::string_view utf8, FeedContext& feed,
                        std::vector<std::string>& warnings) {
  bool entry_document = false;
  XmlVisitor visitor;
  visitor.root = [&](const xmlNode* root) {
    entry_document = IsElement(root, kAtomNs, "entry");
    if (!IsElement(root, kAtomNs, "feed") && !entry_document) {
      return absl::InvalidArgumentError(absl::StrCat("atom: the root element is <", LocalName(root),
                                                     "> in namespace \"", NamespaceUri(root),
                                                     "\", not an Atom <feed> or <entry>"));
    }
    feed.language = Language(root);
    return absl::OkStatus();
  };
  visitor.expand = [&](const xmlNode*, int depth) {
    return entry_document ? depth == 0 : depth == 1;
  };
  visitor.element = [&](const xmlNode* node) -> absl::Status {
    if (IsElement(node, kAtomNs, "entry")) {
      if (absl::Status limit = CheckItemLimit(feed); !limit.ok()) return limit;
      return Emit(feed, ReadEntry(feed, node));
    }
    if (IsElement(node, kTombstoneNs, "deleted-entry")) {
      if (absl::Status limit = CheckItemLimit(feed); !limit.ok()) return limit;
      return Emit(feed, ReadTombstone(feed, node));
    }
    if (IsElement(node, kAtomNs, "title")) {
      std::vector<std::string> ignored;
      feed.feed_title = ConstructText("feed title", node, ignored);
    } else if (IsElement(node, kAtomNs, "link") && IsAlternate(node) && feed.feed_link.empty()) {
      feed.feed_link = ResolveHttpUrl(BaseUrl(node), Attribute(node, "href"));
    } else if (IsElement(node, kAtomNs, "author")) {
      syndication::v1::Person person = ReadPerson(node, "author");
      if (!person.name().empty()) feed.feed_authors.push_back(std::move(person));
    } else if (IsElement(node, kAtomNs, "rights")) {
      std::vector<std::string> ignored;
      feed.rights = ConstructText("feed rights", node, ignored);
    }
    return absl::OkStatus();
  };
  return WalkXml(utf8, feed.options.base_url, visitor, warnings);
}

}  // namespace syndicate::ingest::internal
