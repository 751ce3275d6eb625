#include "server/syndication_core.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
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
using syndication::v1::Article;
using syndication::v1::ListArticlesRequest;
using syndication::v1::PublishArticleRequest;
using syndication::v1::PublishArticleResponse;
using ::testing::HasSubstr;

class SyndicationCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    auto store = storage::Store::Open(dir_);
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    auto core = SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey(),
                                        [this] { return now_; });
    ASSERT_THAT(core, IsOk());
    core_ = *std::move(core);
    syndication::v1::UpsertSourceRequest request;
    *request.mutable_source() = ExampleSource();
    ASSERT_THAT(core_->UpsertSource(request), IsOk());
  }

  absl::StatusOr<PublishArticleResponse> Publish(const Article& article) {
    PublishArticleRequest request;
    *request.mutable_article() = article;
    return core_->PublishArticle(request);
  }

  // Publishes `count` stories with published_at one minute apart; returns their ids,
  // oldest first.
  std::vector<std::string> PublishMany(int count) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      Article article = ExampleArticle("story-" + std::to_string(i));
      article.mutable_published_at()->set_seconds(1795000000 + 60 * i);
      auto response = Publish(article);
      EXPECT_THAT(response, IsOk());
      if (response.ok()) ids.push_back(response->article().id());
    }
    return ids;
  }

  std::string dir_;
  absl::Time now_ = absl::FromUnixSeconds(1796000000);
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
};

TEST_F(SyndicationCoreTest, PublishStoresVersionOneWithServerFields) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(PublishArticleResponse response,
                                 Publish(ExampleArticle("ferry-1")));
  EXPECT_EQ(response.outcome(), PublishArticleResponse::OUTCOME_CREATED);
  const Article& stored = response.article();
  EXPECT_EQ(stored.id().size(), 32u);
  EXPECT_EQ(stored.version(), 1);
  EXPECT_EQ(stored.pubstatus(), syndication::v1::PUB_STATUS_USABLE);
  EXPECT_EQ(stored.first_created().seconds(), 1796000000);
  EXPECT_EQ(stored.version_created().seconds(), 1796000000);
  EXPECT_EQ(stored.content_hash(), ContentHash(stored));
  EXPECT_EQ(stored.content_hash().substr(0, 7), "sha256:");
  EXPECT_EQ(stored.content_hash().size(), 7u + 64u);
}

TEST_F(SyndicationCoreTest, OutputOnlyFieldsFromTheCallerAreIgnored) {
  Article article = ExampleArticle("ferry-1");
  article.set_id("0123456789abcdef0123456789abcdef");
  article.set_version(42);
  article.set_content_hash("sha256:forged");
  article.mutable_first_created()->set_seconds(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(PublishArticleResponse response, Publish(article));
  EXPECT_NE(response.article().id(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(response.article().version(), 1);
  EXPECT_EQ(response.article().first_created().seconds(), 1796000000);
  EXPECT_NE(response.article().content_hash(), "sha256:forged");
}

TEST_F(SyndicationCoreTest, RepublishingIsIdempotentAndChangesMakeVersions) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto first, Publish(ExampleArticle("ferry-1")));
  now_ += absl::Minutes(5);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto again, Publish(ExampleArticle("ferry-1")));
  EXPECT_EQ(again.outcome(), PublishArticleResponse::OUTCOME_UNCHANGED);
  EXPECT_EQ(again.article().version(), 1);
  EXPECT_EQ(again.article().version_created().seconds(), 1796000000);

  Article changed = ExampleArticle("ferry-1");
  changed.set_headline("Ferry timetable changes delayed to January");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto updated, Publish(changed));
  EXPECT_EQ(updated.outcome(), PublishArticleResponse::OUTCOME_UPDATED);
  EXPECT_EQ(updated.article().id(), first.article().id());
  EXPECT_EQ(updated.article().version(), 2);
  EXPECT_EQ(updated.article().first_created().seconds(), 1796000000);
  EXPECT_EQ(updated.article().version_created().seconds(), 1796000300);

  syndication::v1::GetArticleRequest get;
  get.set_id(first.article().id());
  get.set_version(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Article v1, core_->GetArticle(get));
  EXPECT_EQ(v1.headline(), "Ferry timetable changes for the winter season");
  get.set_version(0);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Article latest, core_->GetArticle(get));
  EXPECT_EQ(latest.headline(), "Ferry timetable changes delayed to January");
}

