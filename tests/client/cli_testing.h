// Helpers of the CLI's tests: the syndicate binary run to completion (SYNDICATE_PATH is set
// by tests/client/CMakeLists.txt), files written, `stream` output parsed.
#ifndef SYNDICATE_TESTS_CLIENT_CLI_TESTING_H_
#define SYNDICATE_TESTS_CLIENT_CLI_TESTING_H_

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "client/json.h"
#include "gtest/gtest.h"
#include "syndication/v1/syndication_service.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::testing {

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Runs `syndicate ARGS…` with SYNDICATE_SERVER=`server` (when not empty); a failure to run
// it at all fails the test and returns an empty result.
inline RunResult Syndicate(std::vector<std::string> args, const std::string& server = "") {
  args.insert(args.begin(), SYNDICATE_PATH);
  std::vector<std::string> env;
  if (!server.empty()) env.push_back("SYNDICATE_SERVER=" + server);
  auto result = Run(args, env);
  EXPECT_THAT(result, IsOk());
  return result.ok() ? *result : RunResult{};
}

// The responses `syndicate stream` printed, one per line.
inline std::vector<syndication::v1::StreamArticlesResponse> StreamLines(const std::string& out) {
  std::vector<syndication::v1::StreamArticlesResponse> responses;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    syndication::v1::StreamArticlesResponse response;
    EXPECT_THAT(client::ParseJson(line, "stdout", &response), IsOk()) << line;
    responses.push_back(response);
  }
  return responses;
}

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_CLIENT_CLI_TESTING_H_
