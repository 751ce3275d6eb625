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

// The direct read of a GetArticleRequest gives what DecodeRequest gives, for the common
// request and every odd one: unknown fields, repeated fields, bad UTF-8, bad wire types,
// truncated and malformed bytes, and a request in two slices.
TEST(DecodeGetArticleRequest, AgreesWithDecodeRequest) {
  syndication::v1::GetArticleRequest plain;
  plain.set_id(std::string(32, 'a'));
  plain.set_version(7);
  const std::string common = plain.SerializeAsString();
  const std::string inputs[] = {
      common,
      "",
      common.substr(0, 34),                    // the id only
      std::string("\x10\x05", 2),              // the version only
      common + std::string("\x0a\x02zz", 4),   // the id again: the last one counts
      common + std::string("\x10\x09", 2),     // the version again
      common + std::string("\x18\x01", 2),     // an unknown varint field
      common + std::string("\x22\x03xyz", 5),  // an unknown length-delimited field
      std::string("\x0a\x04ok\xC3\x28", 6),    // an id that is not UTF-8
      std::string("\x0d\x01\x02\x03\x04", 5),  // field 1 as a fixed32
      std::string("\x12\x01\x05", 3),          // field 2 length-delimited
      common.substr(0, common.size() - 1),     // truncated
      common + std::string("\x00", 1),         // a zero tag
      std::string("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11),  // version -1
      std::string("\x0b\x0c", 2),                                       // an empty group
  };
  for (const std::string& bytes : inputs) {
    SCOPED_TRACE(::testing::PrintToString(bytes));
    syndication::v1::GetArticleRequest direct;
    direct.set_id("left over");
    syndication::v1::GetArticleRequest general;
    const absl::Status direct_status = DecodeGetArticleRequest(ToBuffer(bytes), &direct);
    const absl::Status general_status = DecodeRequest(ToBuffer(bytes), &general);
    EXPECT_EQ(direct_status, general_status);
    if (direct_status.ok()) {
      EXPECT_EQ(direct.SerializeAsString(), general.SerializeAsString());
    }
  }
  // In two slices.
  grpc::Slice halves[] = {grpc::Slice(common.substr(0, 10)), grpc::Slice(common.substr(10))};
  grpc::ByteBuffer split(halves, 2);
  syndication::v1::GetArticleRequest direct;
  EXPECT_THAT(DecodeGetArticleRequest(split, &direct), IsOk());
  EXPECT_EQ(direct.SerializeAsString(), common);
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
