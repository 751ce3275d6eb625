// syndicated with API keys on (the default) and the CLI's admin commands: the first admin
// key file, partners and keys made from the command line, --api-key-file and
// SYNDICATE_API_KEY_FILE, revocation.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_testing.h"
#include "tests/client/testing.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::testing {
namespace {

using ::testing::HasSubstr;

class AuthCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir();
    admin_key_ = dir_ + "/admin.key";
    auto process =
        Subprocess::Start({SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir_ + "/data",
                           "--admin-key-file=" + admin_key_});
    ASSERT_THAT(process, IsOk());
    server_.emplace(*std::move(process));
    auto address = server_->ReadLine(absl::Seconds(60));
    ASSERT_THAT(address, IsOk());
    address_ = *address;
    WriteFile(dir_ + "/source.json", R"({"id":"harbour-wire","name":"Harbour Wire",)"
                                     R"("defaultAttribution":{"creditLine":"The Harbour Gazette",)"
                                     R"("originalPublisher":"The Harbour Gazette"}})");
  }

  // `syndicate --api-key-file=KEY ARGS…` against the server.
  RunResult As(const std::string& key_file, std::vector<std::string> args) {
    args.insert(args.begin(), "--api-key-file=" + key_file);
    return Syndicate(args, address_);
  }

  std::string dir_;
  std::string admin_key_;
  std::optional<Subprocess> server_;
  std::string address_;
};

