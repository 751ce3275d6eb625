#include "bench/calls.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace syndicate::bench {

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

absl::Status CallFailed(std::string_view what, const grpc::Status& status) {
  return absl::UnavailableError(absl::StrCat(absl::string_view(what.data(), what.size()), ": ",
                                             CodeName(status.error_code()), ": ",
                                             status.error_message()));
}

absl::Status UpsertSource(syndication::v1::PublishingService::Stub* publisher,
                          const syndication::v1::Source& source) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = source;
  syndication::v1::Source stored;
  if (grpc::Status status = publisher->UpsertSource(&context, request, &stored); !status.ok()) {
    return CallFailed("UpsertSource", status);
  }
  return absl::OkStatus();
}

}  // namespace syndicate::bench
