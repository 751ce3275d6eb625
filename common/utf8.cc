#include "common/utf8.h"

#include <cstdint>

namespace syndicate {

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = p + text.size();
  while (p < end) {
    const uint8_t lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    // Lead byte ranges and the allowed range of the first continuation byte follow the
    // table of well-formed byte sequences in RFC 3629 §4.
    int continuation_bytes = 0;
    uint8_t second_min = 0x80;
    uint8_t second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation_bytes = 1;
    } else if (lead == 0xE0) {
      continuation_bytes = 2;
      second_min = 0xA0;  // no overlong 3-byte forms
    } else if (lead >= 0xE1 && lead <= 0xEC) {
      continuation_bytes = 2;
    } else if (lead == 0xED) {
      continuation_bytes = 2;
      second_max = 0x9F;  // no surrogates
    } else if (lead >= 0xEE && lead <= 0xEF) {
      continuation_bytes = 2;
    } else if (lead == 0xF0) {
      continuation_bytes = 3;
      second_min = 0x90;  // no overlong 4-byte forms
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      continuation_bytes = 3;
    } else if (lead == 0xF4) {
      continuation_bytes = 3;
      second_max = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;  // 0x80..0xC1 and 0xF5..0xFF never start a sequence
    }
    if (end - p <= continuation_bytes) return false;
    if (p[1] < second_min || p[1] > second_max) return false;
    for (int i = 2; i <= continuation_bytes; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += continuation_bytes + 1;
  }
  return true;
}

namespace {

// Decodes the code point at `*p` and advances past it. Invalid bytes decode as U+FFFD,
// one byte at a time, so callers see them as visible, non-control characters.
char32_t DecodeNext(const uint8_t*& p, const uint8_t* end) {
  const uint8_t lead = *p;
  int length = 1;
  char32_t code = lead;
  if (lead >= 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else if (lead >= 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0x80) {
    ++p;
    return 0xFFFD;
  }
  if (end - p < length) {
    ++p;
    return 0xFFFD;
  }
  for (int i = 1; i < length; ++i) code = (code << 6) | (p[i] & 0x3F);
  p += length;
  return code;
}

bool IsInvisible(char32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20 || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200D) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

}  // namespace

bool IsBlankText(std::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = p + text.size();
  while (p < end) {
    if (!IsInvisible(DecodeNext(p, end))) return false;
  }
  return true;
}

std::optional<char32_t> FindControlCharacter(std::string_view text, bool allow_line_breaks) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = p + text.size();
  while (p < end) {
    const char32_t c = DecodeNext(p, end);
    const bool control = c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
    if (!control || c == '\t') continue;
    if (allow_line_breaks && (c == '\n' || c == '\r')) continue;
    return c;
  }
  return std::nullopt;
}

}  // namespace syndicate
