// IPTC ninjs 1.x/2.x/3.x and HTML article pages through ingest::Import, with fixtures in
// testdata/ninjs/ and testdata/html/ written for the project.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/importer.h"
#include "tests/ingest/ingest_testing.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::ingest {
namespace {

using ::syndicate::ingest::testing::Authors;
using ::syndicate::ingest::testing::Hops;
using ::syndicate::ingest::testing::ImportFixture;
using ::syndicate::ingest::testing::Media;
using ::syndicate::ingest::testing::ReadFixture;
using ::syndicate::ingest::testing::Rfc3339;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(NinjsImport, Version1FlatFieldsAndKeyedAssociations) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("ninjs/ninjs_1x.json"));
  EXPECT_EQ(result.format, Format::kNinjs);
  EXPECT_EQ(result.format_version, "1.x");
  ASSERT_EQ(result.items.size(), 1u);
  const ImportedItem& item = result.items[0];
  ASSERT_THAT(item.status, IsOk());
  EXPECT_THAT(item.warnings,
              ElementsAre("body_html: unsafe markup removed (1 elements, 0 attributes)"));
  const auto& a = item.article;
  EXPECT_EQ(a.external_id(), "https://wire.example.org/items/2026-0301-ferry");
  EXPECT_EQ(a.headline(), "Ferry fares frozen for winter");
  EXPECT_EQ(a.subheadline(), "Council agrees to hold prices until April.");
  EXPECT_EQ(a.body_html(), "<p>Fares stay at <b>\u00a33</b>.</p>");
  EXPECT_EQ(a.body_text(), "Fares stay at \u00a33.");
  EXPECT_EQ(a.byline(), "By Ines Calloway");
  EXPECT_THAT(Authors(a), ElementsAre("Ines Calloway (author)"));
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-01T08:00:00Z");
  EXPECT_EQ(Rfc3339(a.embargoed_until()), "2026-03-01T12:00:00Z");
  EXPECT_EQ(Rfc3339(a.expires_at()), "unset");
  EXPECT_EQ(a.dateline(), "Port Avel");
  EXPECT_EQ(a.language(), "en");
  ASSERT_EQ(a.subjects_size(), 1);
  EXPECT_EQ(a.subjects(0).code(), "medtop:20000349");
  EXPECT_EQ(a.subjects(0).name(), "transport");
  EXPECT_EQ(a.subjects(0).scheme(), "medtop");
  EXPECT_THAT(a.keywords(), ElementsAre("ferry", "fares"));
  EXPECT_EQ(a.attribution().copyright_holder(), "Harbour Wire");
  EXPECT_EQ(a.attribution().copyright_notice(), "\u00a9 2026 Harbour Wire");
  EXPECT_EQ(a.attribution().usage_terms(), "Licensed partners only.");
  EXPECT_EQ(a.attribution().original_publisher(), "Harbour Wire");
  EXPECT_EQ(a.attribution().credit_line(), "Harbour Wire");
  EXPECT_EQ(a.attribution().original_url(), "https://wire.example.org/items/2026-0301-ferry");
  EXPECT_THAT(Media(a),
              ElementsAre("https://cdn.example.org/ferry-orig.jpg image/jpeg caption=The "
                          "ferry at dawn credit=Ana Ruiz copyright="
                          " | https://cdn.example.org/ferry-orig.jpg image/jpeg 4000x3000"
                          " | https://wire.example.org/ferry-thumb.jpg image/jpeg 200x150"));
}

