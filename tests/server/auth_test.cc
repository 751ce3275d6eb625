// Authentication and authorization against the server in-process with API keys on: every
// RPC × every kind of caller, entitlements, revocation and entitlement changes on open
// streams, and the search directive on every delivery.
#include <grpcpp/create_channel.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "common/timestamps.h"
#include "gtest/gtest.h"
#include "server/access.h"
#include "server/admin_core.h"
#include "server/error_info.h"
#include "server/rate_limiter.h"
#include "server/server.h"
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
using ::testing::HasSubstr;
using Code = absl::StatusCode;

// The kinds of caller of the matrix.
enum Caller {
  kNoKey,
  kUnknownKey,
  kRevokedKey,
  kPartnerEntitled,
  kPartnerNotEntitled,
  kPublisherOfThisSource,
  kPublisherOfAnotherSource,
  kAdmin,
  kCallerCount
};

const char* const kCallerNames[] = {"no key",
                                    "unknown key",
                                    "revoked key",
                                    "partner entitled",
                                    "partner not entitled",
                                    "publisher of this source",
                                    "publisher of another source",
                                    "admin"};

constexpr char kOtherSource[] = "valley-post";

syndication::v1::Source OtherSource() {
  syndication::v1::Source source = ExampleSource();
  source.set_id(kOtherSource);
  source.set_name("Valley Post");
  source.clear_publisher_aliases();
  return source;
}

Article OtherArticle(const std::string& external_id) {
  Article article = ExampleArticle(external_id);
  article.set_source_id(kOtherSource);
  article.set_headline("Valley orchard opens its gates for the cider harvest");
  article.mutable_attribution()->set_original_url("https://valley.example.org/news/cider");
  return article;
}

class AuthTest : public ::testing::Test {
 protected:
  // The server's per-partner rate limit; none unless a test overrides it.
  virtual RateLimit PartnerRate() const { return {}; }

