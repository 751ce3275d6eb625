// GetArticle as the server answers it: the stored bytes and the caller's delivery
// (SyndicationCore::ServeArticle), decided from the visibility fields alone
// (ParseVisibilityFields). Each answer is checked against the answer the service gave before
// it served bytes — the stored version parsed, checked on the whole message, given the
// caller's delivery — for every visibility rule: embargo, the partner's sources and
// languages, tombstones, versions, and each search directive.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/timestamps.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/article_view.h"
#include "server/lifecycle.h"
#include "server/syndication_core.h"
#include "storage/store.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using storage::Store;
using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::ExampleSource;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using syndication::v1::Article;

const absl::Time kNow = absl::FromUnixSeconds(1796000000);

// ExampleArticle with two photos (one with renditions), subjects and a correction-free
// attribution: most of what a stored record holds.
Article RichStory(const std::string& external_id) {
  Article article = ExampleArticle(external_id);
  for (int i = 0; i < 2; ++i) {
    auto* photo = article.add_media();
    photo->set_uri(absl::StrCat("https://harbour.example.org/img/ferry-", i, ".jpg"));
    photo->set_mime_type("image/jpeg");
    photo->set_caption("The ferry at Gull Island pier.");
    photo->set_credit("Photo: Tomas Ek");
  }
  article.mutable_attribution()->set_copyright_holder("The Harbour Gazette");
  return article;
}

// Only the fields ParseVisibilityFields reads, copied from a whole message.
Article VisibilityFieldsOf(const Article& article) {
  Article fields;
  fields.set_id(article.id());
  fields.set_source_id(article.source_id());
  fields.set_version(article.version());
  fields.set_pubstatus(article.pubstatus());
  fields.set_language(article.language());
  if (article.has_version_created()) {
    *fields.mutable_version_created() = article.version_created();
  }
  if (article.has_embargoed_until()) {
    *fields.mutable_embargoed_until() = article.embargoed_until();
  }
  if (article.has_attribution()) {
    fields.mutable_attribution()->set_original_url(article.attribution().original_url());
  }
  if (article.has_delivery()) *fields.mutable_delivery() = article.delivery();
  return fields;
}

Principal Partner(std::vector<std::string> sources, std::vector<std::string> languages,
                  syndication::v1::SearchDirective directive) {
  Principal partner;
  partner.role = syndication::v1::ROLE_PARTNER;
  partner.key_id = "key-1";
  partner.partner_id = "coast-news";
  partner.source_ids.insert(sources.begin(), sources.end());
  partner.languages.insert(languages.begin(), languages.end());
  partner.search_directive = directive;
  return partner;
}

TEST(ParseVisibilityFieldsTest, ReadsWhatAWholeParseReadsOfTheseFields) {
  Article article = RichStory("ferry-1");
  article.set_id(std::string(32, 'a'));
  article.set_version(3);
  article.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  *article.mutable_version_created() = ToTimestamp(kNow);
  *article.mutable_embargoed_until() = ToTimestamp(kNow + absl::Hours(1));
  article.mutable_delivery()->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_NONE);
  const std::string bytes = article.SerializeAsString();

  std::optional<Article> fields = ParseVisibilityFields(bytes);
  ASSERT_TRUE(fields.has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(*fields, VisibilityFieldsOf(article)))
      << fields->DebugString();
  // Nothing else: no headline, media, unknown fields.
  EXPECT_TRUE(fields->headline().empty());
  EXPECT_TRUE(fields->media().empty());
  EXPECT_EQ(fields->ByteSizeLong(), VisibilityFieldsOf(article).ByteSizeLong());
}

TEST(ParseVisibilityFieldsTest, RepeatedFieldsFollowProtobufsParse) {
  Article first = RichStory("ferry-1");
  first.set_version(1);
  first.mutable_embargoed_until()->set_seconds(100);
  first.mutable_embargoed_until()->set_nanos(7);
  Article second;
  second.set_version(2);
  second.set_language("fr");
  second.mutable_embargoed_until()->set_seconds(200);  // merged: the nanos stay
  second.mutable_attribution()->set_original_url("https://harbour.example.org/news/other");
  // A field number this schema does not know, after the known ones.
  const std::string unknown = "\xf8\x07\x05";  // field 127, varint 5
  const std::string bytes = first.SerializeAsString() + second.SerializeAsString() + unknown;

  Article whole;
  ASSERT_TRUE(whole.ParseFromString(bytes));
  std::optional<Article> fields = ParseVisibilityFields(bytes);
  ASSERT_TRUE(fields.has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(*fields, VisibilityFieldsOf(whole)))
      << fields->DebugString();
  EXPECT_EQ(fields->embargoed_until().nanos(), 7);
  EXPECT_EQ(fields->attribution().original_url(), "https://harbour.example.org/news/other");
  EXPECT_TRUE(fields->attribution().credit_line().empty());
}

