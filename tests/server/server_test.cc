// The server in-process on 127.0.0.1:0, driven through the client library and raw calls.
#include "server/server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "client/client.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using syndication::v1::Article;
using ::testing::HasSubstr;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_,
                                   storage::Store::Open(::syndicate::testing::FreshTempDir()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(server_, Server::Start({}, core_.get()));
    client::ClientOptions options;
    options.server = server_->address();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(client_, client::Client::Create(options));
    ASSERT_THAT(client_->UpsertSource(ExampleSource()), IsOk());
  }

  // Calls `method` with `request_bytes` as the raw request body.
  grpc::Status RawCall(const std::string& method, const std::string& request_bytes) {
    auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(request_bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) {
                     std::lock_guard<std::mutex> lock(mu);
                     result = std::move(status);
                     done = true;
                     done_cv.notify_one();
                   });
    std::unique_lock<std::mutex> lock(mu);
    done_cv.wait(lock, [&] { return done; });
    return result;
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(ServerTest, AddressHasTheChosenPort) {
  EXPECT_THAT(server_->address(), ::testing::StartsWith("127.0.0.1:"));
  EXPECT_NE(server_->address(), "127.0.0.1:0");
}

// Found by a tester: with gRPC's default SO_REUSEPORT a second server bound the same port
// and took part of the connections.
TEST_F(ServerTest, ASecondServerCannotListenOnTheSamePort) {
  ServerOptions options;
  options.listen_address = server_->address();
  EXPECT_THAT(
      Server::Start(options, core_.get()),
      StatusIs(absl::StatusCode::kUnavailable, "listen: cannot serve on " + server_->address()));
}

TEST_F(ServerTest, PublishThenGetAndListAcrossPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Article article = ExampleArticle("story-" + std::to_string(i));
    article.mutable_published_at()->set_seconds(1795000000 + i);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, client_->PublishArticle(article));
    EXPECT_EQ(published.outcome(), syndication::v1::PublishArticleResponse::OUTCOME_CREATED);
    ids.push_back(published.article().id());
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Article got, client_->GetArticle(ids[1]));
  EXPECT_EQ(got.external_id(), "story-1");
  EXPECT_EQ(got.attribution().credit_line(), "The Harbour Gazette");
  EXPECT_EQ(got.attribution().original_url(), "https://harbour.example.org/news/ferry-winter");

  syndication::v1::ListArticlesRequest request;
  request.set_page_size(2);
  std::vector<std::string> listed;
  do {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, client_->ListArticles(request));
    EXPECT_LE(page.articles_size(), 2);
    for (const Article& a : page.articles()) listed.push_back(a.id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto batch, client_->BatchGetArticles({ids[3], ids[0]}));
  ASSERT_EQ(batch.articles_size(), 2);
  EXPECT_EQ(batch.articles(0).external_id(), "story-3");
}

