// Group commit (Store's header, "Group commit"): with sync_writes, concurrent commits share
// WAL syncs, and nothing a commit wrote is acknowledged, counted in FeedHead(), returned by
// ReadFeed() or passed to the listener before its sync finished. A WAL file whose syncs
// can be held at a gate (tests/testing/gated_wal.h) shows the state between a commit's write and
// its sync.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "syndication/v1/source.pb.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/gated_wal.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::std::string_literals::operator""s;
using ::syndicate::storage::test_util::Create;
using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::kId1;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::Story;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::GatedWalFileSystem;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::WalSyncGate;
using ::syndication::v1::Article;
using ::syndication::v1::Source;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// Stores whose write-ahead-log syncs pass gate_ (tests/testing/gated_wal.h).
class StorageGroupCommitTest : public TempDirTest {
 protected:
  // Opens the store at StorePath() with `options` on the gated file system.
  absl::StatusOr<std::unique_ptr<Store>> OpenGated(StoreOptions options = StoreOptions()) {
    options.env = env_.get();
    return Store::Open(StorePath(), options);
  }

  WalSyncGate gate_;
  const std::unique_ptr<rocksdb::Env> env_ =
      rocksdb::NewCompositeEnv(std::make_shared<GatedWalFileSystem>(&gate_));
};

Source WireSource() {
  Source source;
  source.set_id("wire");
  source.set_name("Example Wire");
  return source;
}

// Creates urn:example:1 as kId1 with `response` when it does not exist; decides nothing
// when it does.
Decide CreateOnce(std::string response) {
  return [response](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
    if (latest != nullptr) return std::nullopt;
    Change change = Create(Story("urn:example:1"), kId1, kBaseTime);
    change.response = response;
    return change;
  };
}

// A commit whose sync is held is written (later commits read it) but not acknowledged,
// not in FeedHead() or ReadFeed(), and not heard by the listener; a replay of its request
// id and a "no change" decision that read it wait for the same sync.
TEST_F(StorageGroupCommitTest, NothingIsAcknowledgedOrPublishedBeforeItsSync) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenGated());
  std::mutex mu;
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mu);
    heard.push_back(sequence);
  });

  gate_.Close();
  std::atomic<bool> released{false};
  // Each records whether the gate was open when its call returned.
  std::atomic<bool> first_after_release{false};
  std::atomic<bool> replay_after_release{false};
  std::atomic<bool> unchanged_after_release{false};
  absl::StatusOr<CommitResult> first;
  absl::StatusOr<CommitResult> replay;
  absl::StatusOr<CommitResult> unchanged;
  std::thread first_thread([&] {
    first = store->CommitByExternalId("wire", "urn:example:1", "req-1", CreateOnce("created"));
    first_after_release = released.load();
  });
  ASSERT_TRUE(gate_.WaitForWaiter());

  // The first commit is written and its sync held.
  EXPECT_EQ(store->FeedHead(), 0u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  EXPECT_THAT(feed, IsEmpty());
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_THAT(heard, IsEmpty());
  }
  std::thread replay_thread([&] {
    replay = store->CommitByExternalId("wire", "urn:example:1", "req-1", CreateOnce("other"));
    replay_after_release = released.load();
  });
  std::thread unchanged_thread([&] {
    unchanged = store->CommitById(kId1, "", CreateOnce("other"));
    unchanged_after_release = released.load();
  });
  // Long enough for a wrong implementation to return early; a right one waits for Open().
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(store->FeedHead(), 0u);
  released = true;
  gate_.Open();
  first_thread.join();
  replay_thread.join();
  unchanged_thread.join();

  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->sequence, 1u);
  ASSERT_THAT(replay, IsOk());
  EXPECT_THAT(replay->replayed_response, Optional("created"s));
  EXPECT_EQ(replay->latest.version(), 1);
  ASSERT_THAT(unchanged, IsOk());
  EXPECT_EQ(unchanged->sequence, 0u);
  EXPECT_EQ(unchanged->latest.id(), kId1);
  EXPECT_TRUE(first_after_release);
  EXPECT_TRUE(replay_after_release);
  EXPECT_TRUE(unchanged_after_release);
  EXPECT_EQ(store->FeedHead(), 1u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(heard, ElementsAre(1u));
}

