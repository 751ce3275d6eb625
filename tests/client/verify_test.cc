// The client library's lifecycle calls and Client::VerifyArticle against syndicated run as
// a child process: the key cache across a key rotation, unknown keys, the publisher's
// signature, withdrawals with etags and request ids.
#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "common/article_signing.h"
#include "gtest/gtest.h"
#include "tests/client/testing.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate {
namespace {

using ::syndicate::client::Client;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::syndication::v1::PublishArticleResponse;

constexpr absl::Duration kPatience = absl::Seconds(60);

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    Start("127.0.0.1:0", "key-a");
    client::ClientOptions options;
    options.server = address_;
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    ASSERT_THAT(client, IsOk());
    client_ = *std::move(client);
    ASSERT_THAT(client_->UpsertSource(::syndicate::testing::ExampleSource()), IsOk());
  }

  void Start(const std::string& listen, const std::string& key_file) {
    auto server = ::syndicate::testing::StartSyndicated(
        dir_ + "/data", listen, {"--signing-key-file=" + dir_ + "/" + key_file});
    ASSERT_THAT(server, IsOk());
    server_.emplace(*std::move(server));
    address_ = server_->address;
  }

  void Restart(const std::string& key_file) {
    server_->process.Signal(SIGTERM);
    ASSERT_THAT(server_->process.Wait(kPatience), IsOk());
    server_.reset();
    Start(address_, key_file);
  }

  Article Published(const Article& article) {
    absl::StatusOr<PublishArticleResponse> published = client_->PublishArticle(article);
    EXPECT_THAT(published, IsOk());
    return published.ok() ? published->article() : Article();
  }

  std::string dir_;
  std::string address_;
  std::optional<::syndicate::testing::Syndicated> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(VerifyTest, ACachedClientFindsTheNewKeyAfterARotation) {
  const Article before = Published(::syndicate::testing::ExampleArticle("ferry-1"));
  EXPECT_THAT(client_->VerifyArticle(before), IsOk());

  ASSERT_NO_FATAL_FAILURE(Restart("key-b"));
  const Article after = Published(::syndicate::testing::ExampleArticle("ferry-2"));
  ASSERT_NE(after.signature().key_id(), before.signature().key_id());
  // The cache holds only the old key: the new id makes the client ask again.
  EXPECT_THAT(client_->VerifyArticle(after), IsOk());
  EXPECT_THAT(client_->VerifyArticle(before), IsOk());

  absl::StatusOr<syndication::v1::GetSigningKeysResponse> keys = client_->GetSigningKeys();
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->keys_size(), 2);
  EXPECT_EQ(keys->keys(0).key_id(), after.signature().key_id());
  EXPECT_EQ(keys->keys(1).key_id(), before.signature().key_id());
}

TEST_F(VerifyTest, AChangedOrUnknownSignatureIsInvalid) {
  const Article article = Published(::syndicate::testing::ExampleArticle("ferry-3"));
  Article changed = article;
  changed.set_byline("By Someone Else");
  EXPECT_THAT(client_->VerifyArticle(changed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "content_hash: does not match the article: its content changed after "
                       "signing"));
  Article unknown = article;
  unknown.mutable_signature()->set_key_id("0123456789abcdef");
  EXPECT_THAT(client_->VerifyArticle(unknown),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature.key_id: unknown key \"0123456789abcdef\": the service does not "
                       "list it among its 1 signing keys"));
  Article missing = article;
  missing.clear_signature();
  EXPECT_THAT(client_->VerifyArticle(missing),
              StatusIs(absl::StatusCode::kInvalidArgument, "signature: is missing"));
}

TEST_F(VerifyTest, AnUnreachableServerIsNotAVerdict) {
  const Article article = Published(::syndicate::testing::ExampleArticle("ferry-4"));
  ASSERT_THAT(client_->VerifyArticle(article), IsOk());
  server_->process.Signal(SIGKILL);
  ASSERT_THAT(server_->process.Wait(kPatience), IsOk());
  // A fresh client has no keys cached, so it must ask, and cannot.
  client::ClientOptions options;
  options.server = address_;
  options.deadline = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<Client>> fresh = Client::Create(options);
  ASSERT_THAT(fresh, IsOk());
  EXPECT_THAT((*fresh)->VerifyArticle(article), StatusIs(absl::StatusCode::kUnavailable));
  // The one that verified before still has the key.
  EXPECT_THAT(client_->VerifyArticle(article), IsOk());
}

