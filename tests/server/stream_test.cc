// StreamArticles end to end, in-process: backlog, caught_up, live events, heartbeats,
// exact resume, errors with ErrorInfo, shutdown, caps, stalls and many idle streams.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/resource.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "server/stream_service.h"
#include "storage/commit_log.h"
#include "storage/store.h"
#include "syndication/v1/syndication_service.grpc.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using syndication::v1::Article;
using syndication::v1::StreamArticlesRequest;
using syndication::v1::StreamArticlesResponse;

// The ErrorInfo in a status's details, if any.
std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.type_url() == "type.googleapis.com/google.rpc.ErrorInfo" &&
        info.ParseFromString(any.value())) {
      return info;
    }
  }
  return std::nullopt;
}

// The sequence number inside a cursor (tests may look inside; clients must not).
uint64_t SequenceOf(const std::string& cursor) {
  return std::stoull(cursor.substr(cursor.find(':') + 1));
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(ServerOptions options) {
    if (dir_.empty()) dir_ = ::syndicate::testing::FreshTempDir();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(dir_));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(server_, Server::Start(options, core_.get()));
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = syndication::v1::SyndicationService::NewStub(channel_);
    syndication::v1::UpsertSourceRequest source;
    *source.mutable_source() = ExampleSource();
    ASSERT_THAT(core_->UpsertSource(source), IsOk());
  }

  void Stop() {
    server_.reset();
    core_.reset();
    store_.reset();
  }

  // Publishes story `n` (external id "story-n"); returns its article id.
  std::string Publish(int n, const std::string& headline = "") {
    Article article = ExampleArticle("story-" + std::to_string(n));
    article.set_headline(headline.empty() ? "Story " + std::to_string(n) : headline);
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    auto response = core_->PublishArticle(request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->article().id() : "";
  }

  struct Stream {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<StreamArticlesResponse>> reader;
  };

  Stream Open(const StreamArticlesRequest& request,
              syndication::v1::SyndicationService::Stub* stub = nullptr) {
    Stream stream;
    stream.context = std::make_unique<grpc::ClientContext>();
    stream.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stream.reader =
        (stub != nullptr ? stub : stub_.get())->StreamArticles(stream.context.get(), request);
    return stream;
  }

  static StreamArticlesRequest From(StreamArticlesRequest::Position position) {
    StreamArticlesRequest request;
    request.set_position(position);
    return request;
  }

  static StreamArticlesRequest After(const std::string& cursor) {
    StreamArticlesRequest request;
    request.set_after_cursor(cursor);
    return request;
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<syndication::v1::SyndicationService::Stub> stub_;
};

TEST_F(StreamTest, BacklogThenCaughtUpThenLiveEvents) {
  const std::string first = Publish(1);
  Publish(2);
  Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  ASSERT_TRUE(response.has_event()) << response.DebugString();
  EXPECT_EQ(response.event().type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(response.event().article_id(), first);
  EXPECT_EQ(response.event().version(), 1);
  EXPECT_EQ(response.event().source_id(), "harbour-wire");
  EXPECT_EQ(response.event().article().headline(), "Story 1");
  EXPECT_EQ(SequenceOf(response.event().cursor()), 1u);
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().article().headline(), "Story 2");
  ASSERT_TRUE(stream.reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up()) << response.DebugString();
  EXPECT_EQ(SequenceOf(response.caught_up().head_cursor()), 2u);

  // Live: an update makes version 2 and an UPDATED event carrying the new content.
  Publish(1, "Story 1, updated");
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().type(), syndication::v1::EVENT_TYPE_UPDATED);
  EXPECT_EQ(response.event().article_id(), first);
  EXPECT_EQ(response.event().version(), 2);
  EXPECT_EQ(response.event().article().headline(), "Story 1, updated");
  EXPECT_EQ(SequenceOf(response.event().cursor()), 3u);
  stream.context->TryCancel();
}

// The event of a version that is no longer the latest carries that version, not the latest
// (a live event's version is the latest, and is read once for both; see FeedReader::Event).
TEST_F(StreamTest, BacklogEventsOfAnUpdatedStoryCarryTheirOwnVersion) {
  const std::string id = Publish(1);
  Publish(1, "Story 1, updated");
  Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().article_id(), id);
  EXPECT_EQ(response.event().version(), 1);
  EXPECT_EQ(response.event().article().version(), 1);
  EXPECT_EQ(response.event().article().headline(), "Story 1");
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().version(), 2);
  EXPECT_EQ(response.event().article().version(), 2);
  EXPECT_EQ(response.event().article().headline(), "Story 1, updated");
  stream.context->TryCancel();
}

