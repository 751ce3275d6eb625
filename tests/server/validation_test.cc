#include "server/validation.h"

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using syndication::v1::Article;
using syndication::v1::Source;
using ::testing::HasSubstr;

struct ArticleCase {
  std::string name;
  std::function<void(Article*)> mutate;
  std::string expected_message;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const ArticleCase& c, std::ostream* os) { *os << c.name; }

class ArticleValidationTest : public ::testing::TestWithParam<ArticleCase> {};

TEST(ArticleValidation, ExampleIsValid) {
  Article article = ExampleArticle("ferry-1");
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  EXPECT_THAT(ValidateArticle(article, "article"), IsOk());
}

TEST_P(ArticleValidationTest, NamesTheFieldAndTheProblem) {
  Article article = ExampleArticle("ferry-1");
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  GetParam().mutate(&article);
  EXPECT_THAT(ValidateArticle(article, "article"),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().expected_message));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ArticleValidationTest,
    ::testing::Values(
        ArticleCase{"MissingHeadline", [](Article* a) { a->clear_headline(); },
                    "article.headline: is required"},
        ArticleCase{"BlankHeadline", [](Article* a) { a->set_headline(" \t "); },
                    "article.headline: is required"},
        // Found by a tester: Unicode spaces and invisible characters passed as a headline.
        ArticleCase{"NoBreakSpaceHeadline", [](Article* a) { a->set_headline("\u00a0"); },
                    "article.headline: is required"},
        ArticleCase{"ZeroWidthCreditLine",
                    [](Article* a) { a->mutable_attribution()->set_credit_line("\u200b\u2003"); },
                    "article.attribution.credit_line: is required"},
        ArticleCase{"SoftHyphenHeadline", [](Article* a) { a->set_headline("\u00ad\u200e"); },
                    "article.headline: is required"},
        ArticleCase{"HeadlineLineSeparator", [](Article* a) { a->set_headline("a\u2028b"); },
                    "article.headline: holds control character U+2028 (one line, no line "
                    "breaks)"},
        ArticleCase{"HeadlineLineBreak", [](Article* a) { a->set_headline("Two\nlines"); },
                    "article.headline: holds control character U+000A (one line, no line "
                    "breaks)"},
        ArticleCase{"HeadlineEscape", [](Article* a) { a->set_headline("\x1b[2JForged"); },
                    "article.headline: holds control character U+001B (one line, no line "
                    "breaks)"},
        ArticleCase{"BodyNul", [](Article* a) { a->set_body_text(std::string("text\0more", 9)); },
                    "article.body_text: holds control character U+0000"},
        ArticleCase{"C1InKeyword", [](Article* a) { a->add_keywords("ferry\u0085"); },
                    "article.keywords[0]: holds control character U+0085 (one line, no line "
                    "breaks)"},
        ArticleCase{"ControlInExternalId", [](Article* a) { a->set_external_id("a\tb\x07"); },
                    "article.external_id: holds control character U+0007 (one line, no line "
                    "breaks)"},
        ArticleCase{"LongHeadline", [](Article* a) { a->set_headline(std::string(1001, 'h')); },
                    "article.headline: is 1001 bytes; at most 1000 are allowed"},
        ArticleCase{"TooLarge", [](Article* a) { a->set_body_text(std::string(1024 * 1024, 'b')); },
                    "article: is 1048868 bytes serialized; at most 1048576 are allowed (the "
                    "largest field is body_text, 1048576 bytes)"},
        ArticleCase{"UrlPortOutOfRange",
                    [](Article* a) {
                      a->mutable_attribution()->set_original_url("https://example.org:99999/");
                    },
                    "article.attribution.original_url: \"https://example.org:99999/\" is not "
                    "an absolute http(s) URL"},
        ArticleCase{"UrlTwoAts",
                    [](Article* a) { a->mutable_attribution()->set_original_url("http://a@b@c"); },
                    "article.attribution.original_url: \"http://a@b@c\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"UrlWithNul",
                    [](Article* a) {
                      a->mutable_attribution()->set_original_url(std::string("http://x\0y", 10));
                    },
                    "article.attribution.original_url: holds control character U+0000 (one "
                    "line, no line breaks)"},
        ArticleCase{"MissingBody",
                    [](Article* a) {
                      a->clear_body_text();
                      a->clear_body_html();
                    },
                    "article.body_text: is required (or body_html)"},
        ArticleCase{"MissingCreditLine",
                    [](Article* a) { a->mutable_attribution()->clear_credit_line(); },
                    "article.attribution.credit_line: is required"},
        ArticleCase{"MissingOriginalPublisher",
                    [](Article* a) { a->mutable_attribution()->clear_original_publisher(); },
                    "article.attribution.original_publisher: is required"},
        ArticleCase{"FtpOriginalUrl",
                    [](Article* a) { a->mutable_attribution()->set_original_url("ftp://x"); },
                    "article.attribution.original_url: \"ftp://x\" is not an absolute http(s) "
                    "URL"},
        ArticleCase{"RelativeOriginalUrl",
                    [](Article* a) { a->mutable_attribution()->set_original_url("/news/1"); },
                    "article.attribution.original_url: \"/news/1\" is not an absolute http(s) "
                    "URL"},
        ArticleCase{"UrlWithoutHost",
                    [](Article* a) { a->mutable_attribution()->set_original_url("https:///x"); },
                    "article.attribution.original_url: \"https:///x\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"UrlWithSpace",
                    [](Article* a) {
                      a->mutable_attribution()->set_original_url("https://a.example.org/a b");
                    },
                    "article.attribution.original_url: \"https://a.example.org/a b\" is not an "
                    "absolute http(s) URL"},
        ArticleCase{"LicenseUrl",
                    [](Article* a) { a->mutable_attribution()->set_license_url("mailto:x@y"); },
                    "article.attribution.license_url: \"mailto:x@y\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"AuthorUri",
                    [](Article* a) { a->mutable_authors(0)->set_uri("javascript:alert(1)"); },
                    "article.authors[0].uri: \"javascript:alert(1)\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"AuthorName", [](Article* a) { a->mutable_authors(0)->clear_name(); },
                    "article.authors[0].name: is required"},
        ArticleCase{"MediaUri",
                    [](Article* a) {
                      auto* first = a->add_media();
                      first->set_uri("https://img.example.org/1.jpg");
                      first->set_credit("Photo: Tomas Ek");
                      auto* second = a->add_media();
                      second->set_uri("data:image/png;base64,AA");
                      second->set_credit("Photo: Tomas Ek");
                    },
                    "article.media[1].uri: \"data:image/png;base64,AA\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"MediaWithoutCredit",
                    [](Article* a) { a->add_media()->set_uri("https://img.example.org/1.jpg"); },
                    "article.media[0].credit: is required: the source's default attribution "
                    "does not cover media (default_attribution.covers_media), so each item needs "
                    "its own credit"},
        // Found by a reviewer: a credit of spaces was said not to be covered by the defaults
        // even when they cover media; it is refused as blank, as blank attribution is.
        ArticleCase{"MediaBlankCredit",
                    [](Article* a) {
                      auto* media = a->add_media();
                      media->set_uri("https://img.example.org/1.jpg");
                      media->set_credit(" \u00a0 ");
                    },
                    "article.media[0].credit: is blank: give the item's credit, or leave it "
                    "empty to take the story's credit_line when the source's default "
                    "attribution covers media"},
        ArticleCase{"RenditionUri",
                    [](Article* a) {
                      auto* media = a->add_media();
                      media->set_uri("https://img.example.org/1.jpg");
                      media->set_credit("Photo: Tomas Ek");
                      media->add_renditions()->set_uri("img/1-small.jpg");
                    },
                    "article.media[0].renditions[0].uri: \"img/1-small.jpg\" is not an "
                    "absolute http(s) URL"},
        ArticleCase{"ProvenanceUri",
                    [](Article* a) { a->add_provenance()->set_uri("file:///etc/passwd"); },
                    "article.provenance[0].uri: \"file:///etc/passwd\" is not an absolute "
                    "http(s) URL"},
        ArticleCase{"ProvenanceFileNameWithDirectory",
                    [](Article* a) { a->add_provenance()->set_file_name("/home/x/story.txt"); },
                    "article.provenance[0].file_name: \"/home/x/story.txt\" must be a base "
                    "name, without \"/\""},
        ArticleCase{"Language", [](Article* a) { a->set_language("english language"); },
                    "article.language: \"english language\" is not a BCP 47 language tag"},
        ArticleCase{"LanguageDigitsFirst", [](Article* a) { a->set_language("12-en"); },
                    "article.language: \"12-en\" is not a BCP 47 language tag"},
        ArticleCase{"MissingSourceId", [](Article* a) { a->clear_source_id(); },
                    "article.source_id: is required"},
        ArticleCase{"BadSourceId", [](Article* a) { a->set_source_id("Harbour Wire"); },
                    "article.source_id: \"Harbour Wire\" is not a source id (1-63 of a-z, 0-9 "
                    "and \"-\", starting with a letter, not ending with \"-\")"},
        ArticleCase{"MissingExternalId", [](Article* a) { a->clear_external_id(); },
                    "article.external_id: is required"},
        ArticleCase{"LongExternalId",
                    [](Article* a) { a->set_external_id(std::string(1025, 'x')); },
                    "article.external_id: is 1025 bytes; at most 1024 are allowed"},
        ArticleCase{"PublishedAtOutOfRange",
                    [](Article* a) { a->mutable_published_at()->set_seconds(253402300800); },
                    "article.published_at: seconds 253402300800 is outside 0001-01-01 to "
                    "9999-12-31"},
        ArticleCase{"NegativeNanos",
                    [](Article* a) { a->mutable_embargoed_until()->set_nanos(-1); },
                    "article.embargoed_until: nanos -1 is outside [0, 999999999]"},
        ArticleCase{"Withheld",
                    [](Article* a) { a->set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD); },
                    "article.pubstatus: PUB_STATUS_WITHHELD cannot be published: leave it unset "
                    "or PUB_STATUS_USABLE, and use WithdrawArticle to withhold or kill a story"},
        ArticleCase{"Canceled",
                    [](Article* a) { a->set_pubstatus(syndication::v1::PUB_STATUS_CANCELED); },
                    "article.pubstatus: PUB_STATUS_CANCELED cannot be published: leave it unset "
                    "or PUB_STATUS_USABLE, and use WithdrawArticle to withhold or kill a story"},
        ArticleCase{
            "UnknownPubstatus",
            [](Article* a) { a->set_pubstatus(static_cast<syndication::v1::PubStatus>(9)); },
            "article.pubstatus: 9 cannot be published: leave it unset or "
            "PUB_STATUS_USABLE, and use WithdrawArticle to withhold or kill a story"},
        ArticleCase{"CorrectionText", [](Article* a) { a->add_corrections(); },
                    "article.corrections[0].text: is required"}),
    [](const ::testing::TestParamInfo<ArticleCase>& info) { return info.param.name; });