TEST_F(VerifyTest, ThePublishersSignatureIsCheckedAgainstItsSource) {
  const absl::StatusOr<SigningKey> newsroom = SigningKey::FromSeed(std::string(32, '\x07'));
  ASSERT_THAT(newsroom, IsOk());
  syndication::v1::Source source = ::syndicate::testing::ExampleSource();
  source.set_id("gazette-newsroom");
  source.set_publisher_public_key(newsroom->public_key());
  absl::StatusOr<syndication::v1::Source> stored = client_->UpsertSource(source);
  ASSERT_THAT(stored, IsOk());

  Article story = ::syndicate::testing::ExampleArticle("gazette-1");
  story.set_source_id("gazette-newsroom");
  // ExampleArticle fills every attribution field the defaults would, except these two.
  story.mutable_attribution()->set_copyright_notice("© 2026 The Harbour Gazette");
  story.mutable_attribution()->set_usage_terms("Republication by licensed partners only.");
  *story.mutable_publisher_signature() = newsroom->Sign(PublisherBytes(story));
  const Article signed_story = Published(story);
  ASSERT_EQ(signed_story.publisher_signature().key_id(), newsroom->key_id());
  EXPECT_THAT(client_->VerifyArticle(signed_story, &*stored), IsOk());

  // Against another key.
  syndication::v1::Source impostor = *stored;
  const absl::StatusOr<SigningKey> other = SigningKey::FromSeed(std::string(32, '\x08'));
  ASSERT_THAT(other, IsOk());
  impostor.set_publisher_public_key(other->public_key());
  EXPECT_THAT(client_->VerifyArticle(signed_story, &impostor),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("publisher_signature.key_id: \"", newsroom->key_id(),
                                    "\" is not the id of this key (", other->key_id(), ")")));

  // A story of a source without a key carries no publisher signature.
  const Article plain = Published(::syndicate::testing::ExampleArticle("ferry-5"));
  EXPECT_FALSE(plain.has_publisher_signature());
  EXPECT_THAT(client_->VerifyArticle(plain, &*stored),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "publisher_signature: is missing, but source \"gazette-newsroom\" has a "
                       "publisher_public_key"));
  // A source without a key checks nothing more.
  const syndication::v1::Source without_key;
  EXPECT_THAT(client_->VerifyArticle(plain, &without_key), IsOk());

  // A tombstone has no text for the publisher to have signed.
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> killed =
      client_->WithdrawArticle(signed_story.id(), "Published in error", /*kill=*/true);
  ASSERT_THAT(killed, IsOk());
  EXPECT_THAT(client_->VerifyArticle(killed->article(), &*stored), IsOk());
}

TEST_F(VerifyTest, WithdrawWithEtagAndRequestId) {
  const Article article = Published(::syndicate::testing::ExampleArticle("ferry-6"));
  // Well formed (a malformed etag is INVALID_ARGUMENT), but not the story's.
  EXPECT_THAT(client_->WithdrawArticle(article.id(), "Under legal review", false, "1-000000000000"),
              StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> withheld = client_->WithdrawArticle(
      article.id(), "Under legal review", false, article.etag(), "withdraw-ferry-6");
  ASSERT_THAT(withheld, IsOk());
  EXPECT_EQ(withheld->article().pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(withheld->article().version(), 2);
  EXPECT_THAT(client_->VerifyArticle(withheld->article()), IsOk());
  // The same request again: the first response, not "already withdrawn".
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> again = client_->WithdrawArticle(
      article.id(), "Under legal review", false, article.etag(), "withdraw-ferry-6");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->SerializeAsString(), withheld->SerializeAsString());
  // Without a request id of the caller's, each call is a new request.
  EXPECT_THAT(client_->WithdrawArticle(article.id(), "Under legal review"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(VerifyTest, PublishRequestsWithoutARequestIdAreDistinct) {
  Article story = ::syndicate::testing::ExampleArticle("ferry-7");
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = story;
  ASSERT_THAT(client_->PublishArticle(request), IsOk());
  // Each call gets a request id of its own, so the second change is not taken for a retry.
  story.set_headline("Ferry timetable changes again");
  *request.mutable_article() = story;
  request.mutable_correction()->set_text("The first headline named the wrong season.");
  absl::StatusOr<PublishArticleResponse> corrected = client_->PublishArticle(request);
  ASSERT_THAT(corrected, IsOk());
  EXPECT_EQ(corrected->outcome(), PublishArticleResponse::OUTCOME_UPDATED);
  EXPECT_EQ(corrected->article().version(), 2);
  ASSERT_EQ(corrected->article().corrections_size(), 1);
  EXPECT_EQ(corrected->article().corrections(0).text(),
            "The first headline named the wrong season.");

  absl::StatusOr<syndication::v1::ListArticleVersionsResponse> versions = [&] {
    syndication::v1::ListArticleVersionsRequest list;
    list.set_id(corrected->article().id());
    return client_->ListArticleVersions(list);
  }();
  ASSERT_THAT(versions, IsOk());
  ASSERT_EQ(versions->versions_size(), 2);
  EXPECT_EQ(versions->versions(0).headline(), "Ferry timetable changes for the winter season");
  EXPECT_EQ(versions->versions(1).headline(), "Ferry timetable changes again");
}

TEST(ClientCreate, RefusesAnApiKeyThatCannotGoIntoAHeader) {
  // gRPC aborts the process on a header value outside visible ASCII: refused before.
  client::ClientOptions options;
  options.server = "127.0.0.1:1";
  for (const std::string& key : {std::string("sk_a\nsk_b"), std::string("sk_a b"),
                                 std::string("sk_\x01"), std::string("sk_\xc3\xa9")}) {
    options.api_key = key;
    EXPECT_THAT(Client::Create(options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("api_key: is not an API key: byte ")));
  }
  options.api_key = "sk_0123456789abcdef_visible-ascii";
  EXPECT_THAT(Client::Create(options), IsOk());
}

}  // namespace
}  // namespace syndicate
