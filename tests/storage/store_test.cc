// Behaviour of the Store through its public interface, on a real RocksDB.
#include "storage/store.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::syndicate::ToAbslTime;
using ::syndicate::ToTimestamp;
using ::syndicate::storage::test_util::ExternalIds;
using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::syndication::v1::Source;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

class StorageStoreTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> OpenStore(const StoreOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(StorePath(), options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Publishes and expects success; returns the result.
  PublishResult Publish(Store& store, const Article& article, absl::Time now) {
    absl::StatusOr<PublishResult> result = store.PublishArticle(article, now);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? std::move(result).value() : PublishResult{};
  }

  std::vector<Article> List(const Store& store, const ListQuery& query) {
    absl::StatusOr<std::vector<Article>> list = store.ListArticles(query);
    EXPECT_THAT(list, IsOk());
    return list.ok() ? std::move(list).value() : std::vector<Article>{};
  }
};

ListQuery Query(std::vector<std::string> source_ids = {}, int limit = 100) {
  ListQuery query;
  query.source_ids = std::move(source_ids);
  query.limit = limit;
  return query;
}

// --- Open ----------------------------------------------------------------------------------

TEST_F(StorageStoreTest, OpeningALockedDirectoryIsUnavailable) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("opening the store at")));
}

TEST_F(StorageStoreTest, EpochIsSixteenHexDigitsStableAcrossReopenAndPerStore) {
  std::string epoch;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    epoch = store->FeedEpoch();
    EXPECT_EQ(store->FeedHead(), 0u);
  }
  EXPECT_THAT(epoch, MatchesRegex("[0-9a-f]{16}"));
  std::unique_ptr<Store> reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->FeedEpoch(), epoch);

  // Another store's history is another epoch (64 random bits; a clash is not plausible).
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, Store::Open(dir_ + "/other-store"));
  EXPECT_NE(other->FeedEpoch(), epoch);
}

// --- Publish -------------------------------------------------------------------------------

TEST_F(StorageStoreTest, FirstPublishCreatesVersionOne) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Article input = MakeArticle("wire", "urn:example:1", Hash('a'), kBaseTime);
  // Output-only fields from the caller are replaced, not trusted.
  input.set_id("ffffffffffffffffffffffffffffffff");
  input.set_version(7);
  *input.mutable_first_created() = ToTimestamp(kBaseTime - absl::Hours(1000));

  const absl::Time now = kBaseTime + absl::Minutes(5) + absl::Nanoseconds(123456789);
  const PublishResult result = Publish(*store, input, now);
  EXPECT_EQ(result.outcome, PublishOutcome::kCreated);
  EXPECT_EQ(result.sequence, 1u);
  EXPECT_THAT(result.article.id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(result.article.id(), "ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(result.article.version(), 1);
  EXPECT_EQ(ToAbslTime(result.article.first_created()), now);
  EXPECT_EQ(ToAbslTime(result.article.version_created()), now);
  EXPECT_EQ(result.article.headline(), "Harbour reopens after storm");
  EXPECT_EQ(result.article.content_hash(), Hash('a'));
  EXPECT_EQ(store->FeedHead(), 1u);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, store->GetArticle(result.article.id()));
  EXPECT_EQ(latest.SerializeAsString(), result.article.SerializeAsString());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, store->GetArticle(result.article.id(), 1));
  EXPECT_EQ(v1.SerializeAsString(), result.article.SerializeAsString());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].sequence(), 1u);
  EXPECT_EQ(feed[0].type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(feed[0].article_id(), result.article.id());
  EXPECT_EQ(feed[0].version(), 1);
  EXPECT_EQ(feed[0].source_id(), "wire");
  EXPECT_EQ(ToAbslTime(feed[0].time()), now);
}

