#include "server/cursor.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace syndicate::server {

std::string FormatCursor(absl::string_view epoch, uint64_t sequence) {
  return absl::StrCat(epoch, ":", sequence);
}

absl::StatusOr<Cursor> ParseCursor(absl::string_view text, absl::string_view field_path) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": ", QuoteForMessage({text.data(), text.size()}),
                     " is not a cursor; pass back a cursor exactly as the server sent it"));
  };
  const size_t colon = text.find(':');
  if (colon != 16) return bad();
  const absl::string_view epoch = text.substr(0, colon);
  for (char c : epoch) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return bad();
  }
  const absl::string_view digits = text.substr(colon + 1);
  uint64_t sequence = 0;
  if (digits.empty() || digits.size() > 20 || !absl::ascii_isdigit(digits.front()) ||
      !absl::SimpleAtoi(digits, &sequence)) {
    return bad();
  }
  return Cursor{std::string(epoch), sequence};
}

}  // namespace syndicate::server