TEST_F(StreamTest, FromNowSkipsTheBacklog) {
  Publish(1);
  Stream stream = Open(From(StreamArticlesRequest::POSITION_NOW));
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up());
  EXPECT_EQ(SequenceOf(response.caught_up().head_cursor()), 1u);
  Publish(2);
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().article().headline(), "Story 2");
  stream.context->TryCancel();
}

TEST_F(StreamTest, ResumingAfterACursorDeliversEachLaterEventOnce) {
  for (int i = 1; i <= 5; ++i) Publish(i);
  std::string cursor;
  {
    Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
    StreamArticlesResponse response;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(stream.reader->Read(&response));
      cursor = response.event().cursor();
    }
    stream.context->TryCancel();
  }
  Stream stream = Open(After(cursor));
  StreamArticlesResponse response;
  std::vector<std::string> headlines;
  while (stream.reader->Read(&response) && response.has_event()) {
    headlines.push_back(response.event().article().headline());
  }
  EXPECT_TRUE(response.has_caught_up());
  EXPECT_EQ(headlines, (std::vector<std::string>{"Story 3", "Story 4", "Story 5"}));
  stream.context->TryCancel();
}

TEST_F(StreamTest, AFilteredStreamGetsHeartbeatsThatAdvanceItsCursor) {
  Publish(1);  // harbour-wire; the stream below wants another source
  StreamArticlesRequest request = From(StreamArticlesRequest::POSITION_BEGINNING);
  request.add_source_ids("valley-news");
  request.mutable_heartbeat_interval()->set_seconds(1);
  Stream stream = Open(request);
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up());
  Publish(2);  // does not match either
  // Heartbeats come until one shows the cursor past both non-matching events.
  uint64_t cursor = 0;
  while (cursor < 2) {
    ASSERT_TRUE(stream.reader->Read(&response));
    ASSERT_TRUE(response.has_heartbeat()) << response.DebugString();
    cursor = SequenceOf(response.heartbeat().cursor());
    EXPECT_EQ(SequenceOf(response.heartbeat().head_cursor()), 2u);
  }
  EXPECT_EQ(cursor, 2u);
  stream.context->TryCancel();
}

TEST_F(StreamTest, FiltersByLanguageAndSubject) {
  Article english = ExampleArticle("en-1");
  english.set_language("en");
  auto* subject = english.add_subjects();
  subject->set_scheme("medtop");
  subject->set_code("16000000");
  Article german = ExampleArticle("de-1");
  german.set_language("de");
  for (const Article& article : {german, english}) {
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    ASSERT_THAT(core_->PublishArticle(request), IsOk());
  }
  StreamArticlesRequest request = From(StreamArticlesRequest::POSITION_BEGINNING);
  request.add_languages("EN");
  request.add_subject_codes("16000000");
  Stream stream = Open(request);
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_EQ(response.event().article().external_id(), "en-1");
  ASSERT_TRUE(stream.reader->Read(&response));
  EXPECT_TRUE(response.has_caught_up());
  stream.context->TryCancel();
}

// Found in review: tombstones have no language or subjects, so their events carried none
// and every stream filtered by language or subject dropped them.
TEST_F(StreamTest, FilteredStreamsReceiveWithdrawalsAndKillsOfTheirStories) {
  Article story = ExampleArticle("politics-1");
  story.set_language("en");
  auto* subject = story.add_subjects();
  subject->set_scheme("medtop");
  subject->set_code("11000000");
  syndication::v1::PublishArticleRequest publish;
  *publish.mutable_article() = story;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto published, core_->PublishArticle(publish));
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(published.article().id());
  withdraw.set_reason("Legal review");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());
  withdraw.set_kill(true);
  withdraw.set_reason("Defamatory");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());

  StreamArticlesRequest by_language = From(StreamArticlesRequest::POSITION_BEGINNING);
  by_language.add_languages("en");
  StreamArticlesRequest by_subject = From(StreamArticlesRequest::POSITION_BEGINNING);
  by_subject.add_subject_codes("11000000");
  for (const StreamArticlesRequest& request : {by_language, by_subject}) {
    Stream stream = Open(request);
    std::vector<syndication::v1::EventType> types;
    StreamArticlesResponse response;
    while (stream.reader->Read(&response) && response.has_event()) {
      types.push_back(response.event().type());
    }
    EXPECT_TRUE(response.has_caught_up()) << request.DebugString();
    EXPECT_EQ(types,
              (std::vector<syndication::v1::EventType>{syndication::v1::EVENT_TYPE_PUBLISHED,
                                                       syndication::v1::EVENT_TYPE_WITHDRAWN,
                                                       syndication::v1::EVENT_TYPE_CANCELED}))
        << request.DebugString();
    stream.context->TryCancel();
  }
}

