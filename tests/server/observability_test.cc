// syndicated as an operator runs it in production, as a subprocess: JSON log lines on
// stderr, Prometheus metrics on --metrics-listen, the drain on SIGTERM, backups while
// serving and the offline restore.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "client/client.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "syndication/v1/syndication_service.grpc.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/syndicated_process.h"

namespace syndicate {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(30);

// syndicated with API keys on and /metrics, its stderr in `dir`/stderr.log, its ports in
// `dir`/ports.
class Syndicated : public ::syndicate::testing::SyndicatedProcess {
 public:
  static absl::StatusOr<Syndicated> Start(const std::string& dir, const std::string& data_dir,
                                          const std::vector<std::string>& extra = {}) {
    std::vector<std::string> flags = {"--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
                                      "--data-dir=" + data_dir,
                                      "--admin-key-file=" + dir + "/admin-key"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    auto started = SyndicatedProcess::Start(dir, flags);
    if (!started.ok()) return started.status();
    return Syndicated(*std::move(started),
                      std::string(absl::StripAsciiWhitespace(ReadFile(dir + "/admin-key"))));
  }

  // GET /metrics.
  std::string Scrape() const {
    const size_t colon = metrics_address.rfind(':');
    httplib::Client http(metrics_address.substr(0, colon),
                         std::stoi(metrics_address.substr(colon + 1)));
    auto response = http.Get("/metrics");
    if (!response || response->status != 200) return "";
    return response->body;
  }

  std::string admin_secret;

 private:
  Syndicated(SyndicatedProcess process, std::string admin_secret)
      : SyndicatedProcess(std::move(process)), admin_secret(std::move(admin_secret)) {}
};

std::string Field(const google::protobuf::Struct& line, const std::string& key) {
  auto it = line.fields().find(key);
  if (it == line.fields().end()) return "";
  return it->second.has_string_value() ? it->second.string_value()
                                       : absl::StrCat(it->second.number_value());
}

// A partner key and a publisher key for ExampleSource's stories.
struct Keys {
  std::string partner;
  std::string publisher;
};

Keys MakeKeys(client::Client& admin) {
  Keys keys;
  syndication::v1::Partner partner;
  partner.set_id("northbay-courier");
  partner.set_display_name("Northbay Courier");
  partner.add_entitled_source_ids(ExampleSource().id());
  EXPECT_THAT(admin.CreatePartner(partner).status(), IsOk());
  syndication::v1::ApiKey key;
  key.set_role(syndication::v1::ROLE_PARTNER);
  key.set_partner_id(partner.id());
  keys.partner = admin.CreateApiKey(key)->secret();
  key.Clear();
  key.set_role(syndication::v1::ROLE_PUBLISHER);
  key.add_source_ids(ExampleSource().id());
  keys.publisher = admin.CreateApiKey(key)->secret();
  return keys;
}

// Reads a partner's stream from the beginning until caught up; returns the events' cursors.
std::vector<std::string> ReadBacklog(const std::string& address, const std::string& secret,
                                     const std::string& after_cursor, grpc::Status* status) {
  auto stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + secret);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  syndication::v1::StreamArticlesRequest request;
  if (after_cursor.empty()) {
    request.set_position(syndication::v1::StreamArticlesRequest::POSITION_BEGINNING);
  } else {
    request.set_after_cursor(after_cursor);
  }
  auto reader = stub->StreamArticles(&context, request);
  std::vector<std::string> cursors;
  syndication::v1::StreamArticlesResponse response;
  while (reader->Read(&response)) {
    if (response.has_event()) cursors.push_back(response.event().cursor());
    if (response.has_caught_up()) {
      context.TryCancel();
      break;
    }
  }
  *status = reader->Finish();
  return cursors;
}

TEST(Observability, LogsAreJsonLinesWithCallerAndCodeButNoKeyOrBody) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated server, Syndicated::Start(dir, dir + "/data"));
  auto admin = server.Client(server.admin_secret);
  ASSERT_THAT(admin->UpsertSource(ExampleSource()).status(), IsOk());
  const Keys keys = MakeKeys(*admin);
  auto publisher = server.Client(keys.publisher);
  syndication::v1::Article article = ExampleArticle("quayside-1");
  article.set_body_text("Only the story may say zebra-crossing-quayside-7731.");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, publisher->PublishArticle(article));
  auto partner = server.Client(keys.partner);
  ASSERT_THAT(partner->GetArticle(published.article().id()).status(), IsOk());
  // A refused call: a publisher may not create partners.
  syndication::v1::Partner refused;
  refused.set_id("westport-daily");
  refused.set_display_name("Westport Daily");
  EXPECT_FALSE(publisher->CreatePartner(refused).ok());
  // A wrong secret for a real key id, and an invalid story whose body is in the request.
  const std::string forged = keys.partner.substr(0, keys.partner.size() - 6) + "AAAAAA";
  EXPECT_FALSE(server.Client(forged)->ListArticles({}).ok());
  article.mutable_attribution()->set_original_url("ftp://zebra-crossing-quayside-7731");
  EXPECT_FALSE(publisher->PublishArticle(article).ok());

  server.process.Signal(SIGTERM);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, server.process.Wait(kTimeout));
  EXPECT_EQ(exit_code, 0);

  const std::string raw = server.RawLog();
  for (const std::string& secret : {server.admin_secret, keys.partner, keys.publisher, forged}) {
    EXPECT_THAT(raw, ::testing::Not(HasSubstr(secret)));
    // Nor the part after the key id, alone.
    EXPECT_THAT(raw, ::testing::Not(HasSubstr(secret.substr(secret.rfind('_')))));
  }
  EXPECT_THAT(raw, ::testing::Not(HasSubstr("zebra-crossing-quayside")));
  EXPECT_THAT(raw, ::testing::Not(HasSubstr(ExampleArticle("x").headline())));

  std::vector<google::protobuf::Struct> lines = server.LogLines();
  ASSERT_FALSE(lines.empty());
  int partner_reads = 0;
  int publisher_publishes = 0;
  int denied = 0;
  int unauthenticated = 0;
  for (const auto& line : lines) {
    EXPECT_THAT(Field(line, "time"),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z"));
    EXPECT_FALSE(Field(line, "level").empty());
    EXPECT_FALSE(Field(line, "msg").empty());
    if (Field(line, "msg") != "rpc") continue;
    EXPECT_FALSE(Field(line, "request_id").empty());
    EXPECT_FALSE(Field(line, "latency_ms").empty());
    const std::string method = Field(line, "method");
    const std::string code = Field(line, "code");
    if (method == "/syndication.v1.SyndicationService/GetArticle" && code == "OK") {
      EXPECT_EQ(Field(line, "partner_id"), "northbay-courier");
      EXPECT_EQ(Field(line, "role"), "partner");
      ++partner_reads;
    }
    if (method == "/syndication.v1.PublishingService/PublishArticle") {
      EXPECT_EQ(Field(line, "publisher_source_ids"), ExampleSource().id());
      ++publisher_publishes;
    }
    if (code == "PERMISSION_DENIED") ++denied;
    if (code == "UNAUTHENTICATED") ++unauthenticated;
  }
  EXPECT_EQ(partner_reads, 1);
  EXPECT_EQ(publisher_publishes, 2);
  EXPECT_EQ(denied, 1);
  EXPECT_EQ(unauthenticated, 1);
}

