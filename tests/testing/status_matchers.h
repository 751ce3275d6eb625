// gMock matchers for absl::Status and absl::StatusOr<T>. Debian 12's abseil ships none.
#ifndef SYNDICATE_TESTS_TESTING_STATUS_MATCHERS_H_
#define SYNDICATE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace syndicate::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches an absl::Status or absl::StatusOr<T> whose code is `code` and whose message
// matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           "status code is " + ::testing::PrintToString(code) + " and message " +
               ::testing::DescribeMatcher<std::string>(message_matcher, negation)) {
  const absl::Status& status = ::syndicate::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// Matches an absl::Status or absl::StatusOr<T> whose code is `code`, whatever its message.
MATCHER_P(StatusIs, code, "status code is " + ::testing::PrintToString(code)) {
  const absl::Status& status = ::syndicate::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

// Matches an OK absl::Status or absl::StatusOr<T>.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::syndicate::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.ok();
}

}  // namespace syndicate::testing

#define SYNDICATE_ASSERT_OK_AND_ASSIGN(lhs, expr)                                                  \
  SYNDICATE_ASSERT_OK_AND_ASSIGN_IMPL_(SYNDICATE_TEST_CONCAT_(syndicate_statusor_, __LINE__), lhs, \
                                       expr)
#define SYNDICATE_TEST_CONCAT_INNER_(a, b) a##b
#define SYNDICATE_TEST_CONCAT_(a, b) SYNDICATE_TEST_CONCAT_INNER_(a, b)
#define SYNDICATE_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                         \
  ASSERT_TRUE(statusor.ok()) << statusor.status();                \
  lhs = std::move(statusor).value()

#endif  // SYNDICATE_TESTS_TESTING_STATUS_MATCHERS_H_
