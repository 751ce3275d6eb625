#include "server/services.h"

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "server/usage_recorder.h"
#include "server/wire.h"

namespace syndicate::server {
namespace {

// What a response delivered: recorded in the usage report when the caller is a partner.
struct Delivered {
  syndication::v1::DeliveryChannel channel = syndication::v1::DELIVERY_CHANNEL_UNSPECIFIED;
  std::vector<DeliveredStory> stories;
};

// The reactor of one unary call. When the call completes without being cancelled (by the
// client, or its deadline), what it delivered to a partner goes to the usage report.
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  // Before Finish: record `delivered` in `usage` for `partner_id` once the call completes.
  void RecordOnCompletion(UsageRecorder* usage, std::string partner_id, Delivered delivered) {
    usage_ = usage;
    partner_id_ = std::move(partner_id);
    delivered_ = std::move(delivered);
  }

  void OnCancel() override { cancelled_ = true; }

  void OnDone() override {
    if (usage_ != nullptr && !cancelled_) {
      for (const DeliveredStory& story : delivered_.stories) {
        usage_->Record(partner_id_, story, delivered_.channel);
      }
    }
    delete this;
  }

 private:
  std::atomic<bool> cancelled_{false};
  UsageRecorder* usage_ = nullptr;
  std::string partner_id_;
  Delivered delivered_;
};

// A response already serialized (ServeList's page), sent as is; beside wire.h's, for Unary.
using ::syndicate::server::EncodeResponse;
absl::Status EncodeResponse(ServedPage page, grpc::ByteBuffer* buffer) {
  EncodeResponseBytes(std::move(page.bytes), "", buffer);
  return absl::OkStatus();
}

// Answers one call on `pool`: authenticates the caller with `auth`, decodes a `Request`,
// answers it with `handle` (Request, Principal → absl::StatusOr<Response>, a message or a
// ServedPage) and finishes the call. For a partner, `delivered` (Response → Delivered)
// says what the response delivers, recorded in `usage` when the call completes; nullptr
// `usage` records nothing. gRPC keeps the request and response buffers alive until Finish.
template <typename Request, typename Handle, typename Describe>
grpc::ServerUnaryReactor* Unary(WorkPool* pool, const Authenticator* auth,
                                grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request_bytes,
                                grpc::ByteBuffer* response_bytes, Handle handle,
                                UsageRecorder* usage, Describe delivered) {
  auto* reactor = new UnaryCall();
  absl::StatusOr<Principal> caller = auth->Authenticate(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const bool queued = pool->Submit([reactor, request_bytes, response_bytes, handle, usage,
                                    delivered, caller = *std::move(caller)] {
    const absl::Status status = [&]() -> absl::Status {
      Request request;
      SYNDICATE_RETURN_IF_ERROR(DecodeRequest(*request_bytes, &request));
      SYNDICATE_ASSIGN_OR_RETURN(auto response, handle(request, caller));
      if (usage != nullptr && caller.role == syndication::v1::ROLE_PARTNER) {
        reactor->RecordOnCompletion(usage, caller.partner_id, delivered(response));
      }
      return EncodeResponse(std::move(response), response_bytes);
    }();
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  return reactor;
}

// A call that delivers no stories.
template <typename Request, typename Handle>
grpc::ServerUnaryReactor* Unary(WorkPool* pool, const Authenticator* auth,
                                grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request_bytes,
                                grpc::ByteBuffer* response_bytes, Handle handle) {
  return Unary<Request>(pool, auth, context, request_bytes, response_bytes, handle, nullptr,
                        [](const auto&) { return Delivered(); });
}

// Finishes GetArticle's `call` with `served` (nullopt is INTERNAL) and, for a partner,
// records in `usage` what it delivered once the call completes.
void FinishGet(UnaryCall* call, UsageRecorder* usage, const Principal& caller,
               absl::StatusOr<std::optional<ServedArticle>> served,
               grpc::ByteBuffer* response_bytes) {
  if (!served.ok()) {
    call->Finish(ToGrpcStatus(served.status()));
    return;
  }
  if (!served->has_value()) {  // ServeArticle never answers nullopt when it may use the disk
    call->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "article: not read"));
    return;
  }
  ServedArticle& article = **served;
  if (caller.role == syndication::v1::ROLE_PARTNER) {
    call->RecordOnCompletion(
        usage, caller.partner_id,
        Delivered{syndication::v1::DELIVERY_CHANNEL_GET, std::move(article.delivered)});
  }
  EncodeResponseBytes(std::move(article.stored), std::move(article.delivery), response_bytes);
  call->Finish(grpc::Status::OK);
}

}  // namespace

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::CallbackServerContext& context) const {
  if (access_ == nullptr) {
    if (observer_ != nullptr) observer_->Authenticated(&context, Principal::Operator());
    return Principal::Operator();
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  absl::StatusOr<Principal> caller =
      it == metadata.end()
          ? access_->Authenticate(std::nullopt)
          : access_->Authenticate(absl::string_view(it->second.data(), it->second.size()));
  if (caller.ok() && observer_ != nullptr) observer_->Authenticated(&context, *caller);
  if (caller.ok() && limiter_ != nullptr && !caller->partner_id.empty()) {
    if (absl::Status taken = limiter_->Take(caller->partner_id); !taken.ok()) return taken;
  }
  return caller;
}

grpc::ServerUnaryReactor* PublishingHandler::UpsertSource(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::UpsertSourceRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->UpsertSource(r, c); });
}

