// syndicated's JetStream mode (issue 9) with real processes: a three-server nats-server
// cluster on 127.0.0.1 and syndicated replicas following its stream, each with its own
// RocksDB. A partner resumes its stream across replicas while a NATS server and a replica
// are killed; an embargo is lifted once for the whole cluster; a replica started late
// catches up before it reports SERVING; a purged range stops a fresh replica instead of
// being skipped. Skipped, saying so, when nats-server is not installed.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <nats/nats.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "syndication/v1/syndication_service.grpc.pb.h"
#include "tests/client/testing.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/nats_cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/syndicated_process.h"

namespace syndicate {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::syndicate::testing::EpochOf;
using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::NatsCluster;
using ::syndicate::testing::SequenceOf;
using ::syndicate::testing::StatusIs;
using ::syndicate::testing::SyndicatedProcess;
using ::syndication::v1::ArticleEvent;
using ::syndication::v1::EventType;
using ::syndication::v1::StreamArticlesRequest;
using ::syndication::v1::StreamArticlesResponse;
using ::testing::HasSubstr;

constexpr char kApiService[] = "syndication.v1.SyndicationService";
constexpr char kStream[] = "SYNDICATE";

// The API's health as `address` reports it; UNKNOWN when the check itself failed (the
// process is down or still starting).
HealthCheckResponse::ServingStatus ApiHealth(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(kApiService);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

// Polls the API's health until it is SERVING; false when `timeout` passed first.
bool WaitServing(const std::string& address, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (ApiHealth(address) != HealthCheckResponse::SERVING) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return true;
}

// A replica's feed from its beginning until the stream caught up: its events in stream
// order and the head cursor it caught up at.
struct Feed {
  std::vector<ArticleEvent> events;
  std::string head_cursor;
};

absl::StatusOr<Feed> ReadFeed(const std::string& address) {
  auto stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  StreamArticlesRequest request;
  request.set_position(StreamArticlesRequest::POSITION_BEGINNING);
  auto reader = stub->StreamArticles(&context, request);
  Feed feed;
  StreamArticlesResponse response;
  while (reader->Read(&response)) {
    if (response.has_event()) feed.events.push_back(response.event());
    if (response.has_caught_up()) {
      feed.head_cursor = response.caught_up().head_cursor();
      context.TryCancel();
      break;
    }
  }
  const grpc::Status finished = reader->Finish();
  if (feed.head_cursor.empty()) return client::FromGrpcStatus(finished);
  return feed;
}

int CountEvents(const Feed& feed, const std::string& article_id, EventType type) {
  int count = 0;
  for (const ArticleEvent& event : feed.events) {
    if (event.article_id() == article_id && event.type() == type) ++count;
  }
  return count;
}

// The story of the test's source with external id `external_id`, headed by its number so
// that every story has content of its own.
syndication::v1::Article Story(int number) {
  syndication::v1::Article article = ExampleArticle(absl::StrCat("ferry-notice-", number));
  article.set_headline(absl::StrCat("Ferry notice ", number, ": Gull Island crossings"));
  return article;
}

class JetStreamClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::syndicate::testing::NatsServerPath().empty()) {
      GTEST_SKIP() << "nats-server is not installed (scripts/install-deps.sh installs it; "
                      "SYNDICATE_NATS_SERVER names another)";
    }
    dir_ = ::syndicate::testing::FreshTempDir();
    absl::StatusOr<std::unique_ptr<NatsCluster>> cluster = NatsCluster::Start(dir_ + "/nats", 3);
    ASSERT_THAT(cluster, IsOk());
    cluster_ = *std::move(cluster);
  }

  // The flags of replica `name` (its files under dir_/name; the same data dir when started
  // again) on `listen`: --log=jetstream over the whole cluster with three copies, the
  // cluster's one signing key, and SERVING only within `max_lag` entries of the stream's end
  // (0: only once it has applied the whole stream).
  std::vector<std::string> ReplicaFlags(const std::string& name, const std::string& listen,
                                        int max_lag = 0) const {
    return {"--listen=" + listen,
            "--data-dir=" + dir_ + "/" + name + "/data",
            "--auth=none",
            "--log=jetstream",
            "--nats-url=" + absl::StrJoin(cluster_->Urls(), ","),
            "--nats-replicas=3",
            std::string("--nats-stream=") + kStream,
            "--signing-key-file=" + dir_ + "/signing-key",
            absl::StrCat("--max-replica-lag=", max_lag)};
  }

  // Starts replica `name` (see ReplicaFlags) and gives it the test's source: admin state
  // may be per replica.
  absl::StatusOr<SyndicatedProcess> StartReplica(const std::string& name,
                                                 const std::string& listen = "127.0.0.1:0") {
    const std::string dir = dir_ + "/" + name;
    std::filesystem::create_directories(dir);
    absl::StatusOr<SyndicatedProcess> replica =
        SyndicatedProcess::Start(dir, ReplicaFlags(name, listen));
    if (!replica.ok()) {
      return absl::Status(replica.status().code(),
                          absl::StrCat("replica ", name, ": ", replica.status().message(),
                                       "; its log: ", ReadLog(name)));
    }
    absl::StatusOr<syndication::v1::Source> source =
        replica->Client()->UpsertSource(ExampleSource());
    if (!source.ok()) return source.status();
    return replica;
  }

  std::string ReadLog(const std::string& name) const {
    return SyndicatedProcess::ReadFile(dir_ + "/" + name + "/stderr.log");
  }

  // Publishes `article` through `client`, retrying with the same request_id while the
  // cluster does not answer (a NATS server down, a JetStream leader election), for up to
  // 60 s; counts the retries in `retries`. Returns the story's article id.
  static absl::StatusOr<std::string> Publish(client::Client& client,
                                             const syndication::v1::Article& article,
                                             int* retries = nullptr) {
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    request.set_request_id(absl::StrCat("cluster-test-", article.external_id()));
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (true) {
      absl::StatusOr<syndication::v1::PublishArticleResponse> published =
          client.PublishArticle(request);
      if (published.ok()) return published->article().id();
      const bool passing = absl::IsUnavailable(published.status()) ||
                           absl::IsDeadlineExceeded(published.status()) ||
                           absl::IsAborted(published.status());
      if (!passing || absl::Now() > deadline) return published.status();
      if (retries != nullptr) ++*retries;
      absl::SleepFor(absl::Milliseconds(200));
    }
  }

  // Runs `action` with a JetStream context of a connection of its own to the cluster.
  template <typename Action>
  void WithJetStream(Action action) {
    natsConnection* connection = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&connection, absl::StrJoin(cluster_->Urls(), ",").c_str()),
              NATS_OK);
    jsCtx* js = nullptr;
    EXPECT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
    if (js != nullptr) action(js);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
  }

  // Purges the stream's entries below `keep_from`.
  void Purge(uint64_t keep_from) {
    WithJetStream([keep_from](jsCtx* js) {
      jsOptions purge;
      jsOptions_Init(&purge);
      purge.Stream.Purge.Sequence = keep_from;
      EXPECT_EQ(js_PurgeStream(js, kStream, &purge, nullptr), NATS_OK);
    });
  }

  // The index in the cluster of the server leading the stream; -1 when it is not known.
  int StreamLeader() {
    int leader = -1;
    WithJetStream([&leader](jsCtx* js) {
      jsStreamInfo* info = nullptr;
      if (js_GetStreamInfo(&info, js, kStream, nullptr, nullptr) != NATS_OK) return;
      if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) {
        const std::string name = info->Cluster->Leader;  // "n0", "n1", …: NatsCluster's names
        if (name.size() == 2 && name[0] == 'n') leader = name[1] - '0';
      }
      jsStreamInfo_Destroy(info);
    });
    return leader;
  }

  void PublishFourAndPurgeTwo();
  std::string GapExplanation(const std::string& name) const;

  std::string dir_;
  std::unique_ptr<NatsCluster> cluster_;
};