TEST_F(AuthCliTest, TheFirstAdminKeyFileIsCreatedOwnerOnlyAndWorks) {
  struct stat info {};
  ASSERT_EQ(stat(admin_key_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  EXPECT_THAT(ReadFileOrEmpty(admin_key_), ::testing::StartsWith("sk_"));

  const RunResult anonymous = Syndicate({"source", "list"}, address_);
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED: authorization: is missing"));
  const RunResult put = As(admin_key_, {"source", "put", dir_ + "/source.json"});
  EXPECT_EQ(put.exit_code, 0) << put.err;
}

TEST_F(AuthCliTest, PartnersAndKeysFromTheCommandLine) {
  ASSERT_EQ(As(admin_key_, {"source", "put", dir_ + "/source.json"}).exit_code, 0);
  const RunResult bad =
      As(admin_key_, {"partner", "create", "northbay-courier", "--name", "Northbay Courier",
                      "--source", "harbour-wire", "--source", "x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("partner.entitled_source_ids[1]: \"x\" is not a known source"));
  const RunResult created =
      As(admin_key_, {"partner", "create", "northbay-courier", "--name", "Northbay Courier",
                      "--source", "harbour-wire", "--search-directive", "canonical"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("SEARCH_DIRECTIVE_CANONICAL"));
  const RunResult updated =
      As(admin_key_, {"partner", "update", "northbay-courier", "--max-streams", "3"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_THAT(updated.out, HasSubstr("\"maxStreams\": 3"));
  EXPECT_THAT(updated.out, HasSubstr("harbour-wire"));  // untouched by the update

  const RunResult key =
      As(admin_key_, {"key", "create", "--role", "partner", "--partner", "northbay-courier"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string secret(absl::StripAsciiWhitespace(key.out));
  EXPECT_THAT(secret, ::testing::MatchesRegex("sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}"));
  WriteFile(dir_ + "/partner.key", secret + "\n");

  // The key works from the environment too; a partner may not manage partners.
  auto listed = ::syndicate::testing::Run(
      {SYNDICATE_PATH, "source", "list"},
      {"SYNDICATE_SERVER=" + address_, "SYNDICATE_API_KEY_FILE=" + dir_ + "/partner.key"});
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->exit_code, 0) << listed->err;
  EXPECT_THAT(listed->out, HasSubstr("harbour-wire"));
  const RunResult denied = As(dir_ + "/partner.key", {"partner", "list"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED: ListPartners: needs an admin key"));

  const RunResult keys = As(admin_key_, {"key", "list", "--partner", "northbay-courier"});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  EXPECT_THAT(keys.out, ::testing::Not(HasSubstr(secret.substr(20))));
  const std::string key_id = secret.substr(3, 16);
  EXPECT_THAT(keys.out, HasSubstr(key_id));
  ASSERT_EQ(As(admin_key_, {"key", "revoke", key_id}).exit_code, 0);
  const RunResult revoked = As(dir_ + "/partner.key", {"source", "list"});
  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_THAT(revoked.err, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(AuthCliTest, ReportPrintsWhichPartnersTookWhichStories) {
  ASSERT_EQ(As(admin_key_, {"source", "put", dir_ + "/source.json"}).exit_code, 0);
  const RunResult imported = As(admin_key_, {"import", "--source=harbour-wire",
                                             SourceDir() + "/tests/ingest/testdata/via.txt"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const std::string id = imported.out.substr(8, 32);
  ASSERT_EQ(As(admin_key_, {"partner", "create", "northbay-courier", "--name", "Northbay Courier",
                            "--source", "harbour-wire"})
                .exit_code,
            0);
  const auto key_file = [&](const std::vector<std::string>& args, const std::string& name) {
    std::vector<std::string> create = {"key", "create"};
    create.insert(create.end(), args.begin(), args.end());
    const RunResult key = As(admin_key_, create);
    EXPECT_EQ(key.exit_code, 0) << key.err;
    WriteFile(dir_ + "/" + name, key.out);
    return dir_ + "/" + name;
  };
  const std::string partner = key_file({"--role=partner", "--partner=northbay-courier"}, "p.key");
  const std::string publisher = key_file({"--role=publisher", "--source=harbour-wire"}, "w.key");
  ASSERT_EQ(As(partner, {"get", id}).exit_code, 0);

  // The server writes usage within about a second.
  RunResult table;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    table = As(publisher, {"report"});
    ASSERT_EQ(table.exit_code, 0) << table.err;
  } while (absl::StartsWith(table.out, "No deliveries.") && absl::Now() < deadline &&
           (absl::SleepFor(absl::Milliseconds(100)), true));
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
  ASSERT_EQ(lines.size(), 6u) << table.out;  // the last one empty
  EXPECT_THAT(lines[0],
              ::testing::MatchesRegex("DELIVERED_AT +PARTNER +SOURCE +ARTICLE +VERSION +CHANNEL"));
  EXPECT_THAT(lines[1],
              ::testing::MatchesRegex("[0-9-]+T[0-9:]+Z  northbay-courier  harbour-wire  " + id +
                                      "  1 +get"));
  EXPECT_EQ(lines[3], "northbay-courier: 1 story, 1 version");
  EXPECT_THAT(lines[4], ::testing::MatchesRegex("\\(complete up to [0-9-]+T[0-9:.]+Z: .*\\)"));

  const RunResult csv = As(publisher, {"report", "--format=csv", "--article", id});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, ::testing::MatchesRegex(
                           "delivered_at,partner_id,source_id,article_id,version,channel\r\n"
                           "[0-9-]+T[0-9:]+\\.[0-9]{6}Z,northbay-courier,harbour-wire," +
                           id + ",1,get\r\n"));
  const RunResult none = As(publisher, {"report", "--since=2999-01-01T00:00:00Z"});
  EXPECT_THAT(none.out, ::testing::StartsWith("No deliveries.\n(complete up to "));
  const RunResult reversed =
      As(publisher, {"report", "--since=2026-02-01T00:00:00Z", "--until=2026-01-01T00:00:00Z"});
  EXPECT_EQ(reversed.exit_code, 2);
  EXPECT_THAT(reversed.err, HasSubstr("--since: must be before --until"));
  const RunResult bad_time = As(publisher, {"report", "--until=yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.err, HasSubstr("--until: \"yesterday\" is not an RFC 3339 time"));
  const RunResult as_partner = As(partner, {"report"});
  EXPECT_EQ(as_partner.exit_code, 1);
  EXPECT_THAT(as_partner.err, HasSubstr("PERMISSION_DENIED"));
}

TEST_F(AuthCliTest, AMissingKeyFileIsNamed) {
  const RunResult missing = As(dir_ + "/nowhere.key", {"source", "list"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("--api-key-file: "));
}

TEST_F(AuthCliTest, AKeyFileThatIsNotOneKeyIsAUsageError) {
  // gRPC aborts the process on a header value outside visible ASCII: refused before.
  for (const std::string& content : {std::string("sk_first\nsk_second\n"),
                                     std::string("sk_with space\n"), std::string("sk_\x01\n")}) {
    WriteFile(dir_ + "/malformed.key", content);
    const RunResult run = As(dir_ + "/malformed.key", {"source", "list"});
    EXPECT_EQ(run.exit_code, 2) << content;
    EXPECT_THAT(run.err, HasSubstr("is not an API key: byte ")) << content;
  }
}

TEST(AuthCliRefusals, AuthNoneOnlyOnLoopbackButApiKeysAnywhere) {
  const std::string dir = FreshTempDir();
  auto none = ::syndicate::testing::Run(
      {SYNDICATED_PATH, "--listen=0.0.0.0:0", "--data-dir=" + dir, "--auth=none"});
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->exit_code, 2);
  EXPECT_THAT(none->err, HasSubstr("--auth=none serves 127.0.0.0/8"));
  auto bad = ::syndicate::testing::Run(
      {SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir, "--auth=maybe"});
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->exit_code, 2);
}

}  // namespace
}  // namespace syndicate::testing
