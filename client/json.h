// The CLI's input files, and the protobuf JSON mapping
// (https://protobuf.dev/programming-guides/proto3/#json) for reading messages from them and
// printing messages.
#ifndef SYNDICATE_CLIENT_JSON_H_
#define SYNDICATE_CLIENT_JSON_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace syndicate::client {

// Largest input file the CLI reads, in bytes.
inline constexpr uintmax_t kMaxInputFileBytes = 16 * 1024 * 1024;

// The content of the regular file at `path`. NOT_FOUND when it does not exist or cannot be
// read; INVALID_ARGUMENT when it is not a regular file (a directory, a FIFO, a device) or
// is larger than kMaxInputFileBytes. Messages start with the path.
absl::StatusOr<std::string> ReadInputFile(const std::string& path);

// Parses `json` into `message`. Field names may be lowerCamelCase or the proto names;
// unknown fields are an error. INVALID_ARGUMENT "<origin>: <problem>" otherwise.
absl::Status ParseJson(absl::string_view json, absl::string_view origin,
                       google::protobuf::Message* message);

// Reads the file at `path` as ReadInputFile does, skips a UTF-8 byte order mark, and
// parses the rest as ParseJson does.
absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message);

// `message` as JSON with lowerCamelCase names: indented over several lines when `pretty`,
// else on one line. No trailing newline.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_JSON_H_
