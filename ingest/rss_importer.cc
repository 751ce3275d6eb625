#include "ingest/rss_importer.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/utf8.h"
#include "ingest/html_sanitizer.h"
#include "ingest/xml_stream.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

using ::syndication::v1::Article;
using ::syndication::v1::MediaItem;
using ::syndication::v1::Rendition;

constexpr absl::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr absl::string_view kRss1Ns = "http://purl.org/rss/1.0/";

// An element of RSS itself: no namespace in RSS 2.0, the RSS 1.0 namespace in RDF feeds.
bool IsRss(const xmlNode* node, absl::string_view local) {
  return IsElement(node, "", local) || IsElement(node, kRss1Ns, local);
}
const xmlNode* RssChild(const xmlNode* parent, absl::string_view local) {
  const xmlNode* plain = FirstChildElement(parent, "", local);
  return plain != nullptr ? plain : FirstChildElement(parent, kRss1Ns, local);
}
std::vector<const xmlNode*> RssChildren(const xmlNode* parent, absl::string_view local) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsRss(child, local)) found.push_back(child);
  }
  return found;
}

int PositiveInt(absl::string_view text) {
  int value = 0;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value) && value > 0 ? value : 0;
}

bool IsMediaType(absl::string_view mime) {
  return absl::StartsWith(mime, "image/") || absl::StartsWith(mime, "video/") ||
         absl::StartsWith(mime, "audio/");
}

// The text of the first `local` Media RSS child of any of `nodes`, in order.
std::string MediaText(std::initializer_list<const xmlNode*> nodes, absl::string_view local) {
  for (const xmlNode* node : nodes) {
    if (node == nullptr) continue;
    if (const xmlNode* child = FirstChildElement(node, kMediaRssNs, local)) {
      const std::string text = CollapseWhitespace(NodeText(child));
      if (!text.empty()) return text;
    }
  }
  return "";
}

// media:description may be type="html".
std::string MediaCaption(std::initializer_list<const xmlNode*> nodes) {
  for (const xmlNode* node : nodes) {
    if (node == nullptr) continue;
    if (const xmlNode* child = FirstChildElement(node, kMediaRssNs, "description")) {
      const std::string text = Attribute(child, "type") == "html"
                                   ? HtmlToOneLine(NodeText(child))
                                   : CollapseWhitespace(NodeText(child));
      if (!text.empty()) return text;
    }
  }
  return "";
}

Rendition ReadRendition(const xmlNode* content, absl::string_view base) {
  Rendition rendition;
  rendition.set_uri(ResolveHttpUrl(base, Attribute(content, "url")));
  rendition.set_mime_type(std::string(absl::StripAsciiWhitespace(Attribute(content, "type"))));
  rendition.set_width(PositiveInt(Attribute(content, "width")));
  rendition.set_height(PositiveInt(Attribute(content, "height")));
  return rendition;
}

bool HasMedia(const Article& article, absl::string_view uri) {
  for (const MediaItem& media : article.media()) {
    if (media.uri() == uri) return true;
  }
  return false;
}

}  // namespace

void AddMediaRss(const xmlNode* item, absl::string_view base, Article& article,
                 std::vector<std::string>& warnings) {
  for (const xmlNode* child = item->children; child != nullptr; child = child->next) {
    if (IsElement(child, kMediaRssNs, "group")) {
      MediaItem media;
      const xmlNode* chosen = nullptr;
      for (const xmlNode* content : ChildElements(child, kMediaRssNs, "content")) {
        Rendition rendition = ReadRendition(content, base);
        if (rendition.uri().empty()) {
          warnings.push_back("media:group: a media:content without an http(s) url left out");
          continue;
        }
        if (chosen == nullptr || Attribute(content, "isDefault") == "true") {
          chosen = content;
          media.set_uri(rendition.uri());
          media.set_mime_type(rendition.mime_type());
        }
        *media.add_renditions() = std::move(rendition);
      }
      if (media.uri().empty()) continue;
      media.set_caption(MediaCaption({child, chosen}));
      media.set_credit(MediaText({child, chosen}, "credit"));
      media.set_copyright_notice(MediaText({child, chosen}, "copyright"));
      *article.add_media() = std::move(media);
    } else if (IsElement(child, kMediaRssNs, "content")) {
      Rendition rendition = ReadRendition(child, base);
      if (rendition.uri().empty()) {
        warnings.push_back("media:content without an http(s) url left out");
        continue;
      }
      if (HasMedia(article, rendition.uri())) continue;
      MediaItem media;
      media.set_uri(rendition.uri());
      media.set_mime_type(rendition.mime_type());
      media.set_caption(MediaCaption({child}));
      media.set_credit(MediaText({child}, "credit"));
      media.set_copyright_notice(MediaText({child}, "copyright"));
      *article.add_media() = std::move(media);
    }
  }
}