TEST_F(ServerTest, ErrorsKeepTheirCodeAndMessageAcrossTheWire) {
  Article article = ExampleArticle("ferry-1");
  article.clear_headline();
  EXPECT_THAT(client_->PublishArticle(article),
              StatusIs(absl::StatusCode::kInvalidArgument, "article.headline: is required"));
  EXPECT_THAT(client_->GetArticle("0123456789abcdef0123456789abcdef"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no article has id")));
  EXPECT_THAT(client_->GetSource("nobody"),
              StatusIs(absl::StatusCode::kNotFound, "id: no source has id \"nobody\""));
}

TEST_F(ServerTest, InvalidUtf8IsInvalidArgumentNamingTheFieldAndStoresNothing) {
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  request.mutable_article()->set_headline("@@BAD@@");
  const std::string bytes =
      absl::StrReplaceAll(request.SerializeAsString(), {{"@@BAD@@", "ok\xC3\x28\xFF!!"}});
  const grpc::Status status = RawCall("/syndication.v1.PublishingService/PublishArticle", bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "article.headline: is not valid UTF-8");
  EXPECT_EQ(store_->FeedHead(), 0u);

  syndication::v1::GetSourceRequest get;
  get.set_id("@@BAD@@");
  const grpc::Status get_status =
      RawCall("/syndication.v1.SyndicationService/GetSource",
              absl::StrReplaceAll(get.SerializeAsString(), {{"@@BAD@@", "ok\xC3\x28\xFF!!"}}));
  EXPECT_EQ(get_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(get_status.error_message(), "id: is not valid UTF-8");
}

// Found by a tester: a field unknown to the schema was stored and served to partners.
TEST_F(ServerTest, UnknownFieldsAreDroppedNotStored) {
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  std::string bytes = request.SerializeAsString();
  // Append field 99 (length-delimited, 2 bytes that are not UTF-8) inside the article:
  // rebuild the outer length prefix around the extended article.
  std::string article_bytes = request.article().SerializeAsString();
  article_bytes += std::string("\x9a\x06\x02\xff\xfe", 5);  // tag (99 << 3 | 2), len 2
  std::string outer = "\x0a";
  size_t length = article_bytes.size();
  while (length >= 0x80) {
    outer.push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  outer.push_back(static_cast<char>(length));
  outer += article_bytes;
  ASSERT_TRUE(RawCall("/syndication.v1.PublishingService/PublishArticle", outer).ok());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto listed, client_->ListArticles({}));
  ASSERT_EQ(listed.articles_size(), 1);
  const Article& stored = listed.articles(0);
  EXPECT_TRUE(stored.GetReflection()->GetUnknownFields(stored).empty());
  // The same story without the unknown field is the same content.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto again, client_->PublishArticle(ExampleArticle("ferry-1")));
  EXPECT_EQ(again.outcome(), syndication::v1::PublishArticleResponse::OUTCOME_UNCHANGED);
}

// Found by a tester: a 4 MiB story got gRPC's RESOURCE_EXHAUSTED instead of a named field.
TEST_F(ServerTest, AFourMegabyteStoryIsRefusedNamingItsLargestField) {
  Article article = ExampleArticle("huge");
  article.set_body_text(std::string(4 * 1024 * 1024, 'b'));
  EXPECT_THAT(client_->PublishArticle(article),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(::testing::StartsWith("article: is "),
                                        HasSubstr("the largest field is body_text"))));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

// The transport's limit still holds past it: the request is not read at all.
TEST_F(ServerTest, ARequestOverTheEightMebibyteLimitIsResourceExhausted) {
  Article article = ExampleArticle("too-huge");
  article.set_body_text(std::string(9 * 1024 * 1024, 'b'));
  EXPECT_THAT(client_->PublishArticle(article),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

TEST_F(ServerTest, GarbageRequestBytesAreInvalidArgument) {
  const grpc::Status status =
      RawCall("/syndication.v1.PublishingService/PublishArticle", std::string("\x0a\x64\x01", 3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "request: is not a well-formed protobuf message");
}

TEST_F(ServerTest, ShutdownIsIdempotent) {
  server_->Shutdown(absl::Seconds(1));
  server_->Shutdown(absl::Seconds(1));
  EXPECT_THAT(client_->GetSource("harbour-wire"),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
}

TEST(SplitHostPort, ParsesAndRefuses) {
  auto v4 = SplitHostPort("127.0.0.1:0", "listen");
  ASSERT_THAT(v4, IsOk());
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 0);
  auto v6 = SplitHostPort("[::1]:7000", "listen");
  ASSERT_THAT(v6, IsOk());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 7000);
  EXPECT_THAT(SplitHostPort("::1:7000", "listen"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "listen: \"::1:7000\" is not HOST:PORT with PORT in 0-65535"));
  EXPECT_THAT(SplitHostPort("localhost:70000", "listen"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(SplitHostPort("localhost", "listen"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("192.0.2.1"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.2"));
  EXPECT_TRUE(IsLoopbackHost("0:0:0:0:0:0:0:1"));
  // Found by a tester: a DNS name that merely starts with "127." passed.
  EXPECT_FALSE(IsLoopbackHost("127.example.org"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.example.org"));
  EXPECT_FALSE(IsLoopbackHost("::2"));
}

}  // namespace
}  // namespace syndicate::server