TEST_F(StorageStoreTest, SameContentAgainIsUnchangedAndWritesNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const PublishResult first =
      Publish(*store, MakeArticle("wire", "urn:example:1", Hash('a')), kBaseTime);

  Article again = MakeArticle("wire", "urn:example:1", Hash('a'));
  again.set_headline("A headline the hash does not cover");  // the hash decides, not the fields
  const PublishResult second = Publish(*store, again, kBaseTime + absl::Hours(1));
  EXPECT_EQ(second.outcome, PublishOutcome::kUnchanged);
  EXPECT_EQ(second.sequence, 0u);
  EXPECT_EQ(second.article.SerializeAsString(), first.article.SerializeAsString());
  EXPECT_EQ(store->FeedHead(), 1u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  EXPECT_EQ(feed.size(), 1u);
  EXPECT_THAT(store->GetArticle(first.article.id(), 2),
              StatusIs(absl::StatusCode::kNotFound,
                       "no version 2 of article \"" + first.article.id() + "\""));
}

TEST_F(StorageStoreTest, ChangedContentMakesTheNextVersionWithStableIdAndFirstCreated) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time t1 = kBaseTime;
  const absl::Time t2 = kBaseTime + absl::Hours(2);
  const absl::Time t3 = kBaseTime + absl::Hours(3);
  const PublishResult v1 = Publish(*store, MakeArticle("wire", "urn:example:1", Hash('a')), t1);
  // Another story in between, so sequences are not simply the version numbers.
  Publish(*store, MakeArticle("wire", "urn:example:2", Hash('b')), t1);
  Article changed = MakeArticle("wire", "urn:example:1", Hash('c'));
  changed.set_headline("Harbour reopens after storm, ferries resume");
  const PublishResult v2 = Publish(*store, changed, t2);

  EXPECT_EQ(v2.outcome, PublishOutcome::kUpdated);
  EXPECT_EQ(v2.sequence, 3u);
  EXPECT_EQ(v2.article.id(), v1.article.id());
  EXPECT_EQ(v2.article.version(), 2);
  EXPECT_EQ(ToAbslTime(v2.article.first_created()), t1);
  EXPECT_EQ(ToAbslTime(v2.article.version_created()), t2);

  const std::string& id = v1.article.id();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, store->GetArticle(id));
  EXPECT_EQ(latest.version(), 2);
  EXPECT_EQ(latest.headline(), "Harbour reopens after storm, ferries resume");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, store->GetArticle(id, 1));
  EXPECT_EQ(first.version(), 1);
  EXPECT_EQ(first.content_hash(), Hash('a'));
  EXPECT_EQ(first.headline(), "Harbour reopens after storm");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article second, store->GetArticle(id, 2));
  EXPECT_EQ(second.content_hash(), Hash('c'));

  // Going back to version 1's content is a change against the latest: version 3.
  const PublishResult v3 = Publish(*store, MakeArticle("wire", "urn:example:1", Hash('a')), t3);
  EXPECT_EQ(v3.outcome, PublishOutcome::kUpdated);
  EXPECT_EQ(v3.article.version(), 3);
  EXPECT_EQ(v3.sequence, 4u);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  ASSERT_EQ(feed.size(), 4u);
  EXPECT_EQ(feed[0].type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(feed[1].type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(feed[2].type(), syndication::v1::EVENT_TYPE_UPDATED);
  EXPECT_EQ(feed[2].article_id(), id);
  EXPECT_EQ(feed[2].version(), 2);
  EXPECT_EQ(ToAbslTime(feed[2].time()), t2);
  EXPECT_EQ(feed[3].type(), syndication::v1::EVENT_TYPE_UPDATED);
  EXPECT_EQ(feed[3].version(), 3);
}

TEST_F(StorageStoreTest, SameExternalIdInAnotherSourceIsAnotherStory) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const PublishResult wire = Publish(*store, MakeArticle("wire", "1", Hash('a')), kBaseTime);
  const PublishResult daily = Publish(*store, MakeArticle("daily", "1", Hash('a')), kBaseTime);
  // "wire" + "1" and "wir" + "e1" must not meet in by_external_id either.
  const PublishResult wir = Publish(*store, MakeArticle("wir", "e1", Hash('a')), kBaseTime);
  EXPECT_EQ(daily.outcome, PublishOutcome::kCreated);
  EXPECT_EQ(wir.outcome, PublishOutcome::kCreated);
  EXPECT_NE(daily.article.id(), wire.article.id());
  EXPECT_NE(wir.article.id(), wire.article.id());
  EXPECT_EQ(store->FeedHead(), 3u);
}

