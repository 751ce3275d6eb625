// Protobuf JSON mapping (https://protobuf.dev/programming-guides/proto3/#json) for the
// CLI: reading messages from files and printing them.
#ifndef SYNDICATE_CLIENT_JSON_H_
#define SYNDICATE_CLIENT_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace syndicate::client {

// Parses `json` into `message`. Field names may be lowerCamelCase or the proto names;
// unknown fields are an error. INVALID_ARGUMENT "<origin>: <problem>" otherwise.
absl::Status ParseJson(absl::string_view json, absl::string_view origin,
                       google::protobuf::Message* message);

// Reads the file at `path` and parses it as ParseJson does. NOT_FOUND when the file cannot
// be read.
absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message);

// `message` as JSON with lowerCamelCase names: indented over several lines when `pretty`,
// else on one line. No trailing newline.
std::string ToJson(const google::protobuf::Message& message, bool pretty);

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_JSON_H_
