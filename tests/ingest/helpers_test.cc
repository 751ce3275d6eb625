// The helpers the importers share: the HTML allowlist, dates, encodings.
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/dates.h"
#include "ingest/encoding.h"
#include "ingest/html_sanitizer.h"

namespace syndicate::ingest::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SanitizeHtml, RemovesScriptsStylesHandlersUnsafeUrlsAndFrames) {
  const SanitizedHtml clean = SanitizeHtml(
      "<div onclick=\"x()\" style=\"color:red\"><p>Safe <b onmouseover=\"y()\">bold</b>"
      "<script>evil()</script><style>p{}</style></p>"
      "<iframe src=\"https://frame.example.org/\"></iframe>"
      "<p><a href=\"javascript:alert(1)\">js</a> <a href=\" JAVASCRIPT:alert(1)\">js2</a> "
      "<a href=\"vbscript:x\">vb</a> <img src=\"data:image/png;base64,AAAA\" alt=\"d\">"
      "<a href=\"mailto:desk@example.org\">mail</a> <a href=\"/rel?a=1&amp;b=2\">rel</a></p>"
      "<object data=\"x.swf\"></object><embed src=\"y.swf\"><form><input name=\"q\"></form></div>",
      "https://news.example.org/a/b.html");
  EXPECT_EQ(clean.html,
            "<p>Safe <b>bold</b></p><p><a>js</a> <a>js2</a> <a>vb</a> <a "
            "href=\"mailto:desk@example.org\">mail</a> <a "
            "href=\"https://news.example.org/rel?a=1&amp;b=2\">rel</a></p>");
  EXPECT_EQ(clean.text, "Safe bold\n\njs js2 vb mail rel");
  // script style iframe img object embed (libxml2's HTML 4 parser puts the form inside the
  // embed, so it goes with it).
  EXPECT_EQ(clean.dropped_elements, 6);
  // onmouseover, three hrefs, the data: src; the unwrapped div's attributes go unnoticed.
  EXPECT_EQ(clean.dropped_attributes, 5);
}

TEST(SanitizeHtml, TextKeepsLineBreaksListsAndPreformattedText) {
  const SanitizedHtml clean = SanitizeHtml(
      "<h2>Times</h2><p>Low  water\n 06:12<br>High water 12:40</p><ul><li>One</li><li>Two</li>"
      "</ul><pre>a  b\n c</pre>",
      "");
  EXPECT_EQ(clean.text, "Times\n\nLow water 06:12\nHigh water 12:40\n\nOne\n\nTwo\n\na  b\n c");
  EXPECT_EQ(clean.html,
            "<h2>Times</h2><p>Low water 06:12<br>High water 12:40</p><ul><li>One</li><li>Two</li>"
            "</ul><pre>a  b\n c</pre>");
}

TEST(SanitizeHtml, RelativeUrlsWithoutABaseAreDropped) {
  const SanitizedHtml clean = SanitizeHtml("<p><img src=\"x.jpg\"><a href=\"y\">y</a></p>", "");
  EXPECT_EQ(clean.html, "<p><a>y</a></p>");
}

std::string Utc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

TEST(ParseDate, Rfc822AndIso8601Forms) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Tue, 03 Mar 2026 09:30:00 EDT", "2026-03-03T13:30:00Z"},
      {"Tue, 03 Mar 2026 09:30:00 CDT", "2026-03-03T14:30:00Z"},
      {"Tue, 03 Mar 2026 09:30:00 PDT", "2026-03-03T16:30:00Z"},
      {"3 March 2026 09:30 +05:30", "2026-03-03T04:00:00Z"},
      {"03-Mar-2026 09:30:00 GMT", "2026-03-03T09:30:00Z"},
      {"2026-03-03T09:30:00.250+0100", "2026-03-03T08:30:00.25Z"},
      {"2026-03-03 09:30Z", "2026-03-03T09:30:00Z"},
      {"2026-03-03T09:30:00-05", "2026-03-03T14:30:00Z"},
      {"2026-03-03", "2026-03-03T00:00:00Z"},
  };
  for (const auto& [text, expected] : cases) {
    const std::optional<ParsedDate> parsed = ParseDate(text, utc);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(Utc(parsed->time), expected) << text;
  }
  EXPECT_TRUE(ParseDate("2026-03-03", utc)->zone_assumed);
  EXPECT_FALSE(ParseDate("2026-03-03T09:30:00Z", utc)->zone_assumed);
  for (const char* bad : {"", "yesterday", "31 Feb 2026 10:00 GMT", "2026-13-01T00:00:00Z",
                          "Tue, 03 Mar 2026 25:61:00 GMT", "Tue, 03 Mar 2026 09:30:00 XYZ",
                          "2026-03-03T09:30:00Z trailing"}) {
    EXPECT_FALSE(ParseDate(bad, utc).has_value()) << bad;
  }
}

TEST(DecodeToUtf8, Utf16WithABomAndADeclarationThatLies) {
  std::vector<std::string> warnings;
  const std::string utf16le("\xFF\xFE<\0a\0>\0\xE9\0<\0/\0a\0>\0", 18);
  absl::StatusOr<Utf8Text> text = DecodeToUtf8(utf16le, "", warnings);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->text, "<a>\u00e9</a>");
  EXPECT_THAT(warnings, IsEmpty());

  // UTF-8 bytes under a windows-1251 declaration are read as UTF-8.
  absl::StatusOr<Utf8Text> utf8 = DecodeToUtf8("<a>\u00e9</a>", "windows-1251", warnings);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(utf8->text, "<a>\u00e9</a>");
  EXPECT_THAT(warnings, ElementsAre("encoding: declared \"windows-1251\" but the bytes are UTF-8: "
                                    "read as UTF-8"));
  EXPECT_FALSE(DecodeToUtf8("\xE9", "no-such-charset", warnings).ok());
}

// glibc's iconv reads a charset name with a stray byte as UTF-8 and copies UTF-8 to UTF-8
// without checking it; what it lets through is replaced like any other invalid byte.
TEST(DecodeToUtf8, IconvOutputThatIsNotUtf8IsReplaced) {
  std::vector<std::string> warnings;
  absl::StatusOr<Utf8Text> text =
      DecodeToUtf8("<a>\xFB\x92\x92\x92\x92 \xCD</a>", "utf-8\xFC", warnings);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->text, "<a>\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD \uFFFD</a>");
}

TEST(DeclaredCharset, XmlDeclarationMetaAndContentType) {
  EXPECT_EQ(DeclaredCharset("<?xml version='1.0' encoding='Windows-1251'?><rss/>", ""),
            "windows-1251");
  EXPECT_EQ(DeclaredCharset("<html><head><meta charset=\"ISO-8859-1\">", ""), "iso-8859-1");
  EXPECT_EQ(DeclaredCharset("<html><meta http-equiv=\"Content-Type\" content=\"text/html; "
                            "charset=windows-1252\">",
                            ""),
            "windows-1252");
  EXPECT_EQ(DeclaredCharset("<rss/>", "application/rss+xml; charset=\"UTF-8\""), "utf-8");
  EXPECT_EQ(DeclaredCharset("<rss/>", ""), "");
}

}  // namespace
}  // namespace syndicate::ingest::internal
