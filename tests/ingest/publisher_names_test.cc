#include "ingest/publisher_names.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace syndicate::ingest {
namespace {

TEST(PublisherNameKey, TheDocumentedExamplesShareOneKey) {
  EXPECT_EQ(PublisherNameKey("\u201CIndependent\u201D"), "independent");
  EXPECT_EQ(PublisherNameKey("independent "), "independent");
  EXPECT_EQ(PublisherNameKey("INDEPENDENT"), "independent");
}

TEST(PublisherNameKey, Forms) {
  struct Case {
    std::string name;
    std::string key;
  };
  const std::vector<Case> cases = {
      // Quotation marks at either end, with the whitespace around them, repeatedly.
      {"\"Example Wire\"", "example wire"},
      {"'the daily example'", "the daily example"},
      {" \u201C \u2018Example Wire\u2019 \u201D ", "example wire"},
      {"\u00ABMeridian Times\u00BB", "meridian times"},
      {"\u201EMeridian Times\u201C", "meridian times"},
      {"\u2039Meridian Times\u203A", "meridian times"},
      {"\"Example Wire", "example wire"},
      // Inner marks stay: an apostrophe is part of the name.
      {"Lloyd\u2019s List", "lloyd\u2019s list"},
      {"Lloyd's List", "lloyd's list"},
      {"The \"Daily\" Example", "the \"daily\" example"},
      // Every whitespace run is one space, whichever whitespace it is made of.
      {"Example\tWire", "example wire"},
      {"Example \t\r\n\v\f Wire", "example wire"},
      {"Example\u00A0Wire", "example wire"},
      {"\u00A0Example  Wire\u00A0", "example wire"},
      {"Example\r\nWire", "example wire"},
      // Only ASCII letters change case.
      {"\u00C9CHO Daily", "\u00C9cho daily"},
      {"Example.org", "example.org"},
      // Nothing but quotation marks and whitespace.
      {"", ""},
      {"  \t ", ""},
      {"\"\"", ""},
      {"\u201C \u201D", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::CEscape(c.name));
    EXPECT_EQ(PublisherNameKey(c.name), c.key);
  }
}

TEST(PublisherNameKey, OtherWhitespaceAndPunctuationKeepNamesApart) {
  // Tells apart what the server must keep apart: the key folds only quotes, whitespace and
  // ASCII case.
  EXPECT_NE(PublisherNameKey("Example Wire"), PublisherNameKey("ExampleWire"));
  EXPECT_NE(PublisherNameKey("Example Wire"), PublisherNameKey("Example-Wire"));
  EXPECT_NE(PublisherNameKey("Example Wire"), PublisherNameKey("Example Wire."));
  EXPECT_NE(PublisherNameKey("Example\u2009Wire"), PublisherNameKey("Example Wire"));
}

}  // namespace
}  // namespace syndicate::ingest