// Found by a user: the same page imported from a second file name became version 2.
TEST_F(SyndicationCoreTest, ReimportingFromAnotherFileIsUnchanged) {
  Article article = ExampleArticle("ferry-1");
  auto* hop = article.add_provenance();
  hop->set_kind(syndication::v1::ProvenanceHop::KIND_IMPORTED);
  hop->set_agent("syndicate import --format=text");
  hop->set_file_name("ferry-timetable.txt");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto first, Publish(article));
  hop->set_file_name("ferry.txt");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto again, Publish(article));
  EXPECT_EQ(again.outcome(), PublishArticleResponse::OUTCOME_UNCHANGED);
  EXPECT_EQ(again.article().provenance(0).file_name(), "ferry-timetable.txt");
  EXPECT_EQ(again.article().content_hash(), first.article().content_hash());

  // Any other hop is part of the story's record: changing it is a new version.
  auto* republished = article.add_provenance();
  republished->set_kind(syndication::v1::ProvenanceHop::KIND_REPUBLISHED);
  republished->set_agent("Northgate Daily");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto changed, Publish(article));
  EXPECT_EQ(changed.outcome(), PublishArticleResponse::OUTCOME_UPDATED);
}

TEST_F(SyndicationCoreTest, AttributionDefaultsComeFromTheSource) {
  Article article = ExampleArticle("ferry-1");
  article.clear_attribution();
  auto* media = article.add_media();
  media->set_uri("https://img.example.org/ferry.jpg");
  // covers_media is off in the example source: a media item needs its own credit.
  EXPECT_THAT(Publish(article), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("article.media[0].credit: is required")));
  media->set_credit("Photo: Tomas Ek");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto response, Publish(article));
  const auto& attribution = response.article().attribution();
  EXPECT_EQ(attribution.credit_line(), "The Harbour Gazette");
  EXPECT_EQ(attribution.original_publisher(), "The Harbour Gazette");
  EXPECT_EQ(attribution.copyright_notice(), "© 2026 The Harbour Gazette");
  EXPECT_EQ(attribution.usage_terms(), "Republication by licensed partners only.");
  EXPECT_EQ(response.article().media(0).credit(), "Photo: Tomas Ek");
}

TEST_F(SyndicationCoreTest, CoversMediaFillsMediaCredits) {
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = ExampleSource();
  request.mutable_source()->mutable_default_attribution()->set_covers_media(true);
  ASSERT_THAT(core_->UpsertSource(request), IsOk());
  Article article = ExampleArticle("ferry-1");
  article.add_media()->set_uri("https://img.example.org/ferry.jpg");
  auto* credited = article.add_media();
  credited->set_uri("https://img.example.org/pier.jpg");
  credited->set_credit("Photo: Tomas Ek");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto response, Publish(article));
  EXPECT_EQ(response.article().media(0).credit(), "The Harbour Gazette");
  EXPECT_EQ(response.article().media(0).copyright_notice(), "© 2026 The Harbour Gazette");
  EXPECT_EQ(response.article().media(1).credit(), "Photo: Tomas Ek");
}