// A story that moves out of a stream's filter is sent once more, as it now is, so a
// partner that got it learns of the change; later versions outside the filter are not.
TEST_F(StreamTest, AStoryThatLeavesTheFilterIsSentOnceMore) {
  Article story = ExampleArticle("moves-1");
  story.set_language("en");
  auto* subject = story.add_subjects();
  subject->set_scheme("medtop");
  subject->set_code("11000000");  // politics
  syndication::v1::PublishArticleRequest publish;
  *publish.mutable_article() = story;
  ASSERT_THAT(core_->PublishArticle(publish), IsOk());
  story.mutable_subjects(0)->set_code("15000000");  // sport
  story.set_language("fr");
  story.set_headline("Moved to sport, in French");
  *publish.mutable_article() = story;
  ASSERT_THAT(core_->PublishArticle(publish), IsOk());
  story.set_headline("Still sport, still French");
  *publish.mutable_article() = story;
  ASSERT_THAT(core_->PublishArticle(publish), IsOk());

  StreamArticlesRequest by_language = From(StreamArticlesRequest::POSITION_BEGINNING);
  by_language.add_languages("EN");
  StreamArticlesRequest by_subject = From(StreamArticlesRequest::POSITION_BEGINNING);
  by_subject.add_subject_codes("11000000");
  for (const StreamArticlesRequest& request : {by_language, by_subject}) {
    Stream stream = Open(request);
    std::vector<int64_t> versions;
    StreamArticlesResponse response;
    while (stream.reader->Read(&response) && response.has_event()) {
      versions.push_back(response.event().version());
      if (response.event().version() == 2) {
        EXPECT_EQ(response.event().article().headline(), "Moved to sport, in French");
      }
    }
    EXPECT_TRUE(response.has_caught_up()) << request.DebugString();
    EXPECT_EQ(versions, (std::vector<int64_t>{1, 2})) << request.DebugString();
    stream.context->TryCancel();
  }
}

// Found in review: 100 streams of 500,000 subject codes each took 2.4 GB.
TEST_F(StreamTest, FiltersOfMoreThanAHundredEntriesAreRefused) {
  for (const std::string field : {"source_ids", "languages", "subject_codes"}) {
    for (const int size : {100, 101}) {
      StreamArticlesRequest request = From(StreamArticlesRequest::POSITION_NOW);
      for (int i = 0; i < size; ++i) {
        if (field == "source_ids") request.add_source_ids(absl::StrCat("source-", i));
        if (field == "languages") request.add_languages(i % 2 == 0 ? "en" : "fr");
        if (field == "subject_codes") request.add_subject_codes(absl::StrCat(i));
      }
      Stream stream = Open(request);
      StreamArticlesResponse response;
      if (size == 100) {
        ASSERT_TRUE(stream.reader->Read(&response)) << field;
        EXPECT_TRUE(response.has_caught_up()) << field;
        stream.context->TryCancel();
        stream.reader->Finish();
        continue;
      }
      // Accepted (the bug): end it now rather than at the deadline.
      if (stream.reader->Read(&response)) {
        ADD_FAILURE() << field << ": a stream of " << size << " entries was accepted";
        stream.context->TryCancel();
      }
      const grpc::Status status = stream.reader->Finish();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
      EXPECT_EQ(status.error_message(),
                absl::StrCat(field, ": has 101 entries; at most 100 are allowed"));
    }
  }
  StreamArticlesRequest huge = From(StreamArticlesRequest::POSITION_NOW);
  for (int i = 0; i < 500000; ++i) huge.add_subject_codes("x");
  Stream stream = Open(huge);
  StreamArticlesResponse response;
  if (stream.reader->Read(&response)) {
    ADD_FAILURE() << "a stream of 500000 subject codes was accepted";
    stream.context->TryCancel();
  }
  EXPECT_EQ(stream.reader->Finish().error_message(),
            "subject_codes: has 500000 entries; at most 100 are allowed");
}