TEST_F(StorageStoreTest, PublishWithoutItsKeyFieldsIsInvalidAndStoresNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->PublishArticle(MakeArticle("", "1", Hash('a')), kBaseTime),
              StatusIs(absl::StatusCode::kInvalidArgument, "article.source_id: must not be empty"));
  EXPECT_THAT(
      store->PublishArticle(MakeArticle("wire", "", Hash('a')), kBaseTime),
      StatusIs(absl::StatusCode::kInvalidArgument, "article.external_id: must not be empty"));
  EXPECT_THAT(
      store->PublishArticle(MakeArticle("wire", "1", ""), kBaseTime),
      StatusIs(absl::StatusCode::kInvalidArgument, "article.content_hash: must not be empty"));
  EXPECT_THAT(
      store->PublishArticle(MakeArticle(std::string(65536, 's'), "1", Hash('a')), kBaseTime),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "article.source_id: 65536 bytes is longer than 65535"));
  EXPECT_EQ(store->FeedHead(), 0u);
  EXPECT_THAT(List(*store, Query()), IsEmpty());
}

TEST_F(StorageStoreTest, GetArticleNotFound) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const PublishResult result = Publish(*store, MakeArticle("wire", "1", Hash('a')), kBaseTime);
  const std::string& id = result.article.id();
  EXPECT_THAT(store->GetArticle("00000000000000000000000000000000"),
              StatusIs(absl::StatusCode::kNotFound,
                       "no article with id \"00000000000000000000000000000000\""));
  EXPECT_THAT(store->GetArticle(id, 2),
              StatusIs(absl::StatusCode::kNotFound, "no version 2 of article \"" + id + "\""));
  EXPECT_THAT(store->GetArticle(id, -1),
              StatusIs(absl::StatusCode::kNotFound, "no version -1 of article \"" + id + "\""));
  // An id of the wrong shape is simply not there.
  EXPECT_THAT(store->GetArticle(id.substr(0, 31), 1),
              StatusIs(absl::StatusCode::kNotFound,
                       "no version 1 of article \"" + id.substr(0, 31) + "\""));
  EXPECT_THAT(store->GetArticle("", 1),
              StatusIs(absl::StatusCode::kNotFound, "no version 1 of article \"\""));
}

// --- Feed ----------------------------------------------------------------------------------

TEST_F(StorageStoreTest, SequenceContinuesAfterReopen) {
  std::string epoch;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 3; ++i) {
      EXPECT_EQ(
          Publish(*store, MakeArticle("wire", std::to_string(i), Hash('a')), kBaseTime).sequence,
          static_cast<uint64_t>(i));
    }
    epoch = store->FeedEpoch();
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FeedHead(), 3u);
  EXPECT_EQ(store->FeedEpoch(), epoch);
  EXPECT_EQ(Publish(*store, MakeArticle("wire", "4", Hash('a')), kBaseTime).sequence, 4u);
  // An update of a story stored before the reopen continues its versions too.
  const PublishResult update = Publish(*store, MakeArticle("wire", "1", Hash('b')), kBaseTime);
  EXPECT_EQ(update.outcome, PublishOutcome::kUpdated);
  EXPECT_EQ(update.article.version(), 2);
  EXPECT_EQ(update.sequence, 5u);
  EXPECT_EQ(store->FeedHead(), 5u);
}

TEST_F(StorageStoreTest, FlushKeepsEverythingReadable) {
  std::string id;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    id = Publish(*store, MakeArticle("wire", "1", Hash('a')), kBaseTime).article.id();
    ASSERT_THAT(store->Flush(), IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article article, store->GetArticle(id));
    EXPECT_EQ(article.version(), 1);
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article article, store->GetArticle(id));
  EXPECT_EQ(article.external_id(), "1");
  EXPECT_EQ(store->FeedHead(), 1u);
}

