// Helpers shared by the Store tests: a fresh directory per test, article and change builders.
#ifndef SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_
#define SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/event.pb.h"

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

// Article ids for stories that tests commit themselves, in ascending order.
inline constexpr char kId1[] = "00000000000000000000000000000001";
inline constexpr char kId2[] = "00000000000000000000000000000002";
inline constexpr char kId3[] = "00000000000000000000000000000003";
inline constexpr char kId4[] = "00000000000000000000000000000004";

// The story "wire"/`external_id` as a USABLE article (MakeArticle's content).
inline syndication::v1::Article Story(const std::string& external_id, char hash_digit = 'a') {
  syndication::v1::Article article = MakeArticle("wire", external_id, Hash(hash_digit));
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  return article;
}

// Version 1 of a new story with id `id`, made at `now`, as the domain layer would decide it.
inline Change Create(syndication::v1::Article content, const std::string& id, absl::Time now,
                     syndication::v1::EventType type = syndication::v1::EVENT_TYPE_PUBLISHED) {
  content.set_id(id);
  content.set_version(1);
  *content.mutable_first_created() = ToTimestamp(now);
  *content.mutable_version_created() = ToTimestamp(now);
  Change change;
  change.version = std::move(content);
  change.event_type = type;
  return change;
}

// The version after `latest` with `content`, made at `now`.
inline Change Next(const syndication::v1::Article& latest, syndication::v1::Article content,
                   absl::Time now,
                   syndication::v1::EventType type = syndication::v1::EVENT_TYPE_UPDATED) {
  content.set_id(latest.id());
  content.set_version(latest.version() + 1);
  *content.mutable_first_created() = latest.first_created();
  *content.mutable_version_created() = ToTimestamp(now);
  Change change;
  change.version = std::move(content);
  change.event_type = type;
  return change;
}

// A Decide that returns `change` whatever the latest version is.
inline Decide Always(const Change& change) {
  return [change](const syndication::v1::Article*) -> absl::StatusOr<std::optional<Change>> {
    return change;
  };
}

inline std::vector<std::string> ExternalIds(const std::vector<syndication::v1::Article>& list) {
  std::vector<std::string> ids;
  ids.reserve(list.size());
  for (const syndication::v1::Article& article : list) ids.push_back(article.external_id());
  return ids;
}

}  // namespace syndicate::storage::test_util

#endif  // SYNDICATE_TESTS_STORAGE_STORE_TEST_UTIL_H_
