// syndicated's log: one JSON object a line on stderr, for log collectors
// (Kubernetes keeps a container's stderr). Every line has "time" (RFC 3339, UTC,
// microseconds), "level" ("info", "warning", "error") and "msg"; callers add fields.
//
// What goes in is the caller's choice, and callers never pass API keys, secrets or story
// text: the fields are names, ids, codes and numbers.
#ifndef SYNDICATE_SERVER_JSON_LOG_H_
#define SYNDICATE_SERVER_JSON_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace syndicate::server::log {

// The fields of one line after "msg", in the order added. A key appears as given (callers
// use fixed snake_case names); values are escaped as JSON strings or written as numbers.
class Fields {
 public:
  Fields& Add(absl::string_view key, absl::string_view value);
  Fields& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  Fields& Add(absl::string_view key, int64_t value);
  Fields& Add(absl::string_view key, uint64_t value);
  Fields& Add(absl::string_view key, int value) { return Add(key, static_cast<int64_t>(value)); }
  Fields& Add(absl::string_view key, double value);

  // `,"key":value` for each field.
  const std::string& json() const { return json_; }

 private:
  std::string json_;
};

// Writes one line. Thread-safe; each line is written whole and flushed.
void Info(absl::string_view msg, const Fields& fields = Fields());
void Warning(absl::string_view msg, const Fields& fields = Fields());
void Error(absl::string_view msg, const Fields& fields = Fields());

// Sends gRPC's own log lines (gpr_log: transport errors, bad handshakes) through this log
// as lines with "source":"grpc", "file" and "line", so that stderr carries only JSON. Call
// once, before the first gRPC object is made.
void RouteGrpcLogs();

// `text` as a JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD.
std::string JsonString(absl::string_view text);

}  // namespace syndicate::server::log

#endif  // SYNDICATE_SERVER_JSON_LOG_H_