TEST(Observability, GrpcsOwnLogLinesAreJsonToo) {
  // At debug verbosity gRPC logs as it starts (its polling engine, its channel arguments);
  // those lines go through the same JSON log as syndicated's own.
  const std::string dir = ::syndicate::testing::FreshTempDir();
  setenv("GRPC_VERBOSITY", "DEBUG", 1);
  auto started = Syndicated::Start(dir, dir + "/data");
  unsetenv("GRPC_VERBOSITY");
  ASSERT_THAT(started.status(), IsOk());
  started->process.Signal(SIGTERM);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, started->process.Wait(kTimeout));
  EXPECT_EQ(exit_code, 0);
  int from_grpc = 0;
  for (const auto& line : started->LogLines()) {  // fails on any line that is not JSON
    if (Field(line, "source") != "grpc") continue;
    ++from_grpc;
    EXPECT_FALSE(Field(line, "file").empty());
    EXPECT_FALSE(Field(line, "msg").empty());
  }
  EXPECT_GT(from_grpc, 0) << started->RawLog();
}

TEST(Observability, MetricsCountCallsPublishesDeliveriesAndReadTheStore) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated server, Syndicated::Start(dir, dir + "/data"));
  auto admin = server.Client(server.admin_secret);
  ASSERT_THAT(admin->UpsertSource(ExampleSource()).status(), IsOk());
  const Keys keys = MakeKeys(*admin);
  auto publisher = server.Client(keys.publisher);
  ASSERT_THAT(publisher->PublishArticle(ExampleArticle("a")).status(), IsOk());
  ASSERT_THAT(publisher->PublishArticle(ExampleArticle("b")).status(), IsOk());
  ASSERT_THAT(publisher->PublishArticle(ExampleArticle("b")).status(), IsOk());  // unchanged
  syndication::v1::Article embargoed = ExampleArticle("c");
  embargoed.mutable_embargoed_until()->set_seconds(4102444800);  // 2100-01-01
  ASSERT_THAT(publisher->PublishArticle(embargoed).status(), IsOk());
  grpc::Status status;
  EXPECT_EQ(ReadBacklog(server.address, keys.partner, "", &status).size(), 2u);

  const std::string metrics = server.Scrape();
  const auto has = [&](const std::string& line) {
    EXPECT_THAT(metrics, HasSubstr("\n" + line + "\n")) << metrics;
  };
  has("grpc_server_started_total{grpc_service=\"syndication.v1.PublishingService\","
      "grpc_method=\"PublishArticle\"} 4");
  has("grpc_server_handled_total{grpc_service=\"syndication.v1.PublishingService\","
      "grpc_method=\"PublishArticle\",grpc_code=\"OK\"} 4");
  has("grpc_server_handling_seconds_count{grpc_service=\"syndication.v1.PublishingService\","
      "grpc_method=\"PublishArticle\"} 4");
  has("grpc_server_handling_seconds_bucket{grpc_service=\"syndication.v1.PublishingService\","
      "grpc_method=\"PublishArticle\",le=\"+Inf\"} 4");
  has("syndicate_publishes_total{result=\"created\"} 3");
  has("syndicate_publishes_total{result=\"unchanged\"} 1");
  has("syndicate_partner_deliveries_total{partner=\"northbay-courier\"} 2");
  has("syndicate_feed_head_sequence 3");
  has("syndicate_embargo_queue_length 1");
  has("syndicate_feed_poller_errors_total 0");
  has("syndicate_metrics_gauges_ok 1");
  EXPECT_THAT(metrics, HasSubstr("\nsyndicate_rocksdb_sst_bytes "));
  EXPECT_THAT(metrics, HasSubstr("\nsyndicate_rocksdb_pending_compaction_bytes "));
  EXPECT_THAT(metrics, HasSubstr("\nsyndicate_open_streams "));
}

