// RSS 2.0 and Atom 1.0 through ingest::Import: every fault kind of issue 6 item 2 has a
// fixture in testdata/feeds/ written for the project, and exact expected values.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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

TEST(RssImport, CdataMixedWithTextAndEscapedCdata) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_cdata_entities.xml"));
  EXPECT_EQ(result.format, Format::kRss);
  EXPECT_THAT(result.warnings, IsEmpty());
  ASSERT_EQ(result.items.size(), 4u);

  const auto& mixed = result.items[0];
  ASSERT_THAT(mixed.status, IsOk());
  EXPECT_EQ(mixed.article.headline(), "Tides & <currents> report");
  EXPECT_EQ(mixed.article.body_html(), "<p>High water at <b>06:12</b> and again at 18:40.</p>");
  EXPECT_EQ(mixed.article.body_text(), "High water at 06:12 and again at 18:40.");
  EXPECT_EQ(mixed.article.external_id(), "https://harbour.example.org/news/tides");
  EXPECT_EQ(mixed.article.attribution().original_url(), "https://harbour.example.org/news/tides");
  EXPECT_EQ(mixed.article.attribution().original_publisher(), "Harbour Gazette");
  EXPECT_EQ(mixed.article.attribution().credit_line(), "Harbour Gazette");
  EXPECT_EQ(mixed.article.attribution().copyright_notice(), "© 2026 Harbour Gazette");
  EXPECT_EQ(mixed.article.language(), "en-gb");
  EXPECT_THAT(mixed.warnings, IsEmpty());
  EXPECT_THAT(
      Hops(mixed.article),
      ElementsAre("KIND_CREATED Harbour Gazette uri=https://harbour.example.org/news/tides file=",
                  "KIND_IMPORTED syndicate import --format=rss uri= file=rss_cdata_entities.xml"));

  const auto& escaped = result.items[1];
  EXPECT_EQ(escaped.article.headline(), "Harbour lights return");
  EXPECT_EQ(escaped.article.body_html(), "<p>The lamps are lit again.</p>");
  EXPECT_THAT(escaped.warnings, ElementsAre("title: escaped CDATA markers removed",
                                            "body: escaped CDATA markers removed"));
}

TEST(RssImport, EntitiesAreDecodedExactlyOnceAndMarkupInTitlesStaysText) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_cdata_entities.xml"));
  ASSERT_EQ(result.items.size(), 4u);
  const auto& chips = result.items[2].article;
  // &amp;amp; in XML is the text "&amp;": decoded once, not twice.
  EXPECT_EQ(chips.headline(), "Fish &amp; chips & peas at Pier 4 \u2019til late");
  // The description is HTML escaped in XML: XML decodes once, HTML once more.
  EXPECT_EQ(chips.body_html(), "<p>Cod &amp;amp; chips, \u00a34.</p>");
  EXPECT_EQ(chips.body_text(), "Cod &amp; chips, \u00a34.");

  const auto& tags = result.items[3].article;
  EXPECT_EQ(tags.headline(), "Why <br> tags <b>vanish</b> from menus");
  EXPECT_EQ(tags.body_text(), "A note on markup.");
}

TEST(RssImport, DatesWithZoneNamesTwoDigitYearsOffsetsAndNoZone) {
  ImportOptions options;
  options.default_zone = absl::FixedTimeZone(3600);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_dates.xml", options));
  ASSERT_EQ(result.items.size(), 10u);
  std::vector<std::string> dates;
  for (const auto& item : result.items) {
    ASSERT_THAT(item.status, IsOk());
    dates.push_back(
        absl::StrCat(item.article.headline(), ": ", Rfc3339(item.article.published_at())));
  }
  EXPECT_THAT(dates, ElementsAre("EDT: 2026-03-03T13:30:00Z", "PST: 2026-03-03T17:30:00Z",
                                 "UT: 2026-03-03T09:30:00Z", "Z: 2026-03-03T09:30:00Z",
                                 "two-digit year: 2026-03-03T09:30:00Z",
                                 "offset without colon: 2026-03-03T07:30:00Z",
                                 "no seconds: 2026-03-03T14:30:00Z",
                                 // The source's zone (UTC+1 here), with a warning.
                                 "no zone: 2026-03-03T08:30:00Z", "not a date: unset",
                                 "two-digit year of the last century: 1999-03-03T09:30:00Z"));
  EXPECT_THAT(result.items[0].warnings, IsEmpty());
  EXPECT_THAT(result.items[7].warnings,
              ElementsAre("pubDate: \"Tue, 03 Mar 2026 09:30:00\" names no zone: read in "
                          "Fixed/UTC+01:00:00"));
  EXPECT_THAT(result.items[8].warnings,
              ElementsAre("pubDate: \"next Tuesday\" is not a date: left unset"));
}