// A partner's StreamArticles reader that follows one replica at a time, resuming on the
// next from the last cursor it took: Client::Subscribe, stopped and started again at
// another address whenever SwitchTo names one, or when the replica's connection fails and
// the switch was armed with FailOverTo.
class Partner {
 public:
  explicit Partner(const std::string& address) : address_(address) {
    thread_ = std::jthread([this](const std::stop_token& done) { Run(done); });
  }

  // Reconnects to `address` at once, from the last cursor.
  void SwitchTo(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    address_ = address;
    connection_stop_.request_stop();
  }

  // When the current connection fails, reconnects to `address` instead of the same one.
  void FailOverTo(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_over_to_ = address;
  }

  // Waits until the events taken hold every one of `article_ids`; false after `timeout`.
  bool WaitFor(const std::vector<std::string>& article_ids, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        size_t found = 0;
        for (const std::string& id : article_ids) {
          for (const Taken& taken : taken_) {
            if (taken.event.article_id() == id) {
              ++found;
              break;
            }
          }
        }
        if (found == article_ids.size()) return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  struct Taken {
    ArticleEvent event;
    std::string address;  // of the replica that sent it
  };

  // Stops reading; returns every event taken, in the order taken, and each connection's
  // replica address and how it ended.
  std::vector<Taken> Stop(std::vector<std::string>* connections) {
    thread_.request_stop();
    thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    *connections = connections_;
    return taken_;
  }

 private:
  void Run(const std::stop_token& done) {
    while (!done.stop_requested()) {
      client::SubscribeOptions options;
      std::string address;
      {
        std::lock_guard<std::mutex> lock(mu_);
        address = address_;
        connection_stop_ = std::stop_source();
        if (last_cursor_.empty()) {
          options.request.set_position(StreamArticlesRequest::POSITION_BEGINNING);
        } else {
          options.request.set_after_cursor(last_cursor_);
        }
      }
      options.request.mutable_heartbeat_interval()->set_seconds(1);
      options.initial_backoff = absl::Milliseconds(100);
      options.max_backoff = absl::Milliseconds(500);
      options.on_reconnect = [this](const absl::Status& status, absl::Duration) {
        std::lock_guard<std::mutex> lock(mu_);
        connections_.back() += absl::StrCat(" [", status.ToString(), "]");
        if (!fail_over_to_.empty()) {
          address_ = fail_over_to_;
          fail_over_to_.clear();
          connection_stop_.request_stop();
        }
      };
      std::stop_token connection;
      {
        std::lock_guard<std::mutex> lock(mu_);
        connections_.push_back(address);
        connection = connection_stop_.get_token();
      }
      std::stop_callback end_with_test(done, [this] {
        std::lock_guard<std::mutex> lock(mu_);
        connection_stop_.request_stop();
      });
      client::ClientOptions client_options;
      client_options.server = address;
      std::unique_ptr<client::Client> partner = *client::Client::Create(client_options);
      const absl::Status ended = partner->Subscribe(
          options,
          [this, &address](const StreamArticlesResponse& response) {
            std::lock_guard<std::mutex> lock(mu_);
            if (response.has_event()) {
              taken_.push_back({response.event(), address});
              last_cursor_ = response.event().cursor();
            } else if (response.has_heartbeat()) {
              last_cursor_ = response.heartbeat().cursor();
            } else if (response.has_caught_up()) {
              last_cursor_ = response.caught_up().head_cursor();
            }
            return absl::OkStatus();
          },
          connection);
      if (!ended.ok()) {
        // Not recovered by Subscribe (e.g. the replica was killed mid-stream): noted,
        // and tried again from the same cursor.
        {
          std::lock_guard<std::mutex> lock(mu_);
          connections_.back() += absl::StrCat(" [ended: ", ended.ToString(), "]");
        }
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  }

  std::mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  std::string fail_over_to_ ABSL_GUARDED_BY(mu_);
  std::stop_source connection_stop_ ABSL_GUARDED_BY(mu_);
  std::string last_cursor_ ABSL_GUARDED_BY(mu_);
  std::vector<Taken> taken_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> connections_ ABSL_GUARDED_BY(mu_);
  std::jthread thread_;  // last: started once everything above is ready
};

TEST_F(JetStreamClusterTest, APartnerResumesAcrossReplicasThroughTheLossOfANatsServerAndAReplica) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess a, StartReplica("a"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess b, StartReplica("b"));
  ASSERT_TRUE(WaitServing(a.address, absl::Seconds(30))) << ReadLog("a");
  ASSERT_TRUE(WaitServing(b.address, absl::Seconds(30))) << ReadLog("b");
  const std::string b_address = b.address;
  std::unique_ptr<client::Client> publisher = a.Client();

  constexpr int kStories = 24;
  std::vector<std::string> acknowledged;
  int retries = 0;
  const auto publish = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      absl::StatusOr<std::string> id = Publish(*publisher, Story(i), &retries);
      ASSERT_THAT(id, IsOk()) << "story " << i << "; replica a's log: " << ReadLog("a");
      acknowledged.push_back(*id);
    }
  };