TEST_F(StorageStoreTest, ReadFeedPagesInSequenceOrder) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 5; ++i) {
    Publish(*store, MakeArticle("wire", std::to_string(i), Hash('a')), kBaseTime);
  }
  const auto sequences = [&](uint64_t after, int limit) {
    std::vector<uint64_t> out;
    absl::StatusOr<std::vector<FeedRecord>> feed = store->ReadFeed(after, limit);
    EXPECT_THAT(feed, IsOk());
    if (feed.ok()) {
      for (const FeedRecord& event : *feed) out.push_back(event.sequence());
    }
    return out;
  };
  EXPECT_THAT(sequences(0, 2), ElementsAre(1u, 2u));
  EXPECT_THAT(sequences(2, 2), ElementsAre(3u, 4u));
  EXPECT_THAT(sequences(4, 2), ElementsAre(5u));
  EXPECT_THAT(sequences(5, 2), IsEmpty());
  EXPECT_THAT(sequences(UINT64_MAX, 2), IsEmpty());
  EXPECT_THAT(sequences(0, 100), ElementsAre(1u, 2u, 3u, 4u, 5u));
  EXPECT_THAT(store->ReadFeed(0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
}

TEST_F(StorageStoreTest, ConcurrentPublishesGetGaplessDistinctSequences) {
  StoreOptions options;
  options.sync_writes = false;  // durability is not what this test is about
  std::unique_ptr<Store> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<PublishResult> result = store->PublishArticle(
            MakeArticle("wire", std::to_string(t) + "-" + std::to_string(i), Hash('a')), kBaseTime);
        sequences[t].push_back(result.ok() ? result->sequence : 0);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& some : sequences) {
    // Each thread's publishes are ordered, so its sequences rise.
    EXPECT_TRUE(std::is_sorted(some.begin(), some.end()));
    all.insert(all.end(), some.begin(), some.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(size_t{kThreads} * kPerThread);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(all, expected);
  EXPECT_EQ(store->FeedHead(), expected.size());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 1000));
  ASSERT_EQ(feed.size(), expected.size());
  for (size_t i = 0; i < feed.size(); ++i) EXPECT_EQ(feed[i].sequence(), i + 1);
  EXPECT_EQ(List(*store, Query({}, 1000)).size(), expected.size());
}

// --- List ----------------------------------------------------------------------------------

TEST_F(StorageStoreTest, ListIsNewestFirstWithTiesByIdAscending) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::map<std::string, std::string> tied;  // id → external id, i.e. sorted by id
  Publish(*store, MakeArticle("wire", "before-1970", Hash('a'), absl::FromUnixSeconds(-86400)),
          kBaseTime);
  for (const std::string external_id : {"tie-1", "tie-2", "tie-3", "tie-4"}) {
    const PublishResult result =
        Publish(*store, MakeArticle("wire", external_id, Hash('a'), kBaseTime), kBaseTime);
    tied[result.article.id()] = external_id;
  }
  Publish(*store, MakeArticle("wire", "newest", Hash('a'), kBaseTime + absl::Hours(1)), kBaseTime);
  Publish(*store, MakeArticle("wire", "epoch", Hash('a'), absl::UnixEpoch()), kBaseTime);

  std::vector<std::string> expected = {"newest"};
  for (const auto& [id, external_id] : tied) expected.push_back(external_id);
  expected.emplace_back("epoch");
  expected.emplace_back("before-1970");
  EXPECT_THAT(ExternalIds(List(*store, Query())), ElementsAreArray(expected));
  EXPECT_THAT(ExternalIds(List(*store, Query({"wire"}))), ElementsAreArray(expected));
  EXPECT_THAT(ExternalIds(List(*store, Query({}, 2))), ElementsAre("newest", expected[1]));
}