TEST(RssImport, ADateWithoutAZoneIsReadInTheSourcesTimeZone) {
  syndication::v1::Source source;
  source.set_id("harbour-wire");
  source.set_time_zone("America/New_York");
  ImportOptions options;
  options.source = &source;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_dates.xml", options));
  ASSERT_EQ(result.items.size(), 10u);
  // 3 March 2026 is before the switch to daylight time: EST, UTC-5.
  EXPECT_EQ(Rfc3339(result.items[7].article.published_at()), "2026-03-03T14:30:00Z");
  EXPECT_THAT(result.items[7].warnings,
              ElementsAre("pubDate: \"Tue, 03 Mar 2026 09:30:00\" names no zone: read in "
                          "America/New_York"));
  EXPECT_EQ(result.items[7].article.source_id(), "harbour-wire");

  source.set_time_zone("Mars/Olympus_Mons");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult unknown,
                                 ImportFixture("feeds/rss_dates.xml", options));
  EXPECT_THAT(unknown.warnings,
              ElementsAre("source time_zone: \"Mars/Olympus_Mons\" is not a time zone this "
                          "system knows: dates without a zone are read in UTC"));
  EXPECT_EQ(Rfc3339(unknown.items[7].article.published_at()), "2026-03-03T09:30:00Z");
}

TEST(RssImport, XmlBaseRelativeLinksMediaGroupAuthorsAndEnclosure) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_base_media.xml"));
  ASSERT_EQ(result.items.size(), 1u);
  const ImportedItem& item = result.items[0];
  ASSERT_THAT(item.status, IsOk());
  EXPECT_THAT(item.warnings, IsEmpty());
  const auto& article = item.article;
  EXPECT_EQ(article.headline(), "New ferry named after harbour pilot");
  // A guid that is not a permalink is the id, never the canonical URL.
  EXPECT_EQ(article.external_id(), "harbour-2026-0042");
  EXPECT_EQ(article.attribution().original_url(),
            "https://harbour.example.org/news/2026/03/ferry-named.html");
  EXPECT_EQ(article.body_html(),
            "<p>The <a href=\"https://harbour.example.org/news/ferries/\">new ferry</a> was named "
            "on Monday.<img src=\"https://harbour.example.org/news/2026/03/img/ferry-small.jpg\" "
            "alt=\"The ferry\"></p>");
  EXPECT_EQ(article.body_text(), "The new ferry was named on Monday.");
  EXPECT_THAT(Authors(article),
              ElementsAre("Ines Calloway (author)", "Tomas Reyes (author)", "Mara Lind (author)"));
  EXPECT_EQ(article.byline(), "By Ines Calloway, Tomas Reyes and Mara Lind");
  EXPECT_EQ(Rfc3339(article.published_at()), "2026-03-03T09:30:00Z");
  EXPECT_THAT(article.keywords(), ElementsAre("Transport", "Harbour"));
  EXPECT_THAT(
      Media(article),
      ElementsAre(
          "https://harbour.example.org/news/2026/03/img/ferry-600.jpg image/jpeg "
          "caption=The ferry Pilot Oona leaving the slipway. credit=Photo: Ana Ruiz / Harbour "
          "Gazette copyright=© 2026 Harbour Gazette"
          " | https://harbour.example.org/news/2026/03/img/ferry-1200.jpg image/jpeg 1200x800"
          " | https://harbour.example.org/news/2026/03/img/ferry-600.jpg image/jpeg 600x400"
          " | https://cdn.example.org/ferry-300.webp image/webp 300x200",
          "https://harbour.example.org/maps/route.png image/png caption=The new route "
          "credit=Map: Harbour Gazette copyright=",
          "https://harbour.example.org/news/2026/03/audio/interview.mp3 audio/mpeg caption= "
          "credit= copyright="));
}

