// Replays every input the fuzz targets (fuzz/, scripts/fuzz.sh) once crashed on, kept in
// testdata/fuzz/ as NAME.FORMAT-… files, through every format: none may crash, and every
// item returned as good keeps the promises of article_invariants.h. Also replays the
// project's other fixtures the same way.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ingest/importer.h"
#include "tests/ingest/article_invariants.h"
#include "tests/ingest/ingest_testing.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::ingest {
namespace {

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  return files;
}

TEST(FuzzRegression, EveryFixtureThroughEveryFormatKeepsTheInvariants) {
  const std::string root = testing::FixturePath("");
  const std::vector<std::string> files = FilesUnder(root);
  ASSERT_FALSE(files.empty()) << root;
  size_t good_items = 0;
  for (const std::string& path : files) {
    const std::string bytes = testing::ReadFixture(path.substr(root.size()));
    for (Format format : {Format::kAuto, Format::kText, Format::kRss, Format::kAtom, Format::kNinjs,
                          Format::kHtml}) {
      ImportOptions options;
      options.format = format;
      options.base_url = "https://fuzz.example.org/feeds/";
      const absl::StatusOr<ImportResult> result = Import(bytes, options);
      if (!result.ok()) continue;
      for (const ImportedItem& item : result->items) {
        if (!item.status.ok()) continue;
        ++good_items;
        const std::optional<std::string> broken = testing::BrokenInvariant(item.article);
        EXPECT_FALSE(broken.has_value())
            << path << " as " << FormatName(format) << ", " << item.label << ": " << *broken;
      }
    }
  }
  EXPECT_GT(good_items, 0u);
}

// Found by fuzz_ninjs: a uri holding U+2028 LINE SEPARATOR became an external_id with a
// line break in it, which the server refuses.
TEST(FuzzRegression, NinjsUriWithALineSeparator) {
  ImportOptions options;
  options.format = Format::kNinjs;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult result,
      Import(testing::ReadFixture("fuzz/ninjs-uri-with-line-separator.json"), options));
  ASSERT_EQ(result.items.size(), 1u);
  const std::string& id = result.items[0].article.external_id();
  EXPECT_EQ(id.find("\u2028"), std::string::npos);
  EXPECT_TRUE(absl::EndsWith(id, "\uFFFDurn:x:1")) << id;
  EXPECT_EQ(testing::BrokenInvariant(result.items[0].article), std::nullopt);
}

// Found by fuzz_html: a canonical link holding U+2029 passed for an http(s) URL and became
// the external_id and original_url.
TEST(FuzzRegression, HtmlCanonicalLinkWithAParagraphSeparator) {
  ImportOptions options;
  options.format = Format::kHtml;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult result,
      Import(testing::ReadFixture("fuzz/html-canonical-with-paragraph-separator.html"), options));
  ASSERT_EQ(result.items.size(), 1u);
  const auto& article = result.items[0].article;
  // Not a URL: the page has no other canonical URL, so none is set and the id is derived.
  EXPECT_EQ(article.attribution().original_url(), "");
  EXPECT_TRUE(absl::StartsWith(article.external_id(), "html-")) << article.external_id();
  EXPECT_EQ(testing::BrokenInvariant(article), std::nullopt);
}

// Found by fuzz_text: U+2029 PARAGRAPH SEPARATOR inside the headline paragraph of a page
// saved as text reached the headline. It ends a line now, as U+2028 does.
TEST(FuzzRegression, TextLineAndParagraphSeparatorsEndLines) {
  ImportOptions options;
  options.format = Format::kText;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult found,
      Import(testing::ReadFixture("fuzz/text-paragraph-separator-in-headline.txt"), options));
  ASSERT_EQ(found.items.size(), 1u);
  EXPECT_EQ(testing::BrokenInvariant(found.items[0].article), std::nullopt);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult result,
      Import("Ferry strike\u2029ends at last\n\nThe strike ended on Monday.\u2028Boats "
             "sail again.\n",
             options));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(), "Ferry strike ends at last");
  EXPECT_EQ(result.items[0].article.body_text(), "The strike ended on Monday.\nBoats sail again.");
}

}  // namespace
}  // namespace syndicate::ingest
