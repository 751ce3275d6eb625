// The log of committed changes through the Store's public interface: a replica that applies
// another store's log (ReadLog, ApplyLogEntry) serves the same stories, versions, feed and
// request replays, and refuses an entry that is not the next one or does not follow it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::syndicate::ToTimestamp;
using ::syndicate::storage::test_util::Always;
using ::syndicate::storage::test_util::Create;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::kId1;
using ::syndicate::storage::test_util::kId2;
using ::syndicate::storage::test_util::Next;
using ::syndicate::storage::test_util::Story;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class StorageLogTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> Open(const std::string& name, const StoreOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir_ + "/" + name, options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Opens a replica named `name` of `primary`'s log: same feed epoch.
  std::unique_ptr<Store> OpenReplica(const Store& primary, const std::string& name) {
    StoreOptions options;
    options.feed_epoch = primary.FeedEpoch();
    return Open(name, options);
  }

  Article Commit(Store& store, const Change& change, std::string_view request_id = "") {
    absl::StatusOr<CommitResult> result = store.CommitByExternalId(
        change.version.source_id(), change.version.external_id(), request_id, Always(change));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? std::move(result->latest) : Article{};
  }

  std::vector<LogEntry> Log(const Store& store, uint64_t after = 0) {
    absl::StatusOr<std::vector<LogEntry>> log = store.ReadLog(after, 1000);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? std::move(log).value() : std::vector<LogEntry>{};
  }

  // Fills primary_ (PrimaryWithHistory), reads its log into log_ and opens replica_, empty.
  void OpenPrimaryAndReplica() {
    primary_ = PrimaryWithHistory();
    ASSERT_NE(primary_, nullptr);
    log_ = Log(*primary_);
    ASSERT_THAT(log_, SizeIs(5));
    replica_ = OpenReplica(*primary_, "replica");
    ASSERT_NE(replica_, nullptr);
  }

  std::unique_ptr<Store> primary_;
  std::vector<LogEntry> log_;
  std::unique_ptr<Store> replica_;

  // A primary with two stories: one published, corrected under a request id, then
  // withdrawn; one published under embargo and lifted.
  std::unique_ptr<Store> PrimaryWithHistory() {
    std::unique_ptr<Store> primary = Open("primary");
    if (primary == nullptr) return nullptr;
    const Article first = Commit(*primary, Create(Story("harbour-1"), kId1, kBaseTime));
    Change correction = Next(first, Story("harbour-1", 'b'), kBaseTime + absl::Minutes(5),
                             syndication::v1::EVENT_TYPE_CORRECTED);
    correction.response = "recorded response";
    const Article corrected = Commit(*primary, correction, "request-0001");
    Article withdrawn = corrected;
    withdrawn.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
    Commit(*primary, Next(corrected, withdrawn, kBaseTime + absl::Minutes(9),
                          syndication::v1::EVENT_TYPE_WITHDRAWN));

    Article embargoed = Story("harbour-2", 'c');
    *embargoed.mutable_embargoed_until() = ToTimestamp(kBaseTime + absl::Hours(1));
    const Article held = Commit(*primary, Create(embargoed, kId2, kBaseTime));
    Commit(*primary, Next(held, embargoed, kBaseTime + absl::Hours(1),
                          syndication::v1::EVENT_TYPE_EMBARGO_LIFTED));
    return primary;
  }
};

std::vector<std::string> Serialized(const std::vector<Article>& articles) {
  std::vector<std::string> out;
  for (const Article& article : articles) out.push_back(article.SerializeAsString());
  return out;
}

std::vector<std::string> Serialized(const std::vector<FeedRecord>& events) {
  std::vector<std::string> out;
  for (const FeedRecord& event : events) out.push_back(event.SerializeAsString());
  return out;
}

