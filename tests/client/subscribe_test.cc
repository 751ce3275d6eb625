// Client::Subscribe against syndicated run as a child process: order and contents, resuming
// across a killed and a gracefully stopped server, the cursor file, stopping, and the errors
// it does not recover from.
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/client.h"
#include "client/error_info.h"
#include "gtest/gtest.h"
#include "tests/client/testing.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate {
namespace {

using ::syndicate::client::Client;
using ::syndicate::client::SubscribeOptions;
using ::syndicate::testing::EpochOf;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::SequenceOf;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::ArticleEvent;
using ::syndication::v1::StreamArticlesRequest;
using ::syndication::v1::StreamArticlesResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// How long a test waits for something that happens at once unless the code is broken;
// generous for a loaded machine under a sanitizer. Never a measurement.
constexpr absl::Duration kPatience = absl::Seconds(60);

std::unique_ptr<Client> Connect(const std::string& address) {
  client::ClientOptions options;
  options.server = address;
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  EXPECT_THAT(client, IsOk());
  return client.ok() ? *std::move(client) : nullptr;
}

// Story `n` of the example source: its own external id and headline.
syndication::v1::Article Story(int n) {
  syndication::v1::Article article =
      ::syndicate::testing::ExampleArticle(absl::StrCat("story-", n));
  article.set_headline(absl::StrCat("Ferry timetable change number ", n));
  return article;
}

std::vector<uint64_t> Sequences(const std::vector<ArticleEvent>& events) {
  std::vector<uint64_t> sequences;
  for (const ArticleEvent& event : events) sequences.push_back(SequenceOf(event.cursor()));
  return sequences;
}

std::vector<uint64_t> OneTo(uint64_t n) {
  std::vector<uint64_t> sequences;
  for (uint64_t i = 1; i <= n; ++i) sequences.push_back(i);
  return sequences;
}

// What a Subscriber's handler does besides recording.
struct Behaviour {
  // Request the stop after the handler took this many events; 0: never.
  int stop_after_events = 0;
  // Return `failure` from the handler for this event (1 = the first); 0: never.
  int fail_at_event = 0;
  absl::Status failure = absl::DataLossError("the partner's database is full");
  // How long the handler takes per response, to make a slow partner.
  absl::Duration pause = absl::ZeroDuration();
};

// Runs Client::Subscribe on a thread of its own and records what it hands over.
class Subscriber {
 public:
  Subscriber(Client* client, SubscribeOptions options, Behaviour behaviour = {})
      : behaviour_(std::move(behaviour)) {
    options.on_reconnect = [this](const absl::Status& status, absl::Duration) {
      std::lock_guard<std::mutex> lock(mu_);
      interruptions_.push_back(status);
      cv_.notify_all();
    };
    thread_ = std::thread([this, client, options] {
      const absl::Status result = client->Subscribe(
          options, [this](const StreamArticlesResponse& response) { return Take(response); },
          stop_.get_token());
      std::lock_guard<std::mutex> lock(mu_);
      result_ = result;
      cv_.notify_all();
    });
  }

  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  ~Subscriber() {
    stop_.request_stop();
    Join();
  }

  // Waits until `done` holds for what was handed over so far; false after kPatience.
  bool WaitUntil(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(kPatience), done);
  }
  bool WaitForEvents(size_t count) {
    return WaitUntil([&] { return EventsLocked().size() >= count; });
  }
  bool WaitForResponses(size_t count) {
    return WaitUntil([&] { return responses_.size() >= count; });
  }
  bool WaitForInterruptions(size_t count) {
    return WaitUntil([&] { return interruptions_.size() >= count; });
  }

  // Requests the stop and returns what Subscribe returned.
  absl::Status Stop() {
    stop_.request_stop();
    return Result();
  }

  // What Subscribe returned by itself.
  absl::Status Result() {
    if (!WaitUntil([&] { return result_.has_value(); })) {
      std::fprintf(stderr, "Subscribe did not return within %s\n",
                   absl::FormatDuration(kPatience).c_str());
      std::abort();
    }
    Join();
    return *result_;
  }

