// ingest::Import as a whole: picking the format, the limits, and the text format through
// the same entry point.
#include "ingest/importer.h"

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/text_importer.h"
#include "tests/ingest/ingest_testing.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::ingest {
namespace {

using ::syndicate::ingest::testing::ReadFixture;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;

TEST(DetectFormat, FromTheContentFirst) {
  EXPECT_EQ(DetectFormat("  {\"uri\": \"x\"}", ""), Format::kNinjs);
  EXPECT_EQ(DetectFormat("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<rss version=\"2.0\">", ""),
            Format::kRss);
  EXPECT_EQ(DetectFormat("<?xml version=\"1.0\"?><!-- a <feed> --><rdf:RDF xmlns:rdf=\"x\">", ""),
            Format::kRss);
  EXPECT_EQ(DetectFormat("<!-- generator --><feed xmlns=\"http://www.w3.org/2005/Atom\">", ""),
            Format::kAtom);
  EXPECT_EQ(DetectFormat("<entry xmlns=\"http://www.w3.org/2005/Atom\">", ""), Format::kAtom);
  EXPECT_EQ(DetectFormat("<!DOCTYPE html><html><body>", ""), Format::kHtml);
  EXPECT_EQ(DetectFormat("<html lang=\"en\">", "application/rss+xml"), Format::kHtml);
  EXPECT_EQ(DetectFormat("World\n\nHeadline\n\nStory.", ""), Format::kText);
  // Then from the Content-Type.
  EXPECT_EQ(DetectFormat("<?xml version=\"1.0\"?><channel/>", "application/rss+xml; charset=utf-8"),
            Format::kRss);
  EXPECT_EQ(DetectFormat("<?xml version=\"1.0\"?><x/>", "Application/Atom+XML"), Format::kAtom);
  EXPECT_EQ(DetectFormat("[]", "application/ninjs+json"), Format::kNinjs);
  EXPECT_EQ(DetectFormat("<div>fragment</div>", ""), Format::kHtml);
}

TEST(FormatNames, RoundTripAndErrors) {
  for (Format format :
       {Format::kAuto, Format::kText, Format::kRss, Format::kAtom, Format::kNinjs, Format::kHtml}) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Format parsed, ParseFormatName(FormatName(format)));
    EXPECT_EQ(parsed, format);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Format upper, ParseFormatName("RSS"));
  EXPECT_EQ(upper, Format::kRss);
  EXPECT_THAT(ParseFormatName("csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "format: \"csv\" is not one of auto, text, rss, atom, ninjs, html"));
}

TEST(ImportLimits, InputSizeAndItemCountNameTheLimit) {
  const std::string feed = ReadFixture("feeds/rss_guids.xml");
  ImportOptions options;
  options.max_input_bytes = 100;
  EXPECT_THAT(Import(feed, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("input: ", feed.size(),
                                    " bytes is over the limit max_input_bytes (100)")));
  options.max_input_bytes = feed.size();
  options.max_items = 3;
  EXPECT_THAT(Import(feed, options),
              StatusIs(absl::StatusCode::kInvalidArgument, "feed: more than max_items (3) items"));
  options.max_items = 7;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, Import(feed, options));
  EXPECT_EQ(result.items.size(), 7u);
}

TEST(ImportAuto, EveryFixtureFormatIsRecognized) {
  const std::vector<std::pair<std::string, Format>> cases = {
      {"feeds/rss_dates.xml", Format::kRss},         {"feeds/rss_bom.xml", Format::kRss},
      {"feeds/atom_base_source.xml", Format::kAtom}, {"ninjs/ninjs_3x.json", Format::kNinjs},
      {"html/html_opengraph.html", Format::kHtml},   {"via.txt", Format::kText},
  };
  for (const auto& [name, format] : cases) {
    ImportOptions options;
    options.file_name = name;
    absl::StatusOr<ImportResult> result = Import(ReadFixture(name), options);
    ASSERT_THAT(result, IsOk()) << name;
    EXPECT_EQ(result->format, format) << name;
    EXPECT_FALSE(result->items.empty()) << name;
  }
}

TEST(ImportText, TheScrapedTextImporterThroughTheSameEntryPoint) {
  ImportOptions options;
  options.format = Format::kText;
  options.file_name = "/some/dir/via.txt";
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 Import(ReadFixture("via.txt"), options));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_THAT(result.items[0].status, IsOk());
  EXPECT_EQ(result.items[0].label, "page");
  EXPECT_EQ(result.items[0].article.provenance().rbegin()->file_name(), "via.txt");
  EXPECT_THAT(Import("", options), StatusIs(absl::StatusCode::kInvalidArgument, "text: empty"));
}

