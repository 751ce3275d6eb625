// The JetStream log (storage/jetstream_log.h) against a real three-server nats-server
// cluster that the test starts on 127.0.0.1: appends are ordered, deduplicated and checked
// per story; a replica store that applies the log read back holds what the writer's store
// holds; an append is acknowledged with one server down; a purged range shows as a gap the
// replica refuses. Skipped, saying so, when nats-server is not installed.
#include "storage/jetstream_log.h"

#include <nats/nats.h>
#include <sodium.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/log_follower.h"
#include "storage/records.pb.h"
#include "storage/store.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/nats_cluster.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::NatsCluster;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class JetStreamLogTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::syndicate::testing::NatsServerPath().empty()) {
      GTEST_SKIP() << "nats-server is not installed (scripts/install-deps.sh installs it; "
                      "SYNDICATE_NATS_SERVER names another)";
    }
    absl::StatusOr<std::unique_ptr<NatsCluster>> cluster = NatsCluster::Start(dir_ + "/nats", 3);
    ASSERT_THAT(cluster, IsOk());
    cluster_ = *std::move(cluster);
    log_ = Connect(cluster_->Urls());
    ASSERT_NE(log_, nullptr);
  }

  // A log of 3 copies through the servers `urls`; nullptr, with a failure, when Connect
  // fails. The first connection waits for the cluster to elect its JetStream leader.
  static std::unique_ptr<JetStreamLog> Connect(std::vector<std::string> urls) {
    JetStreamLogOptions options;
    options.urls = std::move(urls);
    options.replicas = 3;
    options.timeout = absl::Seconds(30);
    absl::StatusOr<std::unique_ptr<JetStreamLog>> log = JetStreamLog::Connect(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  std::unique_ptr<Store> OpenStore(const std::string& name, const std::string& epoch = "") {
    StoreOptions options;
    options.feed_epoch = epoch;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir_ + "/" + name, options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A writer's store with `stories` stories, the first of them updated once: its log.
  std::vector<LogEntry> WriterLog(int stories) {
    std::unique_ptr<Store> writer = OpenStore("writer");
    if (writer == nullptr) return {};
    for (int i = 0; i < stories; ++i) {
      EXPECT_THAT(writer->PublishArticle(MakeArticle("wire", absl::StrCat("story-", i), Hash('a')),
                                         kBaseTime + absl::Seconds(i)),
                  IsOk());
    }
    EXPECT_THAT(writer->PublishArticle(MakeArticle("wire", "story-0", Hash('b')),
                                       kBaseTime + absl::Minutes(5)),
                IsOk());
    absl::StatusOr<std::vector<LogEntry>> log = writer->ReadLog(0, 1000);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : std::vector<LogEntry>{};
  }

  // Appends `entries` in order, each expecting its story's previous append; returns the
  // sequences. Retries an append that fails UNAVAILABLE (a leader election after a server
  // died) for up to 30 s: a repeat is deduplicated by its message id.
  std::vector<uint64_t> AppendAll(const std::vector<LogEntry>& entries) {
    std::vector<uint64_t> sequences;
    for (const LogEntry& entry : entries) {
      const uint64_t expected = last_by_story_[entry.version().id()];
      absl::StatusOr<uint64_t> sequence = log_->Append(entry, expected);
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (absl::IsUnavailable(sequence.status()) && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(200));
        sequence = log_->Append(entry, expected);
      }
      EXPECT_THAT(sequence, IsOk());
      if (!sequence.ok()) break;
      last_by_story_[entry.version().id()] = *sequence;
      sequences.push_back(*sequence);
    }
    return sequences;
  }

  // Purges the stream through its own client connection (to the last server): everything
  // below `keep_from`, or everything when it is 0.
  void Purge(uint64_t keep_from) {
    natsConnection* connection = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&connection, cluster_->Urls().back().c_str()), NATS_OK);
    jsCtx* js = nullptr;
    ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
    jsOptions purge;
    jsOptions_Init(&purge);
    purge.Stream.Purge.Sequence = keep_from;
    EXPECT_EQ(js_PurgeStream(js, "SYNDICATE", &purge, nullptr), NATS_OK);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
  }

  std::unique_ptr<NatsCluster> cluster_;
  std::unique_ptr<JetStreamLog> log_;
  std::map<std::string, uint64_t> last_by_story_;
};