TEST(RssImport, MissingDuplicateAndNonUrlGuidsAndABrokenItem) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("feeds/rss_guids.xml"));
  ASSERT_EQ(result.items.size(), 7u);
  std::vector<std::string> ids;
  std::vector<std::string> urls;
  for (const auto& item : result.items) {
    ids.push_back(item.article.external_id());
    urls.push_back(item.article.attribution().original_url());
  }
  EXPECT_THAT(ids, ElementsAre("https://harbour.example.org/news/no-guid", "harbour-2026-0042",
                               "https://harbour.example.org/?p=7",
                               "https://harbour.example.org/?p=7#bf1df16dd4d12aa1",
                               "rss-23c11e9bcca35b5d03ad109b6870f714", "no-title",
                               "https://harbour.example.org/news/permalink"));
  EXPECT_THAT(urls, ElementsAre("https://harbour.example.org/news/no-guid",
                                "https://harbour.example.org/news/plain-guid",
                                "https://harbour.example.org/news/shared-1",
                                "https://harbour.example.org/news/shared-2", "", "",
                                "https://harbour.example.org/news/permalink"));
  EXPECT_THAT(result.items[0].warnings, ElementsAre("no guid: external_id is the link"));
  EXPECT_THAT(result.items[3].warnings,
              ElementsAre("id \"https://harbour.example.org/?p=7\" is used by an earlier item too: "
                          "external_id \"https://harbour.example.org/?p=7#bf1df16dd4d12aa1\" "
                          "keeps the two apart"));
  EXPECT_THAT(
      result.items[4].warnings,
      ElementsAre("no guid and no link: external_id derived from the title, date and text"));
  // The item without a title fails alone; the ones after it are read.
  EXPECT_THAT(result.items[5].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "item 6 (\"no-title\"): headline: missing or empty"));
  for (size_t i : {0, 1, 2, 3, 4, 6}) EXPECT_THAT(result.items[i].status, IsOk()) << i;
}

TEST(RssImport, SourceElementIsTheOriginalPublisherAndBodiesAreSanitized) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_source_attribution.xml"));
  ASSERT_EQ(result.items.size(), 1u);
  const auto& item = result.items[0];
  const auto& attribution = item.article.attribution();
  EXPECT_EQ(attribution.original_publisher(), "Valley Ledger");
  EXPECT_EQ(attribution.distributor(), "Coastal Roundup");
  EXPECT_EQ(attribution.credit_line(), "Valley Ledger via Coastal Roundup");
  EXPECT_EQ(attribution.original_url(), "https://valley.example.org/stories/keeper");
  EXPECT_THAT(
      Hops(item.article),
      ElementsAre("KIND_CREATED Valley Ledger uri=https://valley.example.org/stories/keeper file=",
                  "KIND_REPUBLISHED Coastal Roundup uri=https://roundup.example.org/ file=",
                  "KIND_IMPORTED syndicate import --format=rss uri= "
                  "file=rss_source_attribution.xml"));
  EXPECT_EQ(item.article.body_html(), "<p>Keeper Ruth Abbot steps down.</p><p><a>More</a> </p>");
  EXPECT_EQ(item.article.body_text(), "Keeper Ruth Abbot steps down.\n\nMore");
  EXPECT_THAT(item.warnings,
              ElementsAre("description: unsafe markup removed (4 elements, 3 attributes)"));
}

