// The feed poller against feeds served by a cpp-httplib server on 127.0.0.1 (a port the
// kernel picks), with a SyndicationCore on a fresh store: stories created, new versions,
// 304s, tombstones, failing feeds and items, the status GetSource shows, and the scan that
// finds due feeds by itself.
#include "server/feed_poller.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/validation.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using syndication::v1::FeedStatus;
using syndication::v1::Source;
using ::testing::HasSubstr;

// An RSS 2.0 feed of two stories, newest first as feeds are.
constexpr char kRss[] = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Harbour Wire</title><link>https://harbour.example.org/</link>
  <item>
    <title>Ferry timetable changes for the winter season</title>
    <link>https://harbour.example.org/news/ferry-winter</link>
    <guid>harbour-ferry-winter</guid>
    <pubDate>Tue, 03 Mar 2026 09:30:00 +0000</pubDate>
    <description>Crossings to Gull Island drop to four a day from December.</description>
  </item>
  <item>
    <title>Lighthouse keeper retires after thirty years</title>
    <link>/news/lighthouse</link>
    <guid>harbour-lighthouse</guid>
    <pubDate>Mon, 02 Mar 2026 08:00:00 +0000</pubDate>
    <description>Mara Quill hands over the lamp room at Point Ness.</description>
  </item>
</channel></rss>)";

// An Atom feed that deletes the lighthouse story (RFC 6721) and lists one without a title.
constexpr char kAtomWithTombstone[] = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0">
  <title>Harbour Wire</title><id>tag:harbour.example.org,2026:feed</id>
  <updated>2026-03-04T10:00:00Z</updated>
  <at:deleted-entry ref="harbour-lighthouse" when="2026-03-04T09:00:00Z">
    <at:comment>Withdrawn at the family's request</at:comment>
  </at:deleted-entry>
  <entry>
    <id>harbour-untitled</id><updated>2026-03-04T09:30:00Z</updated>
    <content type="text">A story with no headline.</content>
  </entry>
</feed>)";

// Serves one feed at /feed.xml whose body and ETag the test changes; answers 304 to a
// matching If-None-Match; counts requests.
class FeedSite {
 public:
  FeedSite() {
    server_.Get("/feed.xml", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      if (status_ != 200) {
        response.status = status_;
        return;
      }
      if (!etag_.empty() && request.get_header_value("If-None-Match") == etag_) {
        response.status = 304;
        return;
      }
      if (!etag_.empty()) response.set_header("ETag", etag_);
      response.set_content(body_, content_type_);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FeedSite() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/feed.xml"); }
  void Serve(std::string body, std::string etag, std::string content_type) {
    std::lock_guard<std::mutex> lock(mu_);
    body_ = std::move(body);
    etag_ = std::move(etag);
    content_type_ = std::move(content_type);
    status_ = 200;
  }
  void Fail(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string body_;
  std::string etag_;
  std::string content_type_;
  int status_ = 200;
  int requests_ = 0;
};

class FeedPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(::syndicate::testing::FreshTempDir());
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    auto core = SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey());
    ASSERT_THAT(core, IsOk());
    core_ = *std::move(core);
    source_ = ExampleSource();
    source_.add_feed_urls(site_.url());
    ASSERT_NO_FATAL_FAILURE(StoreSource());
  }

  // Stores source_ as the test has left it.
  void StoreSource() {
    syndication::v1::UpsertSourceRequest request;
    *request.mutable_source() = source_;
    ASSERT_THAT(core_->UpsertSource(request), IsOk());
  }

  // Makes source_'s feed due every second, for a poller that scans by itself every
  // `scan_interval`; returns that poller's options.
  FeedPollerOptions PollEverySecond(absl::Duration scan_interval) {
    source_.mutable_feed_poll_interval()->set_seconds(1);
    StoreSource();
    FeedPollerOptions options;
    options.scan_interval = scan_interval;
    options.allow_private_addresses = true;
    options.min_poll_interval = absl::Seconds(1);
    return options;
  }