TEST_F(JetStreamLogTest, AppendsAreOrderedDeduplicatedCheckedPerStoryAndReplayToAReplica) {
  const std::vector<LogEntry> written = WriterLog(3);
  ASSERT_THAT(written, SizeIs(4));
  EXPECT_EQ(AppendAll(written), (std::vector<uint64_t>{1, 2, 3, 4}));

  // The same entry again: stored once, acknowledged with its first sequence.
  absl::StatusOr<uint64_t> repeated = log_->Append(written[1], 0);
  ASSERT_THAT(repeated, IsOk());
  EXPECT_EQ(*repeated, 2u);
  // Another entry under the same article id and version (a second writer's version of the
  // same step): not taken for the first.
  LogEntry rival = written[1];
  rival.mutable_version()->set_headline("A rival headline");
  const absl::StatusOr<uint64_t> rivalled = log_->Append(rival, 2);
  EXPECT_THAT(rivalled, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(rivalled.status().message(), HasSubstr("already at sequence 2"));
  // The same story created by a second writer under another id: refused too.
  LogEntry twin = written[1];
  twin.mutable_version()->set_id("0123456789abcdef0123456789abcdef");
  twin.mutable_event()->set_article_id(twin.version().id());
  EXPECT_THAT(log_->Append(twin, 0), StatusIs(absl::StatusCode::kAborted));
  LogEntry bad_id = written[1];
  bad_id.mutable_version()->set_id("story.*");
  EXPECT_THAT(log_->Append(bad_id, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  // A new version decided on a stale view of its story: refused.
  LogEntry stale = written[3];
  stale.mutable_version()->set_version(3);
  stale.mutable_event()->set_version(3);
  const absl::StatusOr<uint64_t> refused = log_->Append(stale, 1);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(refused.status().message(), HasSubstr("not sequence 1"));
  // A new story that another writer created first.
  const absl::StatusOr<uint64_t> taken = log_->Append(stale, 0);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAborted));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const uint64_t last, log_->LastSequence());
  EXPECT_EQ(last, 4u);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<LogEntry> read,
                                 log_->Read(0, 100, absl::ZeroDuration()));
  ASSERT_THAT(read, SizeIs(4));
  std::unique_ptr<Store> replica = OpenStore("replica", log_->epoch());
  ASSERT_NE(replica, nullptr);
  EXPECT_EQ(replica->FeedEpoch(), log_->epoch());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].event().sequence(), i + 1);
    // The writer's store numbered its feed 1, 2, 3, 4 as well, so the entries are equal.
    EXPECT_EQ(read[i].SerializeAsString(), written[i].SerializeAsString()) << i;
    ASSERT_THAT(replica->ApplyLogEntry(read[i]), IsOk());
  }
  EXPECT_EQ(replica->FeedHead(), 4u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::Article latest,
                                 replica->GetArticle(written[3].version().id()));
  EXPECT_EQ(latest.version(), 2);
  EXPECT_EQ(latest.content_hash(), Hash('b'));

  // A read after the end returns nothing, or waits for the next append.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<LogEntry> none,
                                 log_->Read(4, 100, absl::ZeroDuration()));
  EXPECT_THAT(none, SizeIs(0));
  LogEntry next = written[3];
  next.mutable_version()->set_version(3);
  next.mutable_event()->set_version(3);
  std::thread appender([&] {
    absl::SleepFor(absl::Milliseconds(200));
    EXPECT_THAT(log_->Append(next, 4), IsOk());
  });
  absl::StatusOr<std::vector<LogEntry>> waited = log_->Read(4, 100, absl::Seconds(30));
  appender.join();
  ASSERT_THAT(waited, IsOk());
  ASSERT_THAT(*waited, SizeIs(1));
  EXPECT_EQ(waited->front().event().sequence(), 5u);
  EXPECT_THAT(log_->Read(0, 0, absl::ZeroDuration()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(JetStreamLogTest, AnAppendIsAcknowledgedWithOneServerDownAndKeptAfterItsRestart) {
  const std::vector<LogEntry> written = WriterLog(6);
  ASSERT_THAT(written, SizeIs(7));
  ASSERT_THAT(AppendAll({written.begin(), written.begin() + 3}), SizeIs(3));
  cluster_->Kill(0);
  EXPECT_THAT(AppendAll({written.begin() + 3, written.begin() + 5}), SizeIs(2));
  ASSERT_THAT(cluster_->Restart(0), IsOk());
  cluster_->Kill(1);
  EXPECT_THAT(AppendAll({written.begin() + 5, written.end()}), SizeIs(2));
  ASSERT_THAT(cluster_->Restart(1), IsOk());

  // Every acknowledged entry, once and in order, read through the server that was down.
  JetStreamLogOptions options;
  options.urls = {cluster_->Urls()[0]};
  options.replicas = 3;
  options.timeout = absl::Seconds(30);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<JetStreamLog> reader,
                                 JetStreamLog::Connect(options));
  EXPECT_EQ(reader->epoch(), log_->epoch());
  absl::StatusOr<std::vector<LogEntry>> read = reader->Read(0, 100, absl::ZeroDuration());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::IsUnavailable(read.status()) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    read = reader->Read(0, 100, absl::ZeroDuration());
  }
  ASSERT_THAT(read, IsOk());
  ASSERT_THAT(*read, SizeIs(written.size()));
  for (size_t i = 0; i < read->size(); ++i) {
    EXPECT_EQ((*read)[i].event().sequence(), i + 1);
    EXPECT_EQ((*read)[i].version().SerializeAsString(), written[i].version().SerializeAsString());
  }
}

