#include "ingest/encoding.h"

#include <errno.h>
#include <iconv.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {
namespace {

constexpr absl::string_view kReplacement = "\uFFFD";

// Length of the valid UTF-8 sequence opening `s` (RFC 3629 §4), or 0 when it is invalid.
size_t ValidSequenceLength(absl::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  const auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < low || b1 > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return length;
}

struct Utf8Scan {
  size_t invalid_bytes = 0;
  size_t first_invalid = 0;
  size_t multibyte_sequences = 0;
};

Utf8Scan ScanUtf8(absl::string_view s) {
  Utf8Scan scan;
  for (size_t i = 0; i < s.size();) {
    const size_t n = ValidSequenceLength(s.substr(i));
    if (n == 0) {
      if (scan.invalid_bytes++ == 0) scan.first_invalid = i;
      ++i;
    } else {
      if (n > 1) ++scan.multibyte_sequences;
      i += n;
    }
  }
  return scan;
}

// Each byte outside a valid UTF-8 sequence becomes U+FFFD.
std::string ReplaceInvalidBytes(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    const size_t n = ValidSequenceLength(s.substr(i));
    if (n == 0) {
      out.append(kReplacement.data(), kReplacement.size());
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

bool IsUtf8Name(absl::string_view charset) { return charset == "utf-8" || charset == "utf8"; }

// Converts `s` from `charset` with iconv; a byte iconv cannot convert becomes U+FFFD, and
// so does any byte of its output that is not UTF-8: glibc reads a name with stray bytes
// ("UTF-8\xFC") as UTF-8 and copies UTF-8 to UTF-8 without checking it, so 5-byte forms
// (F8-FB) came through whole.
absl::StatusOr<std::string> ConvertWithIconv(absl::string_view s, absl::string_view charset) {
  const std::string from = absl::AsciiStrToUpper(charset);
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("encoding: \"", charset, "\" is not a character encoding this system knows"));
  }
  std::string out;
  out.reserve(s.size() * 2);
  char buffer[4096];
  char* in = const_cast<char*>(s.data());
  size_t in_left = s.size();
  while (in_left > 0) {
    char* out_ptr = buffer;
    size_t out_left = sizeof(buffer);
    const size_t rc = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    out.append(buffer, out_ptr - buffer);
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ, or EINVAL at a truncated end: one unconvertible byte.
      out.append(kReplacement.data(), kReplacement.size());
      ++in;
      --in_left;
    }
  }
  iconv_close(cd);
  if (ScanUtf8(out).invalid_bytes > 0) return ReplaceInvalidBytes(out);
  return out;
}

// Windows-1251 (Cyrillic) or windows-1252 (Western), for 8-bit text mislabelled as UTF-8.
// Cyrillic words are runs of high bytes; Western text has high bytes alone between ASCII
// letters (é) or spaces (smart quotes).
absl::string_view GuessLegacyCharset(absl::string_view s) {
  size_t runs = 0;
  size_t single = 0;
  size_t run = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const bool high = i < s.size() && static_cast<unsigned char>(s[i]) >= 0xC0;
    if (high) {
      ++run;
    } else if (run > 0) {
      (run >= 3 ? runs : single) += 1;
      run = 0;
    }
  }
  return runs > single ? "windows-1251" : "windows-1252";
}

// Bytes of the control character (see the header) opening valid UTF-8 `s`, or 0.
size_t ControlBytesAtStart(absl::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x20) return (b0 == '\t' || b0 == '\n' || b0 == '\r') ? 0 : 1;
  if (b0 == 0x7F) return 1;
  if (s.size() >= 2 && b0 == 0xC2 && static_cast<unsigned char>(s[1]) <= 0x9F) return 2;
  if (s.size() >= 3 && b0 == 0xEF && static_cast<unsigned char>(s[1]) == 0xBF &&
      (static_cast<unsigned char>(s[2]) == 0xBE || static_cast<unsigned char>(s[2]) == 0xBF)) {
    return 3;
  }
  return 0;
}

absl::string_view Lowered(absl::string_view value, std::string& storage) {
  storage = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (storage.size() >= 2 && (storage.front() == '"' || storage.front() == '\'')) {
    storage = storage.substr(1, storage.size() - 2);
  }
  return storage;
}

// The value after `name=` in `text` (an attribute or a parameter), up to a quote, space,
// semicolon or '>'; empty when absent.
std::string ValueAfter(absl::string_view text, absl::string_view name) {
  const std::string lowered = absl::AsciiStrToLower(text);
  size_t at = lowered.find(name.data(), 0, name.size());
  if (at == std::string::npos) return "";
  at += name.size();
  while (at < text.size() && (text[at] == ' ' || text[at] == '=')) ++at;
  if (at < text.size() && (text[at] == '"' || text[at] == '\'')) ++at;
  size_t end = at;
  while (end < text.size() && text[end] != '"' && text[end] != '\'' && text[end] != ' ' &&
         text[end] != ';' && text[end] != '>' && text[end] != '?') {
    ++end;
  }
  std::string storage;
  return std::string(Lowered(text.substr(at, end - at), storage));
}

}  // namespace

