// Turns the bytes of a feed or page into UTF-8 that an XML, HTML or JSON parser can read,
// repairing what real publishers send: a byte order mark, a declared encoding that
// disagrees with the bytes, stray bytes that are not UTF-8, control characters.
// Internal to ingest/.
#ifndef SYNDICATE_INGEST_ENCODING_H_
#define SYNDICATE_INGEST_ENCODING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {

// UTF-8 text; `text` points into the caller's bytes when nothing needed repair (no copy
// of a large feed), else into `storage`. Move-only use: copying would leave `text`
// pointing into the other object's storage.
struct Utf8Text {
  Utf8Text() = default;
  Utf8Text(const Utf8Text&) = delete;
  Utf8Text& operator=(const Utf8Text&) = delete;
  Utf8Text(Utf8Text&& other) noexcept;
  Utf8Text& operator=(Utf8Text&&) = delete;

  std::string storage;
  absl::string_view text;
};

// The charset a document declares, lower-cased: the `encoding` of an XML declaration at
// its start, else (for HTML) a <meta charset> or <meta http-equiv="Content-Type"> in its
// first 1024 bytes, else the `charset` parameter of `content_type` (an HTTP Content-Type
// value, may be empty). Empty when none says.
std::string DeclaredCharset(absl::string_view bytes, absl::string_view content_type);

// Decodes `bytes` to UTF-8. Rules, in order:
//  - A byte order mark decides: UTF-8's is dropped; UTF-16 LE/BE text is converted.
//  - Bytes that are valid UTF-8 (RFC 3629) are read as UTF-8 whatever is declared; when
//    the declaration names another charset and the text holds non-ASCII characters, a
//    warning says the declaration was ignored.
//  - Bytes that are not valid UTF-8 under a declared legacy charset (windows-1251,
//    iso-8859-1, …, any iconv knows) are converted from it.
//  - Under a UTF-8 declaration, or none: when no multi-byte UTF-8 sequence occurs at all
//    the text is taken for a legacy 8-bit encoding and converted whole, from windows-1251
//    when its high bytes form runs of letters (Cyrillic words), else from windows-1252
//    (smart quotes and Latin accents), with a warning. Otherwise each byte that is not
//    part of a valid sequence becomes U+FFFD, one per byte, with a warning counting them.
//  - Control characters are then stripped, with one warning counting them: C0 controls
//    other than tab, LF and CR, DEL, C1 controls (U+0080–U+009F), and U+FFFE/U+FFFF, none
//    of which XML 1.0 allows or a story needs.
// Warnings are appended to `warnings`, one sentence each, naming the byte offset of the
// first fault. Errors: INVALID_ARGUMENT when a declared or BOM-marked UTF-16 text cannot
// be converted. Thread-safe.
absl::StatusOr<Utf8Text> DecodeToUtf8(absl::string_view bytes, absl::string_view declared_charset,
                                      std::vector<std::string>& warnings);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_ENCODING_H_
