// A story's life through the syndicate CLI: corrections, withdrawals and kills, signatures
// checked with `get --verify` and `verify` (also after a restart and a key rotation), the
// catch-up listing, and request_id retries.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/json.h"
#include "common/article_signing.h"
#include "gtest/gtest.h"
#include "syndication/v1/publishing_service.pb.h"
#include "syndication/v1/syndication_service.pb.h"
#include "tests/client/cli_testing.h"
#include "tests/client/testing.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate {
namespace {

using ::syndicate::testing::IsOk;
using ::syndicate::testing::RunResult;
using ::syndicate::testing::SourceDir;
using ::syndicate::testing::StreamLines;
using ::syndicate::testing::Syndicate;
using ::syndicate::testing::WriteFile;
using ::syndication::v1::Article;
using ::syndication::v1::PublishArticleResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kPatience = absl::Seconds(60);

// The source every story here belongs to (examples/source.json): no default credit, and
// its defaults do not cover media, so each story brings its own.
constexpr char kSourceId[] = "scraped-republications";

// Story `external_id` with a headline, a body and a credited photo.
Article Story(const std::string& external_id, const std::string& headline) {
  Article article;
  article.set_source_id(kSourceId);
  article.set_external_id(external_id);
  article.set_headline(headline);
  article.set_body_text(
      "The harbour authority said the winter timetable starts on 1 December.\n\n"
      "\"We know it is a hardship,\" said harbourmaster Ines Calloway.");
  article.set_byline("By Tomas Brandt");
  auto* attribution = article.mutable_attribution();
  attribution->set_credit_line("The Harbour Gazette");
  attribution->set_original_publisher("The Harbour Gazette");
  attribution->set_original_url("https://harbour.example.org/news/" + external_id);
  auto* photo = article.add_media();
  photo->set_uri("https://harbour.example.org/img/" + external_id + ".jpg");
  photo->set_mime_type("image/jpeg");
  photo->set_caption("The ferry at Gull Island pier.");
  photo->set_credit("Photo: Ana Ruiz / Example Pictures");
  return article;
}

template <typename Message>
Message Parsed(const std::string& json) {
  Message message;
  EXPECT_THAT(client::ParseJson(json, "stdout", &message), IsOk()) << json;
  return message;
}

// `text` with its first byte changed to another printable ASCII character.
std::string OneByteChanged(std::string text) {
  text[0] = static_cast<char>(text[0] ^ 0x01);
  return text;
}

class CliLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    Start("127.0.0.1:0", "key-a");
    const RunResult put =
        Syndicate({"source", "put", SourceDir() + "/examples/source.json"}, address_);
    ASSERT_EQ(put.exit_code, 0) << put.err;
  }

  // Starts syndicated on the test's store with the signing key in `key_file` (created on
  // first use).
  void Start(const std::string& listen, const std::string& key_file) {
    auto server = ::syndicate::testing::StartSyndicated(
        dir_ + "/data", listen, {"--signing-key-file=" + dir_ + "/" + key_file});
    ASSERT_THAT(server, IsOk());
    server_.emplace(*std::move(server));
    address_ = server_->address;
  }

  // Stops the server gracefully and starts it again on the same address, with `key_file`.
  void Restart(const std::string& key_file) {
    server_->process.Signal(SIGTERM);
    const absl::StatusOr<int> exit_code = server_->process.Wait(kPatience);
    ASSERT_THAT(exit_code, IsOk());
    ASSERT_EQ(*exit_code, 0);
    server_.reset();
    Start(address_, key_file);
  }

  // Writes `article` as JSON to a file named `name` in the test's directory; its path.
  std::string Save(const Article& article, const std::string& name) {
    const std::string path = dir_ + "/" + name;
    WriteFile(path, client::ToJson(article, /*pretty=*/true));
    return path;
  }

  // Publishes `article` with `flags`; the parsed response.
  PublishArticleResponse Publish(const Article& article, std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"publish", Save(article, article.external_id() + ".json")});
    const RunResult published = Syndicate(flags, address_);
    EXPECT_EQ(published.exit_code, 0) << published.err;
    return Parsed<PublishArticleResponse>(published.out);
  }

  // The key id GetSigningKeys lists first (the current key).
  std::string CurrentKeyId() {
    const RunResult keys = Syndicate({"keys"}, address_);
    EXPECT_EQ(keys.exit_code, 0) << keys.err;
    const auto listed = Parsed<syndication::v1::GetSigningKeysResponse>(keys.out);
    return listed.keys().empty() ? "" : listed.keys(0).key_id();
  }

  std::string dir_;
  std::string address_;
  std::optional<::syndicate::testing::Syndicated> server_;
};