  void SetUp() override {
    const std::string dir = ::syndicate::testing::FreshTempDir();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(dir + "/store"));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(access_, AccessControl::Load(store_.get()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(admin_core_, AdminCore::Create(store_.get(), access_.get()));
    admin_core_->set_backup_dir(dir + "/backups");
    ServerOptions options;
    options.access = access_.get();
    options.admin = admin_core_.get();
    options.partner_rate = PartnerRate();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(server_, Server::Start(options, core_.get()));

    const std::string admin_secret = MakeSecret().secret;
    ASSERT_THAT(admin_core_->EnsureAdminKey(admin_secret), IsOk());
    secrets_[kAdmin] = admin_secret;
    secrets_[kNoKey] = "";
    secrets_[kUnknownKey] = MakeSecret().secret;  // well-formed, never registered
    admin_ = For(kAdmin);

    ASSERT_THAT(admin_->UpsertSource(ExampleSource()), IsOk());
    ASSERT_THAT(admin_->UpsertSource(OtherSource()), IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto licensed, admin_->PublishArticle(ExampleArticle("ferry")));
    licensed_id_ = licensed.article().id();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto other, admin_->PublishArticle(OtherArticle("cider")));
    other_id_ = other.article().id();

    secrets_[kPartnerEntitled] = PartnerKey("northbay-courier", {"harbour-wire"});
    secrets_[kPartnerNotEntitled] = PartnerKey("eastfield-times", {kOtherSource});
    secrets_[kPublisherOfThisSource] = PublisherKey("harbour-wire");
    secrets_[kPublisherOfAnotherSource] = PublisherKey(kOtherSource);
    secrets_[kRevokedKey] = PartnerKey("revoked-partner", {"harbour-wire"});
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto parsed, ParseSecret(secrets_[kRevokedKey], "key"));
    ASSERT_THAT(admin_->RevokeApiKey(parsed.key_id), IsOk());
  }

  std::string PartnerKey(
      const std::string& partner_id, const std::vector<std::string>& sources,
      syndication::v1::SearchDirective directive = syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED) {
    syndication::v1::Partner partner;
    partner.set_id(partner_id);
    partner.set_display_name("Partner " + partner_id);
    for (const auto& id : sources) partner.add_entitled_source_ids(id);
    partner.set_search_directive(directive);
    EXPECT_THAT(admin_->CreatePartner(partner), IsOk());
    syndication::v1::ApiKey key;
    key.set_role(syndication::v1::ROLE_PARTNER);
    key.set_partner_id(partner_id);
    auto created = admin_->CreateApiKey(key);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? created->secret() : "";
  }

  std::string PublisherKey(const std::string& source_id) {
    syndication::v1::ApiKey key;
    key.set_role(syndication::v1::ROLE_PUBLISHER);
    key.add_source_ids(source_id);
    key.set_display_name("newsroom importer");
    auto created = admin_->CreateApiKey(key);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? created->secret() : "";
  }

  std::unique_ptr<client::Client> For(Caller caller) { return WithKey(secrets_[caller]); }

  std::unique_ptr<client::Client> WithKey(const std::string& secret) {
    client::ClientOptions options;
    options.server = server_->address();
    options.api_key = secret;
    auto client = client::Client::Create(options);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  // The stream's responses up to and including caught_up, or the status it ended with.
  absl::StatusOr<std::vector<syndication::v1::StreamArticlesResponse>> StreamBacklog(
      client::Client& client) {
    std::vector<syndication::v1::StreamArticlesResponse> responses;
    std::stop_source stop;
    client::SubscribeOptions options;
    options.request.set_position(syndication::v1::StreamArticlesRequest::POSITION_BEGINNING);
    absl::Status ended = client.Subscribe(
        options,
        [&](const syndication::v1::StreamArticlesResponse& response) {
          responses.push_back(response);
          if (response.has_caught_up()) stop.request_stop();
          return absl::OkStatus();
        },
        stop.get_token());
    if (!ended.ok()) return ended;
    return responses;
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SyndicationCore> core_;
  std::unique_ptr<AccessControl> access_;
  std::unique_ptr<AdminCore> admin_core_;
  std::unique_ptr<Server> server_;
  std::map<Caller, std::string> secrets_;
  std::unique_ptr<client::Client> admin_;
  std::string licensed_id_;  // a story of harbour-wire
  std::string other_id_;     // a story of valley-post
};

// Expected codes per caller, in Caller order.
using Row = std::vector<Code>;
constexpr Code kOk = Code::kOk;
constexpr Code kUnauth = Code::kUnauthenticated;
constexpr Code kDenied = Code::kPermissionDenied;
constexpr Code kNotFound = Code::kNotFound;

TEST_F(AuthTest, EveryRpcTimesEveryCaller) {
  int throwaway = 0;
  // Each call acts on things of its own where it changes something, so rows do not
  // depend on each other.
  const std::vector<std::pair<std::string, std::function<absl::Status(client::Client&)>>> calls = {
      {"GetArticle", [&](auto& c) { return c.GetArticle(licensed_id_).status(); }},
      {"BatchGetArticles", [&](auto& c) { return c.BatchGetArticles({licensed_id_}).status(); }},
      {"ListArticleVersions",
       [&](auto& c) {
         syndication::v1::ListArticleVersionsRequest r;
         r.set_id(licensed_id_);
         return c.ListArticleVersions(r).status();
       }},
      {"GetSource", [&](auto& c) { return c.GetSource("harbour-wire").status(); }},
      {"ListArticles", [&](auto& c) { return c.ListArticles({}).status(); }},
      {"ListSources", [&](auto& c) { return c.ListSources({}).status(); }},
      {"GetSigningKeys", [&](auto& c) { return c.GetSigningKeys().status(); }},
      {"StreamArticles", [&](auto& c) { return StreamBacklog(c).status(); }},
      {"UpsertSource", [&](auto& c) { return c.UpsertSource(ExampleSource()).status(); }},
      {"PublishArticle",
       [&](auto& c) {
         return c.PublishArticle(ExampleArticle(absl::StrCat("new-", ++throwaway))).status();
       }},
      {"WithdrawArticle",
       [&](auto& c) {
         auto target = admin_->PublishArticle(ExampleArticle(absl::StrCat("w-", ++throwaway)));
         if (!target.ok()) return target.status();
         return c.WithdrawArticle(target->article().id(), "Legal review").status();
       }},
      {"CreatePartner",
       [&](auto& c) {
         syndication::v1::Partner p;
         p.set_id(absl::StrCat("partner-", ++throwaway));
         p.set_display_name("Westport Daily");
         return c.CreatePartner(p).status();
       }},
      {"GetPartner", [&](auto& c) { return c.GetPartner("northbay-courier").status(); }},
      {"ListPartners", [&](auto& c) { return c.ListPartners({}).status(); }},
      {"UpdatePartner",
       [&](auto& c) {
         syndication::v1::UpdatePartnerRequest r;
         r.mutable_partner()->set_id("northbay-courier");
         r.mutable_partner()->set_display_name("Northbay Courier");
         r.mutable_update_mask()->add_paths("display_name");
         return c.UpdatePartner(r).status();
       }},
      {"DeletePartner",
       [&](auto& c) {
         syndication::v1::Partner p;
         p.set_id(absl::StrCat("doomed-", ++throwaway));
         p.set_display_name("Doomed Daily");
         if (auto made = admin_->CreatePartner(p); !made.ok()) return made.status();
         return c.DeletePartner(p.id()).status();
       }},
      {"CreateApiKey",
       [&](auto& c) {
         syndication::v1::ApiKey k;
         k.set_role(syndication::v1::ROLE_ADMIN);
         return c.CreateApiKey(k).status();
       }},
      {"ListApiKeys", [&](auto& c) { return c.ListApiKeys({}).status(); }},
      {"GetUsageReport",
       [&](auto& c) {
         syndication::v1::GetUsageReportRequest r;
         r.add_source_ids("harbour-wire");
         return c.GetUsageReport(r).status();
       }},
      {"RevokeApiKey",
       [&](auto& c) {
         syndication::v1::ApiKey k;
         k.set_role(syndication::v1::ROLE_ADMIN);
         auto made = admin_->CreateApiKey(k);
         if (!made.ok()) return made.status();
         return c.RevokeApiKey(made->api_key().key_id()).status();
       }},
      {"CreateBackup", [&](auto& c) { return c.CreateBackup().status(); }},
  };
  const Row read_story = {kUnauth, kUnauth, kUnauth, kOk, kNotFound, kOk, kNotFound, kOk};
  const Row read_any = {kUnauth, kUnauth, kUnauth, kOk, kOk, kOk, kOk, kOk};
  const Row write = {kUnauth, kUnauth, kUnauth, kDenied, kDenied, kOk, kDenied, kOk};
  const Row admin_only = {kUnauth, kUnauth, kUnauth, kDenied, kDenied, kDenied, kDenied, kOk};
  const std::map<std::string, Row> expected = {
      {"GetArticle", read_story},
      {"BatchGetArticles", read_story},
      {"ListArticleVersions", read_story},
      {"GetSource", read_story},
      {"ListArticles", read_any},
      {"ListSources", read_any},
      {"GetSigningKeys", read_any},
      {"StreamArticles", read_any},
      {"UpsertSource", write},
      {"PublishArticle", write},
      {"WithdrawArticle", write},
      {"CreatePartner", admin_only},
      {"GetPartner", admin_only},
      {"ListPartners", admin_only},
      {"UpdatePartner", admin_only},
      {"DeletePartner", admin_only},
      {"CreateApiKey", admin_only},
      {"ListApiKeys", admin_only},
      {"RevokeApiKey", admin_only},
      {"GetUsageReport", write},
      {"CreateBackup", admin_only},
  };
  ASSERT_EQ(calls.size(), expected.size());
  for (int caller = 0; caller < kCallerCount; ++caller) {
    std::unique_ptr<client::Client> client = For(static_cast<Caller>(caller));
    ASSERT_NE(client, nullptr);
    for (const auto& [name, call] : calls) {
      const Code want = expected.at(name)[caller];
      EXPECT_THAT(call(*client), StatusIs(want)) << name << " as " << kCallerNames[caller];
    }
  }
}

TEST_F(AuthTest, AnUnlicensedStoryReadsExactlyLikeAMissingOne) {
  auto partner = For(kPartnerNotEntitled);
  const std::string missing = "0123456789abcdef0123456789abcdef";
  auto unlicensed = partner->GetArticle(licensed_id_);
  auto absent = partner->GetArticle(missing);
  ASSERT_THAT(unlicensed, StatusIs(Code::kNotFound));
  ASSERT_THAT(absent, StatusIs(Code::kNotFound));
  std::string message(unlicensed.status().message());
  message.replace(message.find(licensed_id_), licensed_id_.size(), missing);
  EXPECT_EQ(message, absent.status().message());
  EXPECT_THAT(partner->BatchGetArticles({other_id_, licensed_id_}),
              StatusIs(Code::kNotFound, "ids[1]: no article has id \"" + licensed_id_ + "\""));
  EXPECT_THAT(partner->GetSource("harbour-wire"),
              StatusIs(Code::kNotFound, "id: no source has id \"harbour-wire\""));
}

TEST_F(AuthTest, ListsAndStreamsHoldOnlyLicensedStoriesWithTheSearchDirective) {
  for (Caller caller : {kPartnerEntitled, kPartnerNotEntitled}) {
    auto partner = For(caller);
    const std::string mine = caller == kPartnerEntitled ? licensed_id_ : other_id_;
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, partner->ListArticles({}));
    ASSERT_EQ(page.articles_size(), 1) << kCallerNames[caller];
    EXPECT_EQ(page.articles(0).id(), mine);
    EXPECT_EQ(page.articles(0).delivery().search_directive(),
              syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
    // Asking for a source it has not licensed lists nothing rather than failing.
    syndication::v1::ListArticlesRequest other;
    other.add_source_ids(caller == kPartnerEntitled ? kOtherSource : "harbour-wire");
    SYNDICATE_ASSERT_OK_AND_ASSIGN(page, partner->ListArticles(other));
    EXPECT_EQ(page.articles_size(), 0);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto sources, partner->ListSources({}));
    ASSERT_EQ(sources.sources_size(), 1);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto got, partner->GetArticle(mine));
    EXPECT_EQ(got.delivery().search_directive(), syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
    EXPECT_THAT(partner->VerifyArticle(got), IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto responses, StreamBacklog(*partner));
    std::vector<std::string> streamed;
    for (const auto& response : responses) {
      if (!response.has_event()) continue;
      streamed.push_back(response.event().article_id());
      EXPECT_EQ(response.event().article().delivery().search_directive(),
                syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
    }
    EXPECT_EQ(streamed, std::vector<std::string>{mine}) << kCallerNames[caller];
  }
  // Nobody but partners gets a delivery directive.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto as_admin, admin_->GetArticle(licensed_id_));
  EXPECT_FALSE(as_admin.has_delivery());
}

// Streams share each event (StreamService's SharedEvents) but not a partner's delivery
// field: whoever builds an event first, every stream gets the shared event with only its
// own delivery added.
TEST_F(AuthTest, StreamsShareEventsButNotAPartnersDelivery) {
  auto canonical = WithKey(
      PartnerKey("southend-herald", {"harbour-wire"}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL));
  // The events by article id, delivery cleared; checks each event's delivery first.
  auto events_of = [](const std::vector<syndication::v1::StreamArticlesResponse>& responses,
                      syndication::v1::SearchDirective directive) {
    std::map<std::string, std::string> events;
    for (syndication::v1::StreamArticlesResponse response : responses) {
      if (!response.has_event()) continue;
      EXPECT_EQ(response.event().article().has_delivery(),
                directive != syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED);
      EXPECT_EQ(response.event().article().delivery().search_directive(), directive);
      response.mutable_event()->mutable_article()->clear_delivery();
      events[response.event().article_id()] = response.SerializeAsString();
    }
    return events;
  };
  // A partner builds the events first, then the admin, the other partners, the admin again.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto first, StreamBacklog(*canonical));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto admin, StreamBacklog(*admin_));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto noindex, StreamBacklog(*For(kPartnerEntitled)));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto other, StreamBacklog(*For(kPartnerNotEntitled)));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto admin_again, StreamBacklog(*admin_));

  const auto admin_events = events_of(admin, syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED);
  ASSERT_EQ(admin_events.size(), 2u);
  EXPECT_EQ(events_of(admin_again, syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED), admin_events);
  const auto canonical_events = events_of(first, syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
  ASSERT_EQ(canonical_events.size(), 1u);
  EXPECT_EQ(canonical_events.at(licensed_id_), admin_events.at(licensed_id_));
  const auto noindex_events = events_of(noindex, syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
  ASSERT_EQ(noindex_events.size(), 1u);
  EXPECT_EQ(noindex_events.at(licensed_id_), admin_events.at(licensed_id_));
  const auto other_events = events_of(other, syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
  ASSERT_EQ(other_events.size(), 1u);
  EXPECT_EQ(other_events.at(other_id_), admin_events.at(other_id_));
}

TEST_F(AuthTest, CanonicalPolicyPointsAtTheOriginal) {
  auto partner = WithKey(
      PartnerKey("southend-herald", {"harbour-wire"}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto batch, partner->BatchGetArticles({licensed_id_}));
  EXPECT_EQ(batch.articles(0).delivery().search_directive(),
            syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
  EXPECT_EQ(batch.articles(0).delivery().canonical_url(),
            "https://harbour.example.org/news/ferry-winter");
  EXPECT_THAT(partner->VerifyArticle(batch.articles(0)), IsOk());
}

// "partner story version channel" per delivery, the story as "licensed" or "other".
std::vector<std::string> Brief(const syndication::v1::GetUsageReportResponse& report,
                               const std::string& licensed_id) {
  std::vector<std::string> out;
  for (const auto& d : report.deliveries()) {
    out.push_back(
        absl::StrCat(d.partner_id(), " ", d.article_id() == licensed_id ? "licensed" : "other",
                     " v", d.version(), " ", syndication::v1::DeliveryChannel_Name(d.channel())));
  }
  return out;
}

// The usage report once it holds at least `count` deliveries (a call's delivery is recorded
// when gRPC completes it, a moment after the client has the response), or after 30 s.
syndication::v1::GetUsageReportResponse WaitForUsage(SyndicationCore& core, client::Client& admin,
                                                     int count) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (true) {
    EXPECT_THAT(core.usage().Flush(), IsOk());
    auto report = admin.GetUsageReport({});
    EXPECT_THAT(report, IsOk());
    if (!report.ok() || report->deliveries_size() >= count || absl::Now() > deadline) {
      return report.ok() ? *report : syndication::v1::GetUsageReportResponse();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

TEST_F(AuthTest, UsageReportHasTheFirstDeliveryOfEachVersionToEachPartner) {
  auto north = For(kPartnerEntitled);    // northbay-courier: harbour-wire
  auto east = For(kPartnerNotEntitled);  // eastfield-times: valley-post
  // northbay-courier: version 1 by Get first; the List and the stream's copy of it add nothing.
  ASSERT_THAT(north->GetArticle(licensed_id_), IsOk());
  WaitForUsage(*core_, *admin_, 1);
  ASSERT_THAT(north->GetArticle(licensed_id_), IsOk());
  ASSERT_THAT(north->ListArticles({}), IsOk());
  Article changed = ExampleArticle("ferry");
  changed.set_headline("Harbour ferry keeps its winter timetable after all");
  ASSERT_THAT(admin_->PublishArticle(changed), IsOk());
  // Version 2 first reaches it on the stream.
  ASSERT_THAT(StreamBacklog(*north), IsOk());
  WaitForUsage(*core_, *admin_, 2);
  ASSERT_THAT(north->GetArticle(licensed_id_), IsOk());
  // eastfield-times: its one story by BatchGet, then List again.
  ASSERT_THAT(east->BatchGetArticles({other_id_}), IsOk());
  WaitForUsage(*core_, *admin_, 3);
  ASSERT_THAT(east->ListArticles({}), IsOk());
  // Reads by publishers and admins are not deliveries to partners.
  ASSERT_THAT(For(kPublisherOfThisSource)->GetArticle(licensed_id_), IsOk());
  ASSERT_THAT(admin_->GetArticle(other_id_), IsOk());
  // A last delivery, so that every call before it has been recorded when it is.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto last, admin_->PublishArticle(OtherArticle("last")));
  ASSERT_THAT(east->GetArticle(last.article().id()), IsOk());
  WaitForUsage(*core_, *admin_, 4);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto all, admin_->GetUsageReport({}));
  EXPECT_EQ(Brief(all, licensed_id_),
            (std::vector<std::string>{"northbay-courier licensed v1 DELIVERY_CHANNEL_GET",
                                      "northbay-courier licensed v2 DELIVERY_CHANNEL_STREAM",
                                      "eastfield-times other v1 DELIVERY_CHANNEL_BATCH_GET",
                                      "eastfield-times other v1 DELIVERY_CHANNEL_GET"}));
  // Every delivery made before complete_until is in the report.
  EXPECT_GE(ToAbslTime(all.complete_until()), ToAbslTime(all.deliveries(3).delivered_at()));
  EXPECT_EQ(all.deliveries(0).source_id(), "harbour-wire");
  // Each publisher sees its own sources' deliveries, and only those.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto harbour, For(kPublisherOfThisSource)->GetUsageReport({}));
  EXPECT_EQ(Brief(harbour, licensed_id_),
            (std::vector<std::string>{"northbay-courier licensed v1 DELIVERY_CHANNEL_GET",
                                      "northbay-courier licensed v2 DELIVERY_CHANNEL_STREAM"}));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto valley, For(kPublisherOfAnotherSource)->GetUsageReport({}));
  EXPECT_EQ(Brief(valley, licensed_id_),
            (std::vector<std::string>{"eastfield-times other v1 DELIVERY_CHANNEL_BATCH_GET",
                                      "eastfield-times other v1 DELIVERY_CHANNEL_GET"}));
  syndication::v1::GetUsageReportRequest foreign;
  foreign.add_source_ids("harbour-wire");
  EXPECT_THAT(For(kPublisherOfAnotherSource)->GetUsageReport(foreign),
              StatusIs(Code::kPermissionDenied, HasSubstr("source_ids[0]")));

  // Who holds the story, before a kill: by article_id. The kill's tombstone is no delivery.
  syndication::v1::GetUsageReportRequest holders;
  holders.set_article_id(licensed_id_);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto held, For(kPublisherOfThisSource)->GetUsageReport(holders));
  EXPECT_EQ(held.deliveries_size(), 2);
  ASSERT_THAT(admin_->WithdrawArticle(licensed_id_, "Court order", /*kill=*/true), IsOk());
  ASSERT_THAT(north->GetArticle(licensed_id_), IsOk());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto after_kill, admin_->PublishArticle(OtherArticle("after")));
  ASSERT_THAT(east->GetArticle(after_kill.article().id()), IsOk());
  WaitForUsage(*core_, *admin_, 5);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(held, For(kPublisherOfThisSource)->GetUsageReport(holders));
  EXPECT_EQ(held.deliveries_size(), 2);

  // A time range, and pages of one.
  syndication::v1::GetUsageReportRequest later;
  *later.mutable_start_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto none, admin_->GetUsageReport(later));
  EXPECT_EQ(none.deliveries_size(), 0);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(all, admin_->GetUsageReport({}));
  ASSERT_EQ(all.deliveries_size(), 5);
  syndication::v1::GetUsageReportRequest paged;
  paged.set_page_size(1);
  std::vector<std::string> seen;
  do {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, admin_->GetUsageReport(paged));
    ASSERT_LE(page.deliveries_size(), 1);
    for (const auto& line : Brief(page, licensed_id_)) seen.push_back(line);
    paged.set_page_token(page.next_page_token());
  } while (!paged.page_token().empty());
  EXPECT_EQ(seen, Brief(all, licensed_id_));
  // A token is bound to its filter.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto first, admin_->GetUsageReport(paged));
  ASSERT_FALSE(first.next_page_token().empty());
  paged.set_page_token(first.next_page_token());
  paged.set_partner_id("northbay-courier");
  EXPECT_THAT(admin_->GetUsageReport(paged),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(AuthTest, UsageReportNamesTheFieldOfABadRequest) {
  syndication::v1::GetUsageReportRequest request;
  request.set_article_id("ferry");
  EXPECT_THAT(admin_->GetUsageReport(request),
              StatusIs(Code::kInvalidArgument, HasSubstr("article_id")));
  request = {};
  request.set_partner_id("Not A Partner");
  EXPECT_THAT(admin_->GetUsageReport(request),
              StatusIs(Code::kInvalidArgument, HasSubstr("partner_id")));
  request = {};
  *request.mutable_start_time() = ToTimestamp(absl::FromUnixSeconds(2000));
  *request.mutable_end_time() = ToTimestamp(absl::FromUnixSeconds(1000));
  EXPECT_THAT(admin_->GetUsageReport(request),
              StatusIs(Code::kInvalidArgument, "start_time: must be before end_time"));
  request = {};
  request.add_source_ids("Bad Source");
  EXPECT_THAT(admin_->GetUsageReport(request),
              StatusIs(Code::kInvalidArgument, HasSubstr("source_ids[0]")));
  request = {};
  request.set_page_token("garbage");
  EXPECT_THAT(admin_->GetUsageReport(request),
              StatusIs(Code::kInvalidArgument, HasSubstr("page_token")));
}

// A Subscribe from the beginning on a thread of its own, recording the source of every
// event, until it ends by itself or Stop().
class BackgroundStream {
 public:
  explicit BackgroundStream(client::Client* client)
      : thread_([this, client] {
          client::SubscribeOptions options;
          options.request.set_position(syndication::v1::StreamArticlesRequest::POSITION_BEGINNING);
          absl::Status ended = client->Subscribe(
              options,
              [this](const syndication::v1::StreamArticlesResponse& response) {
                std::lock_guard<std::mutex> lock(mu_);
                if (response.has_caught_up()) caught_up_ = true;
                if (response.has_event()) sources_.push_back(response.event().source_id());
                cv_.notify_all();
                return absl::OkStatus();
              },
              stop_.get_token());
          std::lock_guard<std::mutex> lock(mu_);
          ended_ = std::move(ended);
        }) {}

  ~BackgroundStream() { Stop().IgnoreError(); }

  void WaitCaughtUp() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return caught_up_; });
  }

  // The sources of the events, once there are `count` of them.
  std::vector<std::string> WaitForEvents(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return sources_.size() >= count; });
    return sources_;
  }

  // Stops it if it still runs; returns what Subscribe returned.
  absl::Status Stop() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    return ended_;
  }

  // Waits for Subscribe to end by itself; returns what it returned.
  absl::Status Join() {
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    return ended_;
  }

 private:
  std::stop_source stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool caught_up_ = false;
  std::vector<std::string> sources_;
  absl::Status ended_;
  std::thread thread_;  // last: starts once the rest exists
};

