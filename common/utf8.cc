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

}  // namespace syndicate