TEST_F(StorageStoreTest, TimeRangeIncludesStartAndExcludesEnd) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int s : {10, 20, 30, 40}) {
    Publish(*store,
            MakeArticle("wire", "at-" + std::to_string(s), Hash('a'), kBaseTime + absl::Seconds(s)),
            kBaseTime);
  }
  const auto list = [&](std::optional<int> start, std::optional<int> end,
                        std::vector<std::string> source_ids = {}) {
    ListQuery query = Query(std::move(source_ids));
    if (start) query.start_time = kBaseTime + absl::Seconds(*start);
    if (end) query.end_time = kBaseTime + absl::Seconds(*end);
    return ExternalIds(List(*store, query));
  };
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{}, std::vector<std::string>{"wire"}}) {
    SCOPED_TRACE(sources.empty() ? "by_time" : "by_source_time");
    EXPECT_THAT(list(20, 40, sources), ElementsAre("at-30", "at-20"));
    EXPECT_THAT(list(20, std::nullopt, sources), ElementsAre("at-40", "at-30", "at-20"));
    EXPECT_THAT(list(std::nullopt, 20, sources), ElementsAre("at-10"));
    EXPECT_THAT(list(25, 35, sources), ElementsAre("at-30"));
    EXPECT_THAT(list(20, 20, sources), IsEmpty());
    EXPECT_THAT(list(30, 20, sources), IsEmpty());
    EXPECT_THAT(list(41, std::nullopt, sources), IsEmpty());
  }
  // One microsecond either side of a list time.
  ListQuery query = Query();
  query.start_time = kBaseTime + absl::Seconds(20) + absl::Microseconds(1);
  query.end_time = kBaseTime + absl::Seconds(30) + absl::Microseconds(1);
  EXPECT_THAT(ExternalIds(List(*store, query)), ElementsAre("at-30"));
  query.start_time = kBaseTime + absl::Seconds(20) - absl::Microseconds(1);
  query.end_time = kBaseTime + absl::Seconds(30);
  EXPECT_THAT(ExternalIds(List(*store, query)), ElementsAre("at-20"));
  // Infinite bounds are no bounds, and an end at the infinite past admits nothing.
  query.start_time = absl::InfinitePast();
  query.end_time = absl::InfiniteFuture();
  EXPECT_EQ(List(*store, query).size(), 4u);
  query.start_time.reset();
  query.end_time = absl::InfinitePast();
  EXPECT_THAT(List(*store, query), IsEmpty());
}

TEST_F(StorageStoreTest, PagingWithAfterReturnsEveryArticleExactlyOnce) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Seven stories over two sources, with ties that straddle page boundaries.
  const std::vector<std::pair<std::string, int>> stories = {
      {"wire", 1}, {"daily", 1}, {"wire", 2}, {"daily", 2}, {"wire", 2}, {"daily", 3}, {"wire", 4}};
  for (size_t i = 0; i < stories.size(); ++i) {
    Publish(*store,
            MakeArticle(stories[i].first, "story-" + std::to_string(i), Hash('a'),
                        kBaseTime + absl::Minutes(stories[i].second)),
            kBaseTime);
  }
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{}, std::vector<std::string>{"wire", "daily"}}) {
    SCOPED_TRACE(sources.empty() ? "by_time" : "merged");
    const std::vector<std::string> everything = ExternalIds(List(*store, Query(sources)));
    ASSERT_EQ(everything.size(), 7u);
    std::vector<std::string> paged;
    std::vector<size_t> page_sizes;
    ListQuery query = Query(sources, 3);
    for (int page = 0; page < 10; ++page) {
      const std::vector<Article> articles = List(*store, query);
      page_sizes.push_back(articles.size());
      if (articles.empty()) break;
      for (const Article& article : articles) paged.push_back(article.external_id());
      query.after = ListPosition{ListTime(articles.back()), articles.back().id()};
    }
    EXPECT_THAT(page_sizes, ElementsAre(3u, 3u, 1u, 0u));
    EXPECT_EQ(paged, everything);
  }
}