TEST_F(AuthTest, RevokingAKeyEndsItsOpenStreamAndItsNextCall) {
  auto partner = For(kPartnerEntitled);
  BackgroundStream stream(partner.get());
  stream.WaitCaughtUp();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto parsed, ParseSecret(secrets_[kPartnerEntitled], "key"));
  ASSERT_THAT(admin_->RevokeApiKey(parsed.key_id), IsOk());
  // Subscribe returns the error it cannot recover from.
  EXPECT_THAT(stream.Join(), StatusIs(Code::kUnauthenticated, HasSubstr("was revoked")));
  EXPECT_THAT(partner->GetArticle(licensed_id_), StatusIs(Code::kUnauthenticated));
}

TEST_F(AuthTest, AnEntitlementChangeAppliesToAnOpenStream) {
  auto partner = For(kPartnerEntitled);
  BackgroundStream stream(partner.get());
  stream.WaitCaughtUp();
  // From now on the partner licenses valley-post instead of harbour-wire.
  syndication::v1::UpdatePartnerRequest update;
  update.mutable_partner()->set_id("northbay-courier");
  update.mutable_partner()->add_entitled_source_ids(kOtherSource);
  update.mutable_update_mask()->add_paths("entitled_source_ids");
  ASSERT_THAT(admin_->UpdatePartner(update), IsOk());
  ASSERT_THAT(admin_->PublishArticle(ExampleArticle("after-change")), IsOk());
  ASSERT_THAT(admin_->PublishArticle(OtherArticle("after-change")), IsOk());
  // The backlog's harbour-wire story, then only the new valley-post one.
  EXPECT_EQ(stream.WaitForEvents(2), (std::vector<std::string>{"harbour-wire", kOtherSource}));
  EXPECT_THAT(stream.Stop(), IsOk());
}

