#include "client/client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace syndicate::client {
namespace {

// gRPC retry policy (gRFC A6): every method of both services is idempotent.
constexpr char kServiceConfig[] = R"json({
  "methodConfig": [{
    "name": [{"service": "syndication.v1.PublishingService"},
             {"service": "syndication.v1.SyndicationService"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.2s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const ClientOptions& options) {
  if (options.server.empty()) return absl::InvalidArgumentError("server: is required");
  grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(kServiceConfig);
  auto channel =
      grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), arguments);
  return std::unique_ptr<Client>(new Client(options, std::move(channel)));
}

Client::Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      publishing_(syndication::v1::PublishingService::NewStub(channel_)),
      syndication_(syndication::v1::SyndicationService::NewStub(channel_)) {}

template <typename Request, typename Response, typename Call>
absl::StatusOr<Response> Client::Invoke(const Request& request, Call call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  Response response;
  const grpc::Status status = call(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<syndication::v1::Source> Client::UpsertSource(
    const syndication::v1::Source& source) {
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = source;
  return Invoke<syndication::v1::UpsertSourceRequest, syndication::v1::Source>(
      request, [&](auto* context, const auto& r, auto* response) {
        return publishing_->UpsertSource(context, r, response);
      });
}

absl::StatusOr<syndication::v1::PublishArticleResponse> Client::PublishArticle(
    const syndication::v1::Article& article) {
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = article;
  return Invoke<syndication::v1::PublishArticleRequest, syndication::v1::PublishArticleResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return publishing_->PublishArticle(context, r, response);
      });
}

absl::StatusOr<syndication::v1::Article> Client::GetArticle(absl::string_view id, int64_t version) {
  syndication::v1::GetArticleRequest request;
  request.set_id(std::string(id));
  request.set_version(version);
  return Invoke<syndication::v1::GetArticleRequest, syndication::v1::Article>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->GetArticle(context, r, response);
      });
}

absl::StatusOr<syndication::v1::BatchGetArticlesResponse> Client::BatchGetArticles(
    const std::vector<std::string>& ids) {
  syndication::v1::BatchGetArticlesRequest request;
  for (const std::string& id : ids) request.add_ids(id);
  return Invoke<syndication::v1::BatchGetArticlesRequest,
                syndication::v1::BatchGetArticlesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->BatchGetArticles(context, r, response);
      });
}

absl::StatusOr<syndication::v1::ListArticlesResponse> Client::ListArticles(
    const syndication::v1::ListArticlesRequest& request) {
  return Invoke<syndication::v1::ListArticlesRequest, syndication::v1::ListArticlesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->ListArticles(context, r, response);
      });
}

absl::StatusOr<syndication::v1::Source> Client::GetSource(absl::string_view id) {
  syndication::v1::GetSourceRequest request;
  request.set_id(std::string(id));
  return Invoke<syndication::v1::GetSourceRequest, syndication::v1::Source>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->GetSource(context, r, response);
      });
}

absl::StatusOr<syndication::v1::ListSourcesResponse> Client::ListSources(
    const syndication::v1::ListSourcesRequest& request) {
  return Invoke<syndication::v1::ListSourcesRequest, syndication::v1::ListSourcesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->ListSources(context, r, response);
      });
}

}  // namespace syndicate::client