  Partner partner(b.address);
  partner.FailOverTo(a.address);
  ASSERT_NO_FATAL_FAILURE(publish(0, kStories / 3));
  ASSERT_TRUE(partner.WaitFor(acknowledged, absl::Seconds(20)));

  // The NATS server leading the stream and replica b die together; the partner fails over
  // to a, and a's publishes wait for the election of a new leader.
  const int leader = StreamLeader();
  ASSERT_GE(leader, 0);
  cluster_->Kill(leader);
  b.process.Signal(SIGKILL);
  ASSERT_THAT(b.process.Wait(absl::Seconds(10)), IsOk());
  ASSERT_NO_FATAL_FAILURE(publish(kStories / 3, 2 * kStories / 3));

  // Both come back, b on its data dir and address.
  ASSERT_THAT(cluster_->Restart(leader), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess b_again, StartReplica("b", b_address));
  ASSERT_NO_FATAL_FAILURE(publish(2 * kStories / 3, kStories));
  ASSERT_TRUE(partner.WaitFor(acknowledged, absl::Seconds(30)));

  // Once b has applied the stream to its end, the partner goes back to it.
  ASSERT_TRUE(WaitServing(b_again.address, absl::Seconds(30))) << ReadLog("b");
  partner.SwitchTo(b_again.address);
  ASSERT_NO_FATAL_FAILURE(publish(kStories, kStories + 1));
  ASSERT_TRUE(partner.WaitFor(acknowledged, absl::Seconds(30)));
  std::vector<std::string> connections;
  const std::vector<Partner::Taken> taken = partner.Stop(&connections);