TEST_F(AuthTest, AdminRequestsAreCheckedAndNamed) {
  syndication::v1::Partner partner;
  partner.set_id("westport-daily");
  partner.set_display_name("Westport Daily");
  partner.add_entitled_source_ids("harbour-wire");
  partner.add_entitled_source_ids("x");
  EXPECT_THAT(admin_->CreatePartner(partner),
              StatusIs(Code::kInvalidArgument,
                       "partner.entitled_source_ids[1]: \"x\" is not a known source"));
  EXPECT_THAT(admin_->GetPartner("westport-daily"), StatusIs(Code::kNotFound));
  EXPECT_THAT(admin_->CreatePartner([] {
    syndication::v1::Partner p;
    p.set_id("northbay-courier");
    p.set_display_name("Again");
    return p;
  }()),
              StatusIs(Code::kAlreadyExists));
  syndication::v1::ApiKey key;
  key.set_role(syndication::v1::ROLE_PARTNER);
  key.set_partner_id("nobody-here");
  EXPECT_THAT(admin_->CreateApiKey(key), StatusIs(Code::kNotFound));
  key.set_role(syndication::v1::ROLE_UNSPECIFIED);
  EXPECT_THAT(admin_->CreateApiKey(key),
              StatusIs(Code::kInvalidArgument, HasSubstr("api_key.role")));
  EXPECT_THAT(admin_->RevokeApiKey("nope"), StatusIs(Code::kInvalidArgument));
  syndication::v1::UpdatePartnerRequest update;
  update.mutable_partner()->set_id("northbay-courier");
  update.mutable_update_mask()->add_paths("id");
  EXPECT_THAT(admin_->UpdatePartner(update),
              StatusIs(Code::kInvalidArgument, HasSubstr("update_mask.paths[0]")));
  // The failed update changed nothing.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto stored, admin_->GetPartner("northbay-courier"));
  EXPECT_EQ(stored.entitled_source_ids_size(), 1);
  // Keys are listed without secrets; deleting a partner revokes its keys.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(auto deleted, admin_->DeletePartner("northbay-courier"));
  ASSERT_EQ(deleted.revoked_key_ids_size(), 1);
  EXPECT_THAT(For(kPartnerEntitled)->GetArticle(licensed_id_), StatusIs(Code::kUnauthenticated));
  // Its id is not given to another partner, whose usage would mix with its own.
  syndication::v1::Partner again;
  again.set_id("northbay-courier");
  again.set_display_name("Northbay Courier, again");
  EXPECT_THAT(admin_->CreatePartner(again),
              StatusIs(Code::kAlreadyExists, HasSubstr("belonged to a deleted partner")));
  syndication::v1::ListApiKeysRequest list;
  list.set_show_revoked(true);
  list.set_page_size(2);
  std::set<std::string> ids;
  do {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(auto page, admin_->ListApiKeys(list));
    for (const auto& k : page.api_keys()) ids.insert(k.key_id());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(ids.size(), 6u);  // admin, 2 partners, 2 publishers, the revoked one
}

TEST_F(AuthTest, APartnersStreamCapRefusesOneMore) {
  syndication::v1::UpdatePartnerRequest update;
  update.mutable_partner()->set_id("northbay-courier");
  update.mutable_partner()->set_max_streams(1);
  update.mutable_update_mask()->add_paths("max_streams");
  ASSERT_THAT(admin_->UpdatePartner(update), IsOk());
  auto partner = For(kPartnerEntitled);
  BackgroundStream first(partner.get());
  first.WaitCaughtUp();
  // A raw call: Client::Subscribe would retry after RESOURCE_EXHAUSTED.
  auto stub = syndication::v1::SyndicationService::NewStub(
      grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + secrets_[kPartnerEntitled]);
  syndication::v1::StreamArticlesRequest request;
  request.set_position(syndication::v1::StreamArticlesRequest::POSITION_NOW);
  auto reader = stub->StreamArticles(&context, request);
  syndication::v1::StreamArticlesResponse response;
  EXPECT_FALSE(reader->Read(&response));
  const grpc::Status second = reader->Finish();
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(second.error_message(), HasSubstr("northbay-courier"));
  // Other partners are not held back by it.
  EXPECT_THAT(StreamBacklog(*For(kPartnerNotEntitled)), IsOk());
  EXPECT_THAT(first.Stop(), IsOk());
}

class RateLimitedAuthTest : public AuthTest {
 protected:
  // Two calls at once, then one every 1000 s: the third call of a test is always refused.
  RateLimit PartnerRate() const override { return {0.001, 2}; }
};

TEST_F(RateLimitedAuthTest, APartnerOverItsRateGetsResourceExhaustedWithRetryInfo) {
  auto partner = For(kPartnerEntitled);
  EXPECT_THAT(partner->GetArticle(licensed_id_), IsOk());
  EXPECT_THAT(partner->ListArticles({}), IsOk());
  absl::Status third = partner->GetArticle(licensed_id_).status();
  EXPECT_THAT(third, StatusIs(Code::kResourceExhausted, HasSubstr("\"northbay-courier\"")));
  absl::optional<absl::Cord> payload = third.GetPayload(kRetryInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::RetryInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_GT(info.retry_delay().seconds(), 0);
  // Another partner, a publisher and the admin have buckets of their own, or none.
  EXPECT_THAT(For(kPartnerNotEntitled)->GetArticle(other_id_), IsOk());
  for (int i = 0; i < 3; ++i) EXPECT_THAT(admin_->GetArticle(licensed_id_), IsOk());
}

TEST(RateLimiterTest, ATokenBucketPerPartnerRefilledByTheClock) {
  absl::Time now = absl::FromUnixSeconds(1795000000);
  RateLimiter limiter({2, 3}, [&now] { return now; });
  for (int i = 0; i < 3; ++i) EXPECT_THAT(limiter.Take("northbay-courier"), IsOk());
  absl::Status refused = limiter.Take("northbay-courier");
  EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted));
  google::rpc::RetryInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*refused.GetPayload(kRetryInfoTypeUrl))));
  EXPECT_EQ(info.retry_delay().nanos(), 500000000);  // half a second at 2 per second
  EXPECT_THAT(limiter.Take("eastfield-times"), IsOk());
  now += absl::Milliseconds(500);
  EXPECT_THAT(limiter.Take("northbay-courier"), IsOk());
  EXPECT_THAT(limiter.Take("northbay-courier"), StatusIs(Code::kResourceExhausted));
  now += absl::Hours(1);  // refills to the burst, no further
  for (int i = 0; i < 3; ++i) EXPECT_THAT(limiter.Take("northbay-courier"), IsOk());
  EXPECT_THAT(limiter.Take("northbay-courier"), StatusIs(Code::kResourceExhausted));
  RateLimiter off({}, [&now] { return now; });
  for (int i = 0; i < 100; ++i) EXPECT_THAT(off.Take("northbay-courier"), IsOk());
}

TEST(AccessTest, SecretsHaveTheirFormatAndOnlyTheirHashIsKept) {
  const NewSecret made = MakeSecret();
  EXPECT_TRUE(IsKeyId(made.key_id));
  EXPECT_EQ(made.secret.size(), 3 + 16 + 1 + 43);
  EXPECT_EQ(made.secret.substr(0, 20), "sk_" + made.key_id + "_");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(ParsedSecret parsed, ParseSecret(made.secret, "key"));
  EXPECT_EQ(parsed.key_id, made.key_id);
  EXPECT_EQ(parsed.secret_hash, made.secret_hash);
  EXPECT_EQ(made.secret_hash.find(made.secret.substr(20)), std::string::npos);
  std::string altered = made.secret;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  auto other = ParseSecret(altered, "key");
  if (other.ok()) {
    EXPECT_NE(other->secret_hash, made.secret_hash);
  }
  EXPECT_THAT(ParseSecret("sk_short", "authorization"),
              StatusIs(Code::kInvalidArgument, HasSubstr("authorization: is not an API key")));
  EXPECT_NE(MakeSecret().secret, made.secret);
}

}  // namespace
}  // namespace syndicate::server
