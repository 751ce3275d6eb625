#include "server/error_info.h"

#include "absl/strings/cord.h"

namespace syndicate::server {

absl::Status WithErrorInfo(absl::Status status, const std::string& reason,
                           const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithRetryInfo(absl::Status status, absl::Duration delay) {
  const int64_t micros = absl::ToInt64Microseconds(absl::Ceil(delay, absl::Microseconds(1)));
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(micros / 1000000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

}  // namespace syndicate::server
