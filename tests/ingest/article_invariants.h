// What every importer promises of an item it returns as good, checked by the fuzz targets
// (fuzz/import_fuzzer.cc) and by the replay of the inputs they once crashed on: every
// string is valid UTF-8 and holds no control character the server would refuse — none in
// one-line fields, only tab and line breaks in body_text and body_html.
#ifndef SYNDICATE_TESTS_INGEST_ARTICLE_INVARIANTS_H_
#define SYNDICATE_TESTS_INGEST_ARTICLE_INVARIANTS_H_

#include <optional>
#include <string>

#include "common/utf8.h"
#include "syndication/v1/article.pb.h"

namespace syndicate::ingest::testing {

// The first broken promise, as "field: value", or nullopt.
inline std::optional<std::string> BrokenInvariant(const syndication::v1::Article& article) {
  std::optional<std::string> broken;
  const auto check = [&broken](const char* field, const std::string& value, bool multi_line) {
    if (broken.has_value()) return;
    if (!IsValidUtf8(value) || FindControlCharacter(value, multi_line).has_value()) {
      broken = std::string(field) + ": " + QuoteForMessage(value, 200);
    }
  };
  check("headline", article.headline(), false);
  check("subheadline", article.subheadline(), false);
  check("byline", article.byline(), false);
  check("section", article.section(), false);
  check("dateline", article.dateline(), false);
  check("external_id", article.external_id(), false);
  check("body_text", article.body_text(), true);
  check("body_html", article.body_html(), true);
  check("credit_line", article.attribution().credit_line(), false);
  check("original_publisher", article.attribution().original_publisher(), false);
  check("distributor", article.attribution().distributor(), false);
  check("copyright_notice", article.attribution().copyright_notice(), false);
  for (const auto& author : article.authors()) check("authors.name", author.name(), false);
  for (const auto& keyword : article.keywords()) check("keywords", keyword, false);
  for (const auto& media : article.media()) {
    check("media.caption", media.caption(), false);
    check("media.credit", media.credit(), false);
  }
  return broken;
}

}  // namespace syndicate::ingest::testing

#endif  // SYNDICATE_TESTS_INGEST_ARTICLE_INVARIANTS_H_