// Found by a reviewer: a credit of spaces under covers_media was refused saying the
// defaults do not cover media. A blank credit is refused as blank (as blank attribution
// fields are); an empty one is filled.
TEST_F(SyndicationCoreTest, ABlankMediaCreditIsRefusedAsBlankEvenWhenDefaultsCoverMedia) {
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = ExampleSource();
  request.mutable_source()->mutable_default_attribution()->set_covers_media(true);
  ASSERT_THAT(core_->UpsertSource(request), IsOk());
  Article article = ExampleArticle("ferry-1");
  article.add_media()->set_uri("https://img.example.org/ferry.jpg");
  auto* blank = article.add_media();
  blank->set_uri("https://img.example.org/pier.jpg");
  blank->set_credit("   ");
  EXPECT_THAT(Publish(article),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "article.media[1].credit: is blank: give the item's credit, or leave it "
                       "empty to take the story's credit_line when the source's default "
                       "attribution covers media"));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

TEST_F(SyndicationCoreTest, MissingAttributionWithoutDefaultsIsRefusedAndNothingStored) {
  syndication::v1::UpsertSourceRequest request;
  request.mutable_source()->set_id("bare-source");
  request.mutable_source()->set_name("Bare Source");
  ASSERT_THAT(core_->UpsertSource(request), IsOk());
  Article article = ExampleArticle("ferry-1");
  article.set_source_id("bare-source");
  article.mutable_attribution()->clear_credit_line();
  EXPECT_THAT(Publish(article), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "article.attribution.credit_line: is required"));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

TEST_F(SyndicationCoreTest, UnknownSourceIsNotFound) {
  Article article = ExampleArticle("ferry-1");
  article.set_source_id("nobody");
  EXPECT_THAT(Publish(article), StatusIs(absl::StatusCode::kNotFound,
                                         "article.source_id: no source has id \"nobody\""));
}

TEST_F(SyndicationCoreTest, GetErrors) {
  syndication::v1::GetArticleRequest get;
  EXPECT_THAT(core_->GetArticle(get),
              StatusIs(absl::StatusCode::kInvalidArgument, "id: is required"));
  get.set_id("0123456789abcdef0123456789abcdef");
  EXPECT_THAT(core_->GetArticle(get),
              StatusIs(absl::StatusCode::kNotFound,
                       "id: no article has id \"0123456789abcdef0123456789abcdef\""));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, Publish(ExampleArticle("ferry-1")));
  get.set_id(published.article().id());
  get.set_version(2);
  EXPECT_THAT(core_->GetArticle(get),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("has no version 2")));
  get.set_version(-1);
  EXPECT_THAT(core_->GetArticle(get), StatusIs(absl::StatusCode::kInvalidArgument,
                                               "version: -1 is negative; use 0 for the latest"));
}

TEST_F(SyndicationCoreTest, BatchGetKeepsRequestOrderAndIsAllOrNothing) {
  const std::vector<std::string> ids = PublishMany(3);
  syndication::v1::BatchGetArticlesRequest request;
  request.add_ids(ids[2]);
  request.add_ids(ids[0]);
  request.add_ids(ids[2]);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto response, core_->BatchGetArticles(request));
  ASSERT_EQ(response.articles_size(), 3);
  EXPECT_EQ(response.articles(0).id(), ids[2]);
  EXPECT_EQ(response.articles(1).id(), ids[0]);
  EXPECT_EQ(response.articles(2).id(), ids[2]);

  request.add_ids("ffffffffffffffffffffffffffffffff");
  EXPECT_THAT(core_->BatchGetArticles(request),
              StatusIs(absl::StatusCode::kNotFound,
                       "ids[3]: no article has id \"ffffffffffffffffffffffffffffffff\""));
  request.Clear();
  EXPECT_THAT(core_->BatchGetArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "ids: at least one is required"));
  for (int i = 0; i < 101; ++i) request.add_ids(ids[0]);
  EXPECT_THAT(
      core_->BatchGetArticles(request),
      StatusIs(absl::StatusCode::kInvalidArgument, "ids: 101 were given; at most 100 are allowed"));
}

TEST_F(SyndicationCoreTest, ListPagesCoverEveryStoryOnceNewestFirst) {
  const std::vector<std::string> ids = PublishMany(7);
  ListArticlesRequest request;
  request.set_page_size(3);
  std::vector<std::string> listed;
  int pages = 0;
  do {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, core_->ListArticles(request));
    ++pages;
    for (const Article& article : page.articles()) listed.push_back(article.id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 3);
  const std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(listed, newest_first);
}

