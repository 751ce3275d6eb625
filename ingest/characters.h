// Character classes ingest's parsers share: whitespace, line breaks, quotation marks. Kept
// in one place so that the importer and PublisherNameKey agree on them. Internal to
// ingest/; other folders use PublisherNameKey (publisher_names.h) instead.
#ifndef SYNDICATE_INGEST_CHARACTERS_H_
#define SYNDICATE_INGEST_CHARACTERS_H_

#include <array>
#include <cstddef>

#include "absl/strings/string_view.h"

namespace syndicate::ingest::internal {

// Quotation marks: straight, curly, guillemets, low-9.
inline constexpr auto kQuoteMarks =
    std::to_array<absl::string_view>({"\"", "'", "\u201C", "\u201D", "\u2018", "\u2019", "\u00AB",
                                      "\u00BB", "\u201E", "\u2039", "\u203A"});

// Returns how many bytes the whitespace character opening `s` takes (ASCII space, tab, LF,
// VT, FF, CR: 1; U+00A0 no-break space: 2), or 0 when `s` does not open with one.
size_t WhitespaceBytesAtStart(absl::string_view s);

// Returns `s` without the whitespace (as above) at its start, its end, or both.
absl::string_view TrimStart(absl::string_view s);
absl::string_view TrimEnd(absl::string_view s);
absl::string_view Trim(absl::string_view s);

// Returns how many bytes the line break opening `s` takes: 2 for CRLF, 1 for LF or for a CR
// not followed by LF (old Mac OS), 0 otherwise.
size_t LineBreakBytesAtStart(absl::string_view s);

// Returns `s` trimmed, without quotation marks at either end, repeatedly: “‘X’ ” gives X.
// Inner marks stay (the apostrophe of Lloyd’s List).
absl::string_view StripQuotes(absl::string_view s);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_CHARACTERS_H_