  std::vector<StreamArticlesResponse> responses() {
    std::lock_guard<std::mutex> lock(mu_);
    return responses_;
  }
  std::vector<ArticleEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return EventsLocked();
  }
  std::vector<absl::Status> interruptions() {
    std::lock_guard<std::mutex> lock(mu_);
    return interruptions_;
  }

 private:
  absl::Status Take(const StreamArticlesResponse& response) {
    absl::SleepFor(behaviour_.pause);
    int events = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (response.has_event()) {
        ++events_taken_;
        if (events_taken_ == behaviour_.fail_at_event) return behaviour_.failure;
      }
      events = events_taken_;
      responses_.push_back(response);
      cv_.notify_all();
    }
    if (response.has_event() && events == behaviour_.stop_after_events) stop_.request_stop();
    return absl::OkStatus();
  }

  std::vector<ArticleEvent> EventsLocked() const {
    std::vector<ArticleEvent> events;
    for (const StreamArticlesResponse& response : responses_) {
      if (response.has_event()) events.push_back(response.event());
    }
    return events;
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  const Behaviour behaviour_;
  std::stop_source stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  int events_taken_ = 0;
  std::vector<StreamArticlesResponse> responses_;
  std::vector<absl::Status> interruptions_;
  std::optional<absl::Status> result_;
  std::thread thread_;
};

SubscribeOptions FromBeginning() {
  SubscribeOptions options;
  options.request.set_position(StreamArticlesRequest::POSITION_BEGINNING);
  // Quick reconnects, so that the tests do not wait out a long backoff.
  options.initial_backoff = absl::Milliseconds(100);
  options.max_backoff = absl::Seconds(1);
  return options;
}

class SubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    absl::StatusOr<::syndicate::testing::Syndicated> server =
        ::syndicate::testing::StartSyndicated(dir_ + "/data");
    ASSERT_THAT(server, IsOk());
    server_.emplace(*std::move(server));
    client_ = Connect(server_->address);
    ASSERT_NE(client_, nullptr);
    ASSERT_THAT(client_->UpsertSource(::syndicate::testing::ExampleSource()), IsOk());
  }

  // Publishes Story(n); returns the story's id.
  std::string Publish(int n) {
    absl::StatusOr<syndication::v1::PublishArticleResponse> published =
        client_->PublishArticle(Story(n));
    EXPECT_THAT(published, IsOk());
    return published.ok() ? published->article().id() : "";
  }

  // Ends the server with `signal`, then starts a new one on the same data dir and address.
  void Restart(int signal) {
    server_->process.Signal(signal);
    absl::StatusOr<int> exit_code = server_->process.Wait(kPatience);
    ASSERT_THAT(exit_code, IsOk());
    if (signal == SIGTERM) {
      EXPECT_EQ(*exit_code, 0);
    }
    const std::string address = server_->address;
    server_.reset();
    absl::StatusOr<::syndicate::testing::Syndicated> server =
        ::syndicate::testing::StartSyndicated(dir_ + "/data", address);
    ASSERT_THAT(server, IsOk());
    ASSERT_EQ(server->address, address);
    server_.emplace(*std::move(server));
  }

  std::string dir_;
  std::optional<::syndicate::testing::Syndicated> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(SubscribeTest, FromTheBeginningEveryEventInOrderThenCaughtUpThenLiveEvents) {
  const std::vector<std::string> ids = {Publish(1), Publish(2), Publish(3)};
  Subscriber subscriber(client_.get(), FromBeginning());
  ASSERT_TRUE(subscriber.WaitForResponses(4));
  const std::string live_id = Publish(4);
  ASSERT_TRUE(subscriber.WaitForEvents(4));
  EXPECT_THAT(subscriber.Stop(), IsOk());

  std::vector<StreamArticlesResponse> responses = subscriber.responses();
  // Heartbeats come only after 15 s of silence; drop any a slow machine saw.
  std::erase_if(responses, [](const auto& r) { return r.has_heartbeat(); });
  ASSERT_EQ(responses.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(responses[i].has_event());
    const ArticleEvent& event = responses[i].event();
    EXPECT_EQ(SequenceOf(event.cursor()), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(event.type(), syndication::v1::EVENT_TYPE_PUBLISHED);
    EXPECT_EQ(event.article_id(), ids[i]);
    EXPECT_EQ(event.version(), 1);
    EXPECT_EQ(event.source_id(), "harbour-wire");
    EXPECT_EQ(event.article().id(), ids[i]);
    EXPECT_EQ(event.article().external_id(), absl::StrCat("story-", i + 1));
    EXPECT_EQ(event.article().headline(), absl::StrCat("Ferry timetable change number ", i + 1));
    EXPECT_EQ(event.article().attribution().credit_line(), "The Harbour Gazette");
    EXPECT_EQ(event.article().attribution().original_url(),
              "https://harbour.example.org/news/ferry-winter");
  }
  ASSERT_TRUE(responses[3].has_caught_up());
  EXPECT_EQ(responses[3].caught_up().head_cursor(), responses[2].event().cursor());
  ASSERT_TRUE(responses[4].has_event());
  EXPECT_EQ(SequenceOf(responses[4].event().cursor()), 4u);
  EXPECT_EQ(responses[4].event().article_id(), live_id);
  EXPECT_EQ(responses[4].event().article().headline(), "Ferry timetable change number 4");
  EXPECT_TRUE(subscriber.interruptions().empty());
}

TEST_F(SubscribeTest, AServerKilledMidStreamLosesAndRepeatsNothing) {
  constexpr int kStories = 60;
  Subscriber subscriber(client_.get(), FromBeginning());
  // Publishes every story, retrying while the server is down. A retried publish that the
  // killed server had stored is "unchanged" and makes no second event.
  std::thread publisher([this] {
    const absl::Time give_up = absl::Now() + kPatience;
    for (int n = 1; n <= kStories; ++n) {
      while (!client_->PublishArticle(Story(n)).ok()) {
        if (absl::Now() > give_up) {
          ADD_FAILURE() << "story " << n << " could not be published";
          return;
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  });
  const bool some_arrived = subscriber.WaitForEvents(5);
  Restart(SIGKILL);
  const bool all_arrived = subscriber.WaitForEvents(kStories);
  publisher.join();
  ASSERT_TRUE(some_arrived);
  ASSERT_TRUE(all_arrived);
  EXPECT_THAT(subscriber.Stop(), IsOk());

  const std::vector<ArticleEvent> events = subscriber.events();
  EXPECT_EQ(Sequences(events), OneTo(kStories));
  for (int i = 0; i < static_cast<int>(events.size()); ++i) {
    EXPECT_EQ(events[i].article().external_id(), absl::StrCat("story-", i + 1));
  }
  const std::vector<absl::Status> interruptions = subscriber.interruptions();
  ASSERT_FALSE(interruptions.empty());
  EXPECT_THAT(interruptions[0], StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(SubscribeTest, AServerShuttingDownSaysWhereToResumeAndTheClientResumesThere) {
  Publish(1);
  Publish(2);
  Publish(3);
  Subscriber subscriber(client_.get(), FromBeginning());
  ASSERT_TRUE(subscriber.WaitForResponses(4));  // three events and caught_up
  const std::string last_cursor = subscriber.responses()[3].caught_up().head_cursor();
  EXPECT_EQ(SequenceOf(last_cursor), 3u);

  ASSERT_NO_FATAL_FAILURE(Restart(SIGTERM));
  ASSERT_TRUE(subscriber.WaitForInterruptions(1));
  const absl::Status shutdown = subscriber.interruptions()[0];
  EXPECT_THAT(shutdown, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
  const std::optional<google::rpc::ErrorInfo> info = client::GetErrorInfo(shutdown);
  ASSERT_TRUE(info.has_value()) << shutdown;
  EXPECT_EQ(info->domain(), "syndication.v1");
  EXPECT_EQ(info->reason(), "SHUTTING_DOWN");
  ASSERT_TRUE(info->metadata().contains("resume_cursor"));
  EXPECT_EQ(info->metadata().at("resume_cursor"), last_cursor);

  Publish(4);
  Publish(5);
  ASSERT_TRUE(subscriber.WaitForEvents(5));
  EXPECT_THAT(subscriber.Stop(), IsOk());
  EXPECT_EQ(Sequences(subscriber.events()), OneTo(5));
}

// Found while writing the client: a server that shuts down while a write is in flight
// names the event before it as resume_cursor, though the client then receives the one in
// flight too. The client resumes after the last event it took, so it repeats nothing.
TEST_F(SubscribeTest, AShutdownWithAWriteInFlightRepeatsNothing) {
  constexpr int kStories = 40;
  for (int n = 1; n <= kStories; ++n) {
    // Events this large fill the connection's flow-control window while the handler is
    // slow, so that the server has a write in flight when it shuts down.
    syndication::v1::Article article = Story(n);
    article.set_body_text(std::string(300 * 1000, 'x') + " The end.");
    ASSERT_THAT(client_->PublishArticle(article), IsOk());
  }
  Subscriber subscriber(client_.get(), FromBeginning(), {.pause = absl::Milliseconds(20)});
  ASSERT_TRUE(subscriber.WaitForEvents(5));
  ASSERT_NO_FATAL_FAILURE(Restart(SIGTERM));
  ASSERT_TRUE(subscriber.WaitForEvents(kStories));
  EXPECT_THAT(subscriber.Stop(), IsOk());
  EXPECT_EQ(Sequences(subscriber.events()), OneTo(kStories));
  ASSERT_FALSE(subscriber.interruptions().empty());
  EXPECT_TRUE(client::HasErrorReason(subscriber.interruptions()[0], client::kShuttingDown))
      << subscriber.interruptions()[0];
}

TEST_F(SubscribeTest, TheCursorFileKeepsThePlaceAcrossSubscribes) {
  Publish(1);
  Publish(2);
  Publish(3);
  const std::string cursor_file = dir_ + "/cursor";
  SubscribeOptions options = FromBeginning();
  options.cursor_file = cursor_file;
  std::string second_cursor;
  {
    Subscriber first(client_.get(), options, {.stop_after_events = 2});
    EXPECT_THAT(first.Result(), IsOk());
    ASSERT_EQ(first.events().size(), 2u);
    second_cursor = first.events()[1].cursor();
  }
  EXPECT_EQ(SequenceOf(second_cursor), 2u);
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file), second_cursor + "\n");

  // The saved cursor wins over the request's start.
  options.request.set_position(StreamArticlesRequest::POSITION_NOW);
  std::string third_cursor;
  {
    Subscriber second(client_.get(), options, {.stop_after_events = 1});
    EXPECT_THAT(second.Result(), IsOk());
    ASSERT_EQ(second.events().size(), 1u);
    third_cursor = second.events()[0].cursor();
  }
  EXPECT_EQ(SequenceOf(third_cursor), 3u);
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file), third_cursor + "\n");

  // A response the handler did not take leaves the saved cursor where it was.
  Publish(4);
  {
    Subscriber third(client_.get(), options, {.fail_at_event = 1});
    EXPECT_THAT(third.Result(),
                StatusIs(absl::StatusCode::kDataLoss, "the partner's database is full"));
  }
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file), third_cursor + "\n");
}

// Found in review: every writer used "<cursor_file>.tmp", so two subscribers on one file
// wrote into each other's temporary file. Each write now has a temporary name of its own:
// here a directory squats on the old fixed name, and writes still succeed.
TEST_F(SubscribeTest, TheCursorFileIsWrittenThroughATemporaryFileOfItsOwn) {
  Publish(1);
  Publish(2);
  const std::string cursor_file = dir_ + "/cursor";
  ASSERT_TRUE(std::filesystem::create_directory(cursor_file + ".tmp"));
  SubscribeOptions options = FromBeginning();
  options.cursor_file = cursor_file;
  {
    Subscriber subscriber(client_.get(), options, {.stop_after_events = 2});
    EXPECT_THAT(subscriber.Result(), IsOk());
    ASSERT_EQ(subscriber.events().size(), 2u);
    EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file),
              subscriber.events()[1].cursor() + "\n");
  }
  // Nothing is left beside it but the squatter.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("cursor")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("cursor", "cursor.tmp"));
}

