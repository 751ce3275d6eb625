#include "ingest/ninjs_importer.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "ingest/html_sanitizer.h"
#include "ingest/xml_support.h"
#include "nlohmann/json.hpp"

namespace syndicate::ingest::internal {
namespace {

using ::nlohmann::json;
using ::syndication::v1::Article;
using ::syndication::v1::MediaItem;

// The first of `keys` that `object` holds as a string; "" when none.
std::string Str(const json& object, std::initializer_list<const char*> keys) {
  if (!object.is_object()) return "";
  for (const char* key : keys) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// The first of `keys` that `object` holds (any type); null json when none.
const json& Field(const json& object, std::initializer_list<const char*> keys) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  for (const char* key : keys) {
    auto it = object.find(key);
    if (it != object.end() && !it->is_null()) return *it;
  }
  return kNull;
}

int Int(const json& object, const char* key) {
  const json& value = Field(object, {key});
  if (value.is_number_integer()) {
    const auto n = value.get<int64_t>();
    return n > 0 && n < (1 << 30) ? static_cast<int>(n) : 0;
  }
  if (value.is_string()) {
    int n = 0;
    return absl::SimpleAtoi(value.get<std::string>(), &n) && n > 0 ? n : 0;
  }
  return 0;
}

// Elements of an array, or the values of an object (1.x keyed maps), or `value` alone.
std::vector<const json*> Entries(const json& value) {
  std::vector<const json*> entries;
  if (value.is_array() || value.is_object()) {
    if (value.is_object() && (value.contains("value") || value.contains("href"))) {
      entries.push_back(&value);
      return entries;
    }
    for (const auto& entry : value) entries.push_back(&entry);
  }
  return entries;
}

std::string ContentType(const json& entry) {
  return absl::AsciiStrToLower(
      Str(entry, {"contenttype", "contentType", "mimetype", "mimeType", "type"}));
}

// From headlines[] / descriptions[]: the entry with `role`, else (when `fallback`) the
// first. A plain string counts as the main entry.
std::string Pick(const json& list, absl::string_view role, bool fallback) {
  if (list.is_string()) return fallback ? list.get<std::string>() : "";
  const std::vector<const json*> entries = Entries(list);
  for (const json* entry : entries) {
    if (Str(*entry, {"role", "name"}) == role) return Str(*entry, {"value", "text"});
  }
  if (fallback && !entries.empty()) return Str(*entries.front(), {"value", "text"});
  return "";
}

std::string DetectVersion(const json& doc) {
  const std::string schema = Str(doc, {"$schema"});
  for (const char* v : {"1", "2", "3"}) {
    if (absl::StrContains(schema, absl::StrCat("ninjs-schema_", v)) ||
        absl::StrContains(schema, absl::StrCat("/ninjs/", v))) {
      return absl::StrCat(v, ".x");
    }
  }
  for (const char* key : {"versionCreated", "firstCreated", "pubStatus", "copyrightHolder",
                          "copyrightNotice", "usageTerms", "infoSources", "contentCreated"}) {
    if (doc.contains(key)) return "3.x";
  }
  for (const char* key : {"headlines", "bodies", "descriptions", "infosources", "by"}) {
    if (doc.contains(key)) return "2.x";
  }
  return "1.x";
}

bool IsHtmlType(absl::string_view type) { return absl::StrContains(type, "html"); }

void SetBody(const json& doc, const std::string& base, Article& article,
             std::vector<std::string>& warnings) {
  std::string html = Str(doc, {"body_html", "body_xhtml"});
  std::string text = Str(doc, {"body_text"});
  for (const json* body : Entries(Field(doc, {"bodies", "body"}))) {
    const std::string type = absl::StrCat(ContentType(*body), " ", Str(*body, {"role", "name"}));
    const std::string value = Str(*body, {"value"});
    if (IsHtmlType(type)) {
      if (html.empty()) html = value;
    } else if (text.empty()) {
      text = value;
    }
  }
  if (!html.empty()) {
    SetBodyFromHtml("body_html", html, base, article, warnings);
  } else if (!text.empty()) {
    SetBodyFromHtml("body_text", TextToHtml(text), base, article, warnings);
  }
}

std::string CreditOf(const json& object) {
  std::string credit = Str(object, {"byline", "by", "copyrightholder", "copyrightHolder"});
  return CollapseWhitespace(credit);
}

void AddAssociations(const json& doc, const std::string& base, Article& article,
                     std::vector<std::string>& warnings) {
  for (const json* association : Entries(Field(doc, {"associations"}))) {
    const std::string type = absl::AsciiStrToLower(Str(*association, {"type"}));
    if (!type.empty() && type != "picture" && type != "graphic" && type != "video" &&
        type != "audio" && !absl::StrContains(type, "image")) {
      continue;
    }
    MediaItem media;
    int best_width = -1;
    for (const auto& [name, rendition] : [&] {
           std::vector<std::pair<std::string, const json*>> list;
           const json& renditions = Field(*association, {"renditions"});
           if (renditions.is_object()) {
             for (auto it = renditions.begin(); it != renditions.end(); ++it) {
               list.emplace_back(it.key(), &it.value());
             }
           } else if (renditions.is_array()) {
             for (const auto& r : renditions) list.emplace_back(Str(r, {"name"}), &r);
           }
           return list;
         }()) {
      auto* r = media.add_renditions();
      r->set_uri(ResolveHttpUrl(base, Str(*rendition, {"href", "uri"})));
      r->set_mime_type(ContentType(*rendition));
      r->set_width(Int(*rendition, "width"));
      r->set_height(Int(*rendition, "height"));
      if (r->uri().empty()) {
        warnings.push_back(absl::StrCat("associations: rendition ", Quoted(name),
                                        " has no http(s) href: left out"));
        media.mutable_renditions()->RemoveLast();
        continue;
      }
      const int width = name == "original" ? (1 << 30) : r->width();
      if (width > best_width) {
        best_width = width;
        media.set_uri(r->uri());
        media.set_mime_type(r->mime_type());
      }
    }
    if (media.uri().empty()) {
      const std::string uri = ResolveHttpUrl(base, Str(*association, {"uri"}));
      if (uri.empty()) continue;
      media.set_uri(uri);
      media.set_mime_type(ContentType(*association));
    }
    std::string caption = Str(*association, {"description_text"});
    if (caption.empty()) caption = Pick(Field(*association, {"descriptions"}), "caption", true);
    if (caption.empty()) caption = Str(*association, {"headline"});
    if (caption.empty()) caption = Pick(Field(*association, {"headlines"}), "main", true);
    media.set_caption(CollapseWhitespace(caption));
    media.set_credit(CreditOf(*association));
    media.set_copyright_notice(
        CollapseWhitespace(Str(*association, {"copyrightnotice", "copyrightNotice"})));
    *article.add_media() = std::move(media);
  }
}

ImportedItem ReadNinjs(FeedContext& feed, const json& doc, std::string& version) {
  ImportedItem result;
  result.index = feed.items;
  Article& article = result.article;
  std::vector<std::string>& warnings = result.warnings;
  version = DetectVersion(doc);
  const std::string uri = Str(doc, {"uri", "guid"});
  result.label = ItemLabel("item", result.index, uri);
  const std::string base = IsHttpUrl(uri) ? uri : feed.options.base_url;

  std::string headline = Str(doc, {"headline"});
  if (headline.empty()) headline = Pick(Field(doc, {"headlines", "headline"}), "main", true);
  article.set_headline(OneLine("headline", headline, warnings));
  std::string sub = Pick(Field(doc, {"headlines"}), "sub", false);
  if (sub.empty()) sub = Str(doc, {"description_text"});
  if (sub.empty()) {
    sub = Pick(Field(doc, {"descriptions"}), "summary", true);
    if (!sub.empty() && absl::StrContains(sub, "<")) sub = HtmlToOneLine(sub);
  }
  article.set_subheadline(CollapseWhitespace(sub));
  SetBody(doc, base, article, warnings);

  const std::string byline = CollapseWhitespace(Str(doc, {"byline", "by"}));
  for (const json* person : Entries(Field(doc, {"people", "person"}))) {
    const std::string rel = absl::AsciiStrToLower(Str(*person, {"rel", "role"}));
    if (rel == "author" || rel == "creator" || absl::StrContains(rel, "author")) {
      AddAuthor(article, Str(*person, {"name"}), "author", Str(*person, {"uri"}));
    }
  }
  if (article.authors().empty() && !byline.empty()) AddAuthor(article, byline, "author");
  article.set_byline(byline.empty() || absl::StartsWithIgnoreCase(byline, "by ")
                         ? byline
                         : absl::StrCat("By ", byline));

  const std::string first = Str(doc, {"firstcreated", "firstCreated"});
  const std::string versioned = Str(doc, {"versioncreated", "versionCreated"});
  if (!first.empty()) {
    SetDate(feed, "firstcreated", first, article.mutable_published_at(), warnings);
  } else if (!versioned.empty()) {
    SetDate(feed, "versioncreated", versioned, article.mutable_published_at(), warnings);
  }
  const std::string embargoed = Str(doc, {"embargoed"});
  if (!embargoed.empty()) {
    SetDate(feed, "embargoed", embargoed, article.mutable_embargoed_until(), warnings);
  }
  const std::string expires = Str(doc, {"expires"});
  if (!expires.empty()) SetDate(feed, "expires", expires, article.mutable_expires_at(), warnings);

  article.set_language(Str(doc, {"language"}));
  article.set_dateline(CollapseWhitespace(Str(doc, {"located"})));
  for (const json* subject : Entries(Field(doc, {"subject", "subjects"}))) {
    auto* s = article.add_subjects();
    s->set_code(Str(*subject, {"code", "uri"}));
    s->set_name(Str(*subject, {"name"}));
    s->set_scheme(Str(*subject, {"scheme"}));
  }
  const json& keywords = Field(doc, {"keywords"});
  if (keywords.is_array()) {
    for (const auto& k : keywords) {
      if (k.is_string() && !CollapseWhitespace(k.get<std::string>()).empty()) {
        article.add_keywords(CollapseWhitespace(k.get<std::string>()));
      }
    }
  }

  auto& attribution = *article.mutable_attribution();
  attribution.set_copyright_holder(
      CollapseWhitespace(Str(doc, {"copyrightholder", "copyrightHolder"})));
  attribution.set_copyright_notice(
      CollapseWhitespace(Str(doc, {"copyrightnotice", "copyrightNotice"})));
  attribution.set_usage_terms(CollapseWhitespace(Str(doc, {"usageterms", "usageTerms"})));
  std::string publisher;
  for (const json* source : Entries(Field(doc, {"infosources", "infoSources"}))) {
    const std::string name = CollapseWhitespace(Str(*source, {"name"}));
    const std::string role = absl::AsciiStrToLower(Str(*source, {"role"}));
    if (name.empty()) continue;
    if (publisher.empty() || role == "originatingsource" || role == "originating source") {
      publisher = name;
      if (role == "originatingsource" || role == "originating source") break;
    }
  }
  if (publisher.empty()) publisher = attribution.copyright_holder();
  attribution.set_original_publisher(publisher);
  if (IsHttpUrl(uri)) attribution.set_original_url(uri);

  AddAssociations(doc, base, article, warnings);

  std::string id = uri;
  if (id.empty()) {
    id = DerivedId("ninjs", {article.headline(), article.body_text()});
    warnings.emplace_back("no uri: external_id derived from the headline and text");
  }
  article.set_external_id(UniqueExternalId(feed, id, article.headline(), warnings));

  const std::string pubstatus = absl::AsciiStrToLower(Str(doc, {"pubstatus", "pubStatus"}));
  if (pubstatus == "withheld" || pubstatus == "canceled" || pubstatus == "cancelled") {
    result.kind = ImportedItem::Kind::kWithdrawal;
    Article tombstone;
    if (feed.options.source != nullptr) tombstone.set_source_id(feed.options.source->id());
    tombstone.set_external_id(article.external_id());
    tombstone.set_pubstatus(pubstatus == "withheld" ? syndication::v1::PUB_STATUS_WITHHELD
                                                    : syndication::v1::PUB_STATUS_CANCELED);
    tombstone.set_withdrawal_reason(absl::StrCat("ninjs pubstatus ", pubstatus));
    article = std::move(tombstone);
    return result;
  }
  if (!pubstatus.empty() && pubstatus != "usable") {
    warnings.push_back(absl::StrCat("pubstatus: ", Quoted(pubstatus),
                                    " is not usable, withheld or canceled: read as usable"));
  }
  FinishArticle(feed, article, warnings);
  result.status = CheckPublishable(result.label, article);
  return result;
}

}  // namespace

absl::Status ImportNinjs(absl::string_view utf8, FeedContext& feed, std::string& version,
                         std::vector<std::string>& warnings) {
  (void)warnings;
  const json doc = json::parse(utf8.begin(), utf8.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("ninjs: not valid JSON");
  if (doc.is_object()) return Emit(feed, ReadNinjs(feed, doc, version));
  if (!doc.is_array()) return absl::InvalidArgumentError("ninjs: not a JSON object");
  for (const auto& item : doc) {
    SYNDICATE_RETURN_IF_ERROR(CheckItemLimit(feed));
    if (!item.is_object()) {
      ImportedItem failed;
      failed.index = feed.items;
      failed.label = ItemLabel("item", failed.index, "");
      failed.status = absl::InvalidArgumentError(absl::StrCat(failed.label, ": not a JSON object"));
      SYNDICATE_RETURN_IF_ERROR(Emit(feed, std::move(failed)));
      continue;
    }
    SYNDICATE_RETURN_IF_ERROR(Emit(feed, ReadNinjs(feed, item, version)));
  }
  return absl::OkStatus();
}

}  // namespace syndicate::ingest::internal
