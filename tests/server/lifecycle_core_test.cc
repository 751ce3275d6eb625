// A story's whole life through SyndicationCore, as partners see it in GetArticle,
// ListArticles and the change feed a stream delivers: updates, corrections, withholding and
// reinstating, kills, embargoes (also across reopening the store), expiry, and signatures
// (tampering, reopening, key rotation). The clock is a variable the tests move; embargo
// lifts and expiries run when a test calls RunDueTasks, as the server's tasks chore does.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/article_signing.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/feed_reader.h"
#include "server/syndication_core.h"
#include "storage/store.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndicate::testing::TestSigningKey;
using syndication::v1::Article;
using syndication::v1::ArticleEvent;
using syndication::v1::ListArticlesRequest;
using syndication::v1::PublishArticleResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1796000000);
// When the embargoed stories here may be shown.
const absl::Time kEmbargo = kT0 + absl::Hours(2);

// A second service key, for rotations.
SigningKey OtherSigningKey() { return *SigningKey::FromSeed(std::string(32, '\x07')); }

// ExampleArticle with a credited photo, so media credits can be checked too.
Article Story(const std::string& external_id) {
  Article article = ExampleArticle(external_id);
  auto* photo = article.add_media();
  photo->set_uri("https://harbour.example.org/img/ferry.jpg");
  photo->set_mime_type("image/jpeg");
  photo->set_caption("The ferry at Gull Island pier.");
  photo->set_credit("Photo: Tomas Ek");
  return article;
}

Article Embargoed(const std::string& external_id) {
  Article article = Story(external_id);
  *article.mutable_embargoed_until() = ToTimestamp(kEmbargo);
  return article;
}

// A tombstone as partners get it: no text and no media.
MATCHER(ShowsNoText, "shows no headline, subheadline, byline, body or media") {
  return arg.headline().empty() && arg.subheadline().empty() && arg.byline().empty() &&
         arg.body_text().empty() && arg.body_html().empty() && arg.media().empty();
}

// "TYPE vN" for an event, e.g. "UPDATED v2", so a whole feed reads as one list.
std::string Summary(const ArticleEvent& event) {
  const std::string type = syndication::v1::EventType_Name(event.type());
  return absl::StrCat(absl::StripPrefix(type, "EVENT_TYPE_"), " v", event.version());
}

std::vector<std::string> Summaries(const std::vector<ArticleEvent>& events) {
  std::vector<std::string> summaries;
  for (const ArticleEvent& event : events) summaries.push_back(Summary(event));
  return summaries;
}

// (id, version) of each listed article, in list order.
std::vector<std::pair<std::string, int64_t>> IdsAndVersions(const std::vector<Article>& articles) {
  std::vector<std::pair<std::string, int64_t>> listed;
  for (const Article& article : articles) listed.emplace_back(article.id(), article.version());
  return listed;
}

class LifecycleCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    ASSERT_NO_FATAL_FAILURE(Open(TestSigningKey()));
    syndication::v1::UpsertSourceRequest source;
    *source.mutable_source() = ExampleSource();
    ASSERT_THAT(core_->UpsertSource(source), IsOk());
  }

  // Opens the store and a core signing with `key`, on the test's clock.
  void Open(SigningKey key) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(dir_));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), std::move(key), [this] { return now_; }));
  }

  // Closes the core and the store, as a server shutting down does, and opens them again.
  void Reopen(SigningKey key = TestSigningKey()) {
    core_.reset();
    store_.reset();
    Open(std::move(key));
  }

  absl::StatusOr<Article> Publish(const Article& article, const std::string& correction = "") {
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    if (!correction.empty()) request.mutable_correction()->set_text(correction);
    absl::StatusOr<PublishArticleResponse> response = core_->PublishArticle(request);
    if (!response.ok()) return response.status();
    return response->article();
  }

  absl::StatusOr<Article> Withdraw(const std::string& id, const std::string& reason,
                                   bool kill = false) {
    syndication::v1::WithdrawArticleRequest request;
    request.set_id(id);
    request.set_reason(reason);
    request.set_kill(kill);
    absl::StatusOr<syndication::v1::WithdrawArticleResponse> response =
        core_->WithdrawArticle(request);
    if (!response.ok()) return response.status();
    return response->article();
  }

  absl::StatusOr<Article> Get(const std::string& id, int64_t version = 0) const {
    syndication::v1::GetArticleRequest request;
    request.set_id(id);
    request.set_version(version);
    return core_->GetArticle(request);
  }

  // One page of ListArticles (the tests list fewer stories than a page holds).
  std::vector<Article> List(const ListArticlesRequest& request) const {
    absl::StatusOr<syndication::v1::ListArticlesResponse> response = core_->ListArticles(request);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return {};
    EXPECT_EQ(response->next_page_token(), "");
    return {response->articles().begin(), response->articles().end()};
  }

  std::vector<Article> ListNewestFirst(bool show_withdrawn = false) const {
    ListArticlesRequest request;
    request.set_show_withdrawn(show_withdrawn);
    return List(request);
  }

  std::vector<Article> ListUpdatedAfter(absl::Time updated_after,
                                        bool show_withdrawn = false) const {
    ListArticlesRequest request;
    request.set_order_by("version_created");
    *request.mutable_updated_after() = ToTimestamp(updated_after);
    request.set_show_withdrawn(show_withdrawn);
    return List(request);
  }

  // Every event a stream from the beginning of the feed delivers to a partner with no
  // filter, in feed order, as StreamArticles reads them.
  std::vector<ArticleEvent> PartnerFeed() const {
    const FeedReader& reader = core_->feed_reader();
    std::vector<ArticleEvent> events;
    uint64_t after = 0;
    while (after < reader.head()) {
      absl::StatusOr<FeedBatch> batch = reader.Read(StreamFilter(), after, 100);
      EXPECT_THAT(batch, IsOk());
      if (!batch.ok()) break;
      for (const storage::FeedRecord& record : batch->matched) {
        absl::StatusOr<ArticleEvent> event = reader.Event(record);
        EXPECT_THAT(event, IsOk());
        if (event.ok()) events.push_back(*std::move(event));
      }
      after = batch->scanned_to;
    }
    return events;
  }

  // (version, headline) of each version ListArticleVersions gives, on one page.
  std::vector<std::pair<int64_t, std::string>> Versions(const std::string& id) const {
    syndication::v1::ListArticleVersionsRequest request;
    request.set_id(id);
    absl::StatusOr<syndication::v1::ListArticleVersionsResponse> response =
        core_->ListArticleVersions(request);
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return {};
    EXPECT_EQ(response->next_page_token(), "");
    std::vector<std::pair<int64_t, std::string>> versions;
    for (const Article& version : response->versions()) {
      versions.emplace_back(version.version(), version.headline());
    }
    return versions;
  }

  int RunDueTasks() {
    absl::StatusOr<int> changed = core_->RunDueTasks();
    EXPECT_THAT(changed, IsOk());
    return changed.ok() ? *changed : -1;
  }

  // The public key GetSigningKeys lists under `key_id`; empty when it lists none.
  std::string ListedPublicKey(const std::string& key_id) const {
    absl::StatusOr<syndication::v1::GetSigningKeysResponse> keys = core_->GetSigningKeys();
    EXPECT_THAT(keys, IsOk());
    if (!keys.ok()) return "";
    for (const auto& key : keys->keys()) {
      if (key.key_id() == key_id) return key.public_key();
    }
    return "";
  }

  std::string dir_;
  absl::Time now_ = kT0;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
};