TEST_F(JetStreamLogTest, APurgedRangeIsAGapTheReplicaRefuses) {
  const std::vector<LogEntry> written = WriterLog(4);
  ASSERT_THAT(AppendAll(written), SizeIs(5));

  // Purge everything below sequence 3 (what a retention limit or an operator may do).
  ASSERT_NO_FATAL_FAILURE(Purge(3));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<LogEntry> read,
                                 log_->Read(0, 100, absl::ZeroDuration()));
  ASSERT_THAT(read, SizeIs(3));
  EXPECT_EQ(read.front().event().sequence(), 3u);
  std::unique_ptr<Store> replica = OpenStore("replica", log_->epoch());
  ASSERT_NE(replica, nullptr);
  const absl::Status gap = replica->ApplyLogEntry(read.front());
  EXPECT_THAT(gap, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(gap.message(), HasSubstr("skipped"));
  EXPECT_EQ(replica->FeedHead(), 0u);
}

TEST_F(JetStreamLogTest, AStreamPurgedToTheEndShowsItsGapWithTheNextAppend) {
  const std::vector<LogEntry> written = WriterLog(4);
  ASSERT_THAT(AppendAll({written.begin(), written.begin() + 4}), SizeIs(4));
  ASSERT_NO_FATAL_FAILURE(Purge(0));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<LogEntry> empty,
                                 log_->Read(0, 100, absl::ZeroDuration()));
  EXPECT_THAT(empty, SizeIs(0));
  // The purge took the story's entries too: JetStream now expects none on its subject.
  EXPECT_THAT(log_->Append(written[4], 4), StatusIs(absl::StatusCode::kAborted));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const uint64_t appended, log_->Append(written[4], 0));
  EXPECT_EQ(appended, 5u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<LogEntry> read,
                                 log_->Read(0, 100, absl::ZeroDuration()));
  ASSERT_THAT(read, SizeIs(1));
  EXPECT_EQ(read.front().event().sequence(), 5u);
  std::unique_ptr<Store> replica = OpenStore("replica", log_->epoch());
  ASSERT_NE(replica, nullptr);
  EXPECT_THAT(replica->ApplyLogEntry(read.front()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Two replicas follow the stream while a writer appends, through the loss and return of a
// NATS server; a replica stopped and reopened resumes from its feed head; a gap stops a
// follower with the error, never a skip.
TEST_F(JetStreamLogTest, FollowersKeepReplicasEqualToTheWriterAndResumeAfterAStop) {
  const std::vector<LogEntry> written = WriterLog(30);
  ASSERT_THAT(written, SizeIs(31));
  std::unique_ptr<JetStreamLog> log_a = Connect({cluster_->Urls()[1]});
  std::unique_ptr<JetStreamLog> log_b = Connect({cluster_->Urls()[2]});
  ASSERT_NE(log_a, nullptr);
  ASSERT_NE(log_b, nullptr);
  std::unique_ptr<Store> replica_a = OpenStore("replica-a", log_->epoch());
  std::unique_ptr<Store> replica_b = OpenStore("replica-b", log_->epoch());
  ASSERT_NE(replica_a, nullptr);
  ASSERT_NE(replica_b, nullptr);
  {
    LogFollower follower_a(log_a.get(), replica_a.get());
    auto follower_b = std::make_unique<LogFollower>(log_b.get(), replica_b.get());
    ASSERT_THAT(AppendAll({written.begin(), written.begin() + 10}), SizeIs(10));
    cluster_->Kill(0);
    ASSERT_THAT(AppendAll({written.begin() + 10, written.begin() + 20}), SizeIs(10));
    ASSERT_THAT(cluster_->Restart(0), IsOk());
    EXPECT_THAT(follower_a.WaitApplied(20, absl::Seconds(60)), IsOk());
    EXPECT_THAT(follower_b->WaitApplied(20, absl::Seconds(60)), IsOk());

    // Replica B stops, and its store closes; the writer goes on; B comes back.
    follower_b.reset();
    replica_b.reset();
    ASSERT_THAT(AppendAll({written.begin() + 20, written.end()}), SizeIs(11));
    replica_b = OpenStore("replica-b", log_->epoch());
    ASSERT_NE(replica_b, nullptr);
    EXPECT_EQ(replica_b->FeedHead(), 20u);
    LogFollower resumed_b(log_b.get(), replica_b.get());
    EXPECT_THAT(follower_a.WaitApplied(31, absl::Seconds(60)), IsOk());
    EXPECT_THAT(resumed_b.WaitApplied(31, absl::Seconds(60)), IsOk());
    EXPECT_THAT(follower_a.status(), IsOk());
    EXPECT_THAT(resumed_b.status(), IsOk());
  }
  // Each replica holds the writer's feed (the writer's store numbered it 1 to 31 too).
  std::unique_ptr<Store> writer = OpenStore("writer");
  ASSERT_NE(writer, nullptr);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> expected, writer->ReadFeed(0, 100));
  for (Store* replica : {replica_a.get(), replica_b.get()}) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, replica->ReadFeed(0, 100));
    ASSERT_THAT(feed, SizeIs(expected.size()));
    for (size_t i = 0; i < feed.size(); ++i) {
      EXPECT_EQ(feed[i].SerializeAsString(), expected[i].SerializeAsString()) << i;
    }
  }

  // A gap: a purge below what replica C has not read yet stops its follower.
  ASSERT_NO_FATAL_FAILURE(Purge(10));
  std::unique_ptr<Store> replica_c = OpenStore("replica-c", log_->epoch());
  ASSERT_NE(replica_c, nullptr);
  LogFollower follower_c(log_a.get(), replica_c.get());
  const absl::Status stopped = follower_c.WaitApplied(31, absl::Seconds(60));
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(stopped.message(), HasSubstr("skipped"));
  EXPECT_THAT(follower_c.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(replica_c->FeedHead(), 0u);

  // A store of another feed epoch (not opened as this log's replica) is not followed.
  std::unique_ptr<Store> stranger = OpenStore("stranger");
  ASSERT_NE(stranger, nullptr);
  LogFollower refused(log_a.get(), stranger.get());
  const absl::Status not_started = refused.WaitApplied(1, absl::Seconds(30));
  EXPECT_THAT(not_started, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(not_started.message(), HasSubstr("is not the log's"));
  EXPECT_EQ(stranger->FeedHead(), 0u);
}

// Two replicas of one log, each a store opened with the log (StoreOptions::log) and
// followed into by a LogFollower: syndicated's JetStream mode, without the server.
class ReplicaCommitTest : public JetStreamLogTest {
 protected:
  struct Replica {
    std::unique_ptr<JetStreamLog> log;
    std::unique_ptr<Store> store;
    std::unique_ptr<LogFollower> follower;
  };

  // A replica named `name` connected to server `server` of the cluster.
  std::unique_ptr<Replica> StartReplica(const std::string& name, int server) {
    auto replica = std::make_unique<Replica>();
    replica->log = Connect({cluster_->Urls()[server]});
    if (replica->log == nullptr) return nullptr;
    StoreOptions store_options;
    store_options.feed_epoch = replica->log->epoch();
    store_options.log = replica->log.get();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir_ + "/" + name, store_options);
    EXPECT_THAT(store, IsOk());
    if (!store.ok()) return nullptr;
    replica->store = *std::move(store);
    replica->follower = std::make_unique<LogFollower>(replica->log.get(), replica->store.get());
    return replica;
  }

  static Article Latest(const Store& store, const std::string& id) {
    absl::StatusOr<Article> latest = store.GetArticle(id);
    EXPECT_THAT(latest, IsOk());
    return latest.ok() ? *latest : Article();
  }
};

