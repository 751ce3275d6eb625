// UTF-8 validation (RFC 3629) and the character classes the project's text rules use.
#ifndef SYNDICATE_COMMON_UTF8_H_
#define SYNDICATE_COMMON_UTF8_H_

#include <optional>
#include <string_view>

namespace syndicate {

// Returns true when `text` is well-formed UTF-8 per RFC 3629 §4: no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
// Thread-safe; does not allocate.
bool IsValidUtf8(std::string_view text);

// True when `text` holds nothing a reader would see: only Unicode white space (White_Space
// property: tab, line breaks, U+0020, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000) and invisible format characters (U+180E, U+200B..U+200D,
// U+2060, U+FEFF). Empty text is blank. Bytes that are not UTF-8 count as visible.
bool IsBlankText(std::string_view text);

// The first control character in `text` — C0 (U+0000..U+001F), DEL (U+007F) or C1
// (U+0080..U+009F) — other than tab, and other than line feed and carriage return when
// `allow_line_breaks`; nullopt when there is none. Expects valid UTF-8.
std::optional<char32_t> FindControlCharacter(std::string_view text, bool allow_line_breaks);

}  // namespace syndicate

#endif  // SYNDICATE_COMMON_UTF8_H_