// Found in review: a stream that ended while the feed was quiet stayed registered with the
// FeedHub until the next append, so clients reconnecting in a loop grew memory unbounded.
TEST_F(StreamTest, StreamsThatEndWhileTheFeedIsQuietLeaveNoRegistration) {
  Publish(1);
  for (int round = 0; round < 3; ++round) {
    std::vector<Stream> streams;
    for (int i = 0; i < 20; ++i) {
      streams.push_back(Open(From(StreamArticlesRequest::POSITION_NOW)));
      StreamArticlesResponse response;
      ASSERT_TRUE(streams.back().reader->Read(&response));
      ASSERT_TRUE(response.has_caught_up());
    }
    // Each idle stream registers once it has sent caught_up.
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (core_->feed_hub().waiting() < 20 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_EQ(core_->feed_hub().waiting(), 20u);
    for (Stream& stream : streams) {
      stream.context->TryCancel();
      stream.reader->Finish();
    }
    // A stream is forgotten only after it finished, which comes after it ended.
    while (server_->open_streams() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_EQ(server_->open_streams(), 0u);
    EXPECT_EQ(core_->feed_hub().waiting(), 0u) << "round " << round;
  }
  // The feed still wakes the streams that are open.
  Stream live = Open(From(StreamArticlesRequest::POSITION_NOW));
  StreamArticlesResponse response;
  ASSERT_TRUE(live.reader->Read(&response));
  ASSERT_TRUE(response.has_caught_up());
  Publish(2);
  ASSERT_TRUE(live.reader->Read(&response));
  EXPECT_EQ(response.event().article().headline(), "Story 2");
  live.context->TryCancel();
}

TEST_F(StreamTest, CursorErrorsCarryCodesAndErrorInfo) {
  Publish(1);
  StreamArticlesResponse response;
  {
    Stream stream = Open(After("0123456789abcdef:1"));  // another epoch
    EXPECT_FALSE(stream.reader->Read(&response));
    const grpc::Status status = stream.reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    auto info = ErrorInfoOf(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "CURSOR_EXPIRED");
    EXPECT_EQ(info->domain(), "syndication.v1");
    EXPECT_EQ(info->metadata().at("head_cursor"), store_->FeedEpoch() + ":1");
    EXPECT_EQ(info->metadata().at("oldest_cursor"), store_->FeedEpoch() + ":0");
  }
  {
    Stream stream = Open(After(store_->FeedEpoch() + ":7"));
    EXPECT_FALSE(stream.reader->Read(&response));
    EXPECT_EQ(stream.reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  }
  {
    Stream stream = Open(After("not-a-cursor"));
    EXPECT_FALSE(stream.reader->Read(&response));
    const grpc::Status status = stream.reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(),
              "after_cursor: \"not-a-cursor\" is not a cursor; pass back a cursor exactly as the "
              "server sent it");
  }
  {
    StreamArticlesRequest request = From(StreamArticlesRequest::POSITION_NOW);
    request.mutable_heartbeat_interval()->set_nanos(500000000);
    Stream stream = Open(request);
    EXPECT_FALSE(stream.reader->Read(&response));
    const grpc::Status status = stream.reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "heartbeat_interval: 500ms is outside [1s, 1h]");
  }
  {
    Stream stream = Open(StreamArticlesRequest());
    EXPECT_FALSE(stream.reader->Read(&response));
    EXPECT_EQ(stream.reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

// A replica's log (storage/commit_log.h) as far as a replica that only follows needs it: its
// end, the shared secret, and shared changes applied to the replica at once.
class FollowedLog : public storage::CommitLog {
 public:
  explicit FollowedLog(uint64_t end) : end_(end) {}
  void set_replica(storage::Store* replica) { replica_ = replica; }

  absl::StatusOr<uint64_t> LastSequence() override { return end_; }
  absl::StatusOr<uint64_t> LastStorySequence(absl::string_view, absl::string_view) override {
    return absl::UnimplementedError("this replica does not commit");
  }
  absl::StatusOr<uint64_t> Append(const storage::LogEntry&, uint64_t) override {
    return absl::UnimplementedError("this replica does not commit");
  }
  absl::StatusOr<std::string> SharedSecret(absl::string_view, size_t size_bytes) override {
    return std::string(size_bytes, 's');
  }
  absl::StatusOr<uint64_t> AppendShared(const storage::SharedChange& change) override {
    ++shared_;
    if (absl::Status applied = replica_->ApplySharedChange(shared_, change); !applied.ok()) {
      return applied;
    }
    return shared_;
  }

 private:
  const uint64_t end_;
  storage::Store* replica_ = nullptr;
  uint64_t shared_ = 0;
};

TEST(ReplicaStreamTest, ACursorAheadOfALaggingReplicaWaitsForItInsteadOfFailing) {
  // A writer's feed of three stories; the replica has applied the first only, and its log
  // ends at 3 (another replica handed out a cursor at 2).
  const std::string dir = ::syndicate::testing::FreshTempDir();
  std::vector<storage::LogEntry> log;
  std::string epoch;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> writer,
                                   storage::Store::Open(dir + "/writer"));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<SyndicationCore> core,
        SyndicationCore::Create(writer.get(), ::syndicate::testing::TestSigningKey()));
    syndication::v1::UpsertSourceRequest source;
    *source.mutable_source() = ExampleSource();
    ASSERT_THAT(core->UpsertSource(source), IsOk());
    for (int n = 1; n <= 3; ++n) {
      syndication::v1::PublishArticleRequest request;
      *request.mutable_article() = ExampleArticle("story-" + std::to_string(n));
      ASSERT_THAT(core->PublishArticle(request), IsOk());
    }
    SYNDICATE_ASSERT_OK_AND_ASSIGN(log, writer->ReadLog(0, 10));
    epoch = writer->FeedEpoch();
  }
  ASSERT_EQ(log.size(), 3u);
  FollowedLog followed(3);
  storage::StoreOptions options;
  options.feed_epoch = epoch;
  options.log = &followed;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<storage::Store> replica,
                                 storage::Store::Open(dir + "/replica", options));
  followed.set_replica(replica.get());
  ASSERT_THAT(replica->ApplyLogEntry(log[0]), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<SyndicationCore> core,
      SyndicationCore::Create(replica.get(), ::syndicate::testing::TestSigningKey()));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Server> server, Server::Start({}, core.get()));
  auto stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()));

  StreamArticlesResponse response;
  {
    // Beyond the log's end: refused, as a cursor beyond the head always was.
    grpc::ClientContext context;
    StreamArticlesRequest request;
    request.set_after_cursor(epoch + ":4");
    auto reader = stub->StreamArticles(&context, request);
    EXPECT_FALSE(reader->Read(&response));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(status.error_message(),
              absl::StrCat("after_cursor: is beyond the head of the feed (", epoch, ":3)"));
  }
  // Ahead of this replica but within the log: the stream starts, and delivers the event
  // after the cursor once the replica has applied it.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  StreamArticlesRequest request;
  request.set_after_cursor(epoch + ":2");
  auto reader = stub->StreamArticles(&context, request);
  std::thread catch_up([&] {
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_THAT(replica->ApplyLogEntry(log[1]), IsOk());
    EXPECT_THAT(replica->ApplyLogEntry(log[2]), IsOk());
  });
  // Nothing comes before the replica reaches the cursor: no caught_up below it (the
  // replica may report caught up at 2, between applying 2 and 3), no event before 3.
  std::vector<std::string> caught_up_at;
  while (reader->Read(&response) && !response.has_event()) {
    if (response.has_caught_up()) caught_up_at.push_back(response.caught_up().head_cursor());
  }
  catch_up.join();
  ASSERT_TRUE(response.has_event()) << response.DebugString();
  EXPECT_EQ(response.event().cursor(), epoch + ":3");
  EXPECT_EQ(response.event().article().external_id(), "story-3");
  for (const std::string& cursor : caught_up_at) EXPECT_EQ(cursor, epoch + ":2");
  context.TryCancel();
  reader->Finish();
  server->Shutdown(absl::ZeroDuration());
}