TEST(RssImport, Windows1251BytesUnderAUtf8Declaration) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_cp1251_declared_utf8.xml"));
  EXPECT_THAT(result.warnings,
              ElementsAre("encoding: declared UTF-8 but no byte sequence is UTF-8 (first bad byte "
                          "at offset 176): decoded as windows-1251"));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(), "Паром отменён из-за шторма");
  EXPECT_EQ(result.items[0].article.body_text(),
            "Капитан Ольга Ветрова сообщила об отмене рейсов.");
}

TEST(RssImport, Windows1252SmartQuotesUnderAUtf8Declaration) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_cp1252_declared_utf8.xml"));
  EXPECT_THAT(result.warnings,
              ElementsAre("encoding: declared UTF-8 but no byte sequence is UTF-8 (first bad byte "
                          "at offset 176): decoded as windows-1252"));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(),
            "\u201cCalm seas\u201d expected \u2013 harbourmaster");
  EXPECT_EQ(result.items[0].article.body_text(), "Caf\u00e9 owners are \u2018relieved\u2019.");
}

TEST(RssImport, DeclaredWindows1251IsConvertedWithoutAWarning) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_cp1251_declared.xml"));
  EXPECT_THAT(result.warnings, IsEmpty());
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(), "Новый причал");
}

TEST(RssImport, ByteOrderMarkBeforeTheXmlDeclaration) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result, ImportFixture("feeds/rss_bom.xml"));
  EXPECT_EQ(result.format, Format::kRss);
  EXPECT_THAT(result.warnings, IsEmpty());
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(), "Bom voyage");
}

TEST(RssImport, InvalidUtf8BytesAreReplacedOneByOneNotReDecoded) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_invalid_utf8.xml"));
  EXPECT_THAT(result.warnings,
              ElementsAre("encoding: 3 bytes that are not UTF-8 replaced with U+FFFD (first at "
                          "byte offset 256)"));
  ASSERT_EQ(result.items.size(), 1u);
  // The valid é stays é: the file is not re-read as windows-1252.
  EXPECT_EQ(result.items[0].article.headline(), "Caf\u00e9 reopens");
  EXPECT_EQ(result.items[0].article.body_text(), "Ma\u00f1ana x\uFFFD\uFFFDy \uFFFD(z");
}

TEST(RssImport, ControlCharactersAreStrippedWithAWarning) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_control_chars.xml"));
  EXPECT_THAT(result.warnings,
              ElementsAre("encoding: 5 control characters stripped (first at byte offset 180)"));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0].article.headline(), "Tide tables updated");
  EXPECT_EQ(result.items[0].article.body_text(), "Line one[31m. Done.");
}

// One item's broken markup does not lose the items after it; HTML entities and bare
// ampersands, which XML does not allow, are read as the writer meant them.
TEST(RssImport, BrokenMarkupInOneItemHtmlEntitiesAndBareAmpersands) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/rss_broken_markup.xml"));
  EXPECT_THAT(result.warnings,
              ElementsAre("xml: 3 HTML entities (&eacute;) that XML does not define read as "
                          "characters",
                          "xml: 1 \"&\" not starting an entity read as text",
                          "xml: not well-formed at line 7: read again in recovery mode, so items "
                          "from there on may be incomplete"));
  std::vector<std::string> headlines;
  for (const auto& item : result.items) {
    EXPECT_THAT(item.status, IsOk()) << item.label;
    headlines.push_back(item.article.headline());
  }
  // The broken item keeps what recovery made of it: its unclosed <b> ran to the end of the
  // item, so its guid and description are in the title; the items after it are whole.
  EXPECT_THAT(headlines, ElementsAre("Nets mended at dawn", "Caf\u00e9 opens \u00a9 late",
                                     "Quay closedb3Three.", "Buoys repainted", "Gulls counted"));
  EXPECT_THAT(
      result.items[2].warnings,
      ElementsAre("no guid and no link: external_id derived from the title, date and text"));
  ASSERT_EQ(result.items.size(), 5u);
  EXPECT_EQ(result.items[1].article.body_text(), "Fish & chips & peas.");
  EXPECT_EQ(result.items[3].article.body_text(), "Keep & as is");
}