TEST_F(ReplicaCommitTest, EachReplicaCommitsThroughTheLogAndDecidesOnTheStorysLastEntry) {
  std::unique_ptr<Replica> a = StartReplica("a", 1);
  std::unique_ptr<Replica> b = StartReplica("b", 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  // A creates the story; its commit returns once A's own view holds it, under the log's
  // sequence.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const PublishResult created,
      a->store->PublishArticle(MakeArticle("wire", "story-1", Hash('a')), kBaseTime));
  EXPECT_EQ(created.outcome, PublishOutcome::kCreated);
  EXPECT_EQ(created.sequence, 1u);
  EXPECT_EQ(a->store->FeedHead(), 1u);
  EXPECT_EQ(Latest(*a->store, created.article.id()).version(), 1);

  // B updates it at once: B's view may not hold version 1 yet, so B waits for it and makes
  // version 2 of the same story, not a second story.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishResult updated,
                                 b->store->PublishArticle(MakeArticle("wire", "story-1", Hash('b')),
                                                          kBaseTime + absl::Minutes(1)));
  EXPECT_EQ(updated.outcome, PublishOutcome::kUpdated);
  EXPECT_EQ(updated.article.id(), created.article.id());
  EXPECT_EQ(updated.article.version(), 2);
  EXPECT_EQ(updated.sequence, 2u);

  // A is sent version 1's content again right away: from a view that may still be at
  // version 1 it would look unchanged, but the story's last entry is version 2, so A
  // decides on that and makes version 3.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishResult reverted,
                                 a->store->PublishArticle(MakeArticle("wire", "story-1", Hash('a')),
                                                          kBaseTime + absl::Minutes(2)));
  EXPECT_EQ(reverted.outcome, PublishOutcome::kUpdated);
  EXPECT_EQ(reverted.article.version(), 3);

  // A request_id committed on A is replayed on B, not committed again.
  const auto decide_v4 = [](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
    if (latest == nullptr) return absl::NotFoundError("no story");
    Change change;
    change.version = *latest;
    change.version.set_version(latest->version() + 1);
    change.version.set_headline("Harbour reopens after the storm");
    change.version.set_content_hash(Hash('d'));
    *change.version.mutable_version_created() = ToTimestamp(kBaseTime + absl::Minutes(3));
    change.event_type = syndication::v1::EVENT_TYPE_CORRECTED;
    change.response = "the recorded answer";
    return change;
  };
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult first, a->store->CommitById(created.article.id(), "request-7", decide_v4));
  EXPECT_EQ(first.latest.version(), 4);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult again, b->store->CommitById(created.article.id(), "request-7", decide_v4));
  EXPECT_EQ(again.replayed_response, "the recorded answer");
  EXPECT_EQ(again.sequence, 0u);

  // Both views end equal, event for event.
  ASSERT_THAT(a->follower->WaitApplied(4, absl::Seconds(30)), IsOk());
  ASSERT_THAT(b->follower->WaitApplied(4, absl::Seconds(30)), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed_a, a->store->ReadFeed(0, 100));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed_b, b->store->ReadFeed(0, 100));
  ASSERT_THAT(feed_a, SizeIs(4));
  ASSERT_EQ(feed_b.size(), feed_a.size());
  for (size_t i = 0; i < feed_a.size(); ++i) {
    EXPECT_EQ(feed_a[i].SerializeAsString(), feed_b[i].SerializeAsString()) << i;
  }

  // A log may not be named as another log's shared changes or secrets.
  JetStreamLogOptions named;
  named.urls = cluster_->Urls();
  named.stream = "SYNDICATE_ADMIN";
  EXPECT_THAT(JetStreamLog::Connect(named),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ends with \"_ADMIN\"")));

  // The page-token key and the like are the same on both replicas.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::string secret_a,
                                 a->store->GetOrCreateSecret("key", 32));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::string secret_b,
                                 b->store->GetOrCreateSecret("key", 32));
  EXPECT_EQ(secret_a, secret_b);
  EXPECT_THAT(a->store->GetOrCreateSecret("key", 16),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("32 bytes, not 16")));
}

