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

}  // namespace
}  // namespace syndicate