TEST(AtomImport, XmlBaseChainsAuthorsSourceAndTombstones) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/atom_base_source.xml"));
  EXPECT_EQ(result.format, Format::kAtom);
  EXPECT_THAT(result.warnings, IsEmpty());
  ASSERT_EQ(result.items.size(), 6u);

  const ImportedItem& storm = result.items[0];
  ASSERT_THAT(storm.status, IsOk());
  EXPECT_THAT(storm.warnings, IsEmpty());
  const auto& a = storm.article;
  EXPECT_EQ(a.external_id(), "tag:news.example.org,2026:storm-surge");
  EXPECT_EQ(a.headline(), "Storm & surge: coast braces");
  EXPECT_EQ(a.subheadline(), "Sea walls are being raised along the coast.");
  EXPECT_EQ(a.attribution().original_url(), "https://news.example.org/world/storm-surge.html");
  // feed xml:base → entry "world/" → content "2026/03/".
  EXPECT_EQ(a.body_html(),
            "<p>Crews worked overnight.<img src=\"https://news.example.org/world/2026/03/img/"
            "wall.jpg\" alt=\"Wall\"></p><p><a href=\"https://news.example.org/maps/coast\">Map</a>"
            "</p>");
  EXPECT_EQ(a.body_text(), "Crews worked overnight.\n\nMap");
  EXPECT_THAT(Authors(a), ElementsAre("Ana Ruiz (author, https://news.example.org/people/ana-ruiz)",
                                      "Tom Bell (author)", "Li Wen (contributor)"));
  EXPECT_EQ(a.byline(), "By Ana Ruiz and Tom Bell");
  EXPECT_EQ(Rfc3339(a.published_at()), "2026-03-03T07:15:00Z");
  EXPECT_EQ(a.language(), "en");
  EXPECT_THAT(a.keywords(), ElementsAre("Weather"));
  EXPECT_THAT(Media(a), ElementsAre("https://news.example.org/world/img/surge.jpg image/jpeg "
                                    "caption= credit= copyright="));
  EXPECT_EQ(a.attribution().original_publisher(), "Northwind Wire");
  EXPECT_EQ(a.attribution().credit_line(), "Northwind Wire");
  EXPECT_EQ(a.attribution().copyright_notice(), "© 2026 Northwind Wire");

  // Author, rights and title only in atom:source (RFC 4287 §4.2.11).
  const ImportedItem& strike = result.items[1];
  ASSERT_THAT(strike.status, IsOk());
  const auto& b = strike.article;
  EXPECT_THAT(Authors(b), ElementsAre("Oskar Hale (author)"));
  EXPECT_EQ(b.attribution().original_publisher(), "Valley Ledger");
  EXPECT_EQ(b.attribution().distributor(), "Northwind Wire");
  EXPECT_EQ(b.attribution().credit_line(), "Valley Ledger via Northwind Wire");
  EXPECT_EQ(b.attribution().copyright_notice(), "© 2026 Valley Ledger");
  EXPECT_EQ(b.body_html(), "<p>Crossings resume <strong>tomorrow</strong>.</p>");
  EXPECT_EQ(Rfc3339(b.published_at()), "2026-03-02T17:00:00Z");
  EXPECT_THAT(strike.warnings, ElementsAre("no published date: published_at taken from updated"));

  const auto& c = result.items[2].article;
  EXPECT_EQ(c.headline(), "Market <b>hours</b> change");
  EXPECT_EQ(c.attribution().original_url(), "https://news.example.org/markets/hours");
  EXPECT_EQ(c.body_html(), "<p>Stalls open at 7.<br>Closing at 3.</p><p>Saturday as usual.</p>");
  EXPECT_EQ(c.body_text(), "Stalls open at 7.\nClosing at 3.\n\nSaturday as usual.");
  EXPECT_THAT(Authors(c), ElementsAre("Northwind Desk (author)"));

  const ImportedItem& deleted = result.items[3];
  EXPECT_EQ(deleted.kind, ImportedItem::Kind::kWithdrawal);
  ASSERT_THAT(deleted.status, IsOk());
  EXPECT_EQ(deleted.article.external_id(), "tag:news.example.org,2026:old-story");
  EXPECT_EQ(deleted.article.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(deleted.article.withdrawal_reason(), "Legal: removed at the subject's request");
  EXPECT_EQ(deleted.withdrawn_at,
            absl::FromCivil(absl::CivilSecond(2026, 3, 3, 11, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(result.items[4].article.withdrawal_reason(), "deleted from the feed");
  EXPECT_EQ(result.items[4].withdrawn_at,
            absl::FromCivil(absl::CivilSecond(2026, 3, 3, 16, 5, 0), absl::UTCTimeZone()));
  EXPECT_THAT(result.items[5].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "deleted entry 6: ref: missing: the tombstone names no entry"));
}

// Without a link of its own, an item republished from another feed points its creation
// hop at that feed: RSS <source url>, atom:source's alternate link.
TEST(FeedImport, TheOriginalFeedIsTheCreationHopWhenTheItemHasNoLink) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult rss,
      Import("<rss><channel><title>Coastal Roundup</title><link>https://roundup.example.org/"
             "</link><item><title>Keeper retires</title><guid>k1</guid><source "
             "url=\"https://valley.example.org/rss.xml\">Valley Ledger</source><description>x"
             "</description></item></channel></rss>",
             {}));
  ASSERT_EQ(rss.items.size(), 1u);
  EXPECT_THAT(Hops(rss.items[0].article),
              ElementsAre("KIND_CREATED Valley Ledger uri=https://valley.example.org/rss.xml file=",
                          "KIND_REPUBLISHED Coastal Roundup uri=https://roundup.example.org/ file=",
                          "KIND_IMPORTED syndicate import --format=rss uri= file="));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const ImportResult atom,
      Import("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Northwind Wire</title><entry>"
             "<id>e1</id><title>Keeper retires</title><content>x</content><source><title>Valley "
             "Ledger</title><link href=\"https://valley.example.org/\"/></source></entry></feed>",
             {}));
  ASSERT_EQ(atom.items.size(), 1u);
  EXPECT_THAT(Hops(atom.items[0].article),
              ElementsAre("KIND_CREATED Valley Ledger uri=https://valley.example.org/ file=",
                          "KIND_REPUBLISHED Northwind Wire uri= file=",
                          "KIND_IMPORTED syndicate import --format=atom uri= file="));
}

