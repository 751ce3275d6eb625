// TLS and mTLS with certificates made by openssl at test time: a CA, a server certificate
// for 127.0.0.1 and a client certificate, all in a fresh temporary directory.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "client/client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "storage/store.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

struct Certificates {
  std::string ca;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string other_ca;  // a CA that signed nothing here
};

// The openssl binary found on $PATH, or "" when there is none.
std::string OpenSslPath() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "", ':')) {
    const std::filesystem::path candidate = std::filesystem::path(std::string(dir)) / "openssl";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// Runs openssl with `args`; fails the test when it does not exit 0.
void OpenSsl(const std::vector<std::string>& args) {
  static const std::string openssl = OpenSslPath();
  ASSERT_FALSE(openssl.empty()) << "openssl is not on PATH (scripts/install-deps.sh installs it)";
  std::vector<std::string> argv = {openssl};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = ::syndicate::testing::Run(argv);
  ASSERT_THAT(result, IsOk());
  ASSERT_EQ(result->exit_code, 0) << result->err;
}

void MakeCa(const std::string& dir, const std::string& name) {
  OpenSsl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".pem", "-days", "2",
           "-subj", "/CN=" + name});
}

void MakeLeaf(const std::string& dir, const std::string& name, const std::string& extensions) {
  OpenSsl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           dir + "/" + name + ".key", "-out", dir + "/" + name + ".csr", "-subj", "/CN=" + name});
  {
    std::ofstream ext(dir + "/" + name + ".ext");
    ext << extensions << "\n";
  }
  OpenSsl({"x509", "-req", "-in", dir + "/" + name + ".csr", "-CA", dir + "/ca.pem", "-CAkey",
           dir + "/ca.key", "-CAcreateserial", "-out", dir + "/" + name + ".pem", "-days", "2",
           "-extfile", dir + "/" + name + ".ext"});
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = ::syndicate::testing::FreshTempDir();
    ASSERT_NO_FATAL_FAILURE(MakeCa(dir, "ca"));
    ASSERT_NO_FATAL_FAILURE(MakeCa(dir, "other-ca"));
    ASSERT_NO_FATAL_FAILURE(MakeLeaf(dir, "server",
                                     "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                     "extendedKeyUsage=serverAuth"));
    ASSERT_NO_FATAL_FAILURE(MakeLeaf(dir, "client", "extendedKeyUsage=clientAuth"));
    certs_ = {Read(dir + "/ca.pem"),     Read(dir + "/server.pem"), Read(dir + "/server.key"),
              Read(dir + "/client.pem"), Read(dir + "/client.key"), Read(dir + "/other-ca.pem")};
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_,
                                   storage::Store::Open(::syndicate::testing::FreshTempDir()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey()));
  }

  void StartServer(bool mutual, const std::string& health_listen = "") {
    ServerOptions options;
    options.health_listen_address = health_listen;
    options.tls_cert_pem = certs_.server_cert;
    options.tls_key_pem = certs_.server_key;
    if (mutual) options.tls_client_ca_pem = certs_.ca;
    SYNDICATE_ASSERT_OK_AND_ASSIGN(server_, Server::Start(options, core_.get()));
  }

  // GetSigningKeys through a client with `options` (server filled in).
  absl::Status Call(client::ClientOptions options) {
    options.server = server_->address();
    options.deadline = absl::Seconds(5);
    auto client = client::Client::Create(options);
    if (!client.ok()) return client.status();
    return (*client)->GetSigningKeys().status();
  }

  Certificates certs_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsTest, ServesTlsToClientsThatTrustItsCa) {
  ASSERT_NO_FATAL_FAILURE(StartServer(false));
  client::ClientOptions trusting;
  trusting.tls_ca_pem = certs_.ca;
  EXPECT_THAT(Call(trusting), IsOk());
  client::ClientOptions wrong_ca;
  wrong_ca.tls_ca_pem = certs_.other_ca;
  EXPECT_THAT(Call(wrong_ca), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Call(client::ClientOptions()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateItsCaSigned) {
  ASSERT_NO_FATAL_FAILURE(StartServer(true));
  client::ClientOptions with_cert;
  with_cert.tls_ca_pem = certs_.ca;
  with_cert.tls_cert_pem = certs_.client_cert;
  with_cert.tls_key_pem = certs_.client_key;
  EXPECT_THAT(Call(with_cert), IsOk());
  client::ClientOptions without_cert;
  without_cert.tls_ca_pem = certs_.ca;
  EXPECT_THAT(Call(without_cert), StatusIs(absl::StatusCode::kUnavailable));
}

// Kubernetes probes speak plaintext gRPC: --health-listen answers them while the main port
// requires client certificates, and serves nothing but health checking.
TEST_F(TlsTest, HealthPortAnswersInPlaintextBesideMutualTls) {
  ASSERT_NO_FATAL_FAILURE(StartServer(true, "127.0.0.1:0"));
  ASSERT_THAT(server_->health_address(), ::testing::MatchesRegex("127\\.0\\.0\\.1:[1-9][0-9]*"));
  auto channel = grpc::CreateChannel(server_->health_address(), grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  for (const char* service : {"", "syndication.v1.SyndicationService"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  client::ClientOptions plaintext;
  plaintext.server = server_->health_address();
  plaintext.deadline = absl::Seconds(5);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto client, client::Client::Create(plaintext));
  EXPECT_THAT(client->GetSigningKeys(), StatusIs(absl::StatusCode::kUnimplemented));
  // Shutting down turns both ports' health to NOT_SERVING first.
  server_->Shutdown(absl::Seconds(1));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_FALSE(health->Check(&context, {}, &response).ok() &&
               response.status() == grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(TlsTest, ABadHealthAddressIsRefusedByName) {
  ServerOptions options;
  options.health_listen_address = "127.0.0.1";
  EXPECT_THAT(Server::Start(options, core_.get()),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("health_listen")));
}

}  // namespace
}  // namespace syndicate::server