// --- Updates and corrections -------------------------------------------------------------

TEST_F(LifecycleCoreTest, AnUpdateIsAnUpdatedEventAndEveryVersionStaysReadable) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(10);
  Article changed = Story("ferry-1");
  changed.set_headline("Ferry timetable changes delayed to January");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v2, Publish(changed));
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(ToAbslTime(v2.version_created()), kT0 + absl::Minutes(10));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 2);
  EXPECT_EQ(latest.headline(), "Ferry timetable changes delayed to January");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.version(), 1);
  EXPECT_EQ(first.headline(), "Ferry timetable changes for the winter season");
  EXPECT_EQ(first.content_hash(), v1.content_hash());

  EXPECT_THAT(IdsAndVersions(ListNewestFirst()), ElementsAre(std::pair(v1.id(), int64_t{2})));
  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(kT0)), ElementsAre(std::pair(v1.id(), int64_t{2})));

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "UPDATED v2"));
  EXPECT_EQ(feed[0].article().headline(), "Ferry timetable changes for the winter season");
  EXPECT_EQ(feed[1].article().headline(), "Ferry timetable changes delayed to January");
  EXPECT_EQ(feed[1].article_id(), v1.id());
}

TEST_F(LifecycleCoreTest, CorrectionsAreCorrectedEventsAndTheirNotesAccumulate) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(10);
  Article fixed = Story("ferry-1");
  fixed.set_headline("Ferry timetable changes for the spring season");
  ASSERT_THAT(Publish(fixed, "An earlier version gave the wrong season."), IsOk());
  now_ += absl::Minutes(10);
  // A note alone, with the same text, is a correction too.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v3,
                                 Publish(fixed, "An earlier version misspelt Calloway."));
  EXPECT_EQ(v3.version(), 3);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  ASSERT_EQ(latest.corrections_size(), 2);
  EXPECT_EQ(latest.corrections(0).text(), "An earlier version gave the wrong season.");
  EXPECT_EQ(ToAbslTime(latest.corrections(0).time()), kT0 + absl::Minutes(10));
  EXPECT_EQ(latest.corrections(1).text(), "An earlier version misspelt Calloway.");
  EXPECT_EQ(ToAbslTime(latest.corrections(1).time()), kT0 + absl::Minutes(20));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.corrections_size(), 0);
  EXPECT_EQ(first.headline(), "Ferry timetable changes for the winter season");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article second, Get(v1.id(), 2));
  EXPECT_EQ(second.corrections_size(), 1);
  EXPECT_EQ(second.headline(), "Ferry timetable changes for the spring season");

  syndication::v1::ListArticleVersionsRequest versions;
  versions.set_id(v1.id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto all, core_->ListArticleVersions(versions));
  EXPECT_EQ(all.versions_size(), 3);

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "CORRECTED v2", "CORRECTED v3"));
  EXPECT_EQ(feed[1].article().corrections_size(), 1);
  EXPECT_EQ(feed[2].article().corrections_size(), 2);
}

TEST_F(LifecycleCoreTest, PullingByVersionCreatedFindsChangesToOlderStories) {
  Article harbour = Story("harbour-1");
  harbour.mutable_published_at()->set_seconds(1795000000);
  Article bridge = Story("bridge-1");
  bridge.mutable_published_at()->set_seconds(1795000100);
  Article ferry = Story("ferry-1");
  ferry.mutable_published_at()->set_seconds(1795000200);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article h1, Publish(harbour));
  now_ += absl::Minutes(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article b1, Publish(bridge));
  now_ += absl::Minutes(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article f1, Publish(ferry));
  // A partner pulled everything up to here.
  const absl::Time pulled = ToAbslTime(f1.version_created());

  now_ += absl::Minutes(1);
  ASSERT_THAT(Publish(harbour, "An earlier version named the wrong harbourmaster."), IsOk());
  now_ += absl::Minutes(1);
  ASSERT_THAT(Withdraw(b1.id(), "Legal review", /*kill=*/true), IsOk());

  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(pulled, /*show_withdrawn=*/true)),
              ElementsAre(std::pair(h1.id(), int64_t{2}), std::pair(b1.id(), int64_t{2})));
  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(pulled)),
              ElementsAre(std::pair(h1.id(), int64_t{2})));
  // Newest first goes by published_at, which the changes left as it was.
  EXPECT_THAT(IdsAndVersions(ListNewestFirst()),
              ElementsAre(std::pair(f1.id(), int64_t{1}), std::pair(h1.id(), int64_t{2})));
}

