// Machine-readable error reasons (google.rpc.ErrorInfo, domain "syndication.v1") carried
// on absl::Status as payloads, so the domain layer can attach them without gRPC types.
// ToGrpcStatus (server/wire.h) sends every payload as a detail of google.rpc.Status.
#ifndef SYNDICATE_SERVER_ERROR_INFO_H_
#define SYNDICATE_SERVER_ERROR_INFO_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"

namespace syndicate::server {

inline constexpr char kErrorDomain[] = "syndication.v1";
// The type URL an ErrorInfo payload is stored under (the Any type URL of the message).
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

// The type URL a RetryInfo payload is stored under.
inline constexpr char kRetryInfoTypeUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

// A stream cursor that the feed no longer covers (too old, or another history).
inline constexpr char kCursorExpired[] = "CURSOR_EXPIRED";
// The server is shutting down; metadata "resume_cursor" says where to pick up.
inline constexpr char kShuttingDown[] = "SHUTTING_DOWN";

// `status` with an ErrorInfo {domain kErrorDomain, reason, metadata} attached.
absl::Status WithErrorInfo(absl::Status status, const std::string& reason,
                           const std::map<std::string, std::string>& metadata);

// `status` with a google.rpc.RetryInfo {retry_delay = `delay`, whole microseconds rounded
// up} attached: when the caller may try again.
absl::Status WithRetryInfo(absl::Status status, absl::Duration delay);

// The ErrorInfo attached to `status`, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_ERROR_INFO_H_