TEST_F(StorageLogTest, AReplicaThatAppliesTheLogServesTheSameStoriesFeedAndReplays) {
  ASSERT_NO_FATAL_FAILURE(OpenPrimaryAndReplica());
  const std::vector<LogEntry>& log = log_;
  Store* primary = primary_.get();
  Store* replica = replica_.get();
  EXPECT_EQ(log[1].event().request_id(), "request-0001");
  EXPECT_EQ(log[1].request().response(), "recorded response");
  EXPECT_FALSE(log[0].has_request());

  std::vector<uint64_t> heard;
  replica->SetAppendListener([&heard](uint64_t sequence) { heard.push_back(sequence); });
  for (const LogEntry& entry : log) ASSERT_THAT(replica->ApplyLogEntry(entry), IsOk());

  EXPECT_EQ(heard, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(replica->FeedHead(), primary->FeedHead());
  EXPECT_EQ(replica->FeedEpoch(), primary->FeedEpoch());
  absl::StatusOr<std::vector<FeedRecord>> primary_feed = primary->ReadFeed(0, 100);
  absl::StatusOr<std::vector<FeedRecord>> replica_feed = replica->ReadFeed(0, 100);
  ASSERT_THAT(primary_feed, IsOk());
  ASSERT_THAT(replica_feed, IsOk());
  EXPECT_EQ(Serialized(*replica_feed), Serialized(*primary_feed));
  for (const char* id : {kId1, kId2}) {
    absl::StatusOr<std::vector<Article>> primary_versions = primary->ListVersions(id, 1, 100);
    absl::StatusOr<std::vector<Article>> replica_versions = replica->ListVersions(id, 1, 100);
    ASSERT_THAT(primary_versions, IsOk());
    ASSERT_THAT(replica_versions, IsOk());
    EXPECT_EQ(Serialized(*replica_versions), Serialized(*primary_versions)) << id;
  }
  ListQuery query;
  query.limit = 10;
  absl::StatusOr<std::vector<Article>> primary_list = primary->ListArticles(query);
  absl::StatusOr<std::vector<Article>> replica_list = replica->ListArticles(query);
  ASSERT_THAT(primary_list, IsOk());
  ASSERT_THAT(replica_list, IsOk());
  EXPECT_EQ(Serialized(*replica_list), Serialized(*primary_list));
  // The schedule came along: the lifted embargo left no task on either.
  absl::StatusOr<std::vector<DueTask>> due = replica->DueTasks(kBaseTime + absl::Hours(2), 10);
  ASSERT_THAT(due, IsOk());
  EXPECT_TRUE(due->empty());

  // The request id replays on the replica: nothing is decided or written again.
  absl::StatusOr<CommitResult> replay =
      replica->CommitByExternalId("wire", "harbour-1", "request-0001",
                                  [](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                    return absl::InternalError("decided again");
                                  });
  ASSERT_THAT(replay, IsOk());
  EXPECT_EQ(replay->replayed_response, "recorded response");
  EXPECT_EQ(replica->FeedHead(), 5u);

  // And the replica's own log is the primary's.
  const std::vector<LogEntry> again = Log(*replica);
  ASSERT_THAT(again, SizeIs(log.size()));
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(again[i].SerializeAsString(), log[i].SerializeAsString()) << i;
  }
}