TEST_F(CliLifecycleTest, ACorrectionMakesVersionTwoAndReachesTheStream) {
  Article story = Story("ferry-1", "Ferry timetable cut to four crossings a day");
  const PublishArticleResponse first = Publish(story);
  EXPECT_EQ(first.outcome(), PublishArticleResponse::OUTCOME_CREATED);
  EXPECT_EQ(first.article().version(), 1);
  const std::string id = first.article().id();

  story.set_body_text(
      "The harbour authority said the winter timetable starts on 8 December.\n\n"
      "\"We know it is a hardship,\" said harbourmaster Ines Calloway.");
  const PublishArticleResponse corrected =
      Publish(story, {"--correction=An earlier version gave the wrong start date."});
  EXPECT_EQ(corrected.outcome(), PublishArticleResponse::OUTCOME_UPDATED);
  EXPECT_EQ(corrected.article().id(), id);
  EXPECT_EQ(corrected.article().version(), 2);

  const RunResult got = Syndicate({"get", id}, address_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  const Article latest = Parsed<Article>(got.out);
  EXPECT_EQ(latest.version(), 2);
  ASSERT_EQ(latest.corrections_size(), 1);
  EXPECT_EQ(latest.corrections(0).text(), "An earlier version gave the wrong start date.");
  EXPECT_TRUE(latest.corrections(0).has_time());
  EXPECT_EQ(latest.body_text(), story.body_text());

  const RunResult old = Syndicate({"get", id, "--version=1"}, address_);
  ASSERT_EQ(old.exit_code, 0) << old.err;
  const Article version_one = Parsed<Article>(old.out);
  EXPECT_EQ(version_one.version(), 1);
  EXPECT_EQ(version_one.corrections_size(), 0);
  EXPECT_THAT(version_one.body_text(), HasSubstr("starts on 1 December"));

  const RunResult versions = Syndicate({"versions", id}, address_);
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  const auto listed = Parsed<syndication::v1::ListArticleVersionsResponse>(versions.out);
  ASSERT_EQ(listed.versions_size(), 2);
  EXPECT_EQ(listed.versions(0).version(), 1);
  EXPECT_EQ(listed.versions(1).version(), 2);
  EXPECT_EQ(listed.next_page_token(), "");
  const RunResult paged = Syndicate({"versions", id, "--page-size=1"}, address_);
  ASSERT_EQ(paged.exit_code, 0) << paged.err;
  const auto page = Parsed<syndication::v1::ListArticleVersionsResponse>(paged.out);
  ASSERT_EQ(page.versions_size(), 1);
  EXPECT_EQ(page.versions(0).version(), 1);
  const RunResult next = Syndicate(
      {"versions", id, "--page-size=1", "--page-token=" + page.next_page_token()}, address_);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  const auto last = Parsed<syndication::v1::ListArticleVersionsResponse>(next.out);
  ASSERT_EQ(last.versions_size(), 1);
  EXPECT_EQ(last.versions(0).version(), 2);

  const RunResult streamed = Syndicate({"stream", "--limit=2"}, address_);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  const auto lines = StreamLines(streamed.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].event().type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(lines[1].event().type(), syndication::v1::EVENT_TYPE_CORRECTED);
  EXPECT_EQ(lines[1].event().article_id(), id);
  EXPECT_EQ(lines[1].event().version(), 2);
  ASSERT_EQ(lines[1].event().article().corrections_size(), 1);
  EXPECT_EQ(lines[1].event().article().corrections(0).text(),
            "An earlier version gave the wrong start date.");
}

TEST_F(CliLifecycleTest, WithdrawReinstateAndKill) {
  const Article harbour = Story("harbour-1", "Harbour cranes return after a refit");
  const Article bridge = Story("bridge-1", "Bridge repairs finish a month early");
  const std::string withheld_id = Publish(harbour).article().id();
  const std::string killed_id = Publish(bridge).article().id();

  const RunResult withdrawn =
      Syndicate({"withdraw", withheld_id, "--reason=Under legal review"}, address_);
  ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
  const Article tombstone = Parsed<Article>(withdrawn.out);
  EXPECT_EQ(tombstone.id(), withheld_id);
  EXPECT_EQ(tombstone.version(), 2);
  EXPECT_EQ(tombstone.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(tombstone.withdrawal_reason(), "Under legal review");
  EXPECT_EQ(tombstone.headline(), "");
  EXPECT_EQ(tombstone.body_text(), "");
  EXPECT_EQ(tombstone.media_size(), 0);
  EXPECT_TRUE(tombstone.has_version_created());

  const RunResult twice = Syndicate({"withdraw", withheld_id, "--reason=Again"}, address_);
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.err, StartsWith("syndicate: FAILED_PRECONDITION: "));
  EXPECT_EQ(twice.out, "");

  // A withheld story comes back with the next publish.
  const PublishArticleResponse reinstated = Publish(harbour);
  EXPECT_EQ(reinstated.outcome(), PublishArticleResponse::OUTCOME_UPDATED);
  EXPECT_EQ(reinstated.article().version(), 3);
  EXPECT_EQ(reinstated.article().pubstatus(), syndication::v1::PUB_STATUS_USABLE);
  EXPECT_EQ(reinstated.article().headline(), harbour.headline());

  const RunResult killed =
      Syndicate({"withdraw", killed_id, "--reason=Fabricated quotes", "--kill"}, address_);
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  const Article kill_tombstone = Parsed<Article>(killed.out);
  EXPECT_EQ(kill_tombstone.version(), 2);
  EXPECT_EQ(kill_tombstone.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(kill_tombstone.withdrawal_reason(), "Fabricated quotes");

  // No version of a killed story shows its text.
  const RunResult old = Syndicate({"get", killed_id, "--version=1"}, address_);
  ASSERT_EQ(old.exit_code, 0) << old.err;
  const Article old_version = Parsed<Article>(old.out);
  EXPECT_EQ(old_version.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(old_version.headline(), "");
  EXPECT_EQ(old_version.body_text(), "");

  const RunResult again = Syndicate({"publish", Save(bridge, "bridge-again.json")}, address_);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, StartsWith("syndicate: FAILED_PRECONDITION: "));
  EXPECT_THAT(again.err, HasSubstr("cannot be published again"));
  EXPECT_EQ(again.out, "");
  const RunResult kill_twice =
      Syndicate({"withdraw", killed_id, "--reason=Again", "--kill"}, address_);
  EXPECT_EQ(kill_twice.exit_code, 1);
  EXPECT_THAT(kill_twice.err, StartsWith("syndicate: FAILED_PRECONDITION: "));

  // Tombstones are signed too.
  const RunResult verified = Syndicate({"get", "--verify", killed_id}, address_);
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.err, "signature: valid (key " + CurrentKeyId() + ")\n");

  // The stream prints tombstone events: no article, the pubstatus and the reason.
  const RunResult streamed = Syndicate({"stream", "--limit=5"}, address_);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  const std::vector<std::string> raw = absl::StrSplit(streamed.out, '\n', absl::SkipEmpty());
  const auto lines = StreamLines(streamed.out);
  ASSERT_EQ(lines.size(), 5u);
  const std::vector<syndication::v1::EventType> types = {
      syndication::v1::EVENT_TYPE_PUBLISHED, syndication::v1::EVENT_TYPE_PUBLISHED,
      syndication::v1::EVENT_TYPE_WITHDRAWN, syndication::v1::EVENT_TYPE_UPDATED,
      syndication::v1::EVENT_TYPE_CANCELED};
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].event().type(), types[i]) << i;
  const syndication::v1::ArticleEvent& withdrawal = lines[2].event();
  EXPECT_EQ(withdrawal.article_id(), withheld_id);
  EXPECT_EQ(withdrawal.version(), 2);
  EXPECT_EQ(withdrawal.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(withdrawal.reason(), "Under legal review");
  EXPECT_FALSE(withdrawal.has_article());
  const syndication::v1::ArticleEvent& kill = lines[4].event();
  EXPECT_EQ(kill.article_id(), killed_id);
  EXPECT_EQ(kill.version(), 2);
  EXPECT_EQ(kill.source_id(), kSourceId);
  EXPECT_EQ(kill.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(kill.reason(), "Fabricated quotes");
  EXPECT_FALSE(kill.has_article());
  EXPECT_THAT(raw[4], HasSubstr(R"("type":"EVENT_TYPE_CANCELED")"));
  EXPECT_THAT(raw[4],
              HasSubstr(R"("pubstatus":"PUB_STATUS_CANCELED","reason":"Fabricated quotes")"));
  EXPECT_FALSE(absl::StrContains(raw[4], R"("article":)")) << raw[4];
}

TEST_F(CliLifecycleTest, WithdrawNeedsAReason) {
  const RunResult missing = Syndicate({"withdraw", "0123456789abcdef0123456789abcdef"}, address_);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--reason is required"));
  const RunResult unknown =
      Syndicate({"withdraw", "0123456789abcdef0123456789abcdef", "--reason=Wrong town"}, address_);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err,
            "syndicate: NOT_FOUND: id: no article has id \"0123456789abcdef0123456789abcdef\"\n");
}