// Durable publishers racing: every publish is acknowledged with FeedHead() already at or
// past its sequence, the sequences are 1..N without gaps, the feed holds them in order,
// the listener hears each once in order, and the store counts every write and fewer syncs
// than writes only when syncs were shared (never more syncs than writes).
TEST_F(StorageGroupCommitTest, ConcurrentDurablePublishersAreAllAcknowledgedInOrder) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
  std::mutex mu;
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mu);
    heard.push_back(sequence);
  });
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<PublishResult> result = store->PublishArticle(
            MakeArticle("wire", absl::StrCat(t, "-", i), Hash('a')), kBaseTime);
        if (!result.ok()) {
          problems[t] = result.status().ToString();
          return;
        }
        if (store->FeedHead() < result->sequence) {
          problems[t] = absl::StrCat("acknowledged ", result->sequence, " with FeedHead() at ",
                                     store->FeedHead());
          return;
        }
        sequences[t].push_back(result->sequence);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  store->SetAppendListener(nullptr);

  EXPECT_THAT(problems, ::testing::Each(""));
  constexpr uint64_t kTotal = uint64_t{kThreads} * kPerThread;
  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& some : sequences)
    all.insert(all.end(), some.begin(), some.end());
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) expected[i] = i + 1;
  EXPECT_EQ(all, expected);
  EXPECT_EQ(heard, expected);
  EXPECT_EQ(store->FeedHead(), kTotal);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 1000));
  ASSERT_EQ(feed.size(), kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) EXPECT_EQ(feed[i].sequence(), i + 1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const StoreStats stats, store->Stats());
  EXPECT_EQ(stats.commits_written, kTotal);
  EXPECT_GE(stats.commit_wal_syncs, 1u);
  EXPECT_LE(stats.commit_wal_syncs, kTotal);
}

// The sharing itself: while one commit's sync is held, four more commits are written; when
// it is let go, one more sync makes all four durable: two syncs for five commits.
TEST_F(StorageGroupCommitTest, CommitsWrittenDuringASyncShareTheNextOne) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenGated());
  const auto publish = [&store](const std::string& external_id) {
    return store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime);
  };

  gate_.Close();
  std::vector<absl::StatusOr<PublishResult>> results(5, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = publish("first"); });
  ASSERT_TRUE(gate_.WaitForWaiter());
  for (int i = 1; i < 5; ++i) {
    threads.emplace_back([&, i] { results[i] = publish(absl::StrCat("during-", i)); });
  }
  // All four written (and waiting for a sync) before the held one is let go.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  uint64_t written = 0;
  while (written < 5 && absl::Now() < deadline) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const StoreStats stats, store->Stats());
    written = stats.commits_written;
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(written, 5u);
  gate_.Open();
  for (std::thread& thread : threads) thread.join();

  for (const auto& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(store->FeedHead(), 5u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const StoreStats stats, store->Stats());
  EXPECT_EQ(stats.commits_written, 5u);
  EXPECT_EQ(stats.commit_wal_syncs, 2u);
}

// A failed WAL sync (store.h, "A failed WAL write or sync"): the commit that waited on it fails, as
// does every later write, commit or not; the owner hears of it once; nothing after the last
// good sync reaches FeedHead() or the listener; what an earlier sync made durable stays
// acknowledged.
TEST_F(StorageGroupCommitTest, AFailedSyncRefusesEveryLaterWrite) {
  std::mutex mu;
  std::vector<absl::Status> failures;
  StoreOptions options;
  options.on_sync_failure = [&](const absl::Status& error) {
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(error);
  };
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenGated(options));
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mu);
    heard.push_back(sequence);
  });
  const auto publish = [&store](const std::string& external_id) {
    return store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime);
  };
  ASSERT_THAT(publish("before"), IsOk());

  gate_.FailSyncs();
  const absl::StatusOr<PublishResult> failed = publish("during");
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_THAT(failed.status().message(), HasSubstr("syncing the write-ahead log"));
  const absl::StatusOr<PublishResult> later = publish("after");
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable) << later.status();
  const absl::StatusOr<Source> upserted = store->UpsertSource(WireSource(), kBaseTime);
  EXPECT_EQ(upserted.status().code(), absl::StatusCode::kUnavailable) << upserted.status();
  EXPECT_THAT(upserted.status().message(),
              HasSubstr("refused after a failed write-ahead-log write or sync"));
  EXPECT_TRUE(absl::IsNotFound(store->GetSource("wire").status()));
  EXPECT_EQ(store->Flush().code(), absl::StatusCode::kUnavailable);

  store->SetAppendListener(nullptr);
  EXPECT_EQ(store->FeedHead(), 1u);
  EXPECT_THAT(heard, ElementsAre(1u));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code(), absl::StatusCode::kUnavailable);
}

