#include "server/wire.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "syndication/v1/publishing_service.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using syndication::v1::PublishArticleRequest;

// Serializes `request` with the placeholder "@@BAD@@" replaced by bytes that are not UTF-8.
// The placeholder has the same length as the replacement, so length prefixes stay right.
std::string WithInvalidUtf8(const PublishArticleRequest& request) {
  return absl::StrReplaceAll(request.SerializeAsString(), {{"@@BAD@@", "ok\xC3\x28\xFF!!"}});
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

TEST(CheckUtf8, AcceptsAValidRequest) {
  PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), request.SerializeAsString()), IsOk());
}

TEST(CheckUtf8, NamesTopLevelField) {
  PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  request.mutable_article()->set_headline("@@BAD@@");
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), WithInvalidUtf8(request)),
              StatusIs(absl::StatusCode::kInvalidArgument, "article.headline: is not valid UTF-8"));
}

TEST(CheckUtf8, NamesNestedAndRepeatedFields) {
  PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  request.mutable_article()->add_authors()->set_name("@@BAD@@");
  EXPECT_THAT(
      CheckUtf8(*request.GetDescriptor(), WithInvalidUtf8(request)),
      StatusIs(absl::StatusCode::kInvalidArgument, "article.authors[1].name: is not valid UTF-8"));

  *request.mutable_article() = ExampleArticle("ferry-1");
  request.mutable_article()->mutable_attribution()->set_credit_line("@@BAD@@");
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), WithInvalidUtf8(request)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.attribution.credit_line: is not valid UTF-8"));

  *request.mutable_article() = ExampleArticle("ferry-1");
  request.mutable_article()->add_keywords("ferries");
  request.mutable_article()->add_keywords("@@BAD@@");
  EXPECT_THAT(
      CheckUtf8(*request.GetDescriptor(), WithInvalidUtf8(request)),
      StatusIs(absl::StatusCode::kInvalidArgument, "article.keywords[1]: is not valid UTF-8"));

  *request.mutable_article() = ExampleArticle("ferry-1");
  auto* media = request.mutable_article()->add_media();
  media->set_uri("https://img.example.org/1.jpg");
  media->add_renditions()->set_mime_type("@@BAD@@");
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), WithInvalidUtf8(request)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.media[0].renditions[0].mime_type: is not valid UTF-8"));
}

TEST(CheckUtf8, RefusesBytesThatAreNotAMessage) {
  PublishArticleRequest request;
  // Field 1 (article), length-delimited, claims 100 bytes but holds 2.
  const std::string truncated("\x0a\x64\x01\x02", 4);
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), truncated),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request: is not a well-formed protobuf message"));
  // Field 1 holds bytes that are not a message.
  const std::string bad_nested("\x0a\x02\xff\xff", 4);
  EXPECT_THAT(CheckUtf8(*request.GetDescriptor(), bad_nested),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article: is not a well-formed protobuf message"));
}

TEST(DecodeRequest, ParsesValidBytesAndRefusesInvalidUtf8) {
  PublishArticleRequest request;
  *request.mutable_article() = ExampleArticle("ferry-1");
  PublishArticleRequest decoded;
  ASSERT_THAT(DecodeRequest(ToBuffer(request.SerializeAsString()), &decoded), IsOk());
  EXPECT_EQ(decoded.article().headline(), request.article().headline());

  request.mutable_article()->set_byline("@@BAD@@");
  EXPECT_THAT(DecodeRequest(ToBuffer(WithInvalidUtf8(request)), &decoded),
              StatusIs(absl::StatusCode::kInvalidArgument, "article.byline: is not valid UTF-8"));
}

TEST(ToGrpcStatus, KeepsCodeAndMessage) {
  const grpc::Status status = ToGrpcStatus(absl::NotFoundError("id: no article"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "id: no article");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::FailedPreconditionError("x")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace syndicate::server