TEST_F(SyndicationCoreTest, ListPageSizeRules) {
  PublishMany(3);
  ListArticlesRequest request;
  request.set_page_size(-1);
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_size: -1 is negative; use 0 for the default"));
  request.set_page_size(0);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto all, core_->ListArticles(request));
  EXPECT_EQ(all.articles_size(), 3);
  EXPECT_EQ(all.next_page_token(), "");
  request.set_page_size(100000);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto capped, core_->ListArticles(request));
  EXPECT_EQ(capped.articles_size(), 3);
}

TEST_F(SyndicationCoreTest, ListCapsPagesAt500) {
  PublishMany(502);
  ListArticlesRequest request;
  request.set_page_size(1000);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, core_->ListArticles(request));
  EXPECT_EQ(page.articles_size(), 500);
  EXPECT_NE(page.next_page_token(), "");
  request.set_page_token(page.next_page_token());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto rest, core_->ListArticles(request));
  EXPECT_EQ(rest.articles_size(), 2);
  EXPECT_EQ(rest.next_page_token(), "");
}

TEST_F(SyndicationCoreTest, TamperedOrForeignPageTokensAreRefused) {
  PublishMany(4);
  ListArticlesRequest request;
  request.set_page_size(2);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, core_->ListArticles(request));
  ASSERT_NE(page.next_page_token(), "");

  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(page.next_page_token(), &raw));
  raw[raw.size() / 2] ^= 0x01;
  request.set_page_token(absl::WebSafeBase64Escape(raw));
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_token: was altered or was not issued by this server"));

  request.set_page_token("not a token!");
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token: is not a page token"));

  // The same token under a changed filter.
  request.set_page_token(page.next_page_token());
  request.add_source_ids("harbour-wire");
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("page_token: was issued for a different filter")));

  // A ListArticles token handed to ListSources.
  syndication::v1::ListSourcesRequest sources;
  sources.set_page_token(page.next_page_token());
  EXPECT_THAT(core_->ListSources(sources),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_token: was issued by ListArticles, not ListSources"));

  // A page size change between pages is allowed (AIP-158).
  request.clear_source_ids();
  request.set_page_size(10);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto rest, core_->ListArticles(request));
  EXPECT_EQ(rest.articles_size(), 2);
}

TEST_F(SyndicationCoreTest, ListFiltersBySourceAndTimeRange) {
  syndication::v1::UpsertSourceRequest other;
  other.mutable_source()->set_id("valley-news");
  other.mutable_source()->set_name("Valley News");
  ASSERT_THAT(core_->UpsertSource(other), IsOk());
  const std::vector<std::string> harbour = PublishMany(4);  // t0, t0+60, t0+120, t0+180
  Article valley = ExampleArticle("valley-1");
  valley.set_source_id("valley-news");
  valley.mutable_published_at()->set_seconds(1795000000 + 90);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto valley_published, Publish(valley));

  ListArticlesRequest request;
  request.add_source_ids("valley-news");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto only_valley, core_->ListArticles(request));
  ASSERT_EQ(only_valley.articles_size(), 1);
  EXPECT_EQ(only_valley.articles(0).id(), valley_published.article().id());

  request.Clear();
  request.mutable_start_time()->set_seconds(1795000000 + 60);  // inclusive
  request.mutable_end_time()->set_seconds(1795000000 + 180);   // exclusive
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto window, core_->ListArticles(request));
  std::vector<std::string> ids;
  for (const Article& a : window.articles()) ids.push_back(a.id());
  EXPECT_EQ(ids,
            (std::vector<std::string>{harbour[2], valley_published.article().id(), harbour[1]}));

  request.mutable_start_time()->set_seconds(1795000000 + 180);
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "start_time: must be before end_time"));
  request.Clear();
  request.add_source_ids("Valley");
  EXPECT_THAT(core_->ListArticles(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("source_ids[0]: \"Valley\" is not a source id")));
}