// --- Withholding, reinstating and killing ------------------------------------------------

TEST_F(LifecycleCoreTest, AWithheldStoryIsATombstoneInGetListAndFeed) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(10);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v2, Withdraw(v1.id(), "Legal review"));
  EXPECT_EQ(v2.version(), 2);

  for (int64_t version : {0, 1, 2}) {
    SCOPED_TRACE(absl::StrCat("GetArticle version ", version));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(v1.id(), version));
    EXPECT_EQ(got.version(), 2);
    EXPECT_EQ(got.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
    EXPECT_EQ(got.withdrawal_reason(), "Legal review");
    EXPECT_THAT(got, ShowsNoText());
  }

  EXPECT_THAT(ListNewestFirst(), IsEmpty());
  const std::vector<Article> withdrawn = ListNewestFirst(/*show_withdrawn=*/true);
  ASSERT_EQ(withdrawn.size(), 1u);
  EXPECT_EQ(withdrawn[0].pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_THAT(withdrawn[0], ShowsNoText());
  EXPECT_THAT(ListUpdatedAfter(kT0), IsEmpty());
  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(kT0, /*show_withdrawn=*/true)),
              ElementsAre(std::pair(v1.id(), int64_t{2})));

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "WITHDRAWN v2"));
  EXPECT_EQ(feed[1].pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(feed[1].reason(), "Legal review");
  // Replaying the backlog does not send the withdrawn text either.
  for (const ArticleEvent& event : feed) EXPECT_FALSE(event.has_article()) << Summary(event);
}

// Found by a tester: a withdrawal whose request_id had been used for a publish replayed the
// publish's response and withdrew nothing.
TEST_F(LifecycleCoreTest, ARequestIdIsRememberedPerMethod) {
  syndication::v1::PublishArticleRequest publish;
  *publish.mutable_article() = Story("ferry-1");
  publish.set_request_id("req-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishArticleResponse published,
                                 core_->PublishArticle(publish));
  now_ += absl::Minutes(1);
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(published.article().id());
  withdraw.set_reason("Legal review");
  withdraw.set_request_id("req-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::WithdrawArticleResponse withdrawn,
                                 core_->WithdrawArticle(withdraw));
  EXPECT_EQ(withdrawn.article().version(), 2);
  EXPECT_EQ(withdrawn.article().pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);

  // Each method replays its own first response.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const syndication::v1::WithdrawArticleResponse withdrawn_again,
                                 core_->WithdrawArticle(withdraw));
  EXPECT_EQ(withdrawn_again.article().version(), 2);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishArticleResponse published_again,
                                 core_->PublishArticle(publish));
  EXPECT_EQ(published_again.article().version(), 1);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("PUBLISHED v1", "WITHDRAWN v2"));
}

// Found by a tester: a tombstone listed at its first import time, not where the story was.
// Found by a reviewer: a request_id replayed the first response whatever story the new
// request named, so the second story was never stored, or never withdrawn.
TEST_F(LifecycleCoreTest, ARequestIdIsRememberedPerStory) {
  syndication::v1::PublishArticleRequest publish;
  *publish.mutable_article() = Story("ferry-1");
  publish.set_request_id("req-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishArticleResponse ferry,
                                 core_->PublishArticle(publish));
  *publish.mutable_article() = Story("bridge-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishArticleResponse bridge,
                                 core_->PublishArticle(publish));
  EXPECT_EQ(bridge.outcome(), PublishArticleResponse::OUTCOME_CREATED);
  EXPECT_NE(bridge.article().id(), ferry.article().id());
  EXPECT_EQ(bridge.article().external_id(), "bridge-1");
  // The same id for the same story is a retry.
  *publish.mutable_article() = Story("ferry-1");
  publish.mutable_article()->set_headline("Ferry timetable changes delayed");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishArticleResponse retried,
                                 core_->PublishArticle(publish));
  EXPECT_EQ(retried.article().id(), ferry.article().id());
  EXPECT_EQ(retried.article().version(), 1);

  now_ += absl::Minutes(1);
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_reason("Legal review");
  withdraw.set_request_id("req-2");
  withdraw.set_id(ferry.article().id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto ferry_withdrawn, core_->WithdrawArticle(withdraw));
  EXPECT_EQ(ferry_withdrawn.article().id(), ferry.article().id());
  withdraw.set_id(bridge.article().id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto bridge_withdrawn, core_->WithdrawArticle(withdraw));
  EXPECT_EQ(bridge_withdrawn.article().id(), bridge.article().id());
  EXPECT_EQ(bridge_withdrawn.article().pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article bridge_latest, Get(bridge.article().id()));
  EXPECT_EQ(bridge_latest.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_THAT(Summaries(PartnerFeed()),
              ElementsAre("PUBLISHED v1", "PUBLISHED v1", "WITHDRAWN v2", "WITHDRAWN v2"));
}

