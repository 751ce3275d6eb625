#include "ingest/html_importer.h"

#include <libxml/HTMLparser.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ingest/html_sanitizer.h"
#include "ingest/xml_support.h"
#include "nlohmann/json.hpp"

namespace syndicate::ingest::internal {
namespace {

using ::nlohmann::json;
using ::syndication::v1::Article;

// What the page's <head> and markup say, gathered in one walk.
struct PageFacts {
  std::vector<std::string> json_ld;                    // script contents, in page order
  absl::flat_hash_map<std::string, std::string> meta;  // first value per property/name
  std::vector<std::string> og_images;
  std::string canonical;
  std::string lang;
  std::string title;
  std::string h1;
  const xmlNode* article_body = nullptr;  // itemprop=articleBody
  std::vector<const xmlNode*> articles;
  const xmlNode* main = nullptr;
  const xmlNode* body = nullptr;
};

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

void Gather(const xmlNode* node, PageFacts& facts) {
  for (; node != nullptr; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    const std::string name = Lower(LocalName(node));
    if (name == "script") {
      if (Lower(absl::StripAsciiWhitespace(Attribute(node, "type"))) == "application/ld+json") {
        facts.json_ld.push_back(NodeText(node));
      }
      continue;
    }
    if (name == "meta") {
      std::string key = Lower(Attribute(node, "property"));
      if (key.empty()) key = Lower(Attribute(node, "name"));
      const std::string content = Attribute(node, "content");
      if (key == "og:image" || key == "og:image:url") facts.og_images.push_back(content);
      if (!key.empty() && !facts.meta.contains(key)) facts.meta[key] = content;
    } else if (name == "link") {
      for (absl::string_view rel : absl::StrSplit(Lower(Attribute(node, "rel")), ' ')) {
        if (rel == "canonical" && facts.canonical.empty())
          facts.canonical = Attribute(node, "href");
      }
    } else if (name == "html") {
      facts.lang = Attribute(node, "lang");
    } else if (name == "title" && facts.title.empty()) {
      facts.title = CollapseWhitespace(NodeText(node));
    } else if (name == "h1" && facts.h1.empty()) {
      facts.h1 = CollapseWhitespace(NodeText(node));
    } else if (name == "article") {
      facts.articles.push_back(node);
    } else if (name == "main" && facts.main == nullptr) {
      facts.main = node;
    } else if (name == "body" && facts.body == nullptr) {
      facts.body = node;
    }
    if (facts.article_body == nullptr && Attribute(node, "itemprop") == "articleBody") {
      facts.article_body = node;
    }
    Gather(node->children, facts);
  }
}

// Class or id words that mark page furniture rather than story.
bool IsFurniture(const xmlNode* node) {
  const std::string name = Lower(LocalName(node));
  if (name == "nav" || name == "aside" || name == "header" || name == "footer" || name == "form" ||
      name == "h1" || name == "button") {
    return true;
  }
  const std::string marks = Lower(absl::StrCat(Attribute(node, "class"), " ", Attribute(node, "id"),
                                               " ", Attribute(node, "role")));
  static constexpr absl::string_view kWords[] = {
      "related",      "comment",    "subscribe",    "subscription", "newsletter", "paywall",
      "share",        "social",     "promo",        "advert",       "sponsor",    "recommend",
      "more-stories", "breadcrumb", "byline",       "navigation",   "signup",     "sign-up",
      "outbrain",     "taboola",    "complementary"};
  for (absl::string_view word : kWords) {
    if (absl::StrContains(marks, word)) return true;
  }
  for (absl::string_view token : absl::StrSplit(marks, absl::ByAnyChar(" _"), absl::SkipEmpty())) {
    if (token == "ad" || token == "ads" || absl::StartsWith(token, "ad-")) return true;
  }
  return false;
}

bool HasType(const json& node, absl::string_view wanted) {
  const json* type = nullptr;
  if (node.is_object()) {
    auto it = node.find("@type");
    if (it != node.end()) type = &*it;
  }
  if (type == nullptr) return false;
  auto matches = [&](const json& t) {
    return t.is_string() && absl::EndsWith(t.get<std::string>(), wanted);
  };
  if (type->is_array()) {
    for (const auto& t : *type) {
      if (matches(t)) return true;
    }
    return false;
  }
  return matches(*type);
}

bool IsArticleNode(const json& node) {
  for (absl::string_view type :
       {"NewsArticle", "Article", "BlogPosting", "LiveBlogPosting", "Report"}) {
    if (HasType(node, type)) return true;
  }
  return false;
}

// Every node of a JSON-LD block: the top object, array items, and @graph members.
void CollectNodes(const json& value, std::vector<const json*>& nodes) {
  if (value.is_array()) {
    for (const auto& item : value) CollectNodes(item, nodes);
  } else if (value.is_object()) {
    nodes.push_back(&value);
    auto graph = value.find("@graph");
    if (graph != value.end()) CollectNodes(*graph, nodes);
  }
}

class JsonLd {
 public:
  void Add(json block) { blocks_.push_back(std::move(block)); }
  void Index() {
    for (const json& block : blocks_) CollectNodes(block, nodes_);
    for (const json* node : nodes_) {
      auto id = node->find("@id");
      if (id != node->end() && id->is_string()) by_id_.emplace(id->get<std::string>(), node);
    }
  }
  const json* Article() const {
    for (const json* node : nodes_) {
      if (IsArticleNode(*node)) return node;
    }
    return nullptr;
  }
  // `value` itself, or the node its {"@id": …} names.
  const json& Resolve(const json& value) const {
    if (value.is_object() && value.size() == 1 && value.contains("@id") &&
        value["@id"].is_string()) {
      auto it = by_id_.find(value["@id"].get<std::string>());
      if (it != by_id_.end()) return *it->second;
    }
    return value;
  }
  std::string Str(const json& node, const char* key) const {
    if (!node.is_object()) return "";
    auto it = node.find(key);
    if (it == node.end()) return "";
    const json& value = Resolve(*it);
    if (value.is_string()) return value.get<std::string>();
    if (value.is_array() && !value.empty() && value[0].is_string())
      return value[0].get<std::string>();
    return "";
  }
  // Names of a person-like value: a string, a node with name, or an array of either.
  std::vector<std::string> Names(const json& value) const {
    std::vector<std::string> names;
    const json& v = Resolve(value);
    if (v.is_string()) {
      names.push_back(v.get<std::string>());
    } else if (v.is_array()) {
      for (const auto& item : v) {
        for (std::string& name : Names(item)) names.push_back(std::move(name));
      }
    } else if (v.is_object()) {
      std::string name = Str(v, "name");
      if (!name.empty()) names.push_back(std::move(name));
    }
    return names;
  }
  // URLs of an image-like value: a string, an ImageObject (url / contentUrl), an array.
  std::vector<std::pair<std::string, std::string>> Images(const json& value) const {
    std::vector<std::pair<std::string, std::string>> images;
    const json& v = Resolve(value);
    if (v.is_string()) {
      images.emplace_back(v.get<std::string>(), "");
    } else if (v.is_array()) {
      for (const auto& item : v) {
        for (auto& image : Images(item)) images.push_back(std::move(image));
      }
    } else if (v.is_object()) {
      std::string url = Str(v, "url");
      if (url.empty()) url = Str(v, "contentUrl");
      std::string caption = Str(v, "caption");
      if (caption.empty()) caption = Str(v, "description");
      if (!url.empty()) images.emplace_back(std::move(url), std::move(caption));
    }
    return images;
  }