Utf8Text::Utf8Text(Utf8Text&& other) noexcept {
  const bool owned = !other.storage.empty() && other.text.data() == other.storage.data();
  storage = std::move(other.storage);
  text = owned ? absl::string_view(storage) : other.text;
}

std::string DeclaredCharset(absl::string_view bytes, absl::string_view content_type) {
  absl::string_view head = bytes.substr(0, 1024);
  if (absl::StartsWith(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  head = absl::StripLeadingAsciiWhitespace(head);
  if (absl::StartsWith(head, "<?xml")) {
    const size_t end = head.find("?>");
    const std::string declared = ValueAfter(head.substr(0, end), "encoding");
    if (!declared.empty()) return declared;
  }
  const std::string lowered = absl::AsciiStrToLower(head);
  for (size_t at = lowered.find("<meta"); at != std::string::npos;
       at = lowered.find("<meta", at + 5)) {
    const size_t end = lowered.find('>', at);
    const absl::string_view tag = head.substr(at, end == std::string::npos ? end : end - at);
    const std::string charset = ValueAfter(tag, "charset");
    if (!charset.empty()) return charset;
  }
  return ValueAfter(content_type, "charset");
}

absl::StatusOr<Utf8Text> DecodeToUtf8(absl::string_view bytes, absl::string_view declared_charset,
                                      std::vector<std::string>& warnings) {
  Utf8Text result;
  absl::string_view text = bytes;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) {
    text.remove_prefix(3);
    declared_charset = "utf-8";
  } else if (absl::StartsWith(text, "\xFF\xFE") || absl::StartsWith(text, "\xFE\xFF")) {
    const bool little = text[0] == '\xFF';
    auto converted = ConvertWithIconv(text.substr(2), little ? "UTF-16LE" : "UTF-16BE");
    if (!converted.ok()) return converted.status();
    result.storage = *std::move(converted);
    text = result.storage;
    declared_charset = "utf-8";
  }

  const Utf8Scan scan = ScanUtf8(text);
  const bool declared_legacy = !declared_charset.empty() && !IsUtf8Name(declared_charset);
  if (scan.invalid_bytes == 0) {
    if (declared_legacy && scan.multibyte_sequences > 0 &&
        !absl::StartsWith(declared_charset, "utf")) {
      warnings.push_back(absl::StrCat("encoding: declared \"", declared_charset,
                                      "\" but the bytes are UTF-8: read as UTF-8"));
    }
  } else if (declared_legacy) {
    auto converted = ConvertWithIconv(text, declared_charset);
    if (!converted.ok()) return converted.status();
    result.storage = *std::move(converted);
    text = result.storage;
  } else if (scan.multibyte_sequences == 0) {
    const absl::string_view guess = GuessLegacyCharset(text);
    auto converted = ConvertWithIconv(text, guess);
    if (!converted.ok()) return converted.status();
    warnings.push_back(absl::StrCat(
        "encoding: ", declared_charset.empty() ? "no encoding declared" : "declared UTF-8",
        " but no byte sequence is UTF-8 (first bad byte at offset ", scan.first_invalid,
        "): decoded as ", guess));
    result.storage = *std::move(converted);
    text = result.storage;
  } else {
    warnings.push_back(absl::StrCat("encoding: ", scan.invalid_bytes,
                                    scan.invalid_bytes == 1 ? " byte that is" : " bytes that are",
                                    " not UTF-8 replaced with U+FFFD (first at byte offset ",
                                    scan.first_invalid, ")"));
    result.storage = ReplaceInvalidBytes(text);
    text = result.storage;
  }

  // Control characters: copy only when there is one.
  size_t controls = 0;
  size_t first_control = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ControlBytesAtStart(text.substr(i)) > 0) {
      first_control = i;
      controls = 1;
      break;
    }
  }
  if (controls > 0) {
    std::string cleaned;
    cleaned.reserve(text.size());
    cleaned.append(text.data(), first_control);
    controls = 0;
    for (size_t i = first_control; i < text.size();) {
      const size_t n = ControlBytesAtStart(text.substr(i));
      if (n > 0) {
        ++controls;
        i += n;
      } else {
        cleaned.push_back(text[i]);
        ++i;
      }
    }
    warnings.push_back(absl::StrCat("encoding: ", controls,
                                    controls == 1 ? " control character" : " control characters",
                                    " stripped (first at byte offset ", first_control, ")"));
    result.storage = std::move(cleaned);
    text = result.storage;
  }
  result.text = text;
  return result;
}

}  // namespace syndicate::ingest::internal