// Found by a reviewer: an etag of 8000 characters was echoed whole (an error too big for
// gRPC's metadata), and a malformed etag was called stale.
TEST_F(LifecycleCoreTest, AMalformedEtagIsInvalidAndQuotedShort) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  syndication::v1::PublishArticleRequest publish;
  *publish.mutable_article() = Story("ferry-1");
  publish.mutable_article()->set_headline("Ferry timetable changes delayed");
  publish.set_etag(std::string(8000, 'e'));
  absl::StatusOr<PublishArticleResponse> published = core_->PublishArticle(publish);
  EXPECT_THAT(published,
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("etag: \"eeee")));
  EXPECT_LT(published.status().message().size(), 300u);

  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(v1.id());
  withdraw.set_reason("Legal review");
  withdraw.set_etag(std::string(8000, 'e'));
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> withdrawn =
      core_->WithdrawArticle(withdraw);
  EXPECT_THAT(withdrawn, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an etag")));
  EXPECT_LT(withdrawn.status().message().size(), 300u);

  // A well-formed etag of another version is stale.
  publish.set_etag("2-0123456789ab");
  EXPECT_THAT(core_->PublishArticle(publish),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("is stale")));
  withdraw.set_etag("2-0123456789ab");
  EXPECT_THAT(core_->WithdrawArticle(withdraw),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("is stale")));
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("PUBLISHED v1"));
}

TEST_F(LifecycleCoreTest, AWithdrawnStoryListsAtItsPublicationTime) {
  Article older = Story("harbour-1");
  older.mutable_published_at()->set_seconds(1795000000);
  Article newer = Story("bridge-1");
  newer.mutable_published_at()->set_seconds(1795000100);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article o1, Publish(older));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article n1, Publish(newer));
  now_ += absl::Minutes(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article o2, Withdraw(o1.id(), "Legal review"));
  EXPECT_EQ(o2.published_at().seconds(), 1795000000);
  EXPECT_THAT(IdsAndVersions(ListNewestFirst(/*show_withdrawn=*/true)),
              ElementsAre(std::pair(n1.id(), int64_t{1}), std::pair(o1.id(), int64_t{2})));
}

TEST_F(LifecycleCoreTest, APublishReinstatesAWithheldStory) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(10);
  ASSERT_THAT(Withdraw(v1.id(), "Legal review"), IsOk());
  now_ += absl::Minutes(10);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v3, Publish(Story("ferry-1")));
  EXPECT_EQ(v3.version(), 3);
  EXPECT_EQ(v3.pubstatus(), syndication::v1::PUB_STATUS_USABLE);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 3);
  EXPECT_EQ(latest.headline(), v1.headline());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.headline(), v1.headline());
  EXPECT_THAT(IdsAndVersions(ListNewestFirst()), ElementsAre(std::pair(v1.id(), int64_t{3})));

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "WITHDRAWN v2", "UPDATED v3"));
  EXPECT_EQ(feed[2].article().headline(), v1.headline());
  EXPECT_EQ(feed[2].article().pubstatus(), syndication::v1::PUB_STATUS_USABLE);
}

// Found by a reviewer: a story reinstated after a withhold or an expiry lost its
// corrections (they were taken from the tombstone).
TEST_F(LifecycleCoreTest, AReinstatedStoryKeepsItsCorrections) {
  Article story = Story("ferry-1");
  *story.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(24));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(story));
  now_ += absl::Minutes(10);
  ASSERT_THAT(Publish(story, "An earlier version gave the wrong season."), IsOk());
  now_ += absl::Minutes(10);
  ASSERT_THAT(Withdraw(v1.id(), "Legal review"), IsOk());
  now_ += absl::Minutes(10);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v4, Publish(story));
  EXPECT_EQ(v4.version(), 4);
  ASSERT_EQ(v4.corrections_size(), 1);
  EXPECT_EQ(v4.corrections(0).text(), "An earlier version gave the wrong season.");

  now_ = kT0 + absl::Hours(24);
  ASSERT_EQ(RunDueTasks(), 1);  // v5, expired
  now_ += absl::Minutes(10);
  *story.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(48));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v6,
                                 Publish(story, "An earlier version misspelt Calloway."));
  EXPECT_EQ(v6.version(), 6);
  ASSERT_EQ(v6.corrections_size(), 2);
  EXPECT_EQ(v6.corrections(0).text(), "An earlier version gave the wrong season.");
  EXPECT_EQ(v6.corrections(1).text(), "An earlier version misspelt Calloway.");
}

TEST_F(LifecycleCoreTest, AReinstatementCannotChangeTheOriginalPublisherOrUrl) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  ASSERT_THAT(Withdraw(v1.id(), "Legal review"), IsOk());
  now_ += absl::Minutes(10);

  Article other_publisher = Story("ferry-1");
  other_publisher.mutable_attribution()->set_original_publisher("Another Gazette");
  EXPECT_THAT(Publish(other_publisher),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a story's original publisher cannot change")));
  Article other_url = Story("ferry-1");
  other_url.mutable_attribution()->set_original_url("https://elsewhere.example.org/ferry");
  EXPECT_THAT(Publish(other_url), StatusIs(absl::StatusCode::kFailedPrecondition,
                                           HasSubstr("a story's canonical URL cannot change")));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
}

TEST_F(LifecycleCoreTest, AKilledStoryShowsNoTextInAnyVersion) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(10);
  Article fixed = Story("ferry-1");
  fixed.set_headline("Ferry timetable changes for the spring season");
  ASSERT_THAT(Publish(fixed, "An earlier version gave the wrong season."), IsOk());
  now_ += absl::Minutes(10);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v3, Withdraw(v1.id(), "Defamatory", /*kill=*/true));
  EXPECT_EQ(v3.version(), 3);
  EXPECT_THAT(VerifyArticle(v3, TestSigningKey().public_key()), IsOk());

  for (int64_t version : {0, 1, 2, 3}) {
    SCOPED_TRACE(absl::StrCat("GetArticle version ", version));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(v1.id(), version));
    EXPECT_EQ(got.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
    EXPECT_EQ(got.withdrawal_reason(), "Defamatory");
    EXPECT_THAT(got, ShowsNoText());
  }
  syndication::v1::ListArticleVersionsRequest versions;
  versions.set_id(v1.id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto listed_versions, core_->ListArticleVersions(versions));
  ASSERT_EQ(listed_versions.versions_size(), 1);
  EXPECT_THAT(listed_versions.versions(0), ShowsNoText());
  syndication::v1::BatchGetArticlesRequest batch;
  batch.add_ids(v1.id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto batched, core_->BatchGetArticles(batch));
  ASSERT_EQ(batched.articles_size(), 1);
  EXPECT_THAT(batched.articles(0), ShowsNoText());

  EXPECT_THAT(ListNewestFirst(), IsEmpty());
  const std::vector<Article> withdrawn = ListNewestFirst(/*show_withdrawn=*/true);
  ASSERT_EQ(withdrawn.size(), 1u);
  EXPECT_EQ(withdrawn[0].pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_THAT(withdrawn[0], ShowsNoText());

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "CORRECTED v2", "CANCELED v3"));
  EXPECT_EQ(feed[2].pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_EQ(feed[2].reason(), "Defamatory");
  for (const ArticleEvent& event : feed) EXPECT_FALSE(event.has_article()) << Summary(event);
}

