// The change feed through the Store's public interface: what an event records, retention
// (TrimFeed and FeedStart), the append listener, and all of them racing each other.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/records.pb.h"
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
using ::syndication::v1::Article;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class StorageFeedTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> OpenStore(const StoreOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(StorePath(), options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Publishes a new story `external_id` at `now` and returns its sequence (0 on failure).
  uint64_t PublishAt(Store& store, const std::string& external_id, absl::Time now) {
    absl::StatusOr<PublishResult> result =
        store.PublishArticle(MakeArticle("wire", external_id, Hash('a')), now);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->sequence : 0;
  }

  // Sequences of the events after `after`, in the order ReadFeed returns them.
  std::vector<uint64_t> Sequences(const Store& store, uint64_t after = 0) {
    std::vector<uint64_t> out;
    absl::StatusOr<std::vector<FeedRecord>> feed = store.ReadFeed(after, 1000);
    EXPECT_THAT(feed, IsOk());
    if (feed.ok()) {
      for (const FeedRecord& event : *feed) out.push_back(event.sequence());
    }
    return out;
  }

  uint64_t Trim(Store& store, const FeedRetention& retention, absl::Time now) {
    absl::StatusOr<uint64_t> removed = store.TrimFeed(retention, now);
    EXPECT_THAT(removed, IsOk());
    return removed.ok() ? *removed : UINT64_MAX;
  }
};

FeedRetention MaxEvents(uint64_t max_events) {
  FeedRetention retention;
  retention.max_events = max_events;
  return retention;
}

FeedRetention MaxAge(absl::Duration max_age) {
  FeedRetention retention;
  retention.max_age = max_age;
  return retention;
}

// --- What an event records -------------------------------------------------------------

TEST_F(StorageFeedTest, EventsCarryTheLanguageAndSubjectCodesOfTheirVersion) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Article v1 = MakeArticle("wire", "urn:example:1", Hash('a'));
  v1.set_language("en-GB");
  for (const auto& [code, name] : {std::pair{"16000000", "conflict, war and peace"},
                                   std::pair{"04000000", "economy, business and finance"}}) {
    syndication::v1::Subject* subject = v1.add_subjects();
    subject->set_scheme("medtop");
    subject->set_code(code);
    subject->set_name(name);
  }
  ASSERT_THAT(store->PublishArticle(v1, kBaseTime), IsOk());
  // The next version keeps one subject, adds one and changes the language: its event has
  // its own codes, then the one it dropped, and the language it had before.
  Article v2 = MakeArticle("wire", "urn:example:1", Hash('b'));
  v2.set_language("fr");
  v2.add_subjects()->set_code("15000000");
  v2.add_subjects()->set_code("04000000");
  ASSERT_THAT(store->PublishArticle(v2, kBaseTime), IsOk());
  // A third that only changes the text: nothing of v1 is left to carry.
  Article v3 = v2;
  v3.set_content_hash(Hash('d'));
  v3.set_language("FR");
  ASSERT_THAT(store->PublishArticle(v3, kBaseTime), IsOk());
  ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "urn:example:2", Hash('c')), kBaseTime),
              IsOk());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  ASSERT_EQ(feed.size(), 4u);
  EXPECT_EQ(feed[0].language(), "en-GB");
  EXPECT_EQ(feed[0].previous_language(), "");
  EXPECT_THAT(feed[0].subject_codes(), ElementsAre("16000000", "04000000"));
  EXPECT_EQ(feed[1].version(), 2);
  EXPECT_EQ(feed[1].language(), "fr");
  EXPECT_EQ(feed[1].previous_language(), "en-GB");
  EXPECT_THAT(feed[1].subject_codes(), ElementsAre("15000000", "04000000", "16000000"));
  EXPECT_EQ(feed[2].version(), 3);
  EXPECT_EQ(feed[2].language(), "FR");
  EXPECT_EQ(feed[2].previous_language(), "");  // the same language, in another case
  EXPECT_THAT(feed[2].subject_codes(), ElementsAre("15000000", "04000000"));
  EXPECT_EQ(feed[3].language(), "");
  EXPECT_EQ(feed[3].previous_language(), "");
  EXPECT_THAT(feed[3].subject_codes(), IsEmpty());
}

