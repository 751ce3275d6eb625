// Machine-readable reasons the server attaches to an error: a google.rpc.ErrorInfo, which
// FromGrpcStatus (client/client.h) carries over to the absl::Status as a payload under
// kErrorInfoTypeUrl. The client's copy of the names in server/error_info.h: the client
// library links only the API, not the server.
#ifndef SYNDICATE_CLIENT_ERROR_INFO_H_
#define SYNDICATE_CLIENT_ERROR_INFO_H_

#include <optional>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"

namespace syndicate::client {

// The ErrorInfo.domain of the reasons below.
inline constexpr char kErrorDomain[] = "syndication.v1";
// The payload key of an ErrorInfo: the type URL of its google.protobuf.Any.
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

// FAILED_PRECONDITION of StreamArticles: the cursor is older than the feed retains or from
// another feed history. Metadata "oldest_cursor" and "head_cursor".
inline constexpr char kCursorExpired[] = "CURSOR_EXPIRED";
// UNAVAILABLE of StreamArticles: the server is shutting down. Metadata "resume_cursor".
inline constexpr char kShuttingDown[] = "SHUTTING_DOWN";

// The ErrorInfo attached to `status`; nullopt when there is none or its bytes do not parse.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);

// Whether `status` carries an ErrorInfo of kErrorDomain with `reason`.
bool HasErrorReason(const absl::Status& status, const char* reason);

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_ERROR_INFO_H_