TEST_F(LifecycleCoreTest, AKilledStoryCannotBePublishedOrWithdrawnAgain) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  ASSERT_THAT(Withdraw(v1.id(), "Defamatory", /*kill=*/true), IsOk());
  const uint64_t head = store_->FeedHead();

  now_ += absl::Minutes(10);
  EXPECT_THAT(Publish(Story("ferry-1")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a killed story cannot be published again")));
  Article changed = Story("ferry-1");
  changed.set_headline("Ferry timetable changes, corrected");
  EXPECT_THAT(Publish(changed, "Corrected."),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a killed story cannot be published again")));
  EXPECT_THAT(Withdraw(v1.id(), "Again"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Withdraw(v1.id(), "Again", /*kill=*/true),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_EQ(store_->FeedHead(), head);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 2);
  EXPECT_EQ(latest.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_THAT(latest, ShowsNoText());
}
// Found by a reviewer: corrections had no size limit and carry over to every later version,
// so 40 publishes with 120 KB notes made versions over 4 MiB that no read could deliver.
TEST_F(LifecycleCoreTest, CorrectionsCannotGrowAStoryPastTheArticleLimit) {
  Article story = Story("ferry-1");
  story.set_body_text(std::string(1024 * 1024 - 8000, 'b'));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(story));
  EXPECT_THAT(Publish(story, std::string(120 * 1000, 'n')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.text: is 120000 bytes; at most 1000 are allowed"));

  // 1000-byte notes fit a few times, then the story as it would be stored is too big.
  absl::Status refused;
  int corrections = 0;
  while (corrections < 20) {
    now_ += absl::Minutes(1);
    absl::StatusOr<Article> corrected = Publish(story, std::string(1000, 'n'));
    if (!corrected.ok()) {
      refused = corrected.status();
      break;
    }
    ++corrections;
  }
  EXPECT_GT(corrections, 0);
  EXPECT_LT(corrections, 20);
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("article: is ")));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("at most 1048576 are allowed (the largest field is "
                                          "body_text")));
  EXPECT_THAT(
      refused,
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat("the story's ", corrections + 1, " correction notes"))));
  // Nothing was stored, and every stored version is within the limit and readable.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 1 + corrections);
  EXPECT_EQ(latest.corrections_size(), corrections);
  for (int64_t version = 1; version <= latest.version(); ++version) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(v1.id(), version));
    EXPECT_LE(got.ByteSizeLong(), 1024u * 1024u) << "version " << version;
  }
  EXPECT_EQ(PartnerFeed().size(), static_cast<size_t>(1 + corrections));
}

// Found by a reviewer: a correction on a story's first publish was stored.
TEST_F(LifecycleCoreTest, ACorrectionOnANewStoryIsRefused) {
  EXPECT_THAT(Publish(Story("ferry-1"), "An earlier version gave the wrong date."),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction: the story is new, so there is no earlier version to "
                       "correct; publish it without a correction"));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

// Found by a reviewer: pubstatus WITHHELD or CANCELED on a publish was dropped and the story
// published as USABLE.
TEST_F(LifecycleCoreTest, APublishCannotWithdrawAStory) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Minutes(1);
  for (const auto status :
       {syndication::v1::PUB_STATUS_WITHHELD, syndication::v1::PUB_STATUS_CANCELED}) {
    Article withdrawn = Story("ferry-1");
    withdrawn.set_pubstatus(status);
    EXPECT_THAT(
        Publish(withdrawn),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("article.pubstatus: ", syndication::v1::PubStatus_Name(status),
                              " cannot be published: leave it unset or "
                              "PUB_STATUS_USABLE, and use WithdrawArticle to withhold "
                              "or kill a story")));
    withdrawn.set_external_id("ferry-2");
    EXPECT_THAT(Publish(withdrawn),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("article.pubstatus: ")));
  }
  Article usable = Story("ferry-1");
  usable.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article same, Publish(usable));
  EXPECT_EQ(same.version(), 1);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("PUBLISHED v1"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.pubstatus(), syndication::v1::PUB_STATUS_USABLE);
}