// Found in review: a tombstone has no language or subjects, and its event took them from
// it, so streams filtered by language or subject never saw WITHDRAWN, CANCELED or EXPIRED.
TEST_F(StorageFeedTest, ATombstoneEventCarriesTheLanguageAndSubjectsOfTheVersionItTakesDown) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  using test_util::Always;
  using test_util::Create;
  using test_util::Next;
  const auto commit = [&store](const Change& change) {
    absl::StatusOr<CommitResult> result = store->CommitByExternalId(
        change.version.source_id(), change.version.external_id(), "", Always(change));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->latest : Article();
  };
  const auto tombstone = [](const std::string& external_id, syndication::v1::PubStatus status) {
    Article article = MakeArticle("wire", external_id, Hash('f'));
    article.set_pubstatus(status);
    return article;
  };
  const auto content = [](const std::string& external_id, const std::string& language,
                          const std::string& code, char hash) {
    Article article = MakeArticle("wire", external_id, Hash(hash));
    article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
    article.set_language(language);
    article.add_subjects()->set_code(code);
    return article;
  };

  // Withdrawn, then killed: the kill looks back past the withdrawal to the story.
  Article a = commit(Create(content("a", "en", "11000000", 'a'), test_util::kId1, kBaseTime));
  a = commit(Next(a, tombstone("a", syndication::v1::PUB_STATUS_WITHHELD), kBaseTime,
                  syndication::v1::EVENT_TYPE_WITHDRAWN));
  a = commit(Next(a, tombstone("a", syndication::v1::PUB_STATUS_CANCELED), kBaseTime,
                  syndication::v1::EVENT_TYPE_CANCELED));
  // Updated, then expired: the expiry carries the version it takes down, not the first.
  Article b = commit(Create(content("b", "de", "04000000", 'a'), test_util::kId2, kBaseTime));
  b = commit(Next(b, content("b", "fr", "15000000", 'b'), kBaseTime));
  b = commit(Next(b, tombstone("b", syndication::v1::PUB_STATUS_WITHHELD), kBaseTime,
                  syndication::v1::EVENT_TYPE_EXPIRED));
  // Withdrawn, then published again in another language: the reinstatement's event carries
  // the language and subjects of the version the withdrawal took down too.
  b = commit(Next(b, content("b", "it", "01000000", 'c'), kBaseTime));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  ASSERT_EQ(feed.size(), 7u);
  EXPECT_EQ(feed[1].type(), syndication::v1::EVENT_TYPE_WITHDRAWN);
  EXPECT_EQ(feed[1].language(), "en");
  EXPECT_EQ(feed[1].previous_language(), "");
  EXPECT_THAT(feed[1].subject_codes(), ElementsAre("11000000"));
  EXPECT_EQ(feed[2].type(), syndication::v1::EVENT_TYPE_CANCELED);
  EXPECT_EQ(feed[2].language(), "en");
  EXPECT_THAT(feed[2].subject_codes(), ElementsAre("11000000"));
  EXPECT_EQ(feed[5].type(), syndication::v1::EVENT_TYPE_EXPIRED);
  EXPECT_EQ(feed[5].language(), "fr");
  EXPECT_EQ(feed[5].previous_language(), "");
  EXPECT_THAT(feed[5].subject_codes(), ElementsAre("15000000"));
  EXPECT_EQ(feed[6].type(), syndication::v1::EVENT_TYPE_UPDATED);
  EXPECT_EQ(feed[6].language(), "it");
  EXPECT_EQ(feed[6].previous_language(), "fr");
  EXPECT_THAT(feed[6].subject_codes(), ElementsAre("01000000", "15000000"));

  // A tombstone with nothing before it (only a caller's bug makes one) keeps its own.
  Article lone = tombstone("c", syndication::v1::PUB_STATUS_WITHHELD);
  lone.set_language("en");
  commit(Create(lone, test_util::kId3, kBaseTime, syndication::v1::EVENT_TYPE_WITHDRAWN));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> last, store->ReadFeed(7, 10));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].language(), "en");
  EXPECT_THAT(last[0].subject_codes(), IsEmpty());
}