// Found by a tester: big stories made list pages and batches larger than a client can
// receive, so nobody could page past them.
TEST_F(SyndicationCoreTest, ResponsesStayUnderTheByteBudget) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    Article article = ExampleArticle("big-" + std::to_string(i));
    article.set_body_text(std::string(900 * 1024, 'a' + i));
    article.mutable_published_at()->set_seconds(1795000000 + i);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto published, Publish(article));
    ids.push_back(published.article().id());
  }
  ListArticlesRequest request;
  std::vector<std::string> listed;
  int pages = 0;
  do {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, core_->ListArticles(request));
    ++pages;
    EXPECT_LE(page.ByteSizeLong(), kMaxResponseBytes + 1024);
    for (const Article& a : page.articles()) listed.push_back(a.id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(listed, (std::vector<std::string>{ids[3], ids[2], ids[1], ids[0]}));

  syndication::v1::BatchGetArticlesRequest batch;
  for (const std::string& id : ids) batch.add_ids(id);
  EXPECT_THAT(core_->BatchGetArticles(batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("ids: the first 4 articles come to ")));
}

TEST_F(SyndicationCoreTest, OversizedArticleIsRefusedNamingTheLargestField) {
  Article article = ExampleArticle("huge");
  article.set_body_html(std::string(2 * 1024 * 1024, 'x'));
  EXPECT_THAT(Publish(article),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the largest field is body_html, 2097152 bytes")));
  EXPECT_EQ(store_->FeedHead(), 0u);
}

TEST_F(SyndicationCoreTest, ListSourcesPagesInIdOrder) {
  for (const char* id : {"delta", "alpha", "charlie"}) {
    syndication::v1::UpsertSourceRequest request;
    request.mutable_source()->set_id(id);
    request.mutable_source()->set_name(id);
    ASSERT_THAT(core_->UpsertSource(request), IsOk());
  }
  syndication::v1::ListSourcesRequest request;
  request.set_page_size(3);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto first, core_->ListSources(request));
  ASSERT_EQ(first.sources_size(), 3);
  EXPECT_EQ(first.sources(0).id(), "alpha");
  EXPECT_EQ(first.sources(1).id(), "charlie");
  EXPECT_EQ(first.sources(2).id(), "delta");
  request.set_page_token(first.next_page_token());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto second, core_->ListSources(request));
  ASSERT_EQ(second.sources_size(), 1);
  EXPECT_EQ(second.sources(0).id(), "harbour-wire");
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(SyndicationCoreTest, UpsertSourceValidatesAndKeepsCreateTime) {
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = ExampleSource();
  now_ += absl::Hours(1);
  request.mutable_source()->set_name("Harbour Wire (renamed)");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto stored, core_->UpsertSource(request));
  EXPECT_EQ(stored.create_time().seconds(), 1796000000);
  EXPECT_EQ(stored.update_time().seconds(), 1796003600);
  request.mutable_source()->clear_name();
  EXPECT_THAT(core_->UpsertSource(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "source.name: is required"));
  syndication::v1::GetSourceRequest get;
  get.set_id("harbour-wire");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto unchanged, core_->GetSource(get));
  EXPECT_EQ(unchanged.name(), "Harbour Wire (renamed)");
  get.set_id("missing");
  EXPECT_THAT(core_->GetSource(get),
              StatusIs(absl::StatusCode::kNotFound, "id: no source has id \"missing\""));
}

TEST_F(SyndicationCoreTest, PageTokensSurviveReopeningTheStore) {
  PublishMany(3);
  ListArticlesRequest request;
  request.set_page_size(1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, core_->ListArticles(request));
  core_.reset();
  store_.reset();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(dir_));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey()));
  request.set_page_token(page.next_page_token());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto next, core_->ListArticles(request));
  EXPECT_EQ(next.articles_size(), 1);
}

}  // namespace
}  // namespace syndicate::server