  // Every acknowledged story once, in sequence order, with no gap and no repeat, over
  // connections to b, then a, then b again.
  const std::string trail = absl::StrCat("connections: ", absl::StrJoin(connections, ", "),
                                         "; publish retries: ", retries);
  ASSERT_FALSE(taken.empty()) << trail;
  std::map<std::string, int> stories;
  std::map<std::string, int> by_replica;
  const std::string epoch = EpochOf(taken.front().event.cursor());
  for (size_t i = 0; i < taken.size(); ++i) {
    const ArticleEvent& event = taken[i].event;
    EXPECT_EQ(SequenceOf(event.cursor()), i + 1) << event.cursor() << "; " << trail;
    EXPECT_EQ(EpochOf(event.cursor()), epoch) << trail;
    EXPECT_EQ(event.type(), syndication::v1::EVENT_TYPE_PUBLISHED) << event.DebugString();
    ++stories[event.article_id()];
    ++by_replica[taken[i].address];
  }
  EXPECT_EQ(taken.size(), acknowledged.size()) << trail;
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(stories[id], 1) << id << "; " << trail;
  }
  EXPECT_GT(by_replica[a.address], 0) << trail;
  EXPECT_GT(by_replica[b_address], 0) << trail;
  EXPECT_EQ(taken.back().address, b_address) << trail;

  // Every acknowledged story is on both replicas, and their feeds are the same.
  std::unique_ptr<client::Client> reader_a = a.Client();
  std::unique_ptr<client::Client> reader_b = b_again.Client();
  for (const std::string& id : acknowledged) {
    EXPECT_THAT(reader_a->GetArticle(id), IsOk()) << id;
    EXPECT_THAT(reader_b->GetArticle(id), IsOk()) << id;
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_a, ReadFeed(a.address));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_b, ReadFeed(b_again.address));
  EXPECT_EQ(feed_a.head_cursor, taken.back().event.cursor());
  EXPECT_EQ(feed_b.head_cursor, feed_a.head_cursor);
}

TEST_F(JetStreamClusterTest, AnEmbargoIsLiftedOnceForTheWholeCluster) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess a, StartReplica("a"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess b, StartReplica("b"));
  ASSERT_TRUE(WaitServing(a.address, absl::Seconds(30))) << ReadLog("a");
  ASSERT_TRUE(WaitServing(b.address, absl::Seconds(30))) << ReadLog("b");

  syndication::v1::Article embargoed = Story(1);
  embargoed.mutable_embargoed_until()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Seconds(4)));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::string id, Publish(*a.Client(), embargoed));

  // Each replica's scheduler polls every second; wait until both feeds show a lift, then
  // two more polls of each, so that a second lift by the other replica would be there.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (const SyndicatedProcess* replica : {&a, &b}) {
    while (true) {
      absl::StatusOr<Feed> feed = ReadFeed(replica->address);
      ASSERT_THAT(feed, IsOk());
      if (CountEvents(*feed, id, syndication::v1::EVENT_TYPE_EMBARGO_LIFTED) > 0) break;
      ASSERT_LT(absl::Now(), deadline) << "no lift on " << replica->address;
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  absl::SleepFor(absl::Milliseconds(2500));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_a, ReadFeed(a.address));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_b, ReadFeed(b.address));
  EXPECT_EQ(CountEvents(feed_a, id, syndication::v1::EVENT_TYPE_EMBARGO_LIFTED), 1);
  EXPECT_EQ(CountEvents(feed_b, id, syndication::v1::EVENT_TYPE_EMBARGO_LIFTED), 1);
  EXPECT_EQ(feed_a.head_cursor, feed_b.head_cursor);
  ASSERT_EQ(feed_a.events.size(), feed_b.events.size());
  for (size_t i = 0; i < feed_a.events.size(); ++i) {
    EXPECT_EQ(feed_a.events[i].cursor(), feed_b.events[i].cursor());
    EXPECT_EQ(feed_a.events[i].type(), feed_b.events[i].type());
  }
}