// --- Retention ---------------------------------------------------------------------------

TEST_F(StorageFeedTest, ANewStoreStartsAtZero) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FeedStart(), 0u);
  EXPECT_EQ(Trim(*store, MaxEvents(0), kBaseTime), 0u);  // an empty feed has nothing to remove
  EXPECT_EQ(store->FeedStart(), 0u);
  EXPECT_EQ(store->FeedHead(), 0u);
}

TEST_F(StorageFeedTest, TrimByCountKeepsTheNewestEvents) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 5; ++i) PublishAt(*store, std::to_string(i), kBaseTime);

  EXPECT_EQ(Trim(*store, MaxEvents(2), kBaseTime), 3u);
  EXPECT_EQ(store->FeedStart(), 3u);
  EXPECT_EQ(store->FeedHead(), 5u);
  EXPECT_THAT(Sequences(*store), ElementsAre(4u, 5u));
  EXPECT_THAT(Sequences(*store, 3), ElementsAre(4u, 5u));
  EXPECT_THAT(Sequences(*store, 4), ElementsAre(5u));

  // Nothing more to remove: no change.
  EXPECT_EQ(Trim(*store, MaxEvents(2), kBaseTime), 0u);
  EXPECT_EQ(Trim(*store, MaxEvents(100), kBaseTime), 0u);
  EXPECT_EQ(store->FeedStart(), 3u);

  // The next sequence number is the head's, not the count's.
  EXPECT_EQ(PublishAt(*store, "6", kBaseTime), 6u);
  EXPECT_THAT(Sequences(*store), ElementsAre(4u, 5u, 6u));
  EXPECT_EQ(Trim(*store, MaxEvents(1), kBaseTime), 2u);
  EXPECT_EQ(store->FeedStart(), 5u);
  EXPECT_THAT(Sequences(*store), ElementsAre(6u));
}

TEST_F(StorageFeedTest, TrimByAgeRemovesEventsBeforeTheCutoffAndKeepsOneExactlyAtIt) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int minute = 0; minute < 4; ++minute) {
    PublishAt(*store, std::to_string(minute), kBaseTime + absl::Minutes(minute));
  }
  const absl::Time now = kBaseTime + absl::Minutes(3);

  // Cutoff 1m30s: the events at 0 and 1 minutes go.
  EXPECT_EQ(Trim(*store, MaxAge(absl::Seconds(90)), now), 2u);
  EXPECT_EQ(store->FeedStart(), 2u);
  EXPECT_THAT(Sequences(*store), ElementsAre(3u, 4u));

  // Cutoff 2m: the event at 2 minutes is not before it.
  EXPECT_EQ(Trim(*store, MaxAge(absl::Minutes(1)), now), 0u);
  EXPECT_EQ(store->FeedStart(), 2u);
  // A nanosecond later it is.
  EXPECT_EQ(Trim(*store, MaxAge(absl::Minutes(1)), now + absl::Nanoseconds(1)), 1u);
  EXPECT_EQ(store->FeedStart(), 3u);
  EXPECT_THAT(Sequences(*store), ElementsAre(4u));

  // An age no event is older than removes nothing, however far now is.
  EXPECT_EQ(Trim(*store, MaxAge(absl::InfiniteDuration()), now + absl::Hours(1000)), 0u);
  EXPECT_EQ(store->FeedHead(), 4u);
}

