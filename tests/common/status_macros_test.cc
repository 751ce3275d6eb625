#include "common/status_macros.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace syndicate {
namespace {

using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<int> ParsePositive(int n) {
  if (n <= 0) return absl::InvalidArgumentError("n: must be positive");
  return n;
}

absl::Status CheckBoth(int a, int b) {
  SYNDICATE_RETURN_IF_ERROR(ParsePositive(a).status());
  SYNDICATE_RETURN_IF_ERROR(ParsePositive(b).status());
  return absl::OkStatus();
}

absl::StatusOr<std::string> Sum(int a, int b) {
  SYNDICATE_ASSIGN_OR_RETURN(int x, ParsePositive(a));
  SYNDICATE_ASSIGN_OR_RETURN(const int y, ParsePositive(b));
  return std::to_string(x + y);
}

TEST(StatusMacros, ReturnIfErrorStopsAtTheFirstError) {
  EXPECT_THAT(CheckBoth(1, 2), IsOk());
  EXPECT_THAT(CheckBoth(1, -2),
              StatusIs(absl::StatusCode::kInvalidArgument, "n: must be positive"));
}

TEST(StatusMacros, AssignOrReturnAssignsOrPropagates) {
  EXPECT_EQ(Sum(2, 3).value(), "5");
  EXPECT_THAT(Sum(0, 3), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("positive")));
}

}  // namespace
}  // namespace syndicate
