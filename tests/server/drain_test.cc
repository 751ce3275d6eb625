// The drain as the kubelet and clients see it, and connections aged out with GOAWAY.
//
// The drain: while Shutdown waits for a unary call in
// flight (held inside its write-ahead-log sync by a file system wrapper), readiness (the
// partner API's service) is NOT_SERVING on the health port, liveness ("") is still
// SERVING, and a new stream is refused; then the call in flight finishes with its answer.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "server/server.h"
#include "storage/store.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/gated_wal.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::GatedWalFileSystem;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::WalSyncGate;

// One Check on `stub`; UNKNOWN (the enum's zero) when the call fails.
HealthCheckResponse::ServingStatus Check(grpc::health::v1::Health::Stub& stub,
                                         const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub.Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

TEST(Drain, LivenessStaysServingAndReadinessFailsWhileAUnaryCallFinishes) {
  WalSyncGate gate;
  auto file_system = std::make_shared<GatedWalFileSystem>(&gate);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  storage::StoreOptions store_options;
  store_options.env = env.get();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<storage::Store> store,
      storage::Store::Open(::syndicate::testing::FreshTempDir(), store_options));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<SyndicationCore> core,
      SyndicationCore::Create(store.get(), ::syndicate::testing::TestSigningKey()));
  syndication::v1::UpsertSourceRequest source;
  *source.mutable_source() = ExampleSource();
  ASSERT_THAT(core->UpsertSource(source), IsOk());
  ServerOptions options;
  options.health_listen_address = "127.0.0.1:0";
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Server> server,
                                 Server::Start(options, core.get()));
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(server->health_address(), grpc::InsecureChannelCredentials()));
  ASSERT_EQ(Check(*health, ""), HealthCheckResponse::SERVING);
  ASSERT_EQ(Check(*health, kSyndicationServiceName), HealthCheckResponse::SERVING);
  auto channel = grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials());

  // A publish, held in its WAL sync.
  gate.Close();
  grpc::Status publish_status;
  std::thread publish([&channel, &publish_status] {
    auto stub = syndication::v1::PublishingService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = ExampleArticle("in-flight");
    syndication::v1::PublishArticleResponse response;
    publish_status = stub->PublishArticle(&context, request, &response);
  });
  ASSERT_TRUE(gate.WaitForWaiter());

  std::atomic<bool> drained{false};
  std::thread shutdown([&server, &drained] {
    server->Shutdown(absl::Seconds(30));
    drained = true;
  });
  // Readiness goes first; bounded, in case it never does.
  HealthCheckResponse::ServingStatus readiness = HealthCheckResponse::SERVING;
  for (int i = 0; i < 5000 && readiness == HealthCheckResponse::SERVING; ++i) {
    readiness = Check(*health, kSyndicationServiceName);
  }
  EXPECT_EQ(readiness, HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(*health, ""), HealthCheckResponse::SERVING);
  // A new stream is refused: UNAVAILABLE from the stream service, or, once gRPC has sent
  // this connection its GOAWAY, CANCELLED from gRPC itself (which one depends on the race
  // between this call and Shutdown; neither delivers anything).
  auto api = syndication::v1::SyndicationService::NewStub(channel);
  grpc::ClientContext late_context;
  late_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  syndication::v1::StreamArticlesRequest request;
  request.set_position(syndication::v1::StreamArticlesRequest::POSITION_NOW);
  auto late = api->StreamArticles(&late_context, request);
  syndication::v1::StreamArticlesResponse ignored;
  EXPECT_FALSE(late->Read(&ignored));
  EXPECT_THAT(late->Finish().error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::CANCELLED));
  // All of that during the drain: it is still waiting for the publish.
  EXPECT_FALSE(drained);

  gate.Open();
  publish.join();
  EXPECT_TRUE(publish_status.ok()) << publish_status.error_message();
  shutdown.join();
  EXPECT_TRUE(drained);
}

TEST(Drain, MaxConnectionAgeSendsGoawaySoTheClientReconnects) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> store,
                                 storage::Store::Open(::syndicate::testing::FreshTempDir()));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<SyndicationCore> core,
      SyndicationCore::Create(store.get(), ::syndicate::testing::TestSigningKey()));
  ServerOptions options;
  options.max_connection_age = absl::Seconds(1);
  options.max_connection_age_grace = absl::Seconds(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Server> server,
                                 Server::Start(options, core.get()));
  auto channel = grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  ASSERT_EQ(Check(*health, ""), HealthCheckResponse::SERVING);
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // The server's GOAWAY takes the connection out of READY (keepalive alone would keep it).
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(30)));
  // A call after it connects again.
  EXPECT_EQ(Check(*health, ""), HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace syndicate::server