TEST_F(StorageStoreTest, SeveralSourcesMergeIntoOneOrder) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const auto& [source, minute] : std::vector<std::pair<std::string, int>>{
           {"alpha", 1}, {"beta", 2}, {"gamma", 3}, {"alpha", 4}, {"beta", 5}, {"alpha", 6}}) {
    Publish(*store,
            MakeArticle(source, source + "-" + std::to_string(minute), Hash('a'),
                        kBaseTime + absl::Minutes(minute)),
            kBaseTime);
  }
  EXPECT_THAT(ExternalIds(List(*store, Query({"gamma", "alpha"}))),
              ElementsAre("alpha-6", "alpha-4", "gamma-3", "alpha-1"));
  EXPECT_THAT(ExternalIds(List(*store, Query({"alpha", "alpha"}))),
              ElementsAre("alpha-6", "alpha-4", "alpha-1"));
  EXPECT_THAT(ExternalIds(List(*store, Query())),
              ElementsAre("alpha-6", "beta-5", "alpha-4", "gamma-3", "beta-2", "alpha-1"));
  EXPECT_THAT(ExternalIds(List(*store, Query({"alpha", "beta"}, 3))),
              ElementsAre("alpha-6", "beta-5", "alpha-4"));
  EXPECT_THAT(List(*store, Query({"nobody"})), IsEmpty());
  // A source whose id is a prefix of another's lists only its own stories.
  EXPECT_THAT(ExternalIds(List(*store, Query({"alph"}))), IsEmpty());

  ListQuery range = Query({"alpha", "beta"});
  range.start_time = kBaseTime + absl::Minutes(2);
  range.end_time = kBaseTime + absl::Minutes(5);
  EXPECT_THAT(ExternalIds(List(*store, range)), ElementsAre("alpha-4", "beta-2"));
}

TEST_F(StorageStoreTest, ChangingPublishedAtMovesTheListEntry) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Publish(*store, MakeArticle("wire", "moving", Hash('a'), kBaseTime + absl::Minutes(10)),
          kBaseTime);
  Publish(*store, MakeArticle("wire", "still", Hash('a'), kBaseTime + absl::Minutes(20)),
          kBaseTime);
  const PublishResult moved =
      Publish(*store, MakeArticle("wire", "moving", Hash('b'), kBaseTime + absl::Minutes(30)),
              kBaseTime + absl::Hours(1));
  ASSERT_EQ(moved.outcome, PublishOutcome::kUpdated);

  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{}, std::vector<std::string>{"wire"}}) {
    SCOPED_TRACE(sources.empty() ? "by_time" : "by_source_time");
    const std::vector<Article> list = List(*store, Query(sources));
    EXPECT_THAT(ExternalIds(list), ElementsAre("moving", "still"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].version(), 2);
    ListQuery old_slot = Query(sources);
    old_slot.start_time = kBaseTime + absl::Minutes(5);
    old_slot.end_time = kBaseTime + absl::Minutes(15);
    EXPECT_THAT(List(*store, old_slot), IsEmpty());
  }

  // A new version at the same list time leaves the one entry in place.
  Publish(*store, MakeArticle("wire", "moving", Hash('c'), kBaseTime + absl::Minutes(30)),
          kBaseTime + absl::Hours(2));
  const std::vector<Article> list = List(*store, Query());
  EXPECT_THAT(ExternalIds(list), ElementsAre("moving", "still"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].version(), 3);
}