TEST(ArticleValidation, AcceptsBodyHtmlAlone) {
  Article article = ExampleArticle("ferry-1");
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  article.clear_body_text();
  article.set_body_html("<p>The winter timetable starts on 1 December.</p>");
  EXPECT_THAT(ValidateArticle(article, "article"), IsOk());
}

TEST(ArticleValidation, AcceptsUrlsThatAreAbsoluteHttp) {
  for (const char* url : {"http://example.org", "HTTPS://Example.org/a?b=c#d",
                          "https://user@example.org:8443/x", "https://[2001:db8::1]/x"}) {
    EXPECT_THAT(ValidateOptionalHttpUrl(url, "u"), IsOk()) << url;
  }
  EXPECT_THAT(ValidateOptionalHttpUrl("https://:80/x", "u"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "u: \"https://:80/x\" is not an absolute http(s) URL"));
  for (const char* url : {"http://[::1", "http://[::1/x", "http://[]/x", "http://[::1]x/",
                          "http://[v1.fe]/x", "http://[:::::]/x", "http://[1.2.3]/x",
                          "http://exa[mple.org/", "http://example.org]:80/"}) {
    EXPECT_THAT(ValidateOptionalHttpUrl(url, "u"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an absolute")))
        << url;
  }
  EXPECT_THAT(ValidateOptionalHttpUrl("http://[::1]:8080/feed", "u"), IsOk());
}

TEST(ArticleValidation, AcceptsCommonLanguageTags) {
  for (const char* tag :
       {"en", "pt-BR", "zh-Hant-TW", "es-419", "sgn-ase", "x-house", "i-klingon"}) {
    EXPECT_THAT(ValidateOptionalLanguageTag(tag, "language"), IsOk()) << tag;
  }
  EXPECT_THAT(
      ValidateOptionalLanguageTag("e", "language"),
      StatusIs(absl::StatusCode::kInvalidArgument, "language: \"e\" is not a BCP 47 language tag"));
}

TEST(ArticleValidation, ControlCharactersAreEscapedInTheMessage) {
  EXPECT_THAT(ValidateOptionalHttpUrl("ftp://x\x1b]0;t\x07", "u"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "u: \"ftp://x\\x1b]0;t\\x07\" is not an absolute http(s) URL"));
}

TEST(ArticleValidation, MultiLineFieldsKeepLineBreaksAndTabs) {
  Article article = ExampleArticle("ferry-1");
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  article.set_body_text("One.\r\n\r\n\tTwo.\n\nThree.");
  article.set_subheadline("A standfirst\nover two lines.");
  article.mutable_attribution()->set_usage_terms("Line one.\nLine two.");
  EXPECT_THAT(ValidateArticle(article, "article"), IsOk());
}

TEST(ArticleValidation, LongValuesAreShortenedInTheMessage) {
  const std::string url = "ftp://" + std::string(200, 'a');
  EXPECT_THAT(
      ValidateOptionalHttpUrl(url, "u"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "u: \"ftp://" + std::string(74, 'a') + "…\" is not an absolute http(s) URL"));
}

TEST(CorrectionValidation, NamesTheFieldAndTheProblem) {
  syndication::v1::Correction correction;
  correction.set_text(std::string(1000, 'x'));
  EXPECT_THAT(ValidateCorrection(correction, "correction"), IsOk());
  correction.set_text("Line one.\n\tLine two.");
  EXPECT_THAT(ValidateCorrection(correction, "correction"), IsOk());
  correction.set_text(std::string(1001, 'x'));
  EXPECT_THAT(ValidateCorrection(correction, "correction"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.text: is 1001 bytes; at most 1000 are allowed"));
  correction.set_text("\u200b ");
  EXPECT_THAT(ValidateCorrection(correction, "correction"),
              StatusIs(absl::StatusCode::kInvalidArgument, "correction.text: is required"));
  correction.set_text("a\x07 b");
  EXPECT_THAT(ValidateCorrection(correction, "correction"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.text: holds control character U+0007"));
  correction.set_text("Fine.");
  correction.mutable_time()->set_nanos(-1);
  EXPECT_THAT(ValidateCorrection(correction, "correction"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.time: nanos -1 is outside [0, 999999999]"));
}

TEST(EtagValidation, AcceptsWhatTheServiceMakesAndQuotesTheRestShort) {
  EXPECT_THAT(ValidateOptionalEtag("", "etag"), IsOk());
  EXPECT_THAT(ValidateOptionalEtag("1-0123456789ab", "etag"), IsOk());
  EXPECT_THAT(ValidateOptionalEtag("9223372036854775807-ffffffffffff", "etag"), IsOk());
  EXPECT_THAT(ValidateOptionalEtag("3-abc", "etag"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "etag: \"3-abc\" is not an etag (the version number, \"-\" and 12 "
                       "lowercase hex digits, as Article.etag gives it)"));
  for (const char* malformed :
       {"0-0123456789ab", "01-0123456789ab", "+1-0123456789ab", "1-0123456789aB", "1--0123456789a",
        "1-0123456789ab ", "99999999999999999999-0123456789ab", "-", "x"}) {
    EXPECT_THAT(ValidateOptionalEtag(malformed, "etag"),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("not an etag")))
        << malformed;
  }
  const absl::Status long_etag = ValidateOptionalEtag(std::string(8000, 'e'), "etag");
  EXPECT_THAT(long_etag, StatusIs(absl::StatusCode::kInvalidArgument,
                                  ::testing::StartsWith("etag: \"" + std::string(79, 'e'))));
  EXPECT_LT(long_etag.message().size(), 200u);
}

TEST(ArticleSize, NamesTheLargestField) {
  Article article = ExampleArticle("ferry-1");
  EXPECT_THAT(CheckArticleSize(article, "article"), IsOk());
  article.set_body_html(std::string(2 * 1024 * 1024, 'x'));
  EXPECT_THAT(CheckArticleSize(article, "article"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(
                           ::testing::StartsWith("article: is "),
                           ::testing::HasSubstr(" bytes serialized; at most 1048576 are allowed "
                                                "(the largest field is body_html, 2097152 "
                                                "bytes)"))));
}

TEST(ExpiryValidation, ExpiresAfterNowAndAfterTheEmbargo) {
  const absl::Time now = absl::FromUnixSeconds(1796000000);  // 2026-11-30T00:53:20Z
  Article article = ExampleArticle("ferry-1");
  EXPECT_THAT(ValidateExpiry(article, now, "article"), IsOk());
  article.mutable_expires_at()->set_seconds(1796000000);
  article.mutable_expires_at()->set_nanos(500000000);
  EXPECT_THAT(ValidateExpiry(article, now, "article"), IsOk());
  article.mutable_expires_at()->set_nanos(0);
  EXPECT_THAT(ValidateExpiry(article, now, "article"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.expires_at: 2026-11-30T00:53:20Z is not after now "
                       "(2026-11-30T00:53:20Z): the story would be published already expired"));
  article.mutable_expires_at()->set_seconds(1796003600);
  article.mutable_embargoed_until()->set_seconds(1796003600);
  article.mutable_embargoed_until()->set_nanos(250000000);
  EXPECT_THAT(ValidateExpiry(article, now, "article"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.expires_at: 2026-11-30T01:53:20Z is not after embargoed_until "
                       "(2026-11-30T01:53:20.25Z): the story would expire before it could be "
                       "shown"));
  article.mutable_embargoed_until()->set_seconds(1796003599);
  EXPECT_THAT(ValidateExpiry(article, now, "article"), IsOk());
  // An embargo without an expiry is no contradiction.
  article.clear_expires_at();
  EXPECT_THAT(ValidateExpiry(article, now, "article"), IsOk());
}

TEST(SourceValidation, ExampleIsValid) {
  EXPECT_THAT(ValidateSource(ExampleSource(), "source"), IsOk());
}

TEST(SourceValidation, NamesTheField) {
  Source source = ExampleSource();
  source.set_id("-bad");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("source.id: \"-bad\" is not a source id")));
  source = ExampleSource();
  source.set_id(std::string(64, 'a'));
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("source.id: \"" + std::string(64, 'a'))));
  source = ExampleSource();
  source.clear_name();
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument, "source.name: is required"));
  source = ExampleSource();
  source.set_homepage_url("harbour.example.org");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.homepage_url: \"harbour.example.org\" is not an absolute "
                       "http(s) URL"));
  source = ExampleSource();
  source.add_feed_urls("gopher://harbour.example.org/feed");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.feed_urls[0]: \"gopher://harbour.example.org/feed\" is not an "
                       "absolute http(s) URL"));
}

