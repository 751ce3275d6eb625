// The gRPC handlers: thin callback-API adapters over SyndicationCore. Each decodes the
// request (server/wire.h), calls the domain layer and maps the status; nothing else.
// The work runs on a WorkPool thread, never on gRPC's callback thread, except GetArticle's
// when the story is in memory (SyndicationHandler::GetArticle).
#ifndef SYNDICATE_SERVER_SERVICES_H_
#define SYNDICATE_SERVER_SERVICES_H_

#include "server/access.h"
#include "server/admin_core.h"
#include "server/observability.h"
#include "server/rate_limiter.h"
#include "server/stream_service.h"
#include "server/syndication_core.h"
#include "server/work_pool.h"
#include "syndication/v1/admin_service.grpc.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::server {

// Resolves who makes a call: with an AccessControl, from the call's `authorization`
// metadata (UNAUTHENTICATED as AccessControl::Authenticate describes); without one
// (--auth=none), every call is Principal::Operator(). Cheap: runs on gRPC's thread.
class Authenticator {
 public:
  // `access`, `limiter` and `observer` are not owned and must outlive this; a null
  // `access` turns authentication off, a null `limiter` the rate limit. `observer` (may be
  // null) is told each caller resolved, for metrics and the access log.
  explicit Authenticator(const AccessControl* access, RateLimiter* limiter = nullptr,
                         CallObserver* observer = nullptr)
      : access_(access), limiter_(limiter), observer_(observer) {}

  // Also takes a token of the caller's partner from the rate limiter: RESOURCE_EXHAUSTED
  // with RetryInfo when there is none (RateLimiter::Take).
  absl::StatusOr<Principal> Authenticate(const grpc::CallbackServerContext& context) const;

  // nullptr when authentication is off.
  const AccessControl* access() const { return access_; }

 private:
  const AccessControl* const access_;
  RateLimiter* const limiter_;
  CallObserver* const observer_;
};

// Every method raw, so that server/wire.h parses and checks the request bytes.
using PublishingApi = syndication::v1::PublishingService;
using RawPublishingService = PublishingApi::WithRawCallbackMethod_UpsertSource<
    PublishingApi::WithRawCallbackMethod_PublishArticle<
        PublishingApi::WithRawCallbackMethod_WithdrawArticle<
            PublishingApi::WithRawCallbackMethod_GetUsageReport<PublishingApi::CallbackService>>>>;

using SyndicationApi = syndication::v1::SyndicationService;
using RawSyndicationService = SyndicationApi::WithRawCallbackMethod_GetArticle<
    SyndicationApi::WithRawCallbackMethod_BatchGetArticles<
        SyndicationApi::WithRawCallbackMethod_ListArticles<
            SyndicationApi::WithRawCallbackMethod_GetSource<
                SyndicationApi::WithRawCallbackMethod_ListSources<
                    SyndicationApi::WithRawCallbackMethod_StreamArticles<
                        SyndicationApi::WithRawCallbackMethod_ListArticleVersions<
                            SyndicationApi::WithRawCallbackMethod_GetSigningKeys<
                                SyndicationApi::CallbackService>>>>>>>>;

using AdminApi = syndication::v1::AdminService;
using RawAdminService = AdminApi::WithRawCallbackMethod_CreatePartner<
    AdminApi::WithRawCallbackMethod_GetPartner<AdminApi::WithRawCallbackMethod_ListPartners<
        AdminApi::WithRawCallbackMethod_UpdatePartner<AdminApi::WithRawCallbackMethod_DeletePartner<
            AdminApi::WithRawCallbackMethod_CreateApiKey<
                AdminApi::WithRawCallbackMethod_ListApiKeys<
                    AdminApi::WithRawCallbackMethod_RevokeApiKey<
                        AdminApi::WithRawCallbackMethod_CreateBackup<
                            AdminApi::CallbackService>>>>>>>>>;

#define SYNDICATE_UNARY_METHOD(Name)                                                          \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* context,                        \
                                 const grpc::ByteBuffer* request, grpc::ByteBuffer* response) \
      override

// AdminService. `admin`, `pool` and `auth` are not owned and must outlive the service.
class AdminHandler final : public RawAdminService {
 public:
  AdminHandler(AdminCore* admin, WorkPool* pool, const Authenticator* auth)
      : admin_(admin), pool_(pool), auth_(auth) {}

  SYNDICATE_UNARY_METHOD(CreatePartner);
  SYNDICATE_UNARY_METHOD(GetPartner);
  SYNDICATE_UNARY_METHOD(ListPartners);
  SYNDICATE_UNARY_METHOD(UpdatePartner);
  SYNDICATE_UNARY_METHOD(DeletePartner);
  SYNDICATE_UNARY_METHOD(CreateApiKey);
  SYNDICATE_UNARY_METHOD(ListApiKeys);
  SYNDICATE_UNARY_METHOD(RevokeApiKey);
  SYNDICATE_UNARY_METHOD(CreateBackup);

 private:
  AdminCore* const admin_;
  WorkPool* const pool_;
  const Authenticator* const auth_;
};

// PublishingService. `core`, `pool` and `auth` are not owned and must outlive the service.
class PublishingHandler final : public RawPublishingService {
 public:
  PublishingHandler(SyndicationCore* core, WorkPool* pool, const Authenticator* auth)
      : core_(core), pool_(pool), auth_(auth) {}

  SYNDICATE_UNARY_METHOD(UpsertSource);
  SYNDICATE_UNARY_METHOD(PublishArticle);
  SYNDICATE_UNARY_METHOD(WithdrawArticle);
  SYNDICATE_UNARY_METHOD(GetUsageReport);

 private:
  SyndicationCore* const core_;
  WorkPool* const pool_;
  const Authenticator* const auth_;
};

// SyndicationService. `core`, `pool`, `streams` and `auth` are not owned and must outlive
// the service.
class SyndicationHandler final : public RawSyndicationService {
 public:
  SyndicationHandler(const SyndicationCore* core, WorkPool* pool, StreamService* streams,
                     const Authenticator* auth)
      : core_(core), pool_(pool), streams_(streams), auth_(auth) {}

  // Answers from memory on gRPC's thread (Store::ReadTier::kMemoryOnly, which never waits
  // for the disk), and hops to the pool only when the story must be read from the disk. The
  // response is the stored bytes (SyndicationCore::ServeArticle), never re-serialized.
  SYNDICATE_UNARY_METHOD(GetArticle);
  SYNDICATE_UNARY_METHOD(BatchGetArticles);
  SYNDICATE_UNARY_METHOD(ListArticles);
  SYNDICATE_UNARY_METHOD(GetSource);
  SYNDICATE_UNARY_METHOD(ListSources);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamArticles(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;
  SYNDICATE_UNARY_METHOD(ListArticleVersions);
  SYNDICATE_UNARY_METHOD(GetSigningKeys);

 private:
  const SyndicationCore* const core_;
  WorkPool* const pool_;
  StreamService* const streams_;
  const Authenticator* const auth_;
};

#undef SYNDICATE_UNARY_METHOD

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SERVICES_H_