// Found by a reviewer: a story could be published already expired, or expiring before its
// embargo ends.
TEST_F(LifecycleCoreTest, ContradictoryTimesAreRefused) {
  Article expired = Story("ferry-1");
  *expired.mutable_expires_at() = ToTimestamp(kT0 - absl::Hours(1));
  EXPECT_THAT(Publish(expired),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.expires_at: 2026-11-29T23:53:20Z is not after now "
                       "(2026-11-30T00:53:20Z): the story would be published already expired"));
  *expired.mutable_expires_at() = ToTimestamp(kT0);
  EXPECT_THAT(Publish(expired),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("article.expires_at: ")));

  Article early = Embargoed("ferry-1");
  *early.mutable_expires_at() = ToTimestamp(kEmbargo);
  EXPECT_THAT(Publish(early),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.expires_at: 2026-11-30T02:53:20Z is not after embargoed_until "
                       "(2026-11-30T02:53:20Z): the story would expire before it could be "
                       "shown"));
  *early.mutable_expires_at() = ToTimestamp(kEmbargo - absl::Minutes(1));
  EXPECT_THAT(Publish(early), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("is not after embargoed_until")));
  EXPECT_EQ(store_->FeedHead(), 0u);

  // After the embargo, and in the future: fine. A past embargo is no contradiction.
  *early.mutable_expires_at() = ToTimestamp(kEmbargo + absl::Minutes(1));
  EXPECT_THAT(Publish(early), IsOk());
  Article late = Story("ferry-2");
  *late.mutable_embargoed_until() = ToTimestamp(kT0 - absl::Hours(2));
  *late.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(1));
  EXPECT_THAT(Publish(late), IsOk());
}

// --- Embargo -------------------------------------------------------------------------------

TEST_F(LifecycleCoreTest, AnEmbargoedStoryIsInvisibleToPartnersBeforeTheInstant) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  const std::string no_such_story = absl::StrCat("id: no article has id \"", v1.id(), "\"");

  for (absl::Time at : {kT0, kEmbargo - absl::Microseconds(1)}) {
    SCOPED_TRACE(absl::StrCat("at ", absl::FormatTime(at)));
    now_ = at;
    EXPECT_EQ(RunDueTasks(), 0);
    // Exactly what a story that does not exist gets.
    EXPECT_THAT(Get(v1.id()), StatusIs(absl::StatusCode::kNotFound, no_such_story));
    EXPECT_THAT(Get(v1.id(), 1), StatusIs(absl::StatusCode::kNotFound, no_such_story));
    syndication::v1::BatchGetArticlesRequest batch;
    batch.add_ids(v1.id());
    EXPECT_THAT(core_->BatchGetArticles(batch), StatusIs(absl::StatusCode::kNotFound));
    syndication::v1::ListArticleVersionsRequest versions;
    versions.set_id(v1.id());
    EXPECT_THAT(core_->ListArticleVersions(versions), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(ListNewestFirst(/*show_withdrawn=*/true), IsEmpty());
    EXPECT_THAT(ListUpdatedAfter(kT0 - absl::Hours(1), /*show_withdrawn=*/true), IsEmpty());
    EXPECT_THAT(PartnerFeed(), IsEmpty());
  }
  EXPECT_EQ(store_->FeedHead(), 1u);  // the event is there, hidden
}

TEST_F(LifecycleCoreTest, AtTheEmbargoInstantOneEmbargoLiftedEventCarriesTheStory) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> next, core_->NextTaskTime());
  EXPECT_EQ(next, kEmbargo);

  now_ = kEmbargo;
  EXPECT_EQ(RunDueTasks(), 1);

  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("EMBARGO_LIFTED v2"));
  const Article& lifted = feed[0].article();
  EXPECT_EQ(lifted.id(), v1.id());
  EXPECT_EQ(lifted.headline(), v1.headline());
  EXPECT_EQ(lifted.body_text(), v1.body_text());
  ASSERT_EQ(lifted.media_size(), 1);
  EXPECT_EQ(lifted.media(0).credit(), "Photo: Tomas Ek");
  EXPECT_EQ(lifted.attribution().credit_line(), "The Harbour Gazette");
  EXPECT_EQ(ToAbslTime(lifted.version_created()), kEmbargo);
  EXPECT_THAT(VerifyArticle(lifted, TestSigningKey().public_key()), IsOk());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 2);
  EXPECT_EQ(latest.content_hash(), lifted.content_hash());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.headline(), v1.headline());
  EXPECT_THAT(IdsAndVersions(ListNewestFirst()), ElementsAre(std::pair(v1.id(), int64_t{2})));
  // A partner that pulled up to just before the lift learns of the story.
  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(kEmbargo - absl::Seconds(1))),
              ElementsAre(std::pair(v1.id(), int64_t{2})));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(next, core_->NextTaskTime());
  EXPECT_FALSE(next.has_value()) << *next;
}

TEST_F(LifecycleCoreTest, RunningDueTasksAgainLiftsNothingMore) {
  ASSERT_THAT(Publish(Embargoed("ferry-1")), IsOk());
  now_ = kEmbargo;
  ASSERT_EQ(RunDueTasks(), 1);
  const uint64_t head = store_->FeedHead();

  EXPECT_EQ(RunDueTasks(), 0);
  now_ += absl::Hours(1);
  EXPECT_EQ(RunDueTasks(), 0);

  EXPECT_EQ(store_->FeedHead(), head);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("EMBARGO_LIFTED v2"));
}

TEST_F(LifecycleCoreTest, UpdatesUnderEmbargoStayHiddenAndTheLiftCarriesTheLatestText) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  now_ += absl::Minutes(30);
  Article changed = Embargoed("ferry-1");
  changed.set_headline("Ferry timetable changes delayed to January");
  ASSERT_THAT(Publish(changed), IsOk());
  EXPECT_THAT(Get(v1.id()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(PartnerFeed(), IsEmpty());

  now_ = kEmbargo;
  EXPECT_EQ(RunDueTasks(), 1);
  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("EMBARGO_LIFTED v3"));
  EXPECT_EQ(feed[0].article().headline(), "Ferry timetable changes delayed to January");
}