TEST(NinjsImport, Version2PluralArraysInfosourcesAndRenditionArrays) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("ninjs/ninjs_2x.json"));
  EXPECT_EQ(result.format_version, "2.x");
  ASSERT_EQ(result.items.size(), 1u);
  ASSERT_THAT(result.items[0].status, IsOk());
  EXPECT_THAT(result.items[0].warnings, IsEmpty());
  const auto& a = result.items[0].article;
  EXPECT_EQ(a.external_id(), "urn:newsml:wire.example.org:20260302:quay");
  EXPECT_EQ(a.headline(), "Quay and harbour wall to be rebuilt");
  EXPECT_EQ(a.subheadline(), "Work starts in May");
  EXPECT_EQ(a.body_html(), "<p>The quay, built in 1902, will be rebuilt.</p>");
  EXPECT_EQ(a.byline(), "By Tomas Reyes and Mara Lind");
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-02T08:00:00Z");
  EXPECT_EQ(Rfc3339(a.expires_at()), "2026-09-01T00:00:00Z");
  // The originating source, not the first infosource, is the original publisher.
  EXPECT_EQ(a.attribution().original_publisher(), "Valley Ledger");
  EXPECT_EQ(a.attribution().credit_line(), "Valley Ledger");
  // A urn is an id, not a canonical URL.
  EXPECT_EQ(a.attribution().original_url(), "");
  EXPECT_THAT(Media(a), ElementsAre("https://cdn.example.org/quay-l.jpg image/jpeg caption=The old "
                                    "quay. credit=Photo: Li Wen copyright="
                                    " | https://cdn.example.org/quay-s.jpg image/jpeg 400x300"
                                    " | https://cdn.example.org/quay-l.jpg image/jpeg 1600x1200"));
}

TEST(NinjsImport, Version3CamelCase) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("ninjs/ninjs_3x.json"));
  EXPECT_EQ(result.format_version, "3.x");
  ASSERT_EQ(result.items.size(), 1u);
  ASSERT_THAT(result.items[0].status, IsOk());
  const auto& a = result.items[0].article;
  EXPECT_EQ(a.headline(), "Lighthouse gets new lamp");
  EXPECT_EQ(a.subheadline(), "A LED lamp replaces the 1950s bulb.");
  EXPECT_EQ(a.body_html(),
            "<p>Keeper Ruth Abbot switched it on.</p><p>Ships can see it 20 miles out.</p>");
  EXPECT_EQ(a.body_text(), "Keeper Ruth Abbot switched it on.\n\nShips can see it 20 miles out.");
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-03T12:30:00Z");
  EXPECT_EQ(a.byline(), "By Ruth Abbot");
  EXPECT_EQ(a.language(), "en-GB");
  EXPECT_EQ(a.attribution().copyright_holder(), "Harbour Wire");
  EXPECT_EQ(a.attribution().copyright_notice(), "\u00a9 2026 Harbour Wire");
  EXPECT_EQ(a.attribution().usage_terms(), "No archive use.");
  EXPECT_EQ(a.attribution().original_publisher(), "Harbour Wire");
}

TEST(NinjsImport, AListWithAKillABrokenItemAndAMissingUri) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("ninjs/ninjs_list.json"));
  ASSERT_EQ(result.items.size(), 4u);
  EXPECT_THAT(result.items[0].status, IsOk());
  EXPECT_EQ(result.items[0].article.headline(), "Still here");
  const ImportedItem& killed = result.items[1];
  EXPECT_EQ(killed.kind, ImportedItem::Kind::kWithdrawal);
  EXPECT_EQ(killed.article.external_id(), "urn:x:2");
  EXPECT_EQ(killed.article.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(killed.article.withdrawal_reason(), "ninjs pubstatus canceled");
  EXPECT_THAT(result.items[2].status,
              StatusIs(absl::StatusCode::kInvalidArgument, "item 3: not a JSON object"));
  EXPECT_THAT(result.items[3].status, IsOk());
  EXPECT_EQ(result.items[3].article.external_id(), "ninjs-870d5206d3a164b3c6a9629a0432dc5e");
  EXPECT_THAT(result.items[3].warnings,
              ElementsAre("no uri: external_id derived from the headline and text",
                          "no publisher named by the item or the feed: "
                          "attribution.original_publisher left empty"));
}

TEST(NinjsImport, InvalidJsonIsAnError) {
  ImportOptions options;
  options.format = Format::kNinjs;
  EXPECT_THAT(Import("{\"headline\": ", options),
              StatusIs(absl::StatusCode::kInvalidArgument, "ninjs: not valid JSON"));
}