namespace {

// "mail@example.org (Ana Ruiz)" → "Ana Ruiz"; "Ana Ruiz" as it is; a bare address → "".
std::string AuthorName(absl::string_view text) {
  const std::string value = CollapseWhitespace(text);
  const size_t open = value.find('(');
  const size_t close = value.rfind(')');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return CollapseWhitespace(value.substr(open + 1, close - open - 1));
  }
  if (value.find('@') != std::string::npos && value.find(' ') == std::string::npos) return "";
  return value;
}

ImportedItem ReadItem(FeedContext& feed, const xmlNode* item) {
  ImportedItem result;
  result.index = feed.items;
  Article& article = result.article;
  std::vector<std::string>& warnings = result.warnings;
  const std::string base = BaseUrl(item);

  const xmlNode* guid_node = RssChild(item, "guid");
  const std::string guid = CollapseWhitespace(NodeText(guid_node));
  result.label = ItemLabel("item", result.index, guid);

  article.set_headline(OneLine("title", NodeText(RssChild(item, "title")), warnings));

  const std::string link =
      ResolveHttpUrl(base, CollapseWhitespace(NodeText(RssChild(item, "link"))));
  const bool guid_is_permalink =
      guid_node != nullptr && Attribute(guid_node, "isPermaLink") != "false";
  std::string original_url = link;
  if (original_url.empty() && guid_is_permalink && IsHttpUrl(guid)) original_url = guid;
  article.mutable_attribution()->set_original_url(original_url);

  const xmlNode* description = RssChild(item, "description");
  const xmlNode* encoded = FirstChildElement(item, kContentNs, "encoded");
  bool unwrapped = false;
  if (encoded != nullptr && !CollapseWhitespace(NodeText(encoded)).empty()) {
    SetBodyFromHtml("content:encoded", UnwrapEscapedCdata(NodeText(encoded), &unwrapped), base,
                    article, warnings);
    if (description != nullptr) {
      const std::string standfirst =
          HtmlToOneLine(UnwrapEscapedCdata(NodeText(description), &unwrapped));
      if (!standfirst.empty() && !absl::StartsWith(article.body_text(), standfirst)) {
        article.set_subheadline(standfirst);
      }
    }
  } else if (description != nullptr) {
    SetBodyFromHtml("description", UnwrapEscapedCdata(NodeText(description), &unwrapped), base,
                    article, warnings);
  }
  if (unwrapped) warnings.emplace_back("body: escaped CDATA markers removed");

  for (const xmlNode* creator : ChildElements(item, kDublinCoreNs, "creator")) {
    AddAuthor(article, NodeText(creator), "author");
  }
  for (const xmlNode* author : RssChildren(item, "author")) {
    const std::string name = AuthorName(NodeText(author));
    if (name.empty()) {
      warnings.push_back(absl::StrCat("author: ", Quoted(CollapseWhitespace(NodeText(author))),
                                      " is an e-mail address without a name: left out"));
    }
    AddAuthor(article, name, "author");
  }
  article.set_byline(BylineFromAuthors(article));

  const std::string pub_date = NodeText(RssChild(item, "pubDate"));
  if (!CollapseWhitespace(pub_date).empty()) {
    SetDate(feed, "pubDate", pub_date, article.mutable_published_at(), warnings);
  } else if (const xmlNode* date = FirstChildElement(item, kDublinCoreNs, "date")) {
    SetDate(feed, "dc:date", NodeText(date), article.mutable_published_at(), warnings);
  }

  std::string source_url;
  if (const xmlNode* source = RssChild(item, "source")) {
    const std::string name = CollapseWhitespace(NodeText(source));
    source_url = ResolveHttpUrl(base, Attribute(source, "url"));
    if (!name.empty()) {
      article.mutable_attribution()->set_original_publisher(name);
      article.mutable_attribution()->set_distributor(feed.feed_title);
    }
  }
  if (const xmlNode* rights = FirstChildElement(item, kDublinCoreNs, "rights")) {
    article.mutable_attribution()->set_copyright_notice(CollapseWhitespace(NodeText(rights)));
  }
  if (const xmlNode* language = FirstChildElement(item, kDublinCoreNs, "language")) {
    article.set_language(CollapseWhitespace(NodeText(language)));
  }
  for (const xmlNode* category : RssChildren(item, "category")) {
    const std::string keyword = CollapseWhitespace(NodeText(category));
    if (!keyword.empty()) article.add_keywords(keyword);
  }

  AddMediaRss(item, base, article, warnings);
  for (const xmlNode* enclosure : RssChildren(item, "enclosure")) {
    const std::string type = std::string(absl::StripAsciiWhitespace(Attribute(enclosure, "type")));
    const std::string url = ResolveHttpUrl(base, Attribute(enclosure, "url"));
    if (!IsMediaType(type) || url.empty() || HasMedia(article, url)) continue;
    MediaItem* media = article.add_media();
    media->set_uri(url);
    media->set_mime_type(type);
  }

  std::string id = guid;
  if (id.empty()) {
    if (!link.empty()) {
      id = link;
      warnings.emplace_back("no guid: external_id is the link");
    } else {
      id = DerivedId("rss", {article.headline(), pub_date, article.body_text()});
      warnings.emplace_back(
          "no guid and no link: external_id derived from the title, date and text");
    }
  }
  CompleteItem(feed, id, absl::StrCat(link, "\n", article.headline()), result, source_url);
  return result;
}

