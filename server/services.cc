#include "server/services.h"

#include "common/status_macros.h"
#include "server/wire.h"

namespace syndicate::server {
namespace {

// Decodes a `Request`, answers it with `handle` (Request → absl::StatusOr<Response>) and
// finishes the call. Store calls are short and bounded (one read, or one synced write).
template <typename Request, typename Handle>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request_bytes,
                                grpc::ByteBuffer* response_bytes, Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Status status = [&]() -> absl::Status {
    Request request;
    SYNDICATE_RETURN_IF_ERROR(DecodeRequest(*request_bytes, &request));
    SYNDICATE_ASSIGN_OR_RETURN(const auto response, handle(request));
    return EncodeResponse(response, response_bytes);
  }();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* PublishingHandler::UpsertSource(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::UpsertSourceRequest>(
      context, request, response, [this](const auto& r) { return core_->UpsertSource(r); });
}

grpc::ServerUnaryReactor* PublishingHandler::PublishArticle(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Unary<syndication::v1::PublishArticleRequest>(
      context, request, response, [this](const auto& r) { return core_->PublishArticle(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetArticle(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetArticleRequest>(
      context, request, response, [this](const auto& r) { return core_->GetArticle(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::BatchGetArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<syndication::v1::BatchGetArticlesRequest>(
      context, request, response, [this](const auto& r) { return core_->BatchGetArticles(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListArticles(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListArticlesRequest>(
      context, request, response, [this](const auto& r) { return core_->ListArticles(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetSource(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetSourceRequest>(
      context, request, response, [this](const auto& r) { return core_->GetSource(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListSources(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListSourcesRequest>(
      context, request, response, [this](const auto& r) { return core_->ListSources(r); });
}

}  // namespace syndicate::server