TEST_F(ReplicaCommitTest, ConcurrentWritersOnTwoReplicasLoseNoUpdateAndALiftIsMadeOnce) {
  std::unique_ptr<Replica> a = StartReplica("a", 0);
  std::unique_ptr<Replica> b = StartReplica("b", 1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Article embargoed = MakeArticle("wire", "story-1", Hash('0'));
  *embargoed.mutable_embargoed_until() = ToTimestamp(kBaseTime + absl::Hours(1));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishResult created,
                                 a->store->PublishArticle(embargoed, kBaseTime));
  const std::string id = created.article.id();

  // Each replica updates the story 10 times, with content no other update has, at once.
  constexpr int kUpdates = 10;
  const auto update = [&](Store* store, char first_digit) {
    for (int i = 0; i < kUpdates; ++i) {
      Article content = MakeArticle("wire", "story-1", Hash(static_cast<char>(first_digit + i)));
      *content.mutable_embargoed_until() = ToTimestamp(kBaseTime + absl::Hours(1));
      absl::StatusOr<PublishResult> result =
          store->PublishArticle(content, kBaseTime + absl::Seconds(1));
      EXPECT_THAT(result, IsOk());
      if (result.ok()) {
        EXPECT_EQ(result->outcome, PublishOutcome::kUpdated);
      }
    }
  };
  // Two writers on A too: commits of one story on one replica take turns, so none of them
  // runs out of attempts racing the others through the log.
  std::thread on_a(update, a->store.get(), 'a');   // hashes a… j
  std::thread on_a2(update, a->store.get(), 'A');  // hashes A… J
  std::thread on_b(update, b->store.get(), 'k');   // hashes k… t
  on_a.join();
  on_a2.join();
  on_b.join();
  // Each write returned once its own replica applied it: A may not have B's last yet.
  ASSERT_THAT(a->follower->WaitApplied(1 + 3 * kUpdates, absl::Seconds(30)), IsOk());
  EXPECT_EQ(Latest(*a->store, id).version(), 1 + 3 * kUpdates);

  // Both replicas find the embargo due and lift it at once: one lift is made.
  const auto lift = [&id](Store* store, absl::Time now) {
    return store->CommitById(
        id, "", [now](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
          if (latest == nullptr) return absl::NotFoundError("no story");
          if (ToAbslTime(latest->version_created()) >= ToAbslTime(latest->embargoed_until())) {
            return std::nullopt;  // lifted already
          }
          Change change;
          change.version = *latest;
          change.version.set_version(latest->version() + 1);
          *change.version.mutable_version_created() = ToTimestamp(now);
          change.event_type = syndication::v1::EVENT_TYPE_EMBARGO_LIFTED;
          return change;
        });
  };
  absl::StatusOr<CommitResult> lifted_a;
  absl::StatusOr<CommitResult> lifted_b;
  std::thread lift_a([&] { lifted_a = lift(a->store.get(), kBaseTime + absl::Hours(1)); });
  std::thread lift_b(
      [&] { lifted_b = lift(b->store.get(), kBaseTime + absl::Hours(1) + absl::Milliseconds(1)); });
  lift_a.join();
  lift_b.join();
  ASSERT_THAT(lifted_a, IsOk());
  ASSERT_THAT(lifted_b, IsOk());
  EXPECT_EQ((lifted_a->sequence != 0) + (lifted_b->sequence != 0), 1)
      << lifted_a->sequence << " " << lifted_b->sequence;

  const uint64_t end = 2 + 3 * kUpdates;
  ASSERT_THAT(a->follower->WaitApplied(end, absl::Seconds(30)), IsOk());
  ASSERT_THAT(b->follower->WaitApplied(end, absl::Seconds(30)), IsOk());
  for (Store* store : {a->store.get(), b->store.get()}) {
    EXPECT_EQ(store->FeedHead(), end);
    const Article latest = Latest(*store, id);
    EXPECT_EQ(latest.version(), 2 + 3 * kUpdates);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 100));
    ASSERT_THAT(feed, SizeIs(end));
    EXPECT_EQ(feed.back().type(), syndication::v1::EVENT_TYPE_EMBARGO_LIFTED);
    EXPECT_FALSE(feed.back().hidden());
  }
}