TEST_F(StorageStoreTest, WithoutPublishedAtTheListTimeIsFirstCreated) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time created = kBaseTime + absl::Minutes(10);
  const PublishResult undated = Publish(*store, MakeArticle("wire", "undated", Hash('a')), created);
  EXPECT_FALSE(undated.article.has_published_at());
  EXPECT_EQ(ListTime(undated.article), created);
  Publish(*store, MakeArticle("wire", "earlier", Hash('a'), kBaseTime + absl::Minutes(5)),
          kBaseTime);
  Publish(*store, MakeArticle("wire", "later", Hash('a'), kBaseTime + absl::Minutes(15)),
          kBaseTime);
  // A later version keeps first_created, so the story keeps its place.
  const PublishResult v2 =
      Publish(*store, MakeArticle("wire", "undated", Hash('b')), kBaseTime + absl::Hours(5));
  EXPECT_EQ(ListTime(v2.article), created);

  EXPECT_THAT(ExternalIds(List(*store, Query())), ElementsAre("later", "undated", "earlier"));
  ListQuery exact = Query({"wire"});
  exact.start_time = created;
  exact.end_time = created + absl::Microseconds(1);
  EXPECT_THAT(ExternalIds(List(*store, exact)), ElementsAre("undated"));

  // Setting published_at later moves it to that time.
  Publish(*store, MakeArticle("wire", "undated", Hash('c'), kBaseTime + absl::Minutes(20)),
          kBaseTime + absl::Hours(6));
  EXPECT_THAT(ExternalIds(List(*store, Query())), ElementsAre("undated", "later", "earlier"));
}

TEST_F(StorageStoreTest, ListRejectsABadQuery) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->ListArticles(Query({}, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
  EXPECT_THAT(store->ListArticles(Query({}, -5)),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got -5"));
  EXPECT_THAT(store->ListArticles(Query({"wire", ""})),
              StatusIs(absl::StatusCode::kInvalidArgument, "source_ids: must not be empty"));
}

// --- Sources -------------------------------------------------------------------------------

Source MakeSource(const std::string& id, const std::string& name) {
  Source source;
  source.set_id(id);
  source.set_name(name);
  source.set_homepage_url("https://" + id + ".example.org/");
  source.mutable_default_attribution()->set_credit_line(name);
  return source;
}

TEST_F(StorageStoreTest, UpsertSourceKeepsCreateTime) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time t1 = kBaseTime;
  const absl::Time t2 = kBaseTime + absl::Hours(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Source created,
                                 store->UpsertSource(MakeSource("wire", "Example Wire"), t1));
  EXPECT_EQ(ToAbslTime(created.create_time()), t1);
  EXPECT_EQ(ToAbslTime(created.update_time()), t1);

  Source renamed = MakeSource("wire", "Example Wire Service");
  *renamed.mutable_create_time() = ToTimestamp(t2 + absl::Hours(9));  // output only: ignored
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Source updated, store->UpsertSource(renamed, t2));
  EXPECT_EQ(updated.name(), "Example Wire Service");
  EXPECT_EQ(ToAbslTime(updated.create_time()), t1);
  EXPECT_EQ(ToAbslTime(updated.update_time()), t2);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Source stored, store->GetSource("wire"));
  EXPECT_EQ(stored.SerializeAsString(), updated.SerializeAsString());
}

TEST_F(StorageStoreTest, GetSourceNotFoundAndEmptyIdRejected) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->GetSource("wire"),
              StatusIs(absl::StatusCode::kNotFound, "no source with id \"wire\""));
  EXPECT_THAT(store->UpsertSource(MakeSource("", "Nameless"), kBaseTime),
              StatusIs(absl::StatusCode::kInvalidArgument, "source.id: must not be empty"));
}

TEST_F(StorageStoreTest, ListSourcesInIdOrderAfterAnId) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const std::string id : {"gamma", "alpha", "beta", "alpha-2"}) {
    ASSERT_THAT(store->UpsertSource(MakeSource(id, id), kBaseTime), IsOk());
  }
  const auto ids = [&](std::string_view after_id, int limit) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<Source>> sources = store->ListSources(after_id, limit);
    EXPECT_THAT(sources, IsOk());
    if (sources.ok()) {
      for (const Source& source : *sources) out.push_back(source.id());
    }
    return out;
  };
  EXPECT_THAT(ids("", 10), ElementsAre("alpha", "alpha-2", "beta", "gamma"));
  EXPECT_THAT(ids("", 2), ElementsAre("alpha", "alpha-2"));
  EXPECT_THAT(ids("alpha", 10), ElementsAre("alpha-2", "beta", "gamma"));
  EXPECT_THAT(ids("alpha-2", 2), ElementsAre("beta", "gamma"));
  EXPECT_THAT(ids("b", 10), ElementsAre("beta", "gamma"));
  EXPECT_THAT(ids("gamma", 10), IsEmpty());
  EXPECT_THAT(store->ListSources("", 0),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
}