TEST_F(CliLifecycleTest, GetVerifyAndVerifyOfASavedStory) {
  const std::string id =
      Publish(Story("ferry-2", "Ferry timetable cut to four crossings a day")).article().id();
  const std::string key_id = CurrentKeyId();
  ASSERT_EQ(key_id.size(), 16u);

  const RunResult got = Syndicate({"get", "--verify", id}, address_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.err, "signature: valid (key " + key_id + ")\n");
  // stdout holds the story alone, so it can be saved and checked later.
  const Article article = Parsed<Article>(got.out);
  EXPECT_EQ(article.signature().key_id(), key_id);
  const std::string saved = dir_ + "/saved.json";
  WriteFile(saved, got.out);
  const RunResult valid = Syndicate({"verify", saved}, address_);
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  EXPECT_EQ(valid.out, "signature: valid (key " + key_id + ")\n");
  EXPECT_EQ(valid.err, "");

  // One byte changed in the headline, the body, the credit line or a media credit.
  std::vector<Article> tampered(4, article);
  tampered[0].set_headline(OneByteChanged(article.headline()));
  tampered[1].set_body_text(OneByteChanged(article.body_text()));
  tampered[2].mutable_attribution()->set_credit_line(
      OneByteChanged(article.attribution().credit_line()));
  tampered[3].mutable_media(0)->set_credit(OneByteChanged(article.media(0).credit()));
  for (size_t i = 0; i < tampered.size(); ++i) {
    const RunResult invalid =
        Syndicate({"verify", Save(tampered[i], absl::StrCat("tampered-", i, ".json"))}, address_);
    EXPECT_EQ(invalid.exit_code, 1) << i;
    EXPECT_EQ(invalid.out,
              "signature: invalid: content_hash: does not match the article: its content "
              "changed after signing\n")
        << i;
  }
  // The same change with a content_hash made to match: the signature gives it away.
  Article rehashed = tampered[0];
  rehashed.set_content_hash(ContentHash(rehashed));
  const RunResult resigned = Syndicate({"verify", Save(rehashed, "rehashed.json")}, address_);
  EXPECT_EQ(resigned.exit_code, 1);
  EXPECT_EQ(resigned.out,
            "signature: invalid: signature: does not verify: the signed bytes changed\n");

  Article unknown_key = article;
  unknown_key.mutable_signature()->set_key_id("00000000000000ff");
  const RunResult unknown = Syndicate({"verify", Save(unknown_key, "unknown.json")}, address_);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.out,
            "signature: invalid: signature.key_id: unknown key \"00000000000000ff\": the service "
            "does not list it among its 1 signing keys\n");

  Article unsigned_copy = article;
  unsigned_copy.clear_signature();
  const RunResult missing = Syndicate({"verify", Save(unsigned_copy, "unsigned.json")}, address_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "signature: invalid: signature: is missing\n");

  const RunResult not_json = Syndicate({"verify", dir_ + "/absent.json"}, address_);
  EXPECT_EQ(not_json.exit_code, 1);
  EXPECT_EQ(not_json.err, "syndicate: NOT_FOUND: " + dir_ + "/absent.json: cannot be read\n");
}

