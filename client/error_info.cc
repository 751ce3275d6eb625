#include "client/error_info.h"

#include <string>

#include "absl/strings/cord.h"

namespace syndicate::client {

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

bool HasErrorReason(const absl::Status& status, const char* reason) {
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  return info.has_value() && info->domain() == kErrorDomain && info->reason() == reason;
}

}  // namespace syndicate::client