// --- Secrets -------------------------------------------------------------------------------

TEST_F(StorageStoreTest, SecretsAreCreatedOnceAndSurviveReopen) {
  std::string page_token_key;
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(page_token_key, store->GetOrCreateSecret("page-token", 32));
    EXPECT_EQ(page_token_key.size(), 32u);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::string again,
                                   store->GetOrCreateSecret("page-token", 32));
    EXPECT_EQ(again, page_token_key);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::string other, store->GetOrCreateSecret("other", 32));
    EXPECT_NE(other, page_token_key);
    EXPECT_THAT(store->GetOrCreateSecret("page-token", 16),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "secret \"page-token\" exists with 32 bytes, not 16"));
    EXPECT_THAT(store->GetOrCreateSecret("", 16),
                StatusIs(absl::StatusCode::kInvalidArgument, "name: must not be empty"));
    EXPECT_THAT(store->GetOrCreateSecret("empty", 0),
                StatusIs(absl::StatusCode::kInvalidArgument, "size_bytes: must be positive"));
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::string reopened,
                                 store->GetOrCreateSecret("page-token", 32));
  EXPECT_EQ(reopened, page_token_key);
  // Secrets live in meta, apart from the feed.
  EXPECT_EQ(store->FeedHead(), 0u);
}

TEST_F(StorageStoreTest, PartnersAreStoredListedInIdOrderAndDeletedWithTheirKeysRevoked) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const char* id : {"westport-daily", "northbay-courier", "eastfield-times"}) {
    syndication::v1::Partner partner;
    partner.set_id(id);
    partner.set_display_name(std::string("Partner ") + id);
    partner.add_entitled_source_ids("harbour-gazette");
    ASSERT_THAT(store->PutPartner(partner), IsOk());
  }
  ApiKeyRecord key;
  key.mutable_key()->set_key_id("0123456789abcdef");
  key.mutable_key()->set_role(syndication::v1::ROLE_PARTNER);
  key.mutable_key()->set_partner_id("northbay-courier");
  key.set_secret_hash(std::string(32, 'h'));
  ASSERT_THAT(store->PutApiKey(key), IsOk());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, store->ListPartners("", 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id(), "eastfield-times");
  EXPECT_EQ(page[1].id(), "northbay-courier");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(page, store->ListPartners("northbay-courier", 2));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id(), "westport-daily");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto got, store->GetPartner("northbay-courier"));
  EXPECT_EQ(got.entitled_source_ids(0), "harbour-gazette");

  key.mutable_key()->mutable_revoke_time()->set_seconds(1795000000);
  EXPECT_EQ(store->PartnerIdRetired("northbay-courier").value_or(true), false);
  ASSERT_THAT(store->DeletePartner("northbay-courier", {key}, kBaseTime), IsOk());
  EXPECT_THAT(store->GetPartner("northbay-courier"), StatusIs(absl::StatusCode::kNotFound));
  store.reset();

  // Both halves of the deletion survive reopening.
  store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->GetPartner("northbay-courier"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store->PartnerIdRetired("northbay-courier").value_or(false), true);
  EXPECT_EQ(store->PartnerIdRetired("eastfield-times").value_or(true), false);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto keys, store->ListApiKeys());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].key().revoke_time().seconds(), 1795000000);
  EXPECT_EQ(keys[0].secret_hash(), std::string(32, 'h'));
  EXPECT_THAT(store->PutPartner(syndication::v1::Partner()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store->PutApiKey(ApiKeyRecord()), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace syndicate::storage