TEST_F(CliLifecycleTest, SignaturesVerifyAfterARestartAndAKeyRotation) {
  Article ferry = Story("ferry-3", "Ferry timetable cut to four crossings a day");
  const std::string old_id = Publish(ferry).article().id();
  const std::string old_key = CurrentKeyId();
  const RunResult got = Syndicate({"get", old_id}, address_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  const std::string saved = dir_ + "/saved.json";
  WriteFile(saved, got.out);

  ASSERT_NO_FATAL_FAILURE(Restart("key-a"));
  EXPECT_EQ(CurrentKeyId(), old_key);
  const RunResult after_restart = Syndicate({"verify", saved}, address_);
  EXPECT_EQ(after_restart.exit_code, 0) << after_restart.err;
  EXPECT_EQ(after_restart.out, "signature: valid (key " + old_key + ")\n");

  ASSERT_NO_FATAL_FAILURE(Restart("key-b"));
  const RunResult keys = Syndicate({"keys"}, address_);
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  const auto listed = Parsed<syndication::v1::GetSigningKeysResponse>(keys.out);
  ASSERT_EQ(listed.keys_size(), 2);
  const std::string new_key = listed.keys(0).key_id();
  EXPECT_NE(new_key, old_key);
  EXPECT_TRUE(listed.keys(0).current());
  EXPECT_EQ(listed.keys(0).public_key().size(), 32u);
  EXPECT_EQ(listed.keys(1).key_id(), old_key);
  EXPECT_FALSE(listed.keys(1).current());
  EXPECT_EQ(KeyId(listed.keys(1).public_key()), old_key);

  const PublishArticleResponse fresh = Publish(Story("bridge-3", "Bridge repairs finish early"));
  EXPECT_EQ(fresh.article().signature().key_id(), new_key);
  const RunResult new_story = Syndicate({"get", "--verify", fresh.article().id()}, address_);
  EXPECT_EQ(new_story.exit_code, 0) << new_story.err;
  EXPECT_EQ(new_story.err, "signature: valid (key " + new_key + ")\n");
  const RunResult old_story = Syndicate({"get", "--verify", old_id}, address_);
  EXPECT_EQ(old_story.exit_code, 0) << old_story.err;
  EXPECT_EQ(old_story.err, "signature: valid (key " + old_key + ")\n");
  const RunResult old_file = Syndicate({"verify", saved}, address_);
  EXPECT_EQ(old_file.exit_code, 0) << old_file.err;
  EXPECT_EQ(old_file.out, "signature: valid (key " + old_key + ")\n");

  // A correction made now is signed with the new key; version 1 keeps the old signature.
  ferry.set_headline("Ferry timetable cut to three crossings a day");
  const PublishArticleResponse corrected =
      Publish(ferry, {"--correction=The number of crossings was wrong."});
  EXPECT_EQ(corrected.article().signature().key_id(), new_key);
  const RunResult version_one = Syndicate({"get", "--verify", "--version=1", old_id}, address_);
  EXPECT_EQ(version_one.exit_code, 0) << version_one.err;
  EXPECT_EQ(version_one.err, "signature: valid (key " + old_key + ")\n");
  const RunResult version_two = Syndicate({"get", "--verify", old_id}, address_);
  EXPECT_EQ(version_two.exit_code, 0) << version_two.err;
  EXPECT_EQ(version_two.err, "signature: valid (key " + new_key + ")\n");
}

TEST_F(CliLifecycleTest, ListCatchesUpInVersionCreatedOrder) {
  Article harbour = Story("harbour-4", "Harbour cranes return after a refit");
  harbour.mutable_published_at()->set_seconds(1795000000);
  Article bridge = Story("bridge-4", "Bridge repairs finish a month early");
  bridge.mutable_published_at()->set_seconds(1795000100);
  Article ferry = Story("ferry-4", "Ferry timetable cut to four crossings a day");
  ferry.mutable_published_at()->set_seconds(1795000200);
  const Article first = Publish(harbour).article();
  const std::string killed_id = Publish(bridge).article().id();
  const Article third = Publish(ferry).article();
  const RunResult killed =
      Syndicate({"withdraw", killed_id, "--kill", "--reason=Fabricated quotes"}, address_);
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  const Article tombstone = Parsed<Article>(killed.out);

  // The version_created of the first story, as a partner that processed it would pass it.
  const std::string after =
      absl::FormatTime(absl::RFC3339_full,
                       absl::FromUnixSeconds(first.version_created().seconds()) +
                           absl::Nanoseconds(first.version_created().nanos()),
                       absl::UTCTimeZone());
  const RunResult live =
      Syndicate({"list", "--order-by=version_created", "--updated-after=" + after}, address_);
  ASSERT_EQ(live.exit_code, 0) << live.err;
  const auto live_page = Parsed<syndication::v1::ListArticlesResponse>(live.out);
  ASSERT_EQ(live_page.articles_size(), 1);
  EXPECT_EQ(live_page.articles(0).id(), third.id());

  const RunResult all = Syndicate(
      {"list", "--order-by=version_created", "--updated-after=" + after, "--show-withdrawn"},
      address_);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto all_page = Parsed<syndication::v1::ListArticlesResponse>(all.out);
  ASSERT_EQ(all_page.articles_size(), 2);
  EXPECT_EQ(all_page.articles(0).id(), third.id());
  EXPECT_EQ(all_page.articles(1).id(), killed_id);
  EXPECT_EQ(all_page.articles(1).version(), 2);
  EXPECT_EQ(all_page.articles(1).pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(all_page.articles(1).withdrawal_reason(), "Fabricated quotes");
  EXPECT_EQ(all_page.articles(1).headline(), "");

  // --brief shows version_created in this order, and a tombstone's status and reason.
  const auto seconds = [](const google::protobuf::Timestamp& time) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(time.seconds()),
                            absl::UTCTimeZone());
  };
  const RunResult brief = Syndicate({"list", "--brief", "--order-by=version_created",
                                     "--updated-after=" + after, "--show-withdrawn"},
                                    address_);
  ASSERT_EQ(brief.exit_code, 0) << brief.err;
  EXPECT_EQ(brief.out, third.id() + "  v1  " + seconds(third.version_created()) +
                           "  [The Harbour Gazette]  " + ferry.headline() + "\n" + killed_id +
                           "  v2  " + seconds(tombstone.version_created()) +
                           "  CANCELED: Fabricated quotes\n");

  // The default order (newest list time first) leaves the killed story out too.
  const RunResult newest = Syndicate({"list"}, address_);
  ASSERT_EQ(newest.exit_code, 0) << newest.err;
  const auto newest_page = Parsed<syndication::v1::ListArticlesResponse>(newest.out);
  ASSERT_EQ(newest_page.articles_size(), 2);
  EXPECT_EQ(newest_page.articles(0).id(), third.id());
  EXPECT_EQ(newest_page.articles(1).id(), first.id());

  const RunResult bad_time =
      Syndicate({"list", "--order-by=version_created", "--updated-after=yesterday"}, address_);
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_EQ(bad_time.err,
            "syndicate: --updated-after: \"yesterday\" is not an RFC 3339 time such as "
            "2026-03-01T12:00:00Z\n");
  const RunResult without_order = Syndicate({"list", "--updated-after=" + after}, address_);
  EXPECT_EQ(without_order.exit_code, 1);
  EXPECT_THAT(without_order.err, StartsWith("syndicate: INVALID_ARGUMENT: "));
}

