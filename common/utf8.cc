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

bool IsWhiteSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Default_Ignorable_Code_Point, from Unicode's DerivedCoreProperties.txt.
bool IsDefaultIgnorable(char32_t c) {
  return c == 0xAD || c == 0x34F || c == 0x61C || c == 0x115F || c == 0x1160 || c == 0x17B4 ||
         c == 0x17B5 || (c >= 0x180B && c <= 0x180F) || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0x3164 ||
         (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || c == 0xFFA0 ||
         (c >= 0xFFF0 && c <= 0xFFF8) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
         (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE0FFF);
}

bool IsInvisible(char32_t c) { return IsWhiteSpace(c) || IsDefaultIgnorable(c) || c == 0x2800; }

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
    const bool line_break = c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
    if (line_break) {
      if (allow_line_breaks) continue;
      return c;
    }
    const bool control = c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
    if (control && c != '\t') return c;
  }
  return std::nullopt;
}

std::string QuoteForMessage(std::string_view value, size_t max_bytes) {
  size_t cut = value.size();
  if (cut > max_bytes) {
    cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : value.substr(0, cut)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out += cut < value.size() ? "…\"" : "\"";
  return out;
}

}  // namespace syndicate