TEST(ParseVisibilityFieldsTest, MalformedBytesAreRefused) {
  const std::string bytes = RichStory("ferry-1").SerializeAsString();
  EXPECT_FALSE(ParseVisibilityFields(bytes.substr(0, bytes.size() - 3)).has_value());
  EXPECT_FALSE(ParseVisibilityFields(bytes + std::string("\x00", 1)).has_value());
  EXPECT_FALSE(ParseVisibilityFields(bytes + "\x0b").has_value());  // a group's start
  // embargoed_until whose length runs past the end of the record.
  EXPECT_FALSE(ParseVisibilityFields("\x4a\x05\x08\x01").has_value());
  EXPECT_TRUE(ParseVisibilityFields("").has_value());
}

class ServeArticleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    ASSERT_NO_FATAL_FAILURE(Open());
    syndication::v1::UpsertSourceRequest source;
    *source.mutable_source() = ExampleSource();
    ASSERT_THAT(core_->UpsertSource(source), IsOk());
    *source.mutable_source() = ExampleSource();
    source.mutable_source()->set_id("valley-post");
    ASSERT_THAT(core_->UpsertSource(source), IsOk());
  }

  void Open() {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, Store::Open(dir_));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        core_, SyndicationCore::Create(store_.get(), ::syndicate::testing::TestSigningKey(),
                                       [this] { return now_; }));
  }

  std::string Publish(const Article& article) {
    syndication::v1::PublishArticleRequest request;
    *request.mutable_article() = article;
    absl::StatusOr<syndication::v1::PublishArticleResponse> response =
        core_->PublishArticle(request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->article().id() : "";
  }

  // GetArticle as the service answered it before it served stored bytes.
  absl::StatusOr<Article> Reference(const std::string& id, int64_t version,
                                    const Principal& caller) const {
    const auto not_found = [&](int64_t v) {
      return v > 0
                 ? absl::NotFoundError(absl::StrCat("id: article \"", id, "\" has no version ", v))
                 : absl::NotFoundError(absl::StrCat("id: no article has id \"", id, "\""));
    };
    absl::StatusOr<Article> latest = store_->GetArticle(id);
    if (absl::IsNotFound(latest.status()) ||
        (latest.ok() && (UnderEmbargo(*latest, now_) || !MayReadArticle(caller, *latest)))) {
      return not_found(0);
    }
    if (!latest.ok()) return latest.status();
    if (version > latest->version()) return not_found(version);
    if (version == 0 || version == latest->version() || IsTombstone(*latest)) {
      SetDelivery(caller, &*latest);
      return latest;
    }
    absl::StatusOr<Article> older = store_->GetArticle(id, version);
    if (absl::IsNotFound(older.status()) || (older.ok() && !MayReadArticle(caller, *older))) {
      return not_found(version);
    }
    if (older.ok()) SetDelivery(caller, &*older);
    return older;
  }

  // Checks ServeArticle's answer against Reference's; returns the answer, parsed.
  absl::StatusOr<Article> ServeAndCompare(const std::string& id, int64_t version,
                                          const Principal& caller) const {
    syndication::v1::GetArticleRequest request;
    request.set_id(id);
    request.set_version(version);
    absl::StatusOr<std::optional<ServedArticle>> served = core_->ServeArticle(request, caller);
    absl::StatusOr<Article> expected = Reference(id, version, caller);
    if (!expected.ok()) {
      EXPECT_THAT(served, StatusIs(expected.status().code(), expected.status().message()));
      return expected.status();
    }
    EXPECT_THAT(served, IsOk());
    if (!served.ok()) return served.status();
    EXPECT_TRUE(served->has_value());
    if (!served->has_value()) return absl::InternalError("nullopt");
    Article got;
    EXPECT_TRUE(got.ParseFromString((*served)->stored + (*served)->delivery));
    EXPECT_TRUE(MessageDifferencer::Equals(got, *expected))
        << "got " << got.DebugString() << "\nexpected " << expected->DebugString();
    // The same story, byte for byte, as a serialization of the expected message.
    EXPECT_EQ(got.SerializeAsString(), expected->SerializeAsString());
    // What the usage report is told.
    if (IsTombstone(*expected)) {
      EXPECT_TRUE((*served)->delivered.empty());
    } else {
      EXPECT_EQ((*served)->delivered.size(), 1u);
      if (!(*served)->delivered.empty()) {
        EXPECT_EQ((*served)->delivered[0].article_id, expected->id());
        EXPECT_EQ((*served)->delivered[0].version, expected->version());
        EXPECT_EQ((*served)->delivered[0].source_id, expected->source_id());
      }
    }
    // GetArticle is the same answer, parsed.
    absl::StatusOr<Article> parsed = core_->GetArticle(request, caller);
    EXPECT_THAT(parsed, IsOk());
    if (parsed.ok()) {
      EXPECT_TRUE(MessageDifferencer::Equals(*parsed, *expected));
    }
    return got;
  }

  // Every caller the rules tell apart.
  std::vector<Principal> Callers() const {
    std::vector<Principal> callers = {
        Principal::Operator(),
        Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL),
        Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_NOINDEX),
        Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_NONE),
        Partner({"harbour-wire"}, {"fr"}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL),
        Partner({"harbour-wire"}, {"en", "fr"}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL),
        Partner({"valley-post"}, {}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL),
    };
    Principal publisher;
    publisher.role = syndication::v1::ROLE_PUBLISHER;
    publisher.source_ids.insert("harbour-wire");
    callers.push_back(publisher);
    return callers;
  }

  // Compares every caller's answer for versions 0 to `versions` + 1 of `id`.
  void CompareEverything(const std::string& id, int64_t versions) {
    for (const Principal& caller : Callers()) {
      for (int64_t version = 0; version <= versions + 1; ++version) {
        SCOPED_TRACE(absl::StrCat("caller ", RoleName(caller.role), " ", caller.partner_id,
                                  " directive ", caller.search_directive, " languages ",
                                  caller.languages.size(), ", version ", version));
        (void)ServeAndCompare(id, version, caller);
      }
    }
  }

  std::string dir_;
  absl::Time now_ = kNow;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SyndicationCore> core_;
};

