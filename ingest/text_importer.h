// Turns a news page saved as plain text (the shape of a scraped copy: section word,
// headline, standfirst, story paragraphs, then the republishing site's trailer) into an
// Article with its attribution worked out from the text.
#ifndef SYNDICATE_INGEST_TEXT_IMPORTER_H_
#define SYNDICATE_INGEST_TEXT_IMPORTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::ingest {

struct TextImportOptions {
  // The Source the story is imported into: its id becomes article.source_id and its
  // publisher_aliases canonicalize the original publisher's name. Not owned; may be null.
  const syndication::v1::Source* source = nullptr;
  // article.external_id. When empty, a stable id derived from the distributor and headline.
  std::string external_id;
  // attribution.original_url, when the caller knows it. Absolute http(s) URL or empty.
  std::string original_url;
  // Where the text came from (a file name or a URL), recorded in article.provenance.
  std::string origin;
};

struct ImportResult {
  syndication::v1::Article article;
  // What could not be determined or looked doubtful, one sentence each, e.g.
  // "no attribution line found: attribution.original_publisher left empty".
  std::vector<std::string> warnings;
};

// Parses `text` (UTF-8; LF or CRLF line endings). Never invents a value: whatever it
// cannot determine is left empty and reported in ImportResult::warnings.
// INVALID_ARGUMENT: the text is not valid UTF-8, or holds no headline.
absl::StatusOr<ImportResult> ParseScrapedText(std::string_view text,
                                              const TextImportOptions& options);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_TEXT_IMPORTER_H_
