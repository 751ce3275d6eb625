// C++ client for syndicated: one blocking method per RPC, each with a deadline, and the
// gRPC status mapped back to the absl::Status the server's domain layer returned (same
// code, same message).
//
// Retries: UNAVAILABLE is retried by gRPC itself (service-config retry policy: up to 4
// attempts, exponential backoff from 0.2 s) for every method, which is safe because every
// method is idempotent: reads trivially, UpsertSource by id, PublishArticle by
// (source_id, external_id).
#ifndef SYNDICATE_CLIENT_CLIENT_H_
#define SYNDICATE_CLIENT_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::client {

struct ClientOptions {
  // HOST:PORT of syndicated. Default: "127.0.0.1:50051".
  std::string server = "127.0.0.1:50051";
  // Deadline of each call, retries included. Default: 10 s.
  absl::Duration deadline = absl::Seconds(10);
};

// The inverse of the server's ToGrpcStatus: same code, same message.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Thread-safe; one Client can be shared by many threads.
class Client {
 public:
  // Creates the channel; connecting happens on the first call. INVALID_ARGUMENT when
  // options.server is empty.
  static absl::StatusOr<std::unique_ptr<Client>> Create(const ClientOptions& options);

  // Each method returns what the RPC of the same name returns (see the .proto files for
  // its errors), DEADLINE_EXCEEDED when options.deadline passed, or UNAVAILABLE when the
  // server could not be reached.
  absl::StatusOr<syndication::v1::Source> UpsertSource(const syndication::v1::Source& source);
  absl::StatusOr<syndication::v1::PublishArticleResponse> PublishArticle(
      const syndication::v1::Article& article);
  absl::StatusOr<syndication::v1::Article> GetArticle(absl::string_view id, int64_t version = 0);
  absl::StatusOr<syndication::v1::BatchGetArticlesResponse> BatchGetArticles(
      const std::vector<std::string>& ids);
  absl::StatusOr<syndication::v1::ListArticlesResponse> ListArticles(
      const syndication::v1::ListArticlesRequest& request);
  absl::StatusOr<syndication::v1::Source> GetSource(absl::string_view id);
  absl::StatusOr<syndication::v1::ListSourcesResponse> ListSources(
      const syndication::v1::ListSourcesRequest& request);

 private:
  Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel);

  template <typename Request, typename Response, typename Call>
  absl::StatusOr<Response> Invoke(const Request& request, Call call);

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<syndication::v1::PublishingService::Stub> publishing_;
  std::unique_ptr<syndication::v1::SyndicationService::Stub> syndication_;
};

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_CLIENT_H_
