// The gRPC handlers: thin callback-API adapters over SyndicationCore. Each decodes the
// request (server/wire.h), calls the domain layer and maps the status; nothing else.
// The work runs on a WorkPool thread, never on gRPC's callback thread.
#ifndef SYNDICATE_SERVER_SERVICES_H_
#define SYNDICATE_SERVER_SERVICES_H_

#include "server/syndication_core.h"
#include "server/work_pool.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::server {

// Every method raw, so that server/wire.h parses and checks the request bytes.
using RawPublishingService = syndication::v1::PublishingService::WithRawCallbackMethod_UpsertSource<
    syndication::v1::PublishingService::WithRawCallbackMethod_PublishArticle<
        syndication::v1::PublishingService::CallbackService>>;

using RawSyndicationService = syndication::v1::SyndicationService::WithRawCallbackMethod_GetArticle<
    syndication::v1::SyndicationService::WithRawCallbackMethod_BatchGetArticles<
        syndication::v1::SyndicationService::WithRawCallbackMethod_ListArticles<
            syndication::v1::SyndicationService::WithRawCallbackMethod_GetSource<
                syndication::v1::SyndicationService::WithRawCallbackMethod_ListSources<
                    syndication::v1::SyndicationService::CallbackService>>>>>;

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

 private:
  SyndicationCore* const core_;
  WorkPool* const pool_;
};

// SyndicationService. `core` and `pool` are not owned and must outlive the service.
class SyndicationHandler final : public RawSyndicationService {
 public:
  SyndicationHandler(const SyndicationCore* core, WorkPool* pool) : core_(core), pool_(pool) {}

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

 private:
  const SyndicationCore* const core_;
  WorkPool* const pool_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SERVICES_H_