TEST(Observability, SigtermDrainsInOrderAndEndsStreamsWithAResumeCursor) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated server, Syndicated::Start(dir, dir + "/data"));
  auto admin = server.Client(server.admin_secret);
  ASSERT_THAT(admin->UpsertSource(ExampleSource()).status(), IsOk());
  const Keys keys = MakeKeys(*admin);

  // A live stream, open when SIGTERM comes.
  auto stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + keys.partner);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  syndication::v1::StreamArticlesRequest request;
  request.set_position(syndication::v1::StreamArticlesRequest::POSITION_BEGINNING);
  auto reader = stub->StreamArticles(&context, request);
  syndication::v1::StreamArticlesResponse response;
  ASSERT_TRUE(reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up());

  server.process.Signal(SIGTERM);
  while (reader->Read(&response)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_details(), HasSubstr("SHUTTING_DOWN"));
  EXPECT_THAT(status.error_details(), HasSubstr("resume_cursor"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, server.process.Wait(kTimeout));
  EXPECT_EQ(exit_code, 0);

  std::vector<std::string> steps;
  for (const auto& line : server.LogLines()) {
    const std::string msg = Field(line, "msg");
    if (msg == "shutting down" || msg == "stopped") steps.push_back(msg);
    if (msg == "drain") steps.push_back(Field(line, "step"));
  }
  EXPECT_THAT(steps, ::testing::ElementsAre(
                         "shutting down", "readiness NOT_SERVING", "feed polling stopped",
                         "new streams refused, open streams ending with their resume cursor",
                         "calls finished or cancelled", "store flushed", "stopped"));
}