  // Waits until the site has had `count` requests, for at most `timeout`.
  void WaitForRequests(int count, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (site_.requests() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  // The latest stored version (tombstones included) of the story with this external id.
  syndication::v1::Article Story(const std::string& external_id) {
    storage::ListQuery query;
    query.limit = 100;
    auto listed = store_->ListArticles(query);
    EXPECT_THAT(listed, IsOk());
    if (listed.ok()) {
      for (const auto& article : *listed) {
        if (article.external_id() == external_id) return article;
      }
    }
    return {};
  }

  FeedSite site_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
  Source source_;
  // Never scans by itself in these tests: each poll is PollOnce.
  FeedPollerOptions options_ = [] {
    FeedPollerOptions options;
    options.scan_interval = absl::Hours(1);
    options.allow_private_addresses = true;  // the feeds are served on 127.0.0.1
    return options;
  }();
};

TEST_F(FeedPollerTest, PublishesNewItemsThenSkipsAnUnchangedFeedWithAConditionalGet) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml; charset=utf-8");
  FeedPoller poller(core_.get(), nullptr, options_);
  FeedStatus first = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(first.last_error(), "");
  EXPECT_EQ(first.last_http_status(), 200);
  EXPECT_EQ(first.items_seen(), 2);
  EXPECT_EQ(first.stories_created(), 2);
  EXPECT_EQ(first.items_failed(), 0);
  EXPECT_TRUE(first.has_last_success_time());
  EXPECT_TRUE(first.has_next_poll_time());

  const syndication::v1::Article lighthouse = Story("harbour-lighthouse");
  EXPECT_EQ(lighthouse.headline(), "Lighthouse keeper retires after thirty years");
  EXPECT_EQ(lighthouse.version(), 1);
  // The link is resolved against the feed's URL.
  const std::string site = site_.url().substr(0, site_.url().rfind('/'));
  EXPECT_EQ(lighthouse.attribution().original_url(), site + "/news/lighthouse");
  // The channel's title names the publisher; the source's notice fills what it leaves out.
  EXPECT_EQ(lighthouse.attribution().credit_line(), "Harbour Wire");
  EXPECT_EQ(lighthouse.attribution().copyright_notice(), "© 2026 The Harbour Gazette");
  // Oldest first: the feed lists the ferry (3 March) first, but the change feed has the
  // lighthouse (2 March) before it.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::vector<storage::FeedRecord> events, store_->ReadFeed(0, 10));
  ASSERT_EQ(events.size(), 2);
  EXPECT_EQ(events[0].article_id(), lighthouse.id());
  EXPECT_EQ(events[1].article_id(), Story("harbour-ferry-winter").id());

  FeedStatus second = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(second.last_http_status(), 304);
  EXPECT_EQ(second.stories_created(), 2);  // totals carry over
  EXPECT_EQ(second.items_seen(), 2);
  EXPECT_EQ(Story("harbour-lighthouse").version(), 1);
  EXPECT_EQ(site_.requests(), 2);
}

TEST_F(FeedPollerTest, AChangedItemBecomesANewVersionAndTheRestStayUnchanged) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  FeedPoller poller(core_.get(), nullptr, options_);
  poller.PollOnce(source_, site_.url());
  site_.Serve(absl::StrReplaceAll(kRss, {{"four a day", "three a day"}}), "\"rev-2\"",
              "application/rss+xml");
  FeedStatus status = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(status.last_http_status(), 200);
  EXPECT_EQ(status.stories_created(), 2);
  EXPECT_EQ(status.stories_updated(), 1);
  EXPECT_EQ(Story("harbour-ferry-winter").version(), 2);
  EXPECT_THAT(Story("harbour-ferry-winter").body_text(), HasSubstr("three a day"));
  EXPECT_EQ(Story("harbour-lighthouse").version(), 1);
}