// The team's real sample page (outside the repository) goes through the same entry point
// as the text importer alone, picked as text by --format=auto.
TEST(ImportSeed, TheSeedPageIsAutoDetectedAsTextAndImportedAsTheTextImporterDoes) {
  const std::string path = ::syndicate::testing::SeedPath("000_8f53a767d3a9432f.txt");
  std::ifstream in(path, std::ios::binary);
  if (!in) GTEST_SKIP() << "seed page not found at " << path << " (set SYNDICATE_SEED_DIR)";
  const std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ImportOptions options;
  options.file_name = path;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, Import(seed, options));
  EXPECT_EQ(result.format, Format::kText);
  ASSERT_EQ(result.items.size(), 1u);
  TextImportOptions text_options;
  text_options.origin = path;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const TextImportResult direct,
                                 ParseScrapedText(std::string_view(seed), text_options));
  EXPECT_EQ(result.items[0].article.SerializeAsString(), direct.article.SerializeAsString());
  EXPECT_EQ(result.items[0].warnings, direct.warnings);
}

TEST(ImportErrors, EmptyAndBrokenInputs) {
  ImportOptions options;
  options.format = Format::kRss;
  EXPECT_THAT(Import("  \n", options),
              StatusIs(absl::StatusCode::kInvalidArgument, "rss: empty input"));
  EXPECT_THAT(Import("plain words, no markup", options),
              StatusIs(absl::StatusCode::kInvalidArgument, "xml: not well-formed (line 1)"));
  // A root and nothing else: no items, and a warning.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult truncated, Import("<rss", options));
  EXPECT_TRUE(truncated.items.empty());
  EXPECT_THAT(truncated.warnings,
              ::testing::ElementsAre("xml: not well-formed at line 1: read again in recovery "
                                     "mode, so items from there on may be incomplete"));
}

TEST(ImportErrors, EntityDeclarationsAreRefused) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"ha\"><!ENTITY b \"&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;\">]><rss><channel><title>&c;</title><item><title>&c;&c;"
      "</title><description>x</description></item></channel></rss>";
  EXPECT_THAT(Import(laughs, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "xml: the document declares entities (<!ENTITY>), which no feed needs and "
                       "which can expand without bound: refused"));
  // A DOCTYPE naming an external DTD (RSS 0.91) is fine: it is never loaded, and the HTML
  // entities it would have declared are read as HTML's.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult rss091,
      Import("<?xml version=\"1.0\"?><!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD "
             "RSS 0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss "
             "version=\"0.91\"><channel><title>Old</title><item><title>Caf&eacute;</title>"
             "<link>https://old.example.org/cafe</link><description>x</description></item>"
             "</channel></rss>",
             {}));
  ASSERT_EQ(rss091.items.size(), 1u);
  EXPECT_EQ(rss091.items[0].article.headline(), "Caf\u00e9");
}

// Decoding strips control characters, but character references and JSON escapes can
// write them again; none may reach a story, which the server would refuse.
TEST(ImportControls, CharacterReferencesAndJsonEscapesCannotBringControlsBack) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult rss,
      Import("<rss><channel><title>T</title><item><title>Tide&#x85; tables&#x2028;today</title>"
             "<guid>g&#x9F;1</guid><description>&lt;p&gt;a&amp;#1;b&amp;#x85;c&lt;/p&gt;"
             "</description></item></channel></rss>",
             {}));
  ASSERT_EQ(rss.items.size(), 1u);
  EXPECT_EQ(rss.items[0].article.headline(), "Tide tables today");
  EXPECT_EQ(rss.items[0].article.external_id(), "g1");
  EXPECT_EQ(rss.items[0].article.body_text(), "abc");

  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult ninjs,
      Import(R"({"uri": "u", "headline": "A\u0001B\u0085C", "body_text": "x\u0007y\nz"})", {}));
  ASSERT_EQ(ninjs.items.size(), 1u);
  EXPECT_EQ(ninjs.items[0].article.headline(), "ABC");
  EXPECT_EQ(ninjs.items[0].article.body_text(), "xy\nz");
}

}  // namespace
}  // namespace syndicate::ingest
