// Store::CreateBackup and Store::RestoreFromBackup: a backup taken while writes go on holds
// every acknowledged write, and a restored store has the same stories and feed under a new
// feed epoch.
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::testing::HasSubstr;

class StoreBackupTest : public TempDirTest {
 protected:
  std::string BackupDir() const { return dir_ + "/backups"; }
  std::string RestorePath() const { return dir_ + "/restored"; }
};

TEST_F(StoreBackupTest, ARestoredStoreHasTheSameStoriesAndFeedUnderANewEpoch) {
  std::string epoch;
  std::vector<std::string> ids;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    epoch = store->FeedEpoch();
    for (int i = 0; i < 3; ++i) {
      SYNDICATE_ASSERT_OK_AND_ASSIGN(
          PublishResult published,
          store->PublishArticle(MakeArticle("wire", absl::StrCat("story-", i), Hash('a')),
                                kBaseTime + absl::Minutes(i)));
      ids.push_back(published.article.id());
    }
    SYNDICATE_ASSERT_OK_AND_ASSIGN(BackupInfo backup, store->CreateBackup(BackupDir()));
    EXPECT_EQ(backup.backup_id, 1u);
    EXPECT_EQ(backup.feed_head, 3u);
    EXPECT_GT(backup.size_bytes, 0u);
    EXPECT_GT(backup.file_count, 0u);
    // Written after the backup: not in it.
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "late", Hash('b')), kBaseTime), IsOk());
  }

  SYNDICATE_ASSERT_OK_AND_ASSIGN(BackupInfo restored,
                                 Store::RestoreFromBackup(BackupDir(), RestorePath()));
  EXPECT_EQ(restored.backup_id, 1u);
  EXPECT_EQ(restored.feed_head, 3u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(RestorePath()));
  EXPECT_NE(store->FeedEpoch(), epoch);
  EXPECT_EQ(store->FeedHead(), 3u);
  for (const std::string& id : ids) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(syndication::v1::Article article, store->GetArticle(id));
    EXPECT_EQ(article.headline(), "Harbour reopens after storm");
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  EXPECT_EQ(feed.size(), 3u);
  // The new epoch is stored, not made up at each open.
  const std::string new_epoch = store->FeedEpoch();
  store.reset();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(store, Store::Open(RestorePath()));
  EXPECT_EQ(store->FeedEpoch(), new_epoch);
}

TEST_F(StoreBackupTest, ABackupTakenWhileWritesGoOnHoldsEveryWriteBeforeIt) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 2000; ++i) {
      ASSERT_THAT(
          store->PublishArticle(MakeArticle("wire", absl::StrCat("w-", i), Hash('c')), kBaseTime),
          IsOk());
    }
  });
  // Wait for some writes, so the backup really overlaps them.
  while (store->FeedHead() < 20) std::this_thread::yield();
  absl::StatusOr<BackupInfo> backup = store->CreateBackup(BackupDir());
  stop = true;
  writer.join();
  ASSERT_THAT(backup.status(), IsOk());
  ASSERT_GE(backup->feed_head, 20u);

  ASSERT_THAT(Store::RestoreFromBackup(BackupDir(), RestorePath()).status(), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> copy, Store::Open(RestorePath()));
  // Consistent: the feed is one unbroken run 1 … head, each event's story present.
  EXPECT_GE(copy->FeedHead(), backup->feed_head);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> feed,
                                 copy->ReadFeed(0, static_cast<int>(copy->FeedHead()) + 1));
  ASSERT_EQ(feed.size(), copy->FeedHead());
  for (size_t i = 0; i < feed.size(); ++i) {
    EXPECT_EQ(feed[i].sequence(), i + 1);
    EXPECT_THAT(copy->GetArticle(feed[i].article_id()).status(), IsOk());
  }
}

TEST_F(StoreBackupTest, RestoreRefusesADirectoryThatHoldsAnything) {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->CreateBackup(BackupDir()).status(), IsOk());
  }
  std::filesystem::create_directories(RestorePath());
  std::ofstream(RestorePath() + "/notes.txt") << "keep me\n";
  EXPECT_THAT(Store::RestoreFromBackup(BackupDir(), RestorePath()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not empty")));
  EXPECT_TRUE(std::filesystem::exists(RestorePath() + "/notes.txt"));
}

TEST_F(StoreBackupTest, RestoreFromADirectoryWithoutBackupsIsNotFound) {
  std::filesystem::create_directories(BackupDir());
  EXPECT_THAT(Store::RestoreFromBackup(BackupDir(), RestorePath()).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("holds no backup")));
}

TEST_F(StoreBackupTest, StatsCountTheScheduleAndSeeFlushedFiles) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(StoreStats empty, store->Stats());
  EXPECT_EQ(empty.scheduled_tasks, 0u);
  syndication::v1::Article embargoed = MakeArticle("wire", "embargoed", Hash('d'));
  *embargoed.mutable_embargoed_until() = ToTimestamp(kBaseTime + absl::Hours(1));
  ASSERT_THAT(store->PublishArticle(embargoed, kBaseTime), IsOk());
  ASSERT_THAT(store->Flush(), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_EQ(stats.scheduled_tasks, 1u);
  EXPECT_GT(stats.sst_bytes, 0u);
}

}  // namespace
}  // namespace syndicate::storage