TEST_F(CliLifecycleTest, ARetriedRequestIdGetsTheFirstResponse) {
  const Article first = Story("ferry-5", "Ferry timetable cut to four crossings a day");
  Article second = first;
  second.set_headline("Ferry timetable cut to three crossings a day");
  const RunResult published =
      Syndicate({"publish", Save(first, "first.json"), "--request-id=ferry-import-0001"}, address_);
  ASSERT_EQ(published.exit_code, 0) << published.err;
  const RunResult retried = Syndicate(
      {"publish", Save(second, "second.json"), "--request-id=ferry-import-0001"}, address_);
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(retried.out, published.out);
  const std::string id = Parsed<PublishArticleResponse>(published.out).article().id();
  const RunResult got = Syndicate({"get", id}, address_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(Parsed<Article>(got.out).version(), 1);
  EXPECT_EQ(Parsed<Article>(got.out).headline(), first.headline());

  // Without the repeated id the change is applied; each publish gets a fresh one.
  const RunResult applied = Syndicate({"publish", dir_ + "/second.json"}, address_);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(Parsed<PublishArticleResponse>(applied.out).article().version(), 2);

  const RunResult withdrawn =
      Syndicate({"withdraw", id, "--reason=Under legal review", "--request-id=ferry-withdraw-0001"},
                address_);
  ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
  const RunResult withdrawn_again =
      Syndicate({"withdraw", id, "--reason=Under legal review", "--request-id=ferry-withdraw-0001"},
                address_);
  EXPECT_EQ(withdrawn_again.exit_code, 0) << withdrawn_again.err;
  EXPECT_EQ(withdrawn_again.out, withdrawn.out);
}

TEST_F(CliLifecycleTest, AStaleEtagIsAborted) {
  Article story = Story("ferry-6", "Ferry timetable cut to four crossings a day");
  const Article v1 = Publish(story).article();
  story.set_headline("Ferry timetable cut to three crossings a day");
  const Article v2 = Publish(story, {"--etag=" + v1.etag()}).article();
  EXPECT_EQ(v2.version(), 2);
  story.set_headline("Ferry timetable cut to two crossings a day");
  const RunResult stale =
      Syndicate({"publish", Save(story, "stale.json"), "--etag=" + v1.etag()}, address_);
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.err, StartsWith("syndicate: ABORTED: etag: "));
  const RunResult stale_withdraw = Syndicate(
      {"withdraw", v1.id(), "--reason=Under legal review", "--etag=" + v1.etag()}, address_);
  EXPECT_EQ(stale_withdraw.exit_code, 1);
  EXPECT_THAT(stale_withdraw.err, StartsWith("syndicate: ABORTED: etag: "));
  const RunResult withdrawn = Syndicate(
      {"withdraw", v1.id(), "--reason=Under legal review", "--etag=" + v2.etag()}, address_);
  EXPECT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
}

