#include "ingest/characters.h"

#include "absl/strings/match.h"

namespace syndicate::ingest::internal {
namespace {

constexpr absl::string_view kAsciiWhitespace = " \t\n\v\f\r";
constexpr absl::string_view kNoBreakSpace = "\u00A0";

size_t WhitespaceBytesAtEnd(absl::string_view s) {
  if (!s.empty() && kAsciiWhitespace.find(s.back()) != absl::string_view::npos) return 1;
  if (absl::EndsWith(s, kNoBreakSpace)) return kNoBreakSpace.size();
  return 0;
}

}  // namespace

size_t WhitespaceBytesAtStart(absl::string_view s) {
  if (!s.empty() && kAsciiWhitespace.find(s.front()) != absl::string_view::npos) return 1;
  if (absl::StartsWith(s, kNoBreakSpace)) return kNoBreakSpace.size();
  return 0;
}

absl::string_view TrimStart(absl::string_view s) {
  while (const size_t bytes = WhitespaceBytesAtStart(s)) s.remove_prefix(bytes);
  return s;
}

absl::string_view TrimEnd(absl::string_view s) {
  while (const size_t bytes = WhitespaceBytesAtEnd(s)) s.remove_suffix(bytes);
  return s;
}

absl::string_view Trim(absl::string_view s) { return TrimStart(TrimEnd(s)); }

size_t LineBreakBytesAtStart(absl::string_view s) {
  if (absl::StartsWith(s, "\r\n")) return 2;
  if (!s.empty() && (s.front() == '\n' || s.front() == '\r')) return 1;
  return 0;
}

absl::string_view StripQuotes(absl::string_view s) {
  for (bool changed = true; changed;) {
    changed = false;
    s = Trim(s);
    for (absl::string_view mark : kQuoteMarks) {
      if (absl::StartsWith(s, mark)) {
        s.remove_prefix(mark.size());
        changed = true;
      }
      if (absl::EndsWith(s, mark)) {
        s.remove_suffix(mark.size());
        changed = true;
      }
    }
  }
  return s;
}

}  // namespace syndicate::ingest::internal