TEST_F(ServeArticleTest, AStoryAndItsVersionsAsEveryCallerGetsThem) {
  const std::string id = Publish(RichStory("ferry-1"));
  now_ += absl::Minutes(1);
  Article update = RichStory("ferry-1");
  update.set_headline("Ferry timetable: two more crossings on Saturdays");
  ASSERT_EQ(Publish(update), id);
  CompareEverything(id, 2);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      Article got,
      ServeAndCompare(id, 0,
                      Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL)));
  EXPECT_EQ(got.delivery().canonical_url(), "https://harbour.example.org/news/ferry-winter");
  EXPECT_EQ(got.media_size(), 2);
}

TEST_F(ServeArticleTest, AStoryWithoutAnOriginalUrlIsNoindexForACanonicalPartner) {
  Article story = RichStory("ferry-1");
  story.mutable_attribution()->clear_original_url();
  const std::string id = Publish(story);
  CompareEverything(id, 1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      Article got,
      ServeAndCompare(id, 0,
                      Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL)));
  EXPECT_EQ(got.delivery().search_directive(), syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
}

TEST_F(ServeArticleTest, AnEmbargoedStoryIsHiddenUntilItsTime) {
  Article story = RichStory("ferry-1");
  *story.mutable_embargoed_until() = ToTimestamp(kNow + absl::Hours(1));
  const std::string id = Publish(story);
  CompareEverything(id, 1);
  EXPECT_THAT(ServeAndCompare(id, 0, Principal::Operator()), StatusIs(absl::StatusCode::kNotFound));
  now_ = kNow + absl::Hours(1);
  ASSERT_THAT(core_->RunDueTasks(), IsOk());
  CompareEverything(id, 2);
  EXPECT_THAT(ServeAndCompare(id, 0, Principal::Operator()), IsOk());
}