TEST_F(StorageFeedTest, TrimByAgeStopsAtTheFirstEventItKeeps) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Sequence order and time order disagree for the third event (e.g. a caller's clock).
  PublishAt(*store, "a", kBaseTime);
  PublishAt(*store, "b", kBaseTime + absl::Minutes(10));
  PublishAt(*store, "c", kBaseTime + absl::Minutes(1));
  PublishAt(*store, "d", kBaseTime + absl::Minutes(20));

  // Cutoff 5 minutes: "c" is older, but "b" before it is kept, and the feed stays unbroken.
  EXPECT_EQ(Trim(*store, MaxAge(absl::Minutes(15)), kBaseTime + absl::Minutes(20)), 1u);
  EXPECT_EQ(store->FeedStart(), 1u);
  EXPECT_THAT(Sequences(*store), ElementsAre(2u, 3u, 4u));
  // Once "b" is old enough, "c" goes with it.
  EXPECT_EQ(Trim(*store, MaxAge(absl::Minutes(5)), kBaseTime + absl::Minutes(20)), 2u);
  EXPECT_EQ(store->FeedStart(), 3u);
  EXPECT_THAT(Sequences(*store), ElementsAre(4u));
}

TEST_F(StorageFeedTest, WithBothLimitsTheStricterOneDecides) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int minute = 0; minute < 8; ++minute) {
    PublishAt(*store, std::to_string(minute), kBaseTime + absl::Minutes(minute));
  }
  const absl::Time now = kBaseTime + absl::Minutes(7);

  // Count keeps 6 (removes 1, 2); age keeps 4 minutes (removes the events at 0, 1, 2 min).
  FeedRetention retention;
  retention.max_events = 6;
  retention.max_age = absl::Minutes(4) + absl::Seconds(30);
  EXPECT_EQ(Trim(*store, retention, now), 3u);
  EXPECT_EQ(store->FeedStart(), 3u);

  // Count keeps 2 (removes up to 6); age keeps everything left.
  retention.max_events = 2;
  retention.max_age = absl::Hours(1);
  EXPECT_EQ(Trim(*store, retention, now), 3u);
  EXPECT_EQ(store->FeedStart(), 6u);
  EXPECT_THAT(Sequences(*store), ElementsAre(7u, 8u));
}

TEST_F(StorageFeedTest, NoLimitsRemoveNothingAndANegativeAgeIsInvalid) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 3; ++i) PublishAt(*store, std::to_string(i), kBaseTime);

  EXPECT_EQ(Trim(*store, FeedRetention{}, kBaseTime + absl::Hours(1000)), 0u);
  EXPECT_THAT(store->TrimFeed(MaxAge(absl::Seconds(-1)), kBaseTime),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "retention.max_age: must not be negative, got -1s"));
  EXPECT_EQ(store->FeedStart(), 0u);
  EXPECT_THAT(Sequences(*store), ElementsAre(1u, 2u, 3u));
  // Zero is a valid age: everything before now goes.
  EXPECT_EQ(Trim(*store, MaxAge(absl::ZeroDuration()), kBaseTime + absl::Nanoseconds(1)), 3u);
}

TEST_F(StorageFeedTest, TrimToEmptyThenReopenAndContinue) {
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 5; ++i) PublishAt(*store, std::to_string(i), kBaseTime);
    EXPECT_EQ(Trim(*store, MaxEvents(0), kBaseTime), 5u);
    EXPECT_EQ(store->FeedStart(), 5u);
    EXPECT_EQ(store->FeedHead(), 5u);
    EXPECT_THAT(Sequences(*store), IsEmpty());
    EXPECT_THAT(Sequences(*store, 5), IsEmpty());
    EXPECT_EQ(Trim(*store, MaxEvents(0), kBaseTime), 0u);
  }
  // The open-time check accepts an empty feed whose start is its head.
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FeedStart(), 5u);
  EXPECT_EQ(store->FeedHead(), 5u);
  EXPECT_EQ(PublishAt(*store, "6", kBaseTime), 6u);
  EXPECT_THAT(Sequences(*store), ElementsAre(6u));
  EXPECT_THAT(Sequences(*store, 5), ElementsAre(6u));
  EXPECT_EQ(store->FeedStart(), 5u);
}