// Issue 6: the feeds the server polls, and how often.
TEST(SourceValidation, FeedsAreFewDistinctAndPolledWithinBounds) {
  Source source = ExampleSource();
  source.add_feed_urls("https://harbour.example.org/feed.xml");
  source.add_feed_urls("https://harbour.example.org/atom.xml");
  source.mutable_feed_poll_interval()->set_seconds(120);
  EXPECT_THAT(ValidateSource(source, "source"), IsOk());
  EXPECT_EQ(FeedPollInterval(source), absl::Minutes(2));
  source.clear_feed_poll_interval();
  EXPECT_EQ(FeedPollInterval(source), absl::Minutes(5));

  source.add_feed_urls("https://harbour.example.org/feed.xml");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.feed_urls[2]: \"https://harbour.example.org/feed.xml\" is listed "
                       "twice"));
  source = ExampleSource();
  source.add_feed_urls("https://reader:s3cret@harbour.example.org/private.xml");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("source.feed_urls[0]: carries a user name or password")));
  source = ExampleSource();
  source.add_feed_urls("https://harbour.example.org/feed.xml?from=a@b");  // '@' in the query
  EXPECT_THAT(ValidateSource(source, "source"), IsOk());
  source = ExampleSource();
  source.add_feed_urls("https://harbour.example.org/" + std::string(kMaxFeedUrlBytes, 'a'));
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bytes is longer than 2048")));
  source = ExampleSource();
  for (int i = 0; i <= kMaxFeedUrls; ++i) {
    source.add_feed_urls(absl::StrCat("https://harbour.example.org/feed-", i, ".xml"));
  }
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.feed_urls: 21 feeds is more than the 20 a source may list"));

  source = ExampleSource();
  source.mutable_feed_poll_interval()->set_seconds(5);
  source.mutable_feed_poll_interval()->set_nanos(2000000000);
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.feed_poll_interval.nanos: 2000000000 is outside 0 to 999999999"));
  source.mutable_feed_poll_interval()->set_seconds(0);
  source.mutable_feed_poll_interval()->set_nanos(500000000);  // half a second
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.feed_poll_interval: 500ms is outside 1s to 24h (leave it unset "
                       "for 5m)"));
  source.mutable_feed_poll_interval()->set_seconds(2 * 86400);
  source.mutable_feed_poll_interval()->set_nanos(0);
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("48h is outside")));
  source.mutable_feed_poll_interval()->set_seconds(-5);
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("-5s is outside")));
}