// Found by a reviewer: a story released early from its embargo (republished without it)
// listed no versions: the listing stopped at the first version made under the embargo.
TEST_F(LifecycleCoreTest, AStoryReleasedEarlyFromItsEmbargoShowsEveryVersion) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  now_ += absl::Minutes(10);
  Article changed = Embargoed("ferry-1");
  changed.set_headline("Ferry timetable changes delayed to January");
  ASSERT_THAT(Publish(changed), IsOk());
  now_ += absl::Minutes(10);
  Article released = Story("ferry-1");  // no embargo: out now
  released.set_headline("Ferry timetable changes delayed to February");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v3, Publish(released));
  EXPECT_EQ(v3.version(), 3);

  EXPECT_THAT(Versions(v1.id()), ElementsAre(std::pair(int64_t{1}, v1.headline()),
                                             std::pair(int64_t{2}, changed.headline()),
                                             std::pair(int64_t{3}, released.headline())));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.headline(), v1.headline());

  // An embargo moved earlier, once passed, releases what was made under the later one.
  Article later = Embargoed("bridge-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article b1, Publish(later));
  now_ += absl::Minutes(1);
  *later.mutable_embargoed_until() = ToTimestamp(now_ + absl::Minutes(5));
  later.set_headline("Bridge reopens early");
  ASSERT_THAT(Publish(later), IsOk());
  EXPECT_THAT(Get(b1.id()), StatusIs(absl::StatusCode::kNotFound));
  now_ += absl::Minutes(5);
  EXPECT_EQ(RunDueTasks(), 1);
  ASSERT_LT(now_, kEmbargo);
  EXPECT_THAT(Versions(b1.id()), ElementsAre(std::pair(int64_t{1}, b1.headline()),
                                             std::pair(int64_t{2}, "Bridge reopens early"),
                                             std::pair(int64_t{3}, "Bridge reopens early")));
}

TEST_F(LifecycleCoreTest, AnEmbargoDueWhileTheStoreWasClosedIsLiftedOnceOnReopening) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  core_.reset();
  store_.reset();
  now_ = kEmbargo + absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(Open(TestSigningKey()));

  // What the server does at start-up.
  EXPECT_EQ(RunDueTasks(), 1);
  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("EMBARGO_LIFTED v2"));
  EXPECT_EQ(feed[0].article().headline(), v1.headline());
  EXPECT_EQ(ToAbslTime(feed[0].article().version_created()), kEmbargo + absl::Hours(1));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(RunDueTasks(), 0);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("EMBARGO_LIFTED v2"));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, Get(v1.id()));
  EXPECT_EQ(latest.version(), 2);
}

TEST_F(LifecycleCoreTest, APendingEmbargoStaysHiddenAfterReopening) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  now_ = kEmbargo - absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(Reopen());

  EXPECT_EQ(RunDueTasks(), 0);
  EXPECT_THAT(Get(v1.id()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ListNewestFirst(/*show_withdrawn=*/true), IsEmpty());
  EXPECT_THAT(PartnerFeed(), IsEmpty());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> next, core_->NextTaskTime());
  EXPECT_EQ(next, kEmbargo);

  now_ = kEmbargo;
  EXPECT_EQ(RunDueTasks(), 1);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("EMBARGO_LIFTED v2"));
}

TEST_F(LifecycleCoreTest, WithholdingOrKillingAnEmbargoedStoryDoesNotRevealIt) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article ferry, Publish(Embargoed("ferry-1")));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article bridge, Publish(Embargoed("bridge-1")));
  now_ += absl::Minutes(30);
  ASSERT_THAT(Withdraw(ferry.id(), "Legal review"), IsOk());
  ASSERT_THAT(Withdraw(bridge.id(), "Defamatory", /*kill=*/true), IsOk());

  for (const Article& story : {ferry, bridge}) {
    EXPECT_THAT(Get(story.id()),
                StatusIs(absl::StatusCode::kNotFound,
                         absl::StrCat("id: no article has id \"", story.id(), "\"")));
  }
  EXPECT_THAT(ListNewestFirst(/*show_withdrawn=*/true), IsEmpty());
  EXPECT_THAT(ListUpdatedAfter(kT0 - absl::Hours(1), /*show_withdrawn=*/true), IsEmpty());
  EXPECT_THAT(PartnerFeed(), IsEmpty());

  // Nothing is left to lift: the instant passes without an event.
  now_ = kEmbargo;
  EXPECT_EQ(RunDueTasks(), 0);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> next, core_->NextTaskTime());
  EXPECT_FALSE(next.has_value()) << *next;
  EXPECT_THAT(PartnerFeed(), IsEmpty());
  // From then on the tombstones may be seen, and still show no text.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article killed, Get(bridge.id()));
  EXPECT_EQ(killed.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_THAT(killed, ShowsNoText());
}

TEST_F(LifecycleCoreTest, AWithheldEmbargoedStoryReinstatedBeforeTheInstantIsLiftedThen) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Embargoed("ferry-1")));
  now_ += absl::Minutes(30);
  ASSERT_THAT(Withdraw(v1.id(), "Legal review"), IsOk());
  now_ += absl::Minutes(30);
  ASSERT_THAT(Publish(Embargoed("ferry-1")), IsOk());
  EXPECT_THAT(Get(v1.id()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(PartnerFeed(), IsEmpty());

  now_ = kEmbargo;
  EXPECT_EQ(RunDueTasks(), 1);
  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("EMBARGO_LIFTED v4"));
  EXPECT_EQ(feed[0].article().headline(), v1.headline());
}

// --- Expiry --------------------------------------------------------------------------------

TEST_F(LifecycleCoreTest, AtExpiresAtOneExpiredEventTakesTheStoryDown) {
  Article story = Story("ferry-1");
  *story.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(24));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(story));

  now_ = kT0 + absl::Hours(24) - absl::Microseconds(1);
  EXPECT_EQ(RunDueTasks(), 0);
  EXPECT_THAT(Summaries(PartnerFeed()), ElementsAre("PUBLISHED v1"));

  now_ = kT0 + absl::Hours(24);
  EXPECT_EQ(RunDueTasks(), 1);
  EXPECT_EQ(RunDueTasks(), 0);
  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_THAT(Summaries(feed), ElementsAre("PUBLISHED v1", "EXPIRED v2"));
  EXPECT_EQ(feed[1].pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(feed[1].reason(), "expired");
  for (const ArticleEvent& event : feed) EXPECT_FALSE(event.has_article()) << Summary(event);
}