TEST_F(StreamTest, ACursorOlderThanRetentionIsExpired) {
  for (int i = 1; i <= 5; ++i) Publish(i);
  storage::FeedRetention retention;
  retention.max_events = 2;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(uint64_t removed, core_->TrimFeed(retention));
  EXPECT_EQ(removed, 3u);
  StreamArticlesResponse response;
  Stream stream = Open(After(store_->FeedEpoch() + ":2"));
  EXPECT_FALSE(stream.reader->Read(&response));
  const grpc::Status status = stream.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(info->metadata().at("oldest_cursor"), store_->FeedEpoch() + ":3");
  EXPECT_EQ(info->metadata().at("head_cursor"), store_->FeedEpoch() + ":5");

  // From the beginning means from what is retained.
  Stream from_start = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
  ASSERT_TRUE(from_start.reader->Read(&response));
  EXPECT_EQ(SequenceOf(response.event().cursor()), 4u);
  from_start.context->TryCancel();
}

TEST_F(StreamTest, ShutdownEndsStreamsWithTheirResumeCursor) {
  Publish(1);
  Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));  // the event
  ASSERT_TRUE(stream.reader->Read(&response));  // caught up
  server_->Shutdown(absl::Seconds(5));
  EXPECT_FALSE(stream.reader->Read(&response));
  const grpc::Status status = stream.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "SHUTTING_DOWN");
  EXPECT_EQ(info->metadata().at("resume_cursor"), store_->FeedEpoch() + ":1");
}

