#include "common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace syndicate {
namespace {

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII"));
  EXPECT_TRUE(
      IsValidUtf8("\xE2\x80\x9C"
                  "curly"
                  "\xE2\x80\x9D"));              // “curly”
  EXPECT_TRUE(IsValidUtf8("\xC2\xA9 2026"));     // ©
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x93\xB0"));  // U+1F4F0
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
}

TEST(IsValidUtf8, RejectsMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong 3-byte form
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong 4-byte form
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));  // lead byte never valid
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ok \xE2\x80"));       // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));      // bad second byte
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x93\x28"));  // bad last byte
}

TEST(IsBlankText, SeesOnlyVisibleCharacters) {
  EXPECT_TRUE(IsBlankText(""));
  EXPECT_TRUE(IsBlankText(" \t\r\n"));
  EXPECT_TRUE(IsBlankText("\xC2\xA0"));                  // no-break space
  EXPECT_TRUE(IsBlankText("\xE2\x80\x8B\xE2\x80\x83"));  // zero-width space, em space
  EXPECT_TRUE(IsBlankText("\xEF\xBB\xBF\xE3\x80\x80"));  // BOM, ideographic space
  EXPECT_FALSE(IsBlankText(" a "));
  EXPECT_FALSE(IsBlankText("\xE2\x80\x9C"));        // “
  EXPECT_FALSE(IsBlankText(std::string("\0", 1)));  // NUL is a control, not blank
  EXPECT_FALSE(IsBlankText("\xFF"));                // not UTF-8
  // Found by a tester: each of these alone passed as a visible headline.
  for (const char* invisible : {"\u00ad", "\u200e", "\u034f", "\u115f", "\u3164", "\ufe0f",
                                "\u2800", "\U000e0020", "\U0001d173"}) {
    EXPECT_TRUE(IsBlankText(invisible)) << invisible;
  }
}

TEST(FindControlCharacter, FindsC0DelAndC1) {
  EXPECT_EQ(FindControlCharacter("plain text\twith tab", false), std::nullopt);
  EXPECT_EQ(FindControlCharacter("two\nlines", false), U'\n');
  EXPECT_EQ(FindControlCharacter("two\nlines\r\n", true), std::nullopt);
  EXPECT_EQ(FindControlCharacter(std::string("nul\0", 4), true), U'\0');
  EXPECT_EQ(FindControlCharacter("esc \x1B[2J", true), U'\x1B');
  EXPECT_EQ(FindControlCharacter("del \x7F", true), U'\x7F');
  EXPECT_EQ(FindControlCharacter("c1 \xC2\x85", true), U'\x85');  // NEL
  EXPECT_EQ(FindControlCharacter("caf\xC3\xA9 \xE2\x80\x94 ok", false), std::nullopt);
  // Found by a tester: U+2028 slipped into a one-line headline.
  EXPECT_EQ(FindControlCharacter("a\u2028b", false), U'\u2028');
  EXPECT_EQ(FindControlCharacter("a\u2029b", false), U'\u2029');
  EXPECT_EQ(FindControlCharacter("a\u2028b", true), std::nullopt);
}

TEST(QuoteForMessage, EscapesAndShortens) {
  EXPECT_EQ(QuoteForMessage("plain"), "\"plain\"");
  EXPECT_EQ(QuoteForMessage("\"\"\\"), "\"\\\"\\\"\\\\\"");
  EXPECT_EQ(QuoteForMessage("ftp://x\x1b]0;t\x07"), "\"ftp://x\\x1b]0;t\\x07\"");
  EXPECT_EQ(QuoteForMessage("caf\xC3\xA9", 4), "\"caf…\"");  // never cuts inside é
  EXPECT_EQ(QuoteForMessage(std::string(100, 'a')), "\"" + std::string(80, 'a') + "…\"");
}

}  // namespace
}  // namespace syndicate
