// syndicated run as a subprocess: what an operator and grpcurl see. This binary does not
// link the reflection plugin: its reflection client is generated from the grpc-proto
// package's reflection.proto, so it proves the server answers reflection by itself.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndicate::testing::Subprocess;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

// A running syndicated on 127.0.0.1 and a free port, with its data in `data_dir`.
struct RunningServer {
  Subprocess process;
  std::string address;
};

absl::StatusOr<RunningServer> StartSyndicated(const std::string& data_dir,
                                              const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {SYNDICATED_PATH, "--listen=127.0.0.1:0",
                                   "--data-dir=" + data_dir, "--auth=none"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto process = Subprocess::Start(argv);
  if (!process.ok()) return process.status();
  auto address = process->ReadLine(kStartTimeout);
  if (!address.ok()) return address.status();
  return RunningServer{*std::move(process), *address};
}

std::unique_ptr<client::Client> ClientFor(const std::string& address) {
  client::ClientOptions options;
  options.server = address;
  return *client::Client::Create(options);
}

TEST(Syndicated, PrintsTheBoundAddressAndWritesThePortsFile) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  const std::string ports_file = dir + "/ports";
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer server,
                                 StartSyndicated(dir + "/data", {"--ports-file=" + ports_file,
                                                                 "--health-listen=127.0.0.1:0"}));
  EXPECT_THAT(server.address, ::testing::MatchesRegex("127\\.0\\.0\\.1:[1-9][0-9]*"));
  std::ifstream in(ports_file);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, server.address);
  // Then the health port, which answers health checks.
  std::getline(in, line);
  ASSERT_THAT(line, ::testing::MatchesRegex("health 127\\.0\\.0\\.1:[1-9][0-9]*"));
  EXPECT_NE(line.substr(7), server.address);
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(line.substr(7), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("syndication.v1.SyndicationService");
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // It serves nothing else: not even server reflection, which the main port serves.
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(
      grpc::CreateChannel(line.substr(7), grpc::InsecureChannelCredentials()));
  grpc::ClientContext reflection_context;
  reflection_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = reflection->ServerReflectionInfo(&reflection_context);
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  stream->Write(list);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  while (stream->Read(&listed)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(Syndicated, AnUnknownNameInTheConfigFileStopsTheStart) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  {
    std::ofstream config(dir + "/flags.toml");
    config << "max-streams=5\ntls_cret=\"server.pem\"\n";  // misspelt: would serve plaintext
  }
  auto process =
      Subprocess::Start({SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir + "/data",
                         "--auth=none", "--config=" + dir + "/flags.toml"});
  ASSERT_THAT(process, IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int code, process->Wait(kStartTimeout));
  EXPECT_EQ(code, 2);
}

TEST(Syndicated, ABadHealthListenAddressIsAUsageError) {
  auto process = Subprocess::Start({SYNDICATED_PATH, "--listen=127.0.0.1:0",
                                    "--data-dir=" + ::syndicate::testing::FreshTempDir(),
                                    "--health-listen=localhost"});
  ASSERT_THAT(process, IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int code, process->Wait(kStartTimeout));
  EXPECT_EQ(code, 2);
}

TEST(Syndicated, ReflectionListsBothServices) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer server,
                                 StartSyndicated(::syndicate::testing::FreshTempDir()));
  auto channel = grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.insert(service.name());
  }
  EXPECT_TRUE(names.count("syndication.v1.PublishingService")) << response.DebugString();
  EXPECT_TRUE(names.count("syndication.v1.SyndicationService")) << response.DebugString();
  EXPECT_TRUE(names.count("grpc.health.v1.Health")) << response.DebugString();

  // The descriptors are served too, so grpcurl can call methods without the .proto files.
  request.set_file_containing_symbol("syndication.v1.SyndicationService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(Syndicated, HealthReportsServing) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer server,
                                 StartSyndicated(::syndicate::testing::FreshTempDir()));
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()));
  for (const char* service : {"", "syndication.v1.SyndicationService"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(stub->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

TEST(Syndicated, AnAcknowledgedPublishSurvivesSigkill) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  std::string id;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer server, StartSyndicated(dir));
    auto client = ClientFor(server.address);
    ASSERT_THAT(client->UpsertSource(ExampleSource()), IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published,
                                   client->PublishArticle(ExampleArticle("ferry-1")));
    id = published.article().id();
    server.process.Signal(SIGKILL);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, server.process.Wait(absl::Seconds(10)));
    EXPECT_EQ(exit_code, 128 + SIGKILL);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer restarted, StartSyndicated(dir));
  auto client = ClientFor(restarted.address);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto article, client->GetArticle(id));
  EXPECT_EQ(article.headline(), "Ferry timetable changes for the winter season");
  EXPECT_EQ(article.version(), 1);
  // The feed continues without a gap: a second story after the restart is version 1 of a new
  // id, and republishing the first is unchanged.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto again, client->PublishArticle(ExampleArticle("ferry-1")));
  EXPECT_EQ(again.outcome(), syndication::v1::PublishArticleResponse::OUTCOME_UNCHANGED);
}

TEST(Syndicated, SigtermShutsDownCleanly) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer server,
                                 StartSyndicated(::syndicate::testing::FreshTempDir()));
  server.process.Signal(SIGTERM);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, server.process.Wait(absl::Seconds(30)));
  EXPECT_EQ(exit_code, 0);
}

TEST(Syndicated, RefusesBadFlags) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto non_loopback,
                                 ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=0.0.0.0:0",
                                                            "--data-dir=" + dir, "--auth=none"}));
  EXPECT_EQ(non_loopback.exit_code, 2);
  EXPECT_THAT(non_loopback.err, ::testing::HasSubstr("is not a loopback address"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      auto bad_address,
      ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=nonsense", "--data-dir=" + dir}));
  EXPECT_EQ(bad_address.exit_code, 2);
  EXPECT_THAT(bad_address.err, ::testing::HasSubstr("\"nonsense\" is not HOST:PORT"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      auto missing, ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=127.0.0.1:0"}));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("--data-dir is required"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      auto too_young,
      ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir,
                                 "--auth=none", "--max-connection-age=1ms"}));
  EXPECT_EQ(too_young.exit_code, 2);
  EXPECT_THAT(too_young.err, ::testing::HasSubstr("--max-connection-age: \"1ms\" is out of range"));
  // A negative cache size used to wrap around to an unlimited cache.
  for (const char* bytes : {"-1", "1", "1099511627777"}) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        auto cache,
        ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir,
                                   "--auth=none", std::string("--block-cache-bytes=") + bytes}));
    EXPECT_EQ(cache.exit_code, 2) << bytes;
    EXPECT_THAT(cache.err, ::testing::HasSubstr(absl::StrCat("--block-cache-bytes: ", bytes,
                                                             " is outside 1048576 (1 MiB)")));
  }
}

TEST(Syndicated, SecondServerOnTheSameDataDirFailsClearly) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(RunningServer first, StartSyndicated(dir));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto second,
                                 ::syndicate::testing::Run({SYNDICATED_PATH, "--listen=127.0.0.1:0",
                                                            "--data-dir=" + dir, "--auth=none"}));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, ::testing::HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace syndicate