TEST_F(ServeArticleTest, AWithdrawnStoryIsItsTombstoneInEveryLanguage) {
  Article story = RichStory("ferry-1");
  story.set_language("en");
  const std::string id = Publish(story);
  now_ += absl::Minutes(1);
  syndication::v1::WithdrawArticleRequest withdraw;
  withdraw.set_id(id);
  withdraw.set_reason("Legal review.");
  ASSERT_THAT(core_->WithdrawArticle(withdraw), IsOk());
  CompareEverything(id, 2);
  // A partner licensed for French only gets the tombstone of an English story.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      Article got,
      ServeAndCompare(id, 1,
                      Partner({"harbour-wire"}, {"fr"}, syndication::v1::SEARCH_DIRECTIVE_NONE)));
  EXPECT_TRUE(IsTombstone(got));
  EXPECT_EQ(got.version(), 2);
}

TEST_F(ServeArticleTest, AVersionInALanguageThePartnerHasNotLicensedIsNotFound) {
  Article story = RichStory("ferry-1");
  story.set_language("en");
  const std::string id = Publish(story);
  now_ += absl::Minutes(1);
  story.set_language("fr");
  story.set_headline("Horaires d'hiver du ferry");
  ASSERT_EQ(Publish(story), id);
  CompareEverything(id, 2);
  const Principal french =
      Partner({"harbour-wire"}, {"fr"}, syndication::v1::SEARCH_DIRECTIVE_NONE);
  EXPECT_THAT(ServeAndCompare(id, 1, french), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ServeAndCompare(id, 2, french), IsOk());
}

TEST_F(ServeArticleTest, MissingStoriesAndBadRequests) {
  CompareEverything(std::string(32, 'b'), 1);
  syndication::v1::GetArticleRequest request;
  request.set_id("not-an-id");
  EXPECT_THAT(core_->ServeArticle(request, Principal::Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_id(std::string(32, 'b'));
  request.set_version(-1);
  EXPECT_THAT(core_->ServeArticle(request, Principal::Operator()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// This server never stores a delivery (PublishArticle drops it), but a record that has one
// must not merge it into the caller's.
TEST_F(ServeArticleTest, AStoredDeliveryIsReplacedNotMerged) {
  Article story = RichStory("ferry-1");
  story.mutable_delivery()->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
  story.mutable_delivery()->set_canonical_url("https://elsewhere.example.org/");
  story.set_content_hash("hash-1");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(storage::PublishResult stored,
                                 store_->PublishArticle(story, kNow));
  ASSERT_TRUE(stored.article.has_delivery());
  CompareEverything(stored.article.id(), 1);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(Article got,
                                 ServeAndCompare(stored.article.id(), 0, Principal::Operator()));
  EXPECT_FALSE(got.has_delivery());
}

// Answers from memory only when they are there; a story read from the disk once is.
TEST_F(ServeArticleTest, MemoryOnlyReadsLeaveTheDiskToTheCaller) {
  const std::string id = Publish(RichStory("ferry-1"));
  syndication::v1::GetArticleRequest request;
  request.set_id(id);
  const Principal partner =
      Partner({"harbour-wire"}, {}, syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
  // In the memtable.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::optional<ServedArticle> in_memory,
      core_->ServeArticle(request, partner, Store::ReadTier::kMemoryOnly));
  EXPECT_TRUE(in_memory.has_value());

  // Only on the disk: flushed, and the store opened again (an empty block cache).
  ASSERT_THAT(store_->Flush(), IsOk());
  core_.reset();
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::optional<std::string> bytes,
                                 store_->GetArticleBytes(id, 0, Store::ReadTier::kMemoryOnly));
  EXPECT_FALSE(bytes.has_value());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::optional<ServedArticle> on_disk,
      core_->ServeArticle(request, partner, Store::ReadTier::kMemoryOnly));
  EXPECT_FALSE(on_disk.has_value());
  // Missing is missing wherever it is looked for.
  request.set_id(std::string(32, 'b'));
  absl::StatusOr<std::optional<ServedArticle>> missing =
      core_->ServeArticle(request, partner, Store::ReadTier::kMemoryOnly);
  if (missing.ok()) {
    EXPECT_FALSE(missing->has_value());
  } else {
    EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  }

  // Read from the disk, then in the block cache.
  request.set_id(id);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::optional<ServedArticle> read,
                                 core_->ServeArticle(request, partner));
  ASSERT_TRUE(read.has_value());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      std::optional<ServedArticle> cached,
      core_->ServeArticle(request, partner, Store::ReadTier::kMemoryOnly));
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->stored, read->stored);
  EXPECT_EQ(cached->delivery, read->delivery);
  (void)ServeAndCompare(id, 0, partner);
}

}  // namespace
}  // namespace syndicate::server