TEST_F(JetStreamClusterTest, AReplicaStartedLateCatchesUpBeforeItReportsServing) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess a, StartReplica("a"));
  ASSERT_TRUE(WaitServing(a.address, absl::Seconds(30))) << ReadLog("a");
  std::unique_ptr<client::Client> publisher = a.Client();
  constexpr int kStories = 30;
  for (int i = 0; i < kStories; ++i) ASSERT_THAT(Publish(*publisher, Story(i)), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_a, ReadFeed(a.address));
  ASSERT_EQ(feed_a.events.size(), static_cast<size_t>(kStories));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess late, StartReplica("late"));
  ASSERT_TRUE(WaitServing(late.address, absl::Seconds(30))) << ReadLog("late");
  // SERVING with --max-replica-lag=0: the whole stream is applied already.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed_late, ReadFeed(late.address));
  EXPECT_EQ(feed_late.head_cursor, feed_a.head_cursor);
  ASSERT_EQ(feed_late.events.size(), feed_a.events.size());
  for (size_t i = 0; i < feed_a.events.size(); ++i) {
    EXPECT_EQ(feed_late.events[i].cursor(), feed_a.events[i].cursor());
    EXPECT_EQ(feed_late.events[i].article_id(), feed_a.events[i].article_id());
  }
}

// Replica "a" publishes four stories, then the stream's first two entries are purged.
void JetStreamClusterTest::PublishFourAndPurgeTwo() {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(SyndicatedProcess a, StartReplica("a"));
    std::unique_ptr<client::Client> publisher = a.Client();
    for (int i = 0; i < 4; ++i) ASSERT_THAT(Publish(*publisher, Story(i)), IsOk());
  }
  Purge(3);
}

// The line of replica `name`'s log that says why its follower stopped at the purged range
// (a FAILED_PRECONDITION about skipped entries), checked to be a JSON log line; empty while
// there is none.
std::string JetStreamClusterTest::GapExplanation(const std::string& name) const {
  for (absl::string_view line : absl::StrSplit(ReadLog(name), '\n')) {
    if (!absl::StrContains(line, "skipped entries")) continue;
    google::protobuf::Struct parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok())
        << "not a JSON log line: " << line;
    return std::string(line);
  }
  return "";
}

TEST_F(JetStreamClusterTest, AFreshReplicaStopsAtAPurgedRangeInsteadOfSkippingIt) {
  ASSERT_NO_FATAL_FAILURE(PublishFourAndPurgeTwo());
  // Allowed a lag of 1000 entries, the replica would be SERVING from its start (and after
  // applying 3 and 4, had it skipped the gap): only a follower that stopped keeps it not.
  std::filesystem::create_directories(dir_ + "/fresh");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      SyndicatedProcess fresh,
      SyndicatedProcess::Start(dir_ + "/fresh", ReplicaFlags("fresh", "127.0.0.1:0", 1000)));
  // It says why in its log, and has never reported SERVING meanwhile.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  std::string said;
  while ((said = GapExplanation("fresh")).empty()) {
    ASSERT_NE(ApiHealth(fresh.address), HealthCheckResponse::SERVING) << ReadLog("fresh");
    ASSERT_LT(absl::Now(), deadline) << "no log line says why; its log: " << ReadLog("fresh");
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_THAT(said, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(said, HasSubstr("refused entry 3"));
  // Four readiness checks (one a second) later, it still does not report SERVING.
  const absl::Time until = absl::Now() + absl::Seconds(4);
  while (absl::Now() < until) {
    ASSERT_NE(ApiHealth(fresh.address), HealthCheckResponse::SERVING) << ReadLog("fresh");
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(ApiHealth(fresh.address), HealthCheckResponse::NOT_SERVING);
  // It applied nothing.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Feed feed, ReadFeed(fresh.address));
  EXPECT_TRUE(feed.events.empty()) << feed.events.size();
  EXPECT_EQ(SequenceOf(feed.head_cursor), 0u) << feed.head_cursor;
}

}  // namespace
}  // namespace syndicate