grpc::ServerUnaryReactor* PublishingHandler::PublishArticle(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Unary<syndication::v1::PublishArticleRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->PublishArticle(r, c); });
}

grpc::ServerUnaryReactor* PublishingHandler::GetUsageReport(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetUsageReportRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->GetUsageReport(r, c); });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetArticle(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request_bytes,
                                                         grpc::ByteBuffer* response_bytes) {
  auto* reactor = new UnaryCall();
  absl::StatusOr<Principal> caller = auth_->Authenticate(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  syndication::v1::GetArticleRequest request;
  if (absl::Status decoded = DecodeGetArticleRequest(*request_bytes, &request); !decoded.ok()) {
    reactor->Finish(ToGrpcStatus(decoded));
    return reactor;
  }
  // A story in memory (the memtables or RocksDB's block cache) is answered here, on gRPC's
  // thread, without a hand-off; one that needs the disk goes to the pool, which may wait.
  absl::StatusOr<std::optional<ServedArticle>> in_memory =
      core_->ServeArticle(request, *caller, storage::Store::ReadTier::kMemoryOnly);
  if (!in_memory.ok() || in_memory->has_value()) {
    FinishGet(reactor, &core_->usage(), *caller, std::move(in_memory), response_bytes);
    return reactor;
  }
  const bool queued = pool_->Submit(
      [this, reactor, response_bytes, request = std::move(request), caller = *std::move(caller)] {
        FinishGet(reactor, &core_->usage(), caller, core_->ServeArticle(request, caller),
                  response_bytes);
      });
  if (!queued) reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  return reactor;
}

grpc::ServerUnaryReactor* SyndicationHandler::BatchGetArticles(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return Unary<syndication::v1::BatchGetArticlesRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->BatchGetArticles(r, c); },
      &core_->usage(),
      [](const auto& response) {
        return Delivered{syndication::v1::DELIVERY_CHANNEL_BATCH_GET,
                         DeliveredStories(response.articles())};
      });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListArticles(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListArticlesRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->ServeList(r, c); }, &core_->usage(),
      [](const ServedPage& page) {
        return Delivered{syndication::v1::DELIVERY_CHANNEL_LIST, page.delivered};
      });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetSource(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetSourceRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->GetSource(r, c); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListSources(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListSourcesRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->ListSources(r, c); });
}

grpc::ServerUnaryReactor* PublishingHandler::WithdrawArticle(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return Unary<syndication::v1::WithdrawArticleRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->WithdrawArticle(r, c); });
}

grpc::ServerUnaryReactor* SyndicationHandler::ListArticleVersions(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListArticleVersionsRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return core_->ListArticleVersions(r, c); },
      &core_->usage(),
      [](const auto& response) {
        return Delivered{syndication::v1::DELIVERY_CHANNEL_LIST_VERSIONS,
                         DeliveredStories(response.versions())};
      });
}

grpc::ServerUnaryReactor* SyndicationHandler::GetSigningKeys(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetSigningKeysRequest>(
      pool_, auth_, context, request, response,
      [this](const auto&, const Principal&) { return core_->GetSigningKeys(); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SyndicationHandler::StreamArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return streams_->Start(context, request);
}

grpc::ServerUnaryReactor* AdminHandler::CreatePartner(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return Unary<syndication::v1::CreatePartnerRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->CreatePartner(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::GetPartner(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  return Unary<syndication::v1::GetPartnerRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->GetPartner(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::ListPartners(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListPartnersRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->ListPartners(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::UpdatePartner(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return Unary<syndication::v1::UpdatePartnerRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->UpdatePartner(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::DeletePartner(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return Unary<syndication::v1::DeletePartnerRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->DeletePartner(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::CreateApiKey(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Unary<syndication::v1::CreateApiKeyRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->CreateApiKey(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::ListApiKeys(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return Unary<syndication::v1::ListApiKeysRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->ListApiKeys(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::RevokeApiKey(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Unary<syndication::v1::RevokeApiKeyRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->RevokeApiKey(c, r); });
}

grpc::ServerUnaryReactor* AdminHandler::CreateBackup(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Unary<syndication::v1::CreateBackupRequest>(
      pool_, auth_, context, request, response,
      [this](const auto& r, const Principal& c) { return admin_->CreateBackup(c, r); });
}

}  // namespace syndicate::server