// The same when the failed sync is RocksDB's own, in a synced write outside a commit.
TEST_F(StorageGroupCommitTest, AFailedSyncOfAnotherWriteRefusesLaterCommits) {
  int failures = 0;
  StoreOptions options;
  options.on_sync_failure = [&failures](const absl::Status&) { ++failures; };
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, OpenGated(options));

  gate_.FailSyncs();
  EXPECT_EQ(store->UpsertSource(WireSource(), kBaseTime).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(failures, 1);
  const absl::StatusOr<PublishResult> later =
      store->PublishArticle(MakeArticle("wire", "after", Hash('a')), kBaseTime);
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable) << later.status();
  EXPECT_EQ(store->FeedHead(), 0u);
  EXPECT_EQ(failures, 1);
}

// A failed append to the WAL (a full disk) is the same failure: RocksDB may have written
// part of the record. The store refuses every write and does not flush on close (a flush of
// some column families but not others, after a torn WAL record, left a store that RocksDB
// refused to open: "SST file is ahead of WALs"); reopened, it holds what was written before.
TEST_F(StorageGroupCommitTest, AFailedWalAppendRefusesEveryLaterWriteAndTheStoreReopens) {
  for (const bool sync_writes : {true, false}) {
    SCOPED_TRACE(sync_writes ? "sync_writes" : "without sync_writes");
    std::filesystem::remove_all(StorePath());
    WalSyncGate gate;
    const std::unique_ptr<rocksdb::Env> env =
        rocksdb::NewCompositeEnv(std::make_shared<GatedWalFileSystem>(&gate));
    int failures = 0;
    std::mutex mu;
    std::vector<std::string> rocksdb_messages;
    StoreOptions options;
    options.sync_writes = sync_writes;
    options.env = env.get();
    options.on_sync_failure = [&failures](const absl::Status&) { ++failures; };
    // RocksDB's messages come here instead of a LOG file, which a full disk would fail.
    options.on_rocksdb_log = [&](absl::string_view level, absl::string_view message) {
      std::lock_guard<std::mutex> lock(mu);
      rocksdb_messages.push_back(absl::StrCat(level, ": ", message));
    };
    {
      SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store,
                                     Store::Open(StorePath(), options));
      ASSERT_THAT(store->UpsertSource(WireSource(), kBaseTime), IsOk());
      ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "before", Hash('a')), kBaseTime),
                  IsOk());
      gate.FailAppends();
      const absl::StatusOr<PublishResult> failed =
          store->PublishArticle(MakeArticle("wire", "during", Hash('a')), kBaseTime);
      EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
      EXPECT_EQ(failures, 1);
      Source renamed = WireSource();
      renamed.set_name("Renamed Wire");
      const absl::StatusOr<Source> upserted = store->UpsertSource(renamed, kBaseTime);
      EXPECT_EQ(upserted.status().code(), absl::StatusCode::kUnavailable) << upserted.status();
      EXPECT_THAT(upserted.status().message(),
                  HasSubstr("refused after a failed write-ahead-log write or sync"));
      EXPECT_EQ(store->Flush().code(), absl::StatusCode::kUnavailable);
      EXPECT_EQ(store->FeedHead(), 1u);
      EXPECT_EQ(failures, 1);
    }
    EXPECT_FALSE(std::filesystem::exists(StorePath() + "/LOG"));
    {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_THAT(rocksdb_messages, Contains(HasSubstr("injected: no space left")));
    }
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> reopened,
                                   Store::Open(StorePath(), StoreOptions()));
    EXPECT_EQ(reopened->FeedHead(), 1u);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Source source, reopened->GetSource("wire"));
    EXPECT_EQ(source.name(), "Example Wire");
  }
}

TEST_F(StorageGroupCommitTest, WithoutSyncWritesNothingIsSynced) {
  StoreOptions options;
  options.sync_writes = false;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) { heard.push_back(sequence); });
  for (const char* external_id : {"1", "2"}) {
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime),
                IsOk());
  }
  store->SetAppendListener(nullptr);
  EXPECT_THAT(heard, ElementsAre(1u, 2u));
  EXPECT_EQ(store->FeedHead(), 2u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const StoreStats stats, store->Stats());
  EXPECT_EQ(stats.commits_written, 2u);
  EXPECT_EQ(stats.commit_wal_syncs, 0u);
}

}  // namespace
}  // namespace syndicate::storage
