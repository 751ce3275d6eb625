#include "bench/calls.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace syndicate::bench {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, int number) {
  grpc::ChannelArguments args;
  args.SetInt("syndicate.bench.channel", number);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(const std::string& address,
                                                              int number) {
  std::shared_ptr<grpc::Channel> channel = MakeChannel(address, number);
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
    return absl::UnavailableError(absl::StrCat(address, ": channel ", number, " did not connect"));
  }
  return channel;
}

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