void ReadChannelField(FeedContext& feed, const xmlNode* node) {
  if (IsRss(node, "title")) {
    feed.feed_title = CollapseWhitespace(NodeText(node));
  } else if (IsRss(node, "link")) {
    feed.feed_link = ResolveHttpUrl(BaseUrl(node), CollapseWhitespace(NodeText(node)));
  } else if (IsRss(node, "language") || IsElement(node, kDublinCoreNs, "language")) {
    feed.language = CollapseWhitespace(NodeText(node));
  } else if (IsRss(node, "copyright") || IsElement(node, kDublinCoreNs, "rights")) {
    feed.rights = CollapseWhitespace(NodeText(node));
  }
}

}  // namespace

absl::Status ImportRss(absl::string_view utf8, FeedContext& feed,
                       std::vector<std::string>& warnings) {
  bool rdf = false;
  XmlVisitor visitor;
  visitor.root = [&](const xmlNode* root) {
    rdf = IsElement(root, kRdfNs, "RDF");
    if (!IsElement(root, "", "rss") && !rdf) {
      return absl::InvalidArgumentError(
          absl::StrCat("rss: the root element is <", LocalName(root), ">, not <rss> or <rdf:RDF>"));
    }
    return absl::OkStatus();
  };
  visitor.expand = [&](const xmlNode* node, int depth) {
    if (rdf) return depth == 1;
    return depth == 2 && node->parent != nullptr && IsRss(node->parent, "channel");
  };
  visitor.element = [&](const xmlNode* node) -> absl::Status {
    if (IsRss(node, "item")) {
      if (absl::Status limit = CheckItemLimit(feed); !limit.ok()) return limit;
      return Emit(feed, ReadItem(feed, node));
    }
    if (IsRss(node, "channel")) {  // RSS 1.0: the channel holds no items
      for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        ReadChannelField(feed, child);
      }
      return absl::OkStatus();
    }
    ReadChannelField(feed, node);
    return absl::OkStatus();
  };
  return WalkXml(utf8, feed.options.base_url, visitor, warnings);
}

}  // namespace syndicate::ingest::internal
