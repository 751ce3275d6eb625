// Stream cursors: positions in the change feed handed to partners as opaque strings.
// Internally "<epoch>:<sequence>", where epoch names the feed's history (Store::FeedEpoch)
// and sequence is the last event the holder has seen (0: before the first).
#ifndef SYNDICATE_SERVER_CURSOR_H_
#define SYNDICATE_SERVER_CURSOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace syndicate::server {

struct Cursor {
  std::string epoch;
  uint64_t sequence = 0;
};

// The opaque string for a position.
std::string FormatCursor(absl::string_view epoch, uint64_t sequence);

// Reads a cursor string. INVALID_ARGUMENT naming `field_path` when it is not one this
// server could have issued: "<16 lowercase hex digits>:<decimal sequence>".
absl::StatusOr<Cursor> ParseCursor(absl::string_view text, absl::string_view field_path);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_CURSOR_H_