TEST_F(LifecycleCoreTest, AnExpiredStoryIsATombstoneAndLeavesTheList) {
  Article story = Story("ferry-1");
  *story.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(24));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(story));
  now_ = kT0 + absl::Hours(25);
  ASSERT_EQ(RunDueTasks(), 1);

  for (int64_t version : {0, 1, 2}) {
    SCOPED_TRACE(absl::StrCat("GetArticle version ", version));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(v1.id(), version));
    EXPECT_EQ(got.version(), 2);
    EXPECT_EQ(got.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
    EXPECT_EQ(got.withdrawal_reason(), "expired");
    EXPECT_THAT(got, ShowsNoText());
  }
  EXPECT_THAT(ListNewestFirst(), IsEmpty());
  const std::vector<Article> withdrawn = ListNewestFirst(/*show_withdrawn=*/true);
  ASSERT_EQ(withdrawn.size(), 1u);
  EXPECT_THAT(withdrawn[0], ShowsNoText());
  EXPECT_THAT(ListUpdatedAfter(kT0), IsEmpty());
  EXPECT_THAT(IdsAndVersions(ListUpdatedAfter(kT0, /*show_withdrawn=*/true)),
              ElementsAre(std::pair(v1.id(), int64_t{2})));
}

// --- Signatures ----------------------------------------------------------------------------

TEST_F(LifecycleCoreTest, OneChangedByteOfAServedArticleFailsVerification) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article published, Publish(Story("ferry-1")));
  const std::string public_key = ListedPublicKey(published.signature().key_id());
  ASSERT_EQ(public_key, TestSigningKey().public_key());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(published.id()));
  const std::vector<ArticleEvent> feed = PartnerFeed();
  ASSERT_EQ(feed.size(), 1u);

  const std::vector<std::pair<std::string, std::function<void(Article*)>>> tamper_cases = {
      {"headline", [](Article* a) { (*a->mutable_headline())[0] ^= 1; }},
      {"body", [](Article* a) { a->mutable_body_text()->back() ^= 1; }},
      {"credit line",
       [](Article* a) { (*a->mutable_attribution()->mutable_credit_line())[0] ^= 1; }},
      {"media credit", [](Article* a) { (*a->mutable_media(0)->mutable_credit())[0] ^= 1; }},
  };
  for (const auto& [how, served] :
       {std::pair("GetArticle", got), std::pair("the feed", feed[0].article())}) {
    SCOPED_TRACE(how);
    EXPECT_THAT(VerifyArticle(served, public_key), IsOk());
    for (const auto& [field, tamper] : tamper_cases) {
      SCOPED_TRACE(field);
      Article changed = served;
      tamper(&changed);
      EXPECT_THAT(VerifyArticle(changed, public_key), StatusIs(absl::StatusCode::kInvalidArgument));
      // A tamperer who also recomputes the hash is caught by the signature.
      changed.set_content_hash(ContentHash(changed));
      EXPECT_THAT(VerifyArticle(changed, public_key),
                  StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature")));
    }
  }
}

TEST_F(LifecycleCoreTest, SignaturesVerifyAfterReopeningWithTheSameKey) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article published, Publish(Story("ferry-1")));
  now_ += absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(Reopen());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto keys, core_->GetSigningKeys());
  ASSERT_EQ(keys.keys_size(), 1);
  EXPECT_TRUE(keys.keys(0).current());
  EXPECT_EQ(ToAbslTime(keys.keys(0).first_used()), kT0);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article got, Get(published.id()));
  EXPECT_EQ(got.signature().key_id(), keys.keys(0).key_id());
  EXPECT_THAT(VerifyArticle(got, keys.keys(0).public_key()), IsOk());
}

TEST_F(LifecycleCoreTest, AfterAKeyRotationOldVersionsVerifyWithTheOldListedKey) {
  const std::string old_key_id = TestSigningKey().key_id();
  const std::string new_key_id = OtherSigningKey().key_id();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, Publish(Story("ferry-1")));
  now_ += absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(Reopen(OtherSigningKey()));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto keys, core_->GetSigningKeys());
  ASSERT_EQ(keys.keys_size(), 2);
  EXPECT_EQ(keys.keys(0).key_id(), new_key_id);
  EXPECT_TRUE(keys.keys(0).current());
  EXPECT_EQ(keys.keys(1).key_id(), old_key_id);
  EXPECT_FALSE(keys.keys(1).current());
  EXPECT_EQ(KeyId(keys.keys(1).public_key()), old_key_id);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article old_story, Get(v1.id()));
  EXPECT_EQ(old_story.signature().key_id(), old_key_id);
  EXPECT_THAT(VerifyArticle(old_story, ListedPublicKey(old_key_id)), IsOk());
  EXPECT_THAT(VerifyArticle(old_story, ListedPublicKey(new_key_id)),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // A new version is signed with the new key; version 1 keeps the old signature.
  Article changed = Story("ferry-1");
  changed.set_headline("Ferry timetable changes delayed to January");
  ASSERT_THAT(Publish(changed), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v2, Get(v1.id()));
  EXPECT_EQ(v2.signature().key_id(), new_key_id);
  EXPECT_THAT(VerifyArticle(v2, ListedPublicKey(new_key_id)), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, Get(v1.id(), 1));
  EXPECT_EQ(first.signature().key_id(), old_key_id);
  EXPECT_THAT(VerifyArticle(first, ListedPublicKey(old_key_id)), IsOk());
}

}  // namespace
}  // namespace syndicate::server