TEST_F(StorageFeedTest, FeedStartAndTheRetainedEventsSurviveReopen) {
  std::string id;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const PublishResult first,
        store->PublishArticle(MakeArticle("wire", "1", Hash('a')), kBaseTime));
    id = first.article.id();
    for (int i = 2; i <= 6; ++i) PublishAt(*store, std::to_string(i), kBaseTime);
    EXPECT_EQ(Trim(*store, MaxEvents(4), kBaseTime), 2u);
    ASSERT_THAT(store->Flush(), IsOk());  // the range deletion in an SST file, not only the WAL
    EXPECT_EQ(Trim(*store, MaxEvents(3), kBaseTime), 1u);
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FeedStart(), 3u);
  EXPECT_EQ(store->FeedHead(), 6u);
  EXPECT_THAT(Sequences(*store), ElementsAre(4u, 5u, 6u));
  // Only the events go: the story and its version stay.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article article, store->GetArticle(id, 1));
  EXPECT_EQ(article.external_id(), "1");
  EXPECT_EQ(PublishAt(*store, "7", kBaseTime), 7u);
  EXPECT_EQ(Trim(*store, MaxEvents(1), kBaseTime), 3u);
  EXPECT_EQ(store->FeedStart(), 6u);
}

// --- Append listener ---------------------------------------------------------------------