TEST(Observability, ARestoredServerServesTheSameStoriesUnderANewEpoch) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  std::string story_id;
  std::string old_cursor;
  std::string partner_secret;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        Syndicated server,
        Syndicated::Start(dir, dir + "/data", {"--backup-dir=" + dir + "/backups"}));
    auto admin = server.Client(server.admin_secret);
    ASSERT_THAT(admin->UpsertSource(ExampleSource()).status(), IsOk());
    partner_secret = MakeKeys(*admin).partner;
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, admin->PublishArticle(ExampleArticle("a")));
    story_id = published.article().id();
    grpc::Status status;
    std::vector<std::string> cursors = ReadBacklog(server.address, partner_secret, "", &status);
    ASSERT_EQ(cursors.size(), 1u);
    old_cursor = cursors[0];
    SYNDICATE_ASSERT_OK_AND_ASSIGN(syndication::v1::Backup backup, admin->CreateBackup());
    EXPECT_EQ(backup.backup_id(), 1u);
    EXPECT_EQ(backup.feed_head_sequence(), 1u);
    server.process.Signal(SIGTERM);
    ASSERT_THAT(server.process.Wait(kTimeout).status(), IsOk());
  }

  auto restore = ::syndicate::testing::Run(
      {SYNDICATED_PATH, "--data-dir=" + dir + "/restored", "--restore-from=" + dir + "/backups"});
  ASSERT_THAT(restore.status(), IsOk());
  ASSERT_EQ(restore->exit_code, 0) << restore->err;

  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated restored, Syndicated::Start(dir, dir + "/restored"));
  auto partner = restored.Client(partner_secret);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto article, partner->GetArticle(story_id));
  EXPECT_EQ(article.headline(), ExampleArticle("a").headline());
  grpc::Status status;
  EXPECT_TRUE(ReadBacklog(restored.address, partner_secret, old_cursor, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_details(), HasSubstr("CURSOR_EXPIRED"));
  // From the beginning of the new epoch, the same story.
  EXPECT_EQ(ReadBacklog(restored.address, partner_secret, "", &status).size(), 1u);
}

TEST(Observability, AccessLogErrorsLogsOnlyCallsThatDidNotEndOk) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated server,
                                 Syndicated::Start(dir, dir + "/data", {"--access-log=errors"}));
  auto admin = server.Client(server.admin_secret);
  ASSERT_THAT(admin->UpsertSource(ExampleSource()).status(), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, admin->PublishArticle(ExampleArticle("pier-1")));
  ASSERT_THAT(admin->GetArticle(published.article().id()).status(), IsOk());
  EXPECT_FALSE(admin->GetArticle(std::string(32, 'b')).ok());
  server.process.Signal(SIGTERM);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(int exit_code, server.process.Wait(kTimeout));
  EXPECT_EQ(exit_code, 0);

  std::vector<std::string> logged;
  bool serving = false;
  for (const auto& line : server.LogLines()) {
    if (Field(line, "msg") == "serving") serving = true;
    if (Field(line, "msg") == "rpc") {
      logged.push_back(absl::StrCat(Field(line, "method"), " ", Field(line, "code")));
    }
  }
  EXPECT_TRUE(serving);
  EXPECT_THAT(logged,
              ::testing::ElementsAre("/syndication.v1.SyndicationService/GetArticle NOT_FOUND"));
}

TEST(Observability, BackupWithoutABackupDirIsAFailedPrecondition) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Syndicated server, Syndicated::Start(dir, dir + "/data"));
  EXPECT_THAT(server.Client(server.admin_secret)->CreateBackup().status(),
              ::syndicate::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                             HasSubstr("--backup-dir")));
}

}  // namespace
}  // namespace syndicate