// Issue 6: the importers read a date without a zone in the source's time zone.
TEST(SourceValidation, TimeZoneIsAnIanaName) {
  Source source = ExampleSource();
  source.set_time_zone("Europe/London");
  EXPECT_THAT(ValidateSource(source, "source"), IsOk());
  source.set_time_zone("Harbour/Standard_Time");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.time_zone: \"Harbour/Standard_Time\" is not a time zone name this "
                       "server knows (an IANA name such as Europe/London)"));
}

TEST(SourceValidation, NoControlCharacters) {
  Source source = ExampleSource();
  source.set_name("Harbour\x1b Wire");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.name: holds control character U+001B (one line, no line breaks)"));
}

TEST(SourceValidation, AliasesMustBeDistinctIgnoringCase) {
  Source source = ExampleSource();
  auto* duplicate = source.add_publisher_aliases();
  duplicate->set_alias(" HARBOUR ");
  duplicate->set_name("Another Gazette");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.publisher_aliases[1].alias: \" HARBOUR \" is the same name as an "
                       "earlier alias (ignoring case, quotes and spacing)"));
  // Found by a tester: quotes and doubled spaces made "different" aliases the importer
  // could not tell apart.
  source = ExampleSource();
  source.add_publisher_aliases()->set_alias("“harbour”");
  source.mutable_publisher_aliases(1)->set_name("Another Gazette");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("is the same name as an earlier alias")));
  source = ExampleSource();
  source.mutable_publisher_aliases(0)->set_alias("harbour  gazette");
  auto* spaced = source.add_publisher_aliases();
  spaced->set_alias("Harbour Gazette");
  spaced->set_name("Another Gazette");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("is the same name as an earlier alias")));
  source = ExampleSource();
  source.mutable_publisher_aliases(0)->set_alias("\"“”\"");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.publisher_aliases[0].alias: \"\\\"“”\\\"\" holds only quotes and "
                       "spaces"));
  source = ExampleSource();
  source.add_publisher_aliases()->set_alias("gazette");
  EXPECT_THAT(ValidateSource(source, "source"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "source.publisher_aliases[1].name: is required"));
}

}  // namespace
}  // namespace syndicate::server