TEST_F(SubscribeTest, ACursorFileThatIsADirectoryIsInvalidArgument) {
  SubscribeOptions options = FromBeginning();
  options.cursor_file = dir_;
  Subscriber subscriber(client_.get(), options);
  EXPECT_THAT(subscriber.Result(), StatusIs(absl::StatusCode::kInvalidArgument,
                                            "cursor_file: \"" + dir_ + "\" is not a regular file"));
}

TEST_F(SubscribeTest, ACursorOfAnotherHistoryIsCursorExpiredWithTheFeedsCursors) {
  Publish(1);
  Publish(2);
  std::string epoch;
  {
    Subscriber subscriber(client_.get(), FromBeginning(), {.stop_after_events = 1});
    ASSERT_THAT(subscriber.Result(), IsOk());
    epoch = EpochOf(subscriber.events().at(0).cursor());
  }
  // Another server, another data directory: another feed history.
  const std::string other_dir = ::syndicate::testing::FreshTempDir() + "-other";
  absl::StatusOr<::syndicate::testing::Syndicated> other =
      ::syndicate::testing::StartSyndicated(other_dir);
  ASSERT_THAT(other, IsOk());
  std::unique_ptr<Client> other_client = Connect(other->address);
  ASSERT_THAT(other_client->UpsertSource(::syndicate::testing::ExampleSource()), IsOk());
  ASSERT_THAT(other_client->PublishArticle(Story(1)), IsOk());
  std::string foreign_cursor;
  {
    Subscriber subscriber(other_client.get(), FromBeginning(), {.stop_after_events = 1});
    ASSERT_THAT(subscriber.Result(), IsOk());
    foreign_cursor = subscriber.events().at(0).cursor();
  }
  ASSERT_NE(EpochOf(foreign_cursor), epoch);

  SubscribeOptions options = FromBeginning();
  options.request.set_after_cursor(foreign_cursor);
  Subscriber subscriber(client_.get(), options);
  const absl::Status status = subscriber.Result();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("after_cursor")));
  const std::optional<google::rpc::ErrorInfo> info = client::GetErrorInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  EXPECT_EQ(info->domain(), "syndication.v1");
  EXPECT_EQ(info->reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(info->metadata().at("oldest_cursor"), epoch + ":0");
  EXPECT_EQ(info->metadata().at("head_cursor"), epoch + ":2");
  EXPECT_TRUE(subscriber.responses().empty());
  EXPECT_TRUE(subscriber.interruptions().empty());
}