TEST_F(CliLifecycleTest, VerifyChecksThePublishersSignatureToo) {
  const absl::StatusOr<SigningKey> newsroom = SigningKey::FromSeed(std::string(32, '\x07'));
  ASSERT_THAT(newsroom, IsOk());
  const std::string source_file = dir_ + "/newsroom.json";
  WriteFile(source_file, R"({"id": "gazette-newsroom", "name": "The Harbour Gazette",
      "publisherPublicKey": ")" +
                             absl::Base64Escape(newsroom->public_key()) + R"("})");
  const RunResult put = Syndicate({"source", "put", source_file}, address_);
  ASSERT_EQ(put.exit_code, 0) << put.err;

  Article story = Story("gazette-1", "Harbour cranes return after a refit");
  story.set_source_id("gazette-newsroom");
  *story.mutable_publisher_signature() = newsroom->Sign(PublisherBytes(story));
  const PublishArticleResponse published = Publish(story);
  ASSERT_EQ(published.outcome(), PublishArticleResponse::OUTCOME_CREATED);
  EXPECT_EQ(published.article().publisher_signature().key_id(), newsroom->key_id());

  const RunResult verified = Syndicate({"get", "--verify", published.article().id()}, address_);
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(verified.err, "signature: valid (key " + CurrentKeyId() + ", publisher key " +
                              newsroom->key_id() + ")\n");
}

}  // namespace
}  // namespace syndicate
