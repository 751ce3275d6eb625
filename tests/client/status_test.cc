// FromGrpcStatus, the mirror of the server's ToGrpcStatus, and the ErrorInfo helpers.
#include <grpcpp/support/status.h>

#include <string>

#include "absl/strings/cord.h"
#include "client/client.h"
#include "client/error_info.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::client {
namespace {

using ::syndicate::testing::StatusIs;

// The trailer a server sends for a CURSOR_EXPIRED error, built the way server/wire.cc does.
grpc::Status CursorExpired() {
  google::rpc::ErrorInfo info;
  info.set_domain("syndication.v1");
  info.set_reason("CURSOR_EXPIRED");
  (*info.mutable_metadata())["oldest_cursor"] = "00000000000000aa:7";
  (*info.mutable_metadata())["head_cursor"] = "00000000000000aa:42";
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(3);
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::FAILED_PRECONDITION);
  details.set_message("after_cursor: too old");
  google::protobuf::Any* any = details.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.ErrorInfo");
  any->set_value(info.SerializeAsString());
  any = details.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(retry.SerializeAsString());
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "after_cursor: too old",
                      details.SerializeAsString());
}

TEST(FromGrpcStatus, KeepsCodeMessageAndEveryDetailAsAPayload) {
  const absl::Status status = FromGrpcStatus(CursorExpired());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, "after_cursor: too old"));
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->domain(), "syndication.v1");
  EXPECT_EQ(info->reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(info->metadata().at("oldest_cursor"), "00000000000000aa:7");
  EXPECT_EQ(info->metadata().at("head_cursor"), "00000000000000aa:42");
  EXPECT_TRUE(HasErrorReason(status, kCursorExpired));
  EXPECT_FALSE(HasErrorReason(status, kShuttingDown));
  const absl::optional<absl::Cord> retry =
      status.GetPayload("type.googleapis.com/google.rpc.RetryInfo");
  ASSERT_TRUE(retry.has_value());
  google::rpc::RetryInfo retry_info;
  ASSERT_TRUE(retry_info.ParseFromString(std::string(*retry)));
  EXPECT_EQ(retry_info.retry_delay().seconds(), 3);
}

TEST(FromGrpcStatus, WithoutDetailsOrWithUnreadableOnesKeepsCodeAndMessage) {
  const absl::Status plain =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "id: no article has id \"x\""));
  EXPECT_THAT(plain, StatusIs(absl::StatusCode::kNotFound, "id: no article has id \"x\""));
  EXPECT_FALSE(GetErrorInfo(plain).has_value());

  const absl::Status garbled = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down", std::string("\xff\xff\xff", 3)));
  EXPECT_THAT(garbled, StatusIs(absl::StatusCode::kUnavailable, "shutting down"));
  EXPECT_FALSE(GetErrorInfo(garbled).has_value());

  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(ErrorInfo, AnErrorInfoOfAnotherDomainIsNotOneOfOurReasons) {
  google::rpc::ErrorInfo info;
  info.set_domain("example.org");
  info.set_reason("CURSOR_EXPIRED");
  absl::Status status = absl::FailedPreconditionError("elsewhere");
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  EXPECT_EQ(GetErrorInfo(status)->domain(), "example.org");
  EXPECT_FALSE(HasErrorReason(status, kCursorExpired));
}

}  // namespace
}  // namespace syndicate::client