TEST_F(SubscribeTest, ErrorsOfTheRequestEndSubscribeWithoutReconnecting) {
  Publish(1);
  SubscribeOptions malformed = FromBeginning();
  malformed.request.set_after_cursor("yesterday");
  Subscriber first(client_.get(), malformed);
  EXPECT_THAT(first.Result(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "after_cursor: \"yesterday\" is not a cursor; pass back a cursor exactly "
                       "as the server sent it"));
  EXPECT_TRUE(first.interruptions().empty());

  std::string cursor;
  {
    Subscriber subscriber(client_.get(), FromBeginning(), {.stop_after_events = 1});
    ASSERT_THAT(subscriber.Result(), IsOk());
    cursor = subscriber.events().at(0).cursor();
  }
  SubscribeOptions beyond = FromBeginning();
  beyond.request.set_after_cursor(EpochOf(cursor) + ":99");
  Subscriber second(client_.get(), beyond);
  EXPECT_THAT(second.Result(), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_TRUE(second.interruptions().empty());
}

TEST_F(SubscribeTest, StopEndsABlockedReadWithOk) {
  SubscribeOptions options = FromBeginning();
  options.request.set_position(StreamArticlesRequest::POSITION_NOW);
  Subscriber subscriber(client_.get(), options);
  ASSERT_TRUE(subscriber.WaitForResponses(1));
  EXPECT_TRUE(subscriber.responses()[0].has_caught_up());
  // Nothing more will come: the read is blocked until the stop cancels it.
  EXPECT_THAT(subscriber.Stop(), IsOk());
}

TEST(SubscribeUnreachable, RetriesUntilStoppedAndStopEndsTheBackoffWait) {
  std::unique_ptr<Client> client = Connect(::syndicate::testing::UnusedLoopbackAddress());
  SubscribeOptions options = FromBeginning();
  // Only the stop can end this wait.
  options.initial_backoff = absl::Hours(1);
  options.max_backoff = absl::Hours(1);
  Subscriber subscriber(client.get(), options);
  ASSERT_TRUE(subscriber.WaitForInterruptions(1));
  EXPECT_THAT(subscriber.interruptions()[0], StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(subscriber.Stop(), IsOk());
  EXPECT_EQ(subscriber.interruptions().size(), 1u);
}

}  // namespace
}  // namespace syndicate