 private:
  std::vector<json> blocks_;
  std::vector<const json*> nodes_;
  absl::flat_hash_map<std::string, const json*> by_id_;
};

const xmlNode* BodyContainer(const PageFacts& facts) {
  if (facts.article_body != nullptr) return facts.article_body;
  const xmlNode* best = nullptr;
  size_t best_length = 0;
  for (const xmlNode* article : facts.articles) {
    const size_t length = NodeText(article).size();
    if (best == nullptr || length > best_length) {
      best = article;
      best_length = length;
    }
  }
  if (best != nullptr) return best;
  return facts.main != nullptr ? facts.main : facts.body;
}

std::string MetaValue(const PageFacts& facts, absl::string_view key) {
  auto it = facts.meta.find(std::string(key));
  return it == facts.meta.end() ? "" : CollapseWhitespace(it->second);
}

}  // namespace

absl::Status ImportHtml(absl::string_view utf8, FeedContext& feed,
                        std::vector<std::string>& warnings) {
  InitLibxml2();
  const std::string url = feed.options.base_url;
  XmlDocPtr doc(htmlReadMemory(utf8.data(), static_cast<int>(utf8.size()),
                               url.empty() ? nullptr : url.c_str(), "UTF-8",
                               HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET));
  if (doc == nullptr || xmlDocGetRootElement(doc.get()) == nullptr) {
    return absl::InvalidArgumentError("html: no document found");
  }
  PageFacts facts;
  Gather(xmlDocGetRootElement(doc.get()), facts);

  ImportedItem result;
  result.index = feed.items;
  result.label = "page";
  Article& article = result.article;
  std::vector<std::string>& item_warnings = result.warnings;

  JsonLd json_ld;
  for (size_t i = 0; i < facts.json_ld.size(); ++i) {
    json block = json::parse(facts.json_ld[i], nullptr, /*allow_exceptions=*/false);
    if (block.is_discarded()) {
      item_warnings.push_back(absl::StrCat("JSON-LD block ", i + 1, " is not valid JSON: skipped"));
      continue;
    }
    json_ld.Add(std::move(block));
  }
  json_ld.Index();
  static const json kEmpty = json::object();
  const json* found = json_ld.Article();
  const json& ld = found != nullptr ? *found : kEmpty;

  // The page's base: <base href> is rare; the document URL and the canonical URL serve.
  std::string canonical = ResolveHttpUrl(url, facts.canonical);
  if (canonical.empty()) canonical = ResolveHttpUrl(url, json_ld.Str(ld, "url"));
  if (canonical.empty()) {
    const json main_entity = ld.is_object() && ld.contains("mainEntityOfPage")
                                 ? json_ld.Resolve(ld["mainEntityOfPage"])
                                 : json();
    if (main_entity.is_string()) canonical = ResolveHttpUrl(url, main_entity.get<std::string>());
    if (main_entity.is_object()) canonical = ResolveHttpUrl(url, json_ld.Str(main_entity, "@id"));
  }
  if (canonical.empty()) canonical = ResolveHttpUrl(url, MetaValue(facts, "og:url"));
  if (canonical.empty() && IsHttpUrl(url)) canonical = url;
  const std::string base = !url.empty() ? url : canonical;

  std::string headline = json_ld.Str(ld, "headline");
  if (headline.empty()) headline = json_ld.Str(ld, "name");
  if (headline.empty()) headline = MetaValue(facts, "og:title");
  if (headline.empty()) headline = facts.h1;
  if (headline.empty()) headline = facts.title;
  article.set_headline(CollapseWhitespace(headline));

  std::string description = json_ld.Str(ld, "description");
  if (description.empty()) description = MetaValue(facts, "og:description");
  if (description.empty()) description = MetaValue(facts, "description");
  article.set_subheadline(CollapseWhitespace(description));

  if (ld.is_object() && ld.contains("author")) {
    for (const std::string& name : json_ld.Names(ld["author"])) AddAuthor(article, name, "author");
  }
  if (article.authors().empty()) AddAuthor(article, MetaValue(facts, "author"), "author");
  if (article.authors().empty() && !IsHttpUrl(MetaValue(facts, "article:author"))) {
    AddAuthor(article, MetaValue(facts, "article:author"), "author");
  }
  article.set_byline(BylineFromAuthors(article));

  std::string published = json_ld.Str(ld, "datePublished");
  std::string published_field = "datePublished";
  if (published.empty()) {
    published = MetaValue(facts, "article:published_time");
    published_field = "article:published_time";
  }
  if (!published.empty()) {
    SetDate(feed, published_field, published, article.mutable_published_at(), item_warnings);
  }

  auto& attribution = *article.mutable_attribution();
  attribution.set_original_url(canonical);
  std::string publisher;
  if (ld.is_object() && ld.contains("publisher")) {
    const std::vector<std::string> names = json_ld.Names(ld["publisher"]);
    if (!names.empty()) publisher = names.front();
  }
  if (publisher.empty()) publisher = MetaValue(facts, "og:site_name");
  attribution.set_original_publisher(CollapseWhitespace(publisher));

  std::string section = json_ld.Str(ld, "articleSection");
  if (section.empty()) section = MetaValue(facts, "article:section");
  article.set_section(CollapseWhitespace(section));
  if (ld.is_object() && ld.contains("keywords")) {
    const json& keywords = json_ld.Resolve(ld["keywords"]);
    std::vector<std::string> words;
    if (keywords.is_string()) {
      words = absl::StrSplit(keywords.get<std::string>(), ',');
    } else if (keywords.is_array()) {
      for (const auto& k : keywords) {
        if (k.is_string()) words.push_back(k.get<std::string>());
      }
    }
    for (const std::string& word : words) {
      if (!CollapseWhitespace(word).empty()) article.add_keywords(CollapseWhitespace(word));
    }
  } else if (!MetaValue(facts, "article:tag").empty()) {
    article.add_keywords(MetaValue(facts, "article:tag"));
  }
  std::string language = json_ld.Str(ld, "inLanguage");
  if (language.empty()) language = facts.lang;
  article.set_language(std::string(absl::StripAsciiWhitespace(language)));

  if (const xmlNode* container = BodyContainer(facts)) {
    SanitizedHtml body = SanitizeChildren(container, base, IsFurniture);
    article.set_body_html(std::move(body.html));
    article.set_body_text(std::move(body.text));
  }
  if (article.body_text().empty()) {
    const std::string text = json_ld.Str(ld, "articleBody");
    if (!text.empty()) {
      SetBodyFromHtml("articleBody", TextToHtml(text), base, article, item_warnings);
      item_warnings.emplace_back(
          "no story text in the page's markup: body taken from JSON-LD "
          "articleBody");
    }
  }

  std::vector<std::pair<std::string, std::string>> images;
  if (ld.is_object() && ld.contains("image")) images = json_ld.Images(ld["image"]);
  if (images.empty()) {
    for (const std::string& image : facts.og_images) {
      images.emplace_back(image, MetaValue(facts, "og:image:alt"));
    }
  }
  for (const auto& [image_url, caption] : images) {
    const std::string resolved = ResolveHttpUrl(base, image_url);
    if (resolved.empty()) continue;
    bool seen = false;
    for (const auto& m : article.media()) seen = seen || m.uri() == resolved;
    if (seen) continue;
    auto* media = article.add_media();
    media->set_uri(resolved);
    media->set_caption(CollapseWhitespace(caption));
  }

  std::string id = canonical;
  if (id.empty()) {
    id = DerivedId("html", {article.headline(), article.body_text()});
    item_warnings.emplace_back("no canonical URL: external_id derived from the headline and text");
  }
  CompleteItem(feed, id, article.headline(), result);
  (void)warnings;
  return Emit(feed, std::move(result));
}

}  // namespace syndicate::ingest::internal