TEST_F(FeedPollerTest, ATombstoneWithdrawsAndABadItemIsNamedWhileTheRestGoOn) {
  site_.Serve(kRss, "", "application/rss+xml");
  FeedPoller poller(core_.get(), nullptr, options_);
  poller.PollOnce(source_, site_.url());
  site_.Serve(kAtomWithTombstone, "", "application/atom+xml");
  FeedStatus status = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(status.last_error(), "");  // the feed was read: a bad item is not a failed poll
  EXPECT_EQ(status.items_seen(), 2);
  EXPECT_EQ(status.stories_withdrawn(), 1);
  EXPECT_EQ(status.items_failed(), 1);
  EXPECT_THAT(status.last_item_error(), HasSubstr("headline"));
  EXPECT_THAT(status.last_item_error(), HasSubstr("harbour-untitled"));
  const syndication::v1::Article withdrawn = Story("harbour-lighthouse");
  EXPECT_EQ(withdrawn.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(withdrawn.withdrawal_reason(), "Withdrawn at the family's request");
  EXPECT_EQ(Story("harbour-ferry-winter").pubstatus(), syndication::v1::PUB_STATUS_USABLE);

  // The same tombstone again withdraws nothing more.
  status = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(status.stories_withdrawn(), 1);
  EXPECT_EQ(Story("harbour-lighthouse").version(), 2);
}

TEST_F(FeedPollerTest, AWithdrawalHoldsWhileTheFeedStillListsTheStory) {
  site_.Serve(kRss, "", "application/rss+xml");  // no ETag: every poll reads it all
  FeedPoller poller(core_.get(), nullptr, options_);
  poller.PollOnce(source_, site_.url());
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(Story("harbour-lighthouse").id());
  withdraw.set_reason("Legal review");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());
  FeedStatus status = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(status.stories_created(), 2);
  EXPECT_EQ(status.stories_updated(), 0);
  EXPECT_EQ(status.items_failed(), 0);
  EXPECT_EQ(Story("harbour-lighthouse").pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(Story("harbour-lighthouse").version(), 2);
}

TEST_F(FeedPollerTest, AfterAFailedItemTheNextPollReadsTheWholeFeedAgain) {
  // The source refuses unsigned stories: both items fail, and the ETag is not kept.
  source_.set_publisher_public_key(std::string(32, '\x01'));
  ASSERT_NO_FATAL_FAILURE(StoreSource());
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  FeedPoller poller(core_.get(), nullptr, options_);
  FeedStatus refused = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(refused.items_failed(), 2);
  EXPECT_THAT(refused.last_item_error(), HasSubstr("publisher_signature"));
  // The operator fixes the source; the next poll is a full GET again, not a 304.
  source_.clear_publisher_public_key();
  ASSERT_NO_FATAL_FAILURE(StoreSource());
  FeedStatus fixed = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(fixed.last_http_status(), 200);
  EXPECT_EQ(fixed.stories_created(), 2);
  EXPECT_EQ(fixed.items_failed(), 0);  // of the last document read
  EXPECT_EQ(fixed.last_item_error(), "");
}

TEST_F(FeedPollerTest, AWebPageWhereTheFeedWasFailsAndBecomesNoStory) {
  site_.Serve(R"(<!DOCTYPE html><html><head><title>Page not found</title></head>
    <body><article><h1>Sorry, we could not find that page</h1>
    <p>Try the harbour news index instead.</p></article></body></html>)",
              "", "text/html; charset=utf-8");
  FeedPoller poller(core_.get(), nullptr, options_);
  FeedStatus status = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(status.last_error(),
            absl::StrCat("not a feed: ", site_.url(),
                         " sent html (text/html; charset=utf-8), not RSS, Atom or ninjs"));
  EXPECT_EQ(status.stories_created(), 0);
  storage::ListQuery query;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto stored, store_->ListArticles(query));
  EXPECT_TRUE(stored.empty());
}

TEST_F(FeedPollerTest, AFeedThatOnlyEverSaysNotModifiedIsAFailure) {
  FeedPoller poller(core_.get(), nullptr, options_);
  site_.Serve(kRss, "", "application/rss+xml");
  site_.Fail(304);
  FeedStatus status = poller.PollOnce(source_, site_.url());
  EXPECT_THAT(status.last_error(), HasSubstr("not conditional"));
  EXPECT_EQ(status.consecutive_failures(), 1);
}

TEST_F(FeedPollerTest, AFailingFeedIsReportedAndLosesNothingThenRecovers) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  Metrics metrics;
  FeedPoller poller(core_.get(), &metrics, options_);
  poller.PollOnce(source_, site_.url());
  site_.Fail(503);
  FeedStatus failed = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(failed.last_error(), absl::StrCat("HTTP 503 from ", site_.url()));
  EXPECT_EQ(failed.last_http_status(), 503);
  EXPECT_EQ(failed.consecutive_failures(), 1);
  EXPECT_TRUE(failed.has_last_error_time());
  EXPECT_TRUE(failed.has_last_success_time());  // from the first poll
  EXPECT_EQ(poller.PollOnce(source_, site_.url()).consecutive_failures(), 2);
  // Backing off: the next poll is at least twice the interval away.
  EXPECT_GE(ToAbslTime(poller.PollOnce(source_, site_.url()).next_poll_time()) -
                ToAbslTime(failed.last_attempt_time()),
            2 * kDefaultFeedPollInterval);
  EXPECT_THAT(metrics.Render(), HasSubstr("syndicate_feed_poller_errors_total 3"));
  EXPECT_EQ(Story("harbour-lighthouse").version(), 1);

  // Not XML at all, served as a feed: the poll fails and names why.
  site_.Serve("", "", "application/rss+xml");
  EXPECT_NE(poller.PollOnce(source_, site_.url()).last_error(), "");

  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  FeedStatus recovered = poller.PollOnce(source_, site_.url());
  EXPECT_EQ(recovered.last_error(), "");
  EXPECT_EQ(recovered.consecutive_failures(), 0);
  EXPECT_EQ(recovered.stories_created(), 2);
}

