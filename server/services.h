// The gRPC handlers: thin callback-API adapters over SyndicationCore. Each decodes the
// request (server/wire.h), calls the domain layer and maps the status; nothing else.
// The work runs on a WorkPool thread, never on gRPC's callback thread.
#ifndef SYNDICATE_SERVER_SERVICES_H_
#define SYNDICATE_SERVER_SERVICES_H_

#include "server/stream_service.h"
#include "server/syndication_core.h"
#include "server/work_pool.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::server {

// Every method raw, so that server/wire.h parses and checks the request bytes.
using PublishingApi = syndication::v1::PublishingService;
using RawPublishingService = PublishingApi::WithRawCallbackMethod_UpsertSource<
    PublishingApi::WithRawCallbackMethod_PublishArticle<
        PublishingApi::WithRawCallbackMethod_WithdrawArticle<PublishingApi::CallbackService>>>;

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

// PublishingService. `core` and `pool` are not owned and must outlive the service.
class PublishingHandler final : public RawPublishingService {
 public:
  PublishingHandler(SyndicationCore* core, WorkPool* pool) : core_(core), pool_(pool) {}

  grpc::ServerUnaryReactor* UpsertSource(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* PublishArticle(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* WithdrawArticle(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;

 private:
  SyndicationCore* const core_;
  WorkPool* const pool_;
};

// SyndicationService. `core`, `pool` and `streams` are not owned and must outlive the
// service.
class SyndicationHandler final : public RawSyndicationService {
 public:
  SyndicationHandler(const SyndicationCore* core, WorkPool* pool, StreamService* streams)
      : core_(core), pool_(pool), streams_(streams) {}

  grpc::ServerUnaryReactor* GetArticle(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetArticles(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListArticles(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetSource(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListSources(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamArticles(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* ListArticleVersions(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetSigningKeys(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;

 private:
  const SyndicationCore* const core_;
  WorkPool* const pool_;
  StreamService* const streams_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SERVICES_H_
