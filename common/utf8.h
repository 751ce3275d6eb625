// UTF-8 validation (RFC 3629).
#ifndef SYNDICATE_COMMON_UTF8_H_
#define SYNDICATE_COMMON_UTF8_H_

#include <string_view>

namespace syndicate {

// Returns true when `text` is well-formed UTF-8 per RFC 3629 §4: no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
// Thread-safe; does not allocate.
bool IsValidUtf8(std::string_view text);

}  // namespace syndicate

#endif  // SYNDICATE_COMMON_UTF8_H_