// Found by the client work: a stream shut down with a write in flight reported a resume
// cursor one event behind what the client then received.
TEST_F(StreamTest, ShutdownWithAWriteInFlightResumesAfterTheLastEventReceived) {
  for (int i = 0; i < 20; ++i) {
    Article article = ExampleArticle("big-" + std::to_string(i));
    article.set_body_text(std::string(300 * 1024, 'a' + i));
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    ASSERT_THAT(core_->PublishArticle(request), IsOk());
  }
  Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING));
  StreamArticlesResponse response;
  ASSERT_TRUE(stream.reader->Read(&response));
  std::string last_cursor = response.event().cursor();
  std::thread shutdown([this] { server_->Shutdown(absl::Seconds(30)); });
  while (stream.reader->Read(&response)) {
    if (response.has_event()) last_cursor = response.event().cursor();
  }
  const grpc::Status status = stream.reader->Finish();
  shutdown.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("resume_cursor"), last_cursor);
}

TEST_F(StreamTest, StreamsBeyondTheCapAreRefused) {
  Stop();
  ServerOptions options;
  options.streams.max_streams = 2;
  Start(options);
  Stream a = Open(From(StreamArticlesRequest::POSITION_NOW));
  Stream b = Open(From(StreamArticlesRequest::POSITION_NOW));
  StreamArticlesResponse response;
  ASSERT_TRUE(a.reader->Read(&response));
  ASSERT_TRUE(b.reader->Read(&response));
  Stream c = Open(From(StreamArticlesRequest::POSITION_NOW));
  EXPECT_FALSE(c.reader->Read(&response));
  EXPECT_EQ(c.reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  a.context->TryCancel();
  b.context->TryCancel();
}

TEST_F(StreamTest, AStalledReaderIsCancelled) {
  Stop();
  ServerOptions options;
  options.streams.stall_timeout = absl::Seconds(1);
  Start(options);
  // A stream that never reads: large events fill the HTTP/2 window and the server's write
  // stops completing.
  Stream stalled = Open(From(StreamArticlesRequest::POSITION_NOW));
  while (server_->open_streams() == 0) std::this_thread::yield();
  for (int i = 0; i < 40; ++i) {
    Article article = ExampleArticle("big-" + std::to_string(i));
    article.set_body_text(std::string(600 * 1024, 'a' + i % 26));
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    ASSERT_THAT(core_->PublishArticle(request), IsOk());
  }
  // The server gives up on it.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (server_->open_streams() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(server_->open_streams(), 0u);
}

// Publishers and subscribers at once; subscribers drop their connection at random points
// and resume from their last cursor. Each must see every sequence exactly once, in order,
// with the content published for it.
TEST_F(StreamTest, ConcurrentPublishersAndReconnectingSubscribersSeeEverythingOnce) {
  constexpr int kPublishers = 3;
  constexpr int kStoriesEach = 40;
  constexpr int kSubscribers = 4;
  constexpr uint64_t kTotal = kPublishers * kStoriesEach;

  std::vector<std::thread> subscribers;
  std::vector<std::vector<uint64_t>> seen(kSubscribers);
  std::vector<std::map<uint64_t, std::string>> headlines(kSubscribers);
  for (int s = 0; s < kSubscribers; ++s) {
    subscribers.emplace_back([&, s] {
      std::mt19937 random(s);
      std::string cursor;
      while (seen[s].size() < kTotal) {
        Stream stream = cursor.empty() ? Open(From(StreamArticlesRequest::POSITION_BEGINNING))
                                       : Open(After(cursor));
        // Read a random number of messages, then drop the connection.
        int budget = std::uniform_int_distribution<int>(1, 25)(random);
        StreamArticlesResponse response;
        while (budget-- > 0 && seen[s].size() < kTotal && stream.reader->Read(&response)) {
          if (response.has_event()) {
            seen[s].push_back(SequenceOf(response.event().cursor()));
            headlines[s][seen[s].back()] = response.event().article().headline();
            cursor = response.event().cursor();
          } else if (response.has_heartbeat()) {
            cursor = response.heartbeat().cursor();
          }
        }
        stream.context->TryCancel();
        stream.reader->Finish();
      }
    });
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kStoriesEach; ++i) Publish(p * 1000 + i);
    });
  }
  for (std::thread& t : publishers) t.join();
  for (std::thread& t : subscribers) t.join();

  // What the feed says each sequence is.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto records, store_->ReadFeed(0, 1000));
  ASSERT_EQ(records.size(), kTotal);
  std::vector<uint64_t> expected;
  std::map<uint64_t, std::string> expected_headlines;
  for (const auto& record : records) {
    expected.push_back(record.sequence());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto article,
                                   store_->GetArticle(record.article_id(), record.version()));
    expected_headlines[record.sequence()] = article.headline();
  }
  for (int s = 0; s < kSubscribers; ++s) {
    EXPECT_EQ(seen[s], expected) << "subscriber " << s;
    EXPECT_EQ(headlines[s], expected_headlines) << "subscriber " << s;
  }
}