TEST_F(FeedPollerTest, TheFailureLogLineLeavesOutAccessTokensInTheUrl) {
  // Path parameters, a query and a fragment may each carry a publisher's token.
  const std::string url = absl::StrCat(site_.url(), ";session=tok-path?key=tok-query#tok-frag");
  source_.add_feed_urls(url);
  ASSERT_NO_FATAL_FAILURE(StoreSource());
  FeedPoller poller(core_.get(), nullptr, options_);
  ::testing::internal::CaptureStderr();
  const FeedStatus failed = poller.PollOnce(source_, url);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(failed.last_error(), "");
  EXPECT_THAT(log, HasSubstr("feed poll failed"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("\"url\":\"", site_.url(), "?…\"")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("tok-")));
}

TEST_F(FeedPollerTest, GetSourceShowsTheStatusToThePublisherButNotToAPartner) {
  site_.Serve(kRss, "", "application/rss+xml");
  FeedPoller poller(core_.get(), nullptr, options_);
  poller.PollOnce(source_, site_.url());
  syndication::v1::GetSourceRequest request;
  request.set_id(source_.id());

  Principal publisher;
  publisher.role = syndication::v1::ROLE_PUBLISHER;
  publisher.source_ids.insert(source_.id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Source seen, core_->GetSource(request, publisher));
  ASSERT_EQ(seen.feed_statuses_size(), 1);
  EXPECT_EQ(seen.feed_statuses(0).url(), site_.url());
  EXPECT_EQ(seen.feed_statuses(0).stories_created(), 2);

  Principal partner;
  partner.role = syndication::v1::ROLE_PARTNER;
  partner.partner_id = "northbay-courier";
  partner.source_ids.insert(source_.id());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Source partners_view, core_->GetSource(request, partner));
  EXPECT_EQ(partners_view.feed_statuses_size(), 0);
  EXPECT_EQ(partners_view.feed_urls_size(), 0);  // a feed URL may carry an access token

  // A feed the source stops listing is forgotten; listed again, it starts afresh.
  syndication::v1::UpsertSourceRequest without;
  *without.mutable_source() = source_;
  without.mutable_source()->clear_feed_urls();
  ASSERT_THAT(core_->UpsertSource(without), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto forgotten, core_->LoadFeedState(source_.id(), site_.url()));
  EXPECT_EQ(forgotten.status().stories_created(), 0);
  EXPECT_FALSE(forgotten.status().has_last_attempt_time());

  // What a caller sends as feed_statuses is ignored.
  syndication::v1::UpsertSourceRequest upsert;
  *upsert.mutable_source() = source_;
  upsert.mutable_source()->add_feed_statuses()->set_url("https://forged.example.org/");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Source stored, core_->UpsertSource(upsert));
  ASSERT_EQ(stored.feed_statuses_size(), 1);
  EXPECT_EQ(stored.feed_statuses(0).url(), site_.url());
  EXPECT_FALSE(stored.feed_statuses(0).has_last_attempt_time());  // not polled since
}

TEST_F(FeedPollerTest, ARestartedPollerKeepsEachFeedsSchedule) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  FeedPoller(core_.get(), nullptr, options_).PollOnce(source_, site_.url());
  ASSERT_EQ(site_.requests(), 1);
  // A new poller (a restarted server) scanning often: the feed was polled moments ago and
  // its interval is 5 minutes, so it is not fetched again.
  FeedPollerOptions options;
  options.scan_interval = absl::Milliseconds(20);
  options.allow_private_addresses = true;
  FeedPoller restarted(core_.get(), nullptr, options);
  absl::SleepFor(absl::Milliseconds(500));
  restarted.Stop();
  EXPECT_EQ(site_.requests(), 1);
}

TEST_F(FeedPollerTest, AFeedIsPolledWhenDueNotAtTheNextScan) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  // The first scan polls; the next is far off.
  FeedPoller poller(core_.get(), nullptr, PollEverySecond(absl::Seconds(6)));
  WaitForRequests(1, absl::Seconds(10));
  ASSERT_EQ(site_.requests(), 1);
  // Due 1 s and 2 s after the first: both come before the second scan, 6 s after the first.
  WaitForRequests(3, absl::Milliseconds(4500));
  EXPECT_GE(site_.requests(), 3);
}

TEST_F(FeedPollerTest, TheScanPollsDueFeedsByItselfAndStopEndsIt) {
  site_.Serve(kRss, "\"rev-1\"", "application/rss+xml");
  FeedPoller poller(core_.get(), nullptr, PollEverySecond(absl::Milliseconds(20)));
  // Two polls: the first imports, the second (a second later) is a conditional GET.
  WaitForRequests(2, absl::Seconds(10));
  EXPECT_GE(site_.requests(), 2);
  EXPECT_EQ(Story("harbour-ferry-winter").version(), 1);
  poller.Stop();
  const int after_stop = site_.requests();
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(site_.requests(), after_stop);
}

}  // namespace
}  // namespace syndicate::server