TEST(HtmlImport, JsonLdGraphWithIdReferencesABrokenBlockAndTheBodyWithoutFurniture) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("html/html_jsonld_graph.html"));
  EXPECT_EQ(result.format, Format::kHtml);
  ASSERT_EQ(result.items.size(), 1u);
  const ImportedItem& item = result.items[0];
  ASSERT_THAT(item.status, IsOk());
  EXPECT_THAT(item.warnings, ElementsAre("JSON-LD block 1 is not valid JSON: skipped"));
  const auto& a = item.article;
  EXPECT_EQ(a.external_id(), "https://harbour.example.org/news/sea-wall-vote");
  EXPECT_EQ(a.attribution().original_url(), "https://harbour.example.org/news/sea-wall-vote");
  EXPECT_EQ(a.headline(), "Council votes to raise the sea wall");
  EXPECT_EQ(a.subheadline(), "The work will cost \u00a34m.");
  EXPECT_THAT(Authors(a), ElementsAre("Ines Calloway (author)", "Tomas Reyes (author)"));
  EXPECT_EQ(a.byline(), "By Ines Calloway and Tomas Reyes");
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-04T18:00:00Z");
  EXPECT_EQ(a.attribution().original_publisher(), "Harbour Gazette");
  EXPECT_EQ(a.section(), "Local");
  EXPECT_THAT(a.keywords(), ElementsAre("sea wall", "council", "flooding"));
  EXPECT_EQ(a.language(), "en-GB");
  EXPECT_EQ(a.body_html(),
            "<p>Councillors voted 9 to 2 on Tuesday to raise the wall by a metre.</p><figure><img "
            "src=\"https://harbour.example.org/img/wall-small.jpg\" alt=\"The wall\"><figcaption>"
            "The wall today.</figcaption></figure><p>Work starts in <a "
            "href=\"https://harbour.example.org/news/timetable\">May</a>.</p>");
  EXPECT_EQ(a.body_text(),
            "Councillors voted 9 to 2 on Tuesday to raise the wall by a metre.\n\nThe wall "
            "today.\n\nWork starts in May.");
  EXPECT_THAT(Media(a), ElementsAre("https://harbour.example.org/img/wall.jpg  caption=The sea "
                                    "wall at high tide. credit= copyright="));
  EXPECT_THAT(Hops(a), ElementsAre("KIND_CREATED Harbour Gazette "
                                   "uri=https://harbour.example.org/news/sea-wall-vote file=",
                                   "KIND_IMPORTED syndicate import --format=html uri= "
                                   "file=html_jsonld_graph.html"));
}

TEST(HtmlImport, OpenGraphOnlyPageWithAZonelessDate) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("html/html_opengraph.html"));
  ASSERT_EQ(result.items.size(), 1u);
  const ImportedItem& item = result.items[0];
  ASSERT_THAT(item.status, IsOk());
  EXPECT_THAT(item.warnings, ElementsAre("article:published_time: \"2026-03-05T09:00:00\" names "
                                         "no zone: read in UTC"));
  const auto& a = item.article;
  EXPECT_EQ(a.external_id(), "https://valley.example.org/market-hall");
  EXPECT_EQ(a.headline(), "Market hall reopens");
  EXPECT_EQ(a.subheadline(), "Traders return after the roof repair.");
  EXPECT_EQ(a.byline(), "By Mara Lind");
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-05T09:00:00Z");
  EXPECT_EQ(a.attribution().original_publisher(), "Valley Ledger");
  EXPECT_EQ(a.body_html(),
            "<p>The hall opened at 8am with 40 stalls.</p><p>\u201cIt\u2019s good to be "
            "back,\u201d said trader Oona Park.</p>");
  EXPECT_EQ(a.body_text(),
            "The hall opened at 8am with 40 stalls.\n\n\u201cIt\u2019s good to be back,\u201d "
            "said trader Oona Park.");
  EXPECT_THAT(Media(a), ElementsAre("https://valley.example.org/img/hall.jpg  caption=The market "
                                    "hall credit= copyright="));
}

}  // namespace
}  // namespace syndicate::ingest
