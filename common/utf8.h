// UTF-8 validation (RFC 3629) and the character classes the project's text rules use.
#ifndef SYNDICATE_COMMON_UTF8_H_
#define SYNDICATE_COMMON_UTF8_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace syndicate {

// Returns true when `text` is well-formed UTF-8 per RFC 3629 §4: no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
// Thread-safe; does not allocate.
bool IsValidUtf8(std::string_view text);

// True when `text` holds nothing a reader would see: only Unicode white space (the
// White_Space property of the Unicode Character Database), code points that are
// Default_Ignorable_Code_Point (DerivedCoreProperties.txt: soft hyphen, zero-width and
// bidirectional marks, variation selectors, Hangul fillers, tags, …) and U+2800 BRAILLE
// PATTERN BLANK. Empty text is blank. Bytes that are not UTF-8 count as visible.
bool IsBlankText(std::string_view text);

// The first character in `text` that plain text must not hold: a control character — C0
// (U+0000..U+001F), DEL (U+007F) or C1 (U+0080..U+009F) — other than tab; and, unless
// `allow_line_breaks`, any line break: LF, CR, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH
// SEPARATOR. nullopt when there is none. Expects valid UTF-8.
std::optional<char32_t> FindControlCharacter(std::string_view text, bool allow_line_breaks);

// `value` in double quotes for an error message: at most `max_bytes` of it (cut at a
// character boundary, then "…"), with control characters and the quote and backslash
// characters escaped ("\x1b", "\"", "\\"), so a message never carries a terminal
// escape or an ambiguous quote.
std::string QuoteForMessage(std::string_view value, size_t max_bytes = 80);

}  // namespace syndicate

#endif  // SYNDICATE_COMMON_UTF8_H_