TEST_F(ReplicaCommitTest, SourcesPartnersAndKeysWrittenOnOneReplicaReachEveryReplica) {
  std::unique_ptr<Replica> a = StartReplica("a", 0);
  std::unique_ptr<Replica> b = StartReplica("b", 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<SharedChange> seen_on_b;
  std::mutex seen_mu;
  b->store->SetSharedChangeListener([&](const SharedChange& change) {
    std::lock_guard<std::mutex> lock(seen_mu);
    seen_on_b.push_back(change);
  });

  syndication::v1::Source source;
  source.set_id("harbour-wire");
  source.set_name("Harbour Wire");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::Source stored,
                                 a->store->UpsertSource(source, kBaseTime));
  syndication::v1::Partner partner;
  partner.set_id("coastline-courier");
  partner.set_display_name("The Coastline Courier");
  ASSERT_THAT(a->store->PutPartner(partner), IsOk());
  ApiKeyRecord key;
  key.mutable_key()->set_key_id("0123456789abcdef");
  key.mutable_key()->set_role(syndication::v1::ROLE_PARTNER);
  key.mutable_key()->set_partner_id("coastline-courier");
  key.set_secret_hash(std::string(32, 'h'));
  ASSERT_THAT(a->store->PutApiKey(key), IsOk());
  // A signing key B signs with: listed on A too, so a story B signed verifies everywhere.
  const std::string public_key(32, 'k');
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(public_key.data()),
                     public_key.size());
  const std::string key_id =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 8));
  ASSERT_THAT(b->store->RegisterSigningKey({key_id, public_key, kBaseTime}), IsOk());

  // Each replica has all of them once it has applied the other's last change (a write
  // returns once its own replica applied it, from the same stream).
  ASSERT_THAT(b->follower->WaitSharedApplied(a->store->SharedHead(), absl::Seconds(30)), IsOk());
  ASSERT_THAT(a->follower->WaitSharedApplied(b->store->SharedHead(), absl::Seconds(30)), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<SigningKeyRecord> keys_on_a_now,
                                 a->store->ListSigningKeys());
  ASSERT_THAT(keys_on_a_now, SizeIs(1));
  EXPECT_EQ(keys_on_a_now[0].key_id, key_id);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::Source on_b,
                                 b->store->GetSource("harbour-wire"));
  EXPECT_EQ(on_b.SerializeAsString(), stored.SerializeAsString());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::Partner partner_on_b,
                                 b->store->GetPartner("coastline-courier"));
  EXPECT_EQ(partner_on_b.display_name(), "The Coastline Courier");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<ApiKeyRecord> keys_on_b,
                                 b->store->ListApiKeys());
  ASSERT_THAT(keys_on_b, SizeIs(1));
  EXPECT_EQ(keys_on_b[0].SerializeAsString(), key.SerializeAsString());

  // The partner deleted on B: its key revoked and its id retired on A too.
  ApiKeyRecord revoked = key;
  *revoked.mutable_key()->mutable_revoke_time() = ToTimestamp(kBaseTime + absl::Hours(1));
  ASSERT_THAT(b->store->DeletePartner("coastline-courier", {revoked}, kBaseTime + absl::Hours(1)),
              IsOk());
  ASSERT_THAT(a->follower->WaitSharedApplied(b->store->SharedHead(), absl::Seconds(30)), IsOk());
  EXPECT_THAT(a->store->GetPartner("coastline-courier"), StatusIs(absl::StatusCode::kNotFound));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const bool retired,
                                 a->store->PartnerIdRetired("coastline-courier"));
  EXPECT_TRUE(retired);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<ApiKeyRecord> keys_on_a,
                                 a->store->ListApiKeys());
  ASSERT_THAT(keys_on_a, SizeIs(1));
  EXPECT_TRUE(keys_on_a[0].key().has_revoke_time());

  // B's listener saw every change, in order.
  std::lock_guard<std::mutex> lock(seen_mu);
  ASSERT_THAT(seen_on_b, SizeIs(5));
  EXPECT_TRUE(seen_on_b[0].has_source());
  EXPECT_TRUE(seen_on_b[1].has_partner());
  EXPECT_TRUE(seen_on_b[2].has_api_key());
  EXPECT_TRUE(seen_on_b[3].has_signing_key());
  EXPECT_TRUE(seen_on_b[4].has_partner_deletion());
}

}  // namespace
}  // namespace syndicate::storage
