// Helpers shared by the Store tests: a fresh directory per test and article builders.
#ifndef SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_
#define SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/timestamps.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "syndication/v1/article.pb.h"

namespace syndicate::storage::test_util {

using ::syndicate::ToTimestamp;

// A base time for fixtures: 2026-01-01T00:00:00Z.
inline constexpr absl::Time kBaseTime = absl::FromUnixSeconds(1767225600);

// A directory of its own for the running test, empty, under ::testing::TempDir(); removed
// again when the test passes (kept for a look when it fails).
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            (std::string("syndicate_storage_") + info->test_suite_name() + "_" + info->name() +
             "_" + std::to_string(getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // The store's own subdirectory, so tests can put other things next to it.
  std::string StorePath() const { return dir_ + "/store"; }

  std::string dir_;
};

// A well-formed content hash whose 64 hex digits are all `digit`.
inline std::string Hash(char digit) { return "sha256:" + std::string(64, digit); }

// An article as the domain layer hands it to the store: validated, hash set.
inline syndication::v1::Article MakeArticle(const std::string& source_id,
                                            const std::string& external_id,
                                            const std::string& content_hash,
                                            std::optional<absl::Time> published_at = {}) {
  syndication::v1::Article article;
  article.set_source_id(source_id);
  article.set_external_id(external_id);
  article.set_content_hash(content_hash);
  article.set_headline("Harbour reopens after storm");
  article.set_body_text("The harbour of Port Example reopened on Monday.");
  article.set_byline("By Ana Ruiz");
  article.mutable_attribution()->set_credit_line("Example Wire");
  article.mutable_attribution()->set_original_publisher("Example Wire");
  article.mutable_attribution()->set_original_url("https://news.example.org/" + external_id);
  if (published_at.has_value()) *article.mutable_published_at() = ToTimestamp(*published_at);
  return article;
}

inline std::vector<std::string> ExternalIds(const std::vector<syndication::v1::Article>& list) {
  std::vector<std::string> ids;
  ids.reserve(list.size());
  for (const syndication::v1::Article& article : list) ids.push_back(article.external_id());
  return ids;
}

}  // namespace syndicate::storage::test_util

#endif  // SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_