// A thousand idle streams over a few channels; one publish reaches every one of them.
TEST_F(StreamTest, AThousandIdleStreamsAllReceiveTheNextEvent) {
  constexpr int kStreams = 1000;
  constexpr int kChannels = 4;
  std::vector<std::unique_ptr<syndication::v1::SyndicationService::Stub>> stubs;
  for (int c = 0; c < kChannels; ++c) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("syndicate.test.channel", c);  // distinct channels, not one shared
    stubs.push_back(syndication::v1::SyndicationService::NewStub(grpc::CreateCustomChannel(
        server_->address(), grpc::InsecureChannelCredentials(), arguments)));
  }
  std::vector<Stream> streams;
  StreamArticlesResponse response;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(Open(From(StreamArticlesRequest::POSITION_NOW), stubs[i % kChannels].get()));
  }
  for (Stream& stream : streams) {
    ASSERT_TRUE(stream.reader->Read(&response));
    ASSERT_TRUE(response.has_caught_up());
  }
  EXPECT_EQ(server_->open_streams(), static_cast<size_t>(kStreams));
  const std::string id = Publish(1);
  for (Stream& stream : streams) {
    ASSERT_TRUE(stream.reader->Read(&response));
    ASSERT_TRUE(response.has_event());
    EXPECT_EQ(response.event().article_id(), id);
  }
  for (Stream& stream : streams) stream.context->TryCancel();
}