TEST_F(StorageLogTest, ReadLogStartsAfterTheGivenSequenceAndChecksTheLimit) {
  std::unique_ptr<Store> primary = PrimaryWithHistory();
  ASSERT_NE(primary, nullptr);
  const std::vector<LogEntry> tail = Log(*primary, 3);
  ASSERT_THAT(tail, SizeIs(2));
  EXPECT_EQ(tail[0].event().sequence(), 4u);
  EXPECT_EQ(tail[0].version().id(), kId2);
  EXPECT_THAT(Log(*primary, 5), SizeIs(0));
  EXPECT_THAT(primary->ReadLog(0, 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StorageLogTest, AGapOrARepeatIsRefusedAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(OpenPrimaryAndReplica());
  const std::vector<LogEntry>& log = log_;
  Store* replica = replica_.get();
  ASSERT_THAT(replica->ApplyLogEntry(log[0]), IsOk());
  ASSERT_THAT(replica->ApplyLogEntry(log[1]), IsOk());

  // Entry 3 purged from the log: the replica is handed 4.
  const absl::Status gap = replica->ApplyLogEntry(log[3]);
  EXPECT_THAT(gap, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(gap.message(), HasSubstr("4 but this store's next sequence is 3"));
  EXPECT_THAT(gap.message(), HasSubstr("skipped"));
  EXPECT_THAT(replica->GetArticle(kId2, 0), StatusIs(absl::StatusCode::kNotFound));

  const absl::Status repeat = replica->ApplyLogEntry(log[1]);
  EXPECT_THAT(repeat, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(repeat.message(), HasSubstr("repeats"));
  EXPECT_EQ(replica->FeedHead(), 2u);

  // The right entry still applies.
  EXPECT_THAT(replica->ApplyLogEntry(log[2]), IsOk());
  EXPECT_EQ(replica->FeedHead(), 3u);
}

TEST_F(StorageLogTest, AnEntryThatDoesNotFollowTheStoreIsRefused) {
  ASSERT_NO_FATAL_FAILURE(OpenPrimaryAndReplica());
  const std::vector<LogEntry>& log = log_;
  Store* replica = replica_.get();

  // Version 2 of a story the replica does not have, at the replica's next sequence.
  LogEntry second = log[1];
  second.mutable_event()->set_sequence(1);
  const absl::Status status = replica->ApplyLogEntry(second);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("does not follow this store"));
  EXPECT_EQ(replica->FeedHead(), 0u);

  // The embargoed story's first event is hidden from partners' streams; an entry that says
  // otherwise is not the event its version makes.
  ASSERT_THAT(replica->ApplyLogEntry(log[0]), IsOk());
  ASSERT_THAT(replica->ApplyLogEntry(log[1]), IsOk());
  ASSERT_THAT(replica->ApplyLogEntry(log[2]), IsOk());
  ASSERT_TRUE(log[3].event().hidden());
  LogEntry shown = log[3];
  shown.mutable_event()->set_hidden(false);
  const absl::Status unhidden = replica->ApplyLogEntry(shown);
  EXPECT_THAT(unhidden, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(unhidden.message(), HasSubstr("entry.event: is not the event"));
  EXPECT_EQ(replica->FeedHead(), 3u);
  EXPECT_THAT(replica->ApplyLogEntry(log[3]), IsOk());
  // The applied embargoed version scheduled its lift on the replica, as the commit did.
  absl::StatusOr<std::vector<DueTask>> due = replica->DueTasks(kBaseTime + absl::Hours(2), 10);
  ASSERT_THAT(due, IsOk());
  ASSERT_THAT(*due, SizeIs(1));
  EXPECT_EQ(due->front().article_id, kId2);
  EXPECT_EQ(due->front().due, kBaseTime + absl::Hours(1));
}

TEST_F(StorageLogTest, AMalformedEntryIsRefusedNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(OpenPrimaryAndReplica());
  const std::vector<LogEntry>& log = log_;
  Store* replica = replica_.get();

  const auto refused = [&](LogEntry entry, const std::string& field) {
    const absl::Status status = replica->ApplyLogEntry(entry);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << field;
    EXPECT_THAT(status.message(), HasSubstr(field));
  };
  LogEntry entry = log[0];
  entry.mutable_event()->set_sequence(0);
  refused(entry, "entry.event.sequence");
  entry = log[0];
  entry.mutable_event()->set_article_id(kId2);
  refused(entry, "entry.event.article_id");
  entry = log[0];
  entry.mutable_event()->set_version(7);
  refused(entry, "entry.event.version");
  entry = log[0];
  entry.mutable_event()->set_source_id("other");
  refused(entry, "entry.event.source_id");
  entry = log[0];
  entry.mutable_event()->set_type(syndication::v1::EVENT_TYPE_UNSPECIFIED);
  refused(entry, "entry.event.type");
  entry = log[0];
  entry.mutable_version()->set_id("not-an-id");
  refused(entry, "entry.version.id");
  entry = log[0];
  entry.mutable_version()->clear_version_created();
  refused(entry, "entry.version.version_created");
  entry = log[0];
  entry.mutable_version()->clear_source_id();
  entry.mutable_event()->clear_source_id();
  refused(entry, "entry.version.source_id");
  entry = log[0];
  entry.mutable_version()->clear_external_id();
  refused(entry, "entry.version.external_id");
  entry = log[1];  // the corrected version, with its request
  entry.mutable_event()->set_sequence(1);
  entry.mutable_event()->clear_request_id();
  refused(entry, "entry.request");
  entry = log[1];
  entry.mutable_event()->set_sequence(1);
  *entry.mutable_request()->mutable_time() = log[0].version().version_created();
  refused(entry, "entry.request.time");
  EXPECT_EQ(replica->FeedHead(), 0u);
  EXPECT_THAT(replica->ApplyLogEntry(log[0]), IsOk());
}

TEST_F(StorageLogTest, AStoreKeepsItsFeedEpoch) {
  StoreOptions options;
  options.feed_epoch = "0123456789abcdef";
  {
    std::unique_ptr<Store> store = Open("store", options);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->FeedEpoch(), "0123456789abcdef");
  }
  options.feed_epoch = "fedcba9876543210";
  EXPECT_THAT(Store::Open(dir_ + "/store", options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  options.feed_epoch = "";
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::Open(dir_ + "/store", options);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->FeedEpoch(), "0123456789abcdef");
  reopened->reset();
  options.feed_epoch = "0123456789ABCDEF";
  EXPECT_THAT(Store::Open(dir_ + "/other", options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace syndicate::storage