TEST_F(StorageFeedTest, TheListenerHearsEachAppendOnceAfterTheHeadMoved) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<uint64_t> heard;
  std::vector<uint64_t> heads;
  store->SetAppendListener([&](uint64_t sequence) {
    heard.push_back(sequence);
    heads.push_back(store->FeedHead());  // reads are allowed from the listener
  });
  PublishAt(*store, "1", kBaseTime);
  PublishAt(*store, "2", kBaseTime);
  // Unchanged content appends nothing, so there is nothing to hear.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const PublishResult unchanged,
      store->PublishArticle(MakeArticle("wire", "1", Hash('a')), kBaseTime));
  EXPECT_EQ(unchanged.outcome, PublishOutcome::kUnchanged);
  // Neither does a trim, nor a rejected publish.
  EXPECT_EQ(Trim(*store, MaxEvents(0), kBaseTime), 2u);
  EXPECT_THAT(store->PublishArticle(MakeArticle("wire", "", Hash('a')), kBaseTime),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PublishAt(*store, "3", kBaseTime);
  EXPECT_THAT(heard, ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(heads, ElementsAre(1u, 2u, 3u));

  // Replacing it, then removing it.
  std::vector<uint64_t> heard_by_second;
  store->SetAppendListener([&](uint64_t sequence) { heard_by_second.push_back(sequence); });
  PublishAt(*store, "4", kBaseTime);
  store->SetAppendListener(nullptr);
  PublishAt(*store, "5", kBaseTime);
  EXPECT_THAT(heard, ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(heard_by_second, ElementsAre(4u));
}

// Publishers, a trimmer and readers at once, woken by the listener as a stream hub would be.
// Checks that the listener hears 1..N once each in order, and that a reader never sees a
// gap that FeedStart() does not explain.
TEST_F(StorageFeedTest, ListenerOrderAndReaderViewHoldUnderConcurrentPublishTrimAndRead) {
  StoreOptions options;
  options.sync_writes = false;  // durability is not what this test is about
  std::unique_ptr<Store> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  constexpr int kPublishers = 4;
  constexpr int kPerPublisher = 250;
  constexpr uint64_t kTotal = kPublishers * kPerPublisher;
  constexpr uint64_t kKeep = 20;
  constexpr int kReaders = 2;

  std::mutex mutex;
  std::condition_variable appended_cv;
  uint64_t appended = 0;  // the last sequence the listener heard
  bool publishers_done = false;
  std::vector<uint64_t> heard;
  std::vector<std::string> problems;
  const auto problem = [&](std::string text) {
    std::lock_guard<std::mutex> lock(mutex);
    problems.push_back(std::move(text));
  };
  store->SetAppendListener([&](uint64_t sequence) {
    const uint64_t head = store->FeedHead();
    std::lock_guard<std::mutex> lock(mutex);
    if (head < sequence) {
      problems.push_back(absl::StrCat("heard ", sequence, " while the head was ", head));
    }
    heard.push_back(sequence);
    appended = std::max(appended, sequence);
    appended_cv.notify_all();
  });

  std::vector<std::vector<uint64_t>> published(kPublishers);
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kPerPublisher; ++i) {
        absl::StatusOr<PublishResult> result = store->PublishArticle(
            MakeArticle("wire", absl::StrCat(p, "-", i), Hash('a')), kBaseTime);
        if (!result.ok()) problem(absl::StrCat("publish: ", result.status().ToString()));
        published[p].push_back(result.ok() ? result->sequence : 0);
      }
    });
  }
  std::vector<std::thread> others;
  // Trims to the newest kKeep events whenever at least 5 more were appended, and once
  // after the last.
  others.emplace_back([&] {
    uint64_t trimmed_at = 0;
    bool last = false;
    while (!last) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        appended_cv.wait(lock, [&] { return appended >= trimmed_at + 5 || publishers_done; });
        trimmed_at = appended;
        last = publishers_done;
      }
      absl::StatusOr<uint64_t> removed = store->TrimFeed(MaxEvents(kKeep), kBaseTime);
      if (!removed.ok()) problem(absl::StrCat("trim: ", removed.status().ToString()));
    }
  });
  // Each reader follows the feed in pages of 7 until it has read the last event.
  for (int r = 0; r < kReaders; ++r) {
    others.emplace_back([&] {
      uint64_t position = 0;
      while (true) {
        {
          std::unique_lock<std::mutex> lock(mutex);
          appended_cv.wait(lock, [&] { return appended > position || publishers_done; });
          if (appended <= position) break;  // publishers done and everything read
        }
        const uint64_t head_before = store->FeedHead();
        absl::StatusOr<std::vector<FeedRecord>> events = store->ReadFeed(position, 7);
        const uint64_t start_after = store->FeedStart();
        if (!events.ok()) {
          problem(absl::StrCat("read: ", events.status().ToString()));
          return;
        }
        if (events->empty()) {
          // Events up to head_before were stored before the read; if none after position
          // remains, a trim removed them and FeedStart() must say so.
          if (start_after < head_before) {
            problem(absl::StrCat("nothing after ", position, " with head ", head_before,
                                 " and start ", start_after));
          }
          position = std::max(position, start_after);
          continue;
        }
        const uint64_t first = events->front().sequence();
        if (first <= position || (first != position + 1 && start_after < first - 1)) {
          problem(absl::StrCat("after ", position, " the feed resumed at ", first, " with start ",
                               start_after));
        }
        for (size_t i = 1; i < events->size(); ++i) {
          if ((*events)[i].sequence() != (*events)[i - 1].sequence() + 1) {
            problem(absl::StrCat("gap between ", (*events)[i - 1].sequence(), " and ",
                                 (*events)[i].sequence()));
          }
        }
        position = events->back().sequence();
      }
    });
  }
  for (std::thread& thread : publishers) thread.join();
  {
    std::lock_guard<std::mutex> lock(mutex);
    publishers_done = true;
    appended_cv.notify_all();
  }
  for (std::thread& thread : others) thread.join();

  EXPECT_THAT(problems, IsEmpty());
  std::vector<uint64_t> expected(kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) expected[i] = i + 1;
  EXPECT_EQ(heard, expected);
  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& some : published)
    all.insert(all.end(), some.begin(), some.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, expected);
  // The last trim ran after the last append.
  EXPECT_EQ(store->FeedHead(), kTotal);
  EXPECT_EQ(store->FeedStart(), kTotal - kKeep);
  std::vector<uint64_t> retained(expected.end() - kKeep, expected.end());
  EXPECT_EQ(Sequences(*store), retained);
}

}  // namespace
}  // namespace syndicate::storage