// Streams share each event they send (SharedEvents): every stream must get the bytes it
// would have built itself, live and from the backlog, for an event whose story was updated,
// withdrawn and killed after it. A second server on the same core builds every event per
// stream, as the reference.
TEST_F(StreamTest, SharedEventsAreTheBytesEachStreamWouldHaveBuilt) {
  ServerOptions unshared_options;
  unshared_options.streams.share_events = false;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Server> unshared,
                                 Server::Start(unshared_options, core_.get()));
  auto unshared_stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(unshared->address(), grpc::InsecureChannelCredentials()));

  // Three live streams share; the fourth builds its own.
  std::vector<Stream> live;
  for (int i = 0; i < 4; ++i) {
    live.push_back(
        Open(From(StreamArticlesRequest::POSITION_NOW), i < 3 ? nullptr : unshared_stub.get()));
    StreamArticlesResponse response;
    ASSERT_TRUE(live.back().reader->Read(&response));
    ASSERT_TRUE(response.has_caught_up()) << response.DebugString();
  }
  // Each change is read by every live stream before the next, so all render the same state.
  std::vector<std::vector<std::string>> live_bytes(live.size());
  auto read_live = [&] {
    for (size_t i = 0; i < live.size(); ++i) {
      StreamArticlesResponse response;
      ASSERT_TRUE(live[i].reader->Read(&response));
      ASSERT_TRUE(response.has_event()) << response.DebugString();
      live_bytes[i].push_back(response.SerializeAsString());
    }
  };
  Publish(1);
  read_live();
  const std::string doomed = Publish(2);
  read_live();
  Publish(1, "Story 1, corrected");
  read_live();
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(doomed);
  withdraw.set_reason("Legal review");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());
  read_live();
  withdraw.set_kill(true);
  withdraw.set_reason("Defamatory");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());
  read_live();
  for (size_t i = 1; i < live.size(); ++i) EXPECT_EQ(live_bytes[i], live_bytes[0]) << i;
  // Story 2's PUBLISHED event went out live with its text...
  StreamArticlesResponse published_live;
  ASSERT_TRUE(published_live.ParseFromString(live_bytes[0][1]));
  EXPECT_EQ(published_live.event().article().headline(), "Story 2") << published_live.DebugString();
  for (Stream& stream : live) stream.context->TryCancel();

  // ...and is replayed from the backlog as the tombstone, by sharing streams (the second
  // takes what the first built) and by one that builds its own.
  std::vector<std::vector<std::string>> backlog_bytes;
  for (int i = 0; i < 3; ++i) {
    Stream stream = Open(From(StreamArticlesRequest::POSITION_BEGINNING),
                         i < 2 ? nullptr : unshared_stub.get());
    backlog_bytes.emplace_back();
    StreamArticlesResponse response;
    while (stream.reader->Read(&response) && response.has_event()) {
      backlog_bytes.back().push_back(response.SerializeAsString());
    }
    EXPECT_TRUE(response.has_caught_up()) << response.DebugString();
    stream.context->TryCancel();
  }
  ASSERT_EQ(backlog_bytes[0].size(), 5u);
  EXPECT_EQ(backlog_bytes[1], backlog_bytes[0]);
  EXPECT_EQ(backlog_bytes[2], backlog_bytes[0]);
  StreamArticlesResponse published_backlog;
  ASSERT_TRUE(published_backlog.ParseFromString(backlog_bytes[0][1]));
  EXPECT_EQ(published_backlog.event().type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_FALSE(published_backlog.event().has_article()) << published_backlog.DebugString();
  EXPECT_EQ(published_backlog.event().reason(), "Defamatory");
  // Story 1's first version is replayed as it was, its correction as the latest.
  EXPECT_EQ(backlog_bytes[0][0], live_bytes[0][0]);
  EXPECT_EQ(backlog_bytes[0][2], live_bytes[0][2]);
}

// What SharedEvents keeps and gives back: only for the head it was built at, at most
// kMaxEvents, the newest.
TEST(SharedEventsTest, GivesAnEventOnlyForTheHeadItWasBuiltAt) {
  SharedEvents events;
  auto built = std::make_shared<SharedEvents::Built>();
  built->event.set_article_id("a");
  events.Keep(5, 7, built);
  EXPECT_EQ(events.Find(5, 7), built);
  EXPECT_EQ(events.Find(5, 8), nullptr);  // the feed grew since: built again
  EXPECT_EQ(events.Find(4, 7), nullptr);
  auto rebuilt = std::make_shared<SharedEvents::Built>();
  events.Keep(5, 8, rebuilt);
  EXPECT_EQ(events.Find(5, 8), rebuilt);
  events.Keep(5, 7, built);  // a slower builder of an older head does not undo it
  EXPECT_EQ(events.Find(5, 8), rebuilt);

  for (uint64_t sequence = 100; sequence < 100 + SharedEvents::kMaxEvents; ++sequence) {
    events.Keep(sequence, 200, built);
  }
  EXPECT_EQ(events.Find(5, 8), nullptr);  // the oldest went
  events.Keep(6, 200, built);             // an old event does not push out newer ones
  EXPECT_EQ(events.Find(6, 200), nullptr);
  EXPECT_EQ(events.Find(100, 200), built);
}

}  // namespace
}  // namespace syndicate::server
