#include "server/services.h"

#include "common/status_macros.h"
#include "server/wire.h"

namespace syndicate::server {
namespace {

// Answers one call on `pool`: decodes a `Request`, answers it with `handle`
// (Request → absl::StatusOr<Response>) and finishes the call. gRPC keeps the request and
// response buffers alive until Finish.
template <typename Request, typename Handle>
grpc::ServerUnaryReactor* Unary(WorkPool* pool, grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request_bytes,
                                grpc::ByteBuffer* response_bytes, Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool queued = pool->Submit([reactor, request_bytes, response_bytes, handle] {
    const absl::Status status = [&]() -> absl::Status {
      Request request;
      SYNDICATE_RETURN_IF_ERROR(DecodeRequest(*request_bytes, &request));
      SYNDICATE_ASSIGN_OR_RETURN(const auto response, handle(request));
      return EncodeResponse(response, response_bytes);
    }();
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* PublishingHandler::UpsertSource(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::UpsertSourceRequest>(
      pool_, context, request, response, [this](const auto& r) { return core_->UpsertSource(r); });
}

grpc::ServerUnaryReactor* PublishingHandler::PublishArticle(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Unary<syndication::v1::PublishArticleRequest>(
      pool_, context, request, response,
      [this](const auto& r) { return core_->PublishArticle(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetArticle(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetArticleRequest>(
      pool_, context, request, response, [this](const auto& r) { return core_->GetArticle(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::BatchGetArticles(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return Unary<syndication::v1::BatchGetArticlesRequest>(
      pool_, context, request, response,
      [this](const auto& r) { return core_->BatchGetArticles(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListArticles(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListArticlesRequest>(
      pool_, context, request, response, [this](const auto& r) { return core_->ListArticles(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetSource(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetSourceRequest>(
      pool_, context, request, response, [this](const auto& r) { return core_->GetSource(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListSources(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListSourcesRequest>(
      pool_, context, request, response, [this](const auto& r) { return core_->ListSources(r); });
}

grpc::ServerUnaryReactor* PublishingHandler::WithdrawArticle(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return Unary<syndication::v1::WithdrawArticleRequest>(
      pool_, context, request, response,
      [this](const auto& r) { return core_->WithdrawArticle(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListArticleVersions(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListArticleVersionsRequest>(
      pool_, context, request, response,
      [this](const auto& r) { return core_->ListArticleVersions(r); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetSigningKeys(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetSigningKeysRequest>(
      pool_, context, request, response,
      [this](const auto&) { return core_->GetSigningKeys(); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SyndicationHandler::StreamArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return streams_->Start(context, request);
}

}  // namespace syndicate::server