TEST(AtomImport, AnEntryDocumentAndTheDocumentUrlAsBase) {
  ImportOptions options;
  options.base_url = "https://news.example.org/feeds/one.atom";
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const ImportResult result,
                                 ImportFixture("feeds/atom_entry.xml", options));
  ASSERT_EQ(result.items.size(), 1u);
  const auto& item = result.items[0];
  EXPECT_EQ(item.article.headline(), "Single entry document");
  EXPECT_EQ(item.article.body_text(), "Just one entry.");
  EXPECT_THAT(item.warnings, ElementsAre("no published date: published_at taken from updated",
                                         "no publisher named by the item or the feed: "
                                         "attribution.original_publisher left empty"));
  EXPECT_THAT(Hops(item.article), ElementsAre("KIND_IMPORTED syndicate import --format=atom "
                                              "uri=https://news.example.org/feeds/one.atom file="));
}

TEST(FeedImport, TheWrongRootIsNamed) {
  ImportOptions options;
  options.format = Format::kRss;
  EXPECT_THAT(ImportFixture("feeds/atom_entry.xml", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rss: the root element is <entry>, not <rss> or <rdf:RDF>"));
  options.format = Format::kAtom;
  EXPECT_THAT(ImportFixture("feeds/rss_bom.xml", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "atom: the root element is <rss> in namespace \"\", not an Atom <feed> or "
                       "<entry>"));
}

}  // namespace
}  // namespace syndicate::ingest
