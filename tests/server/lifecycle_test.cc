#include "server/lifecycle.h"

#include <optional>
#include <string>

#include "common/article_signing.h"
#include "common/timestamps.h"
#include "gtest/gtest.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::server {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndicate::testing::TestSigningKey;
using syndication::v1::Article;
using syndication::v1::PublishArticleRequest;
using syndication::v1::WithdrawArticleRequest;
using ::testing::HasSubstr;

constexpr char kId[] = "0123456789abcdef0123456789abcdef";
const absl::Time kT0 = absl::FromUnixSeconds(1796000000);

Article Candidate() {
  Article article = ExampleArticle("ferry-1");
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  return article;
}

// Version 1 as DecidePublish stores it.
Article FirstVersion(const Article& candidate = Candidate()) {
  auto change =
      DecidePublish(nullptr, candidate, PublishArticleRequest(), kId, kT0, TestSigningKey());
  EXPECT_THAT(change, IsOk());
  return (*change)->version;
}

TEST(Seal, SetsServerFieldsAndASignatureThatVerifies) {
  const Article v1 = FirstVersion();
  EXPECT_EQ(v1.id(), kId);
  EXPECT_EQ(v1.version(), 1);
  EXPECT_EQ(ToAbslTime(v1.first_created()), kT0);
  EXPECT_EQ(ToAbslTime(v1.version_created()), kT0);
  EXPECT_EQ(v1.content_hash(), ContentHash(v1));
  EXPECT_EQ(v1.etag(), "1-" + v1.content_hash().substr(7, 12));
  EXPECT_THAT(VerifyArticle(v1, TestSigningKey().public_key()), IsOk());
}

TEST(DecidePublish, SameContentIsUnchangedAndChangesAreVersions) {
  const Article v1 = FirstVersion();
  auto same = DecidePublish(&v1, Candidate(), PublishArticleRequest(), "", kT0 + absl::Minutes(1),
                            TestSigningKey());
  ASSERT_THAT(same, IsOk());
  EXPECT_FALSE(same->has_value());

  Article changed = Candidate();
  changed.set_headline("Ferry timetable delayed");
  auto update = DecidePublish(&v1, changed, PublishArticleRequest(), "", kT0 + absl::Minutes(1),
                              TestSigningKey());
  ASSERT_THAT(update, IsOk());
  ASSERT_TRUE(update->has_value());
  EXPECT_EQ((*update)->event_type, syndication::v1::EVENT_TYPE_UPDATED);
  EXPECT_EQ((*update)->version.version(), 2);
  EXPECT_EQ((*update)->version.id(), kId);
  EXPECT_EQ(ToAbslTime((*update)->version.first_created()), kT0);
  syndication::v1::PublishArticleResponse response;
  ASSERT_TRUE(response.ParseFromString((*update)->response));
  EXPECT_EQ(response.outcome(), syndication::v1::PublishArticleResponse::OUTCOME_UPDATED);
  EXPECT_EQ(response.article().version(), 2);
}

TEST(DecidePublish, ACorrectionMakesACorrectedVersionAndCarriesOver) {
  const Article v1 = FirstVersion();
  PublishArticleRequest request;
  request.mutable_correction()->set_text("An earlier version gave the wrong date.");
  auto corrected =
      DecidePublish(&v1, Candidate(), request, "", kT0 + absl::Hours(1), TestSigningKey());
  ASSERT_THAT(corrected, IsOk());
  ASSERT_TRUE(corrected->has_value());
  const Article& v2 = (*corrected)->version;
  EXPECT_EQ((*corrected)->event_type, syndication::v1::EVENT_TYPE_CORRECTED);
  ASSERT_EQ(v2.corrections_size(), 1);
  EXPECT_EQ(v2.corrections(0).text(), "An earlier version gave the wrong date.");
  EXPECT_EQ(ToAbslTime(v2.corrections(0).time()), kT0 + absl::Hours(1));
  // The next plain update keeps the note.
  Article changed = Candidate();
  changed.set_headline("Ferry timetable delayed");
  auto v3 = DecidePublish(&v2, changed, PublishArticleRequest(), "", kT0 + absl::Hours(2),
                          TestSigningKey());
  ASSERT_THAT(v3, IsOk());
  ASSERT_EQ((*v3)->version.corrections_size(), 1);

  request.mutable_correction()->set_text("  ");
  EXPECT_THAT(DecidePublish(&v1, Candidate(), request, "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument, "correction.text: is required"));
}

// Found by a reviewer: correction notes had no size limit, and every later version carries
// them, so a story could grow past what any response can deliver.
TEST(DecidePublish, ACorrectionNoteIsAtMost1000Bytes) {
  const Article v1 = FirstVersion();
  PublishArticleRequest request;
  request.mutable_correction()->set_text(std::string(1000, 'x'));
  EXPECT_THAT(DecidePublish(&v1, Candidate(), request, "", kT0, TestSigningKey()), IsOk());
  request.mutable_correction()->set_text(std::string(120 * 1000, 'x'));
  EXPECT_THAT(DecidePublish(&v1, Candidate(), request, "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.text: is 120000 bytes; at most 1000 are allowed"));
  request.mutable_correction()->set_text("Wrong \x1b[2Jdate.");
  EXPECT_THAT(DecidePublish(&v1, Candidate(), request, "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "correction.text: holds control character U+001B"));
}

// Found by a reviewer: the article size limit ran before the carried-over notes were added.
TEST(DecidePublish, AVersionOverTheSizeLimitWithItsCorrectionsIsRefused) {
  Article latest = FirstVersion();
  // Notes as earlier versions left them: 1100 of 1000 bytes each.
  for (int i = 0; i < 1100; ++i) {
    auto* note = latest.add_corrections();
    note->set_text(std::string(1000, 'n'));
    *note->mutable_time() = ToTimestamp(kT0);
  }
  Article changed = Candidate();
  changed.set_headline("Ferry timetable delayed");
  auto refused =
      DecidePublish(&latest, changed, PublishArticleRequest(), "", kT0, TestSigningKey());
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("article: is ")));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr(" bytes serialized; at most 1048576 are allowed (the "
                                          "largest field is corrections, ")));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("the story's 1100 correction notes")));
  // The most notes a plain update still fits with: one more note, sent as a correction, is
  // refused.
  absl::StatusOr<std::optional<storage::Change>> plain = refused;
  while (!plain.ok()) {
    latest.mutable_corrections()->RemoveLast();
    plain = DecidePublish(&latest, changed, PublishArticleRequest(), "", kT0, TestSigningKey());
  }
  ASSERT_TRUE(plain->has_value());
  EXPECT_LE((*plain)->version.ByteSizeLong(), 1048576u);
  PublishArticleRequest correct;
  correct.mutable_correction()->set_text(std::string(1000, 'c'));
  *correct.mutable_correction()->mutable_time() = ToTimestamp(kT0);
  EXPECT_THAT(DecidePublish(&latest, changed, correct, "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("correction notes")));
}

// Found by a reviewer: a correction on a story's first publish was stored as a correction of
// nothing.
TEST(DecidePublish, ACorrectionNeedsAnEarlierVersion) {
  PublishArticleRequest request;
  request.mutable_correction()->set_text("An earlier version gave the wrong date.");
  EXPECT_THAT(DecidePublish(nullptr, Candidate(), request, kId, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("correction: the story is new, so there is no earlier version "
                                 "to correct")));
}

// Found by a reviewer: malformed etags were called stale, and echoed whole.
TEST(DecidePublish, AMalformedEtagIsInvalidNotStale) {
  const Article v1 = FirstVersion();
  Article changed = Candidate();
  changed.set_headline("Ferry timetable delayed");
  PublishArticleRequest request;
  request.set_etag(std::string(8000, 'e'));
  auto refused = DecidePublish(&v1, changed, request, "", kT0, TestSigningKey());
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("etag: \"eeee")));
  EXPECT_LT(refused.status().message().size(), 300u);
  for (const char* malformed : {"1-abc", "v1", "01-0123456789ab", "1-0123456789AB", "-0123456789ab",
                                "1-0123456789abc", "0-0123456789ab"}) {
    request.set_etag(malformed);
    EXPECT_THAT(DecidePublish(&v1, changed, request, "", kT0, TestSigningKey()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an etag")))
        << malformed;
    EXPECT_THAT(DecidePublish(nullptr, changed, request, kId, kT0, TestSigningKey()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an etag")))
        << malformed;
  }
  // Well formed but not the latest version's: stale.
  request.set_etag("7-0123456789ab");
  EXPECT_THAT(DecidePublish(&v1, changed, request, "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kAborted,
                       "etag: \"7-0123456789ab\" is stale: the story is at version 1 (etag \"" +
                           v1.etag() + "\")"));
  WithdrawArticleRequest withdraw;
  withdraw.set_id(kId);
  withdraw.set_reason("Legal review");
  withdraw.set_etag("stale?");
  EXPECT_THAT(DecideWithdraw(&v1, withdraw, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an etag")));
}

TEST(DecidePublish, StaleEtagIsAborted) {
  const Article v1 = FirstVersion();
  PublishArticleRequest request;
  request.set_etag(v1.etag());
  Article changed = Candidate();
  changed.set_headline("Ferry timetable delayed");
  auto ok = DecidePublish(&v1, changed, request, "", kT0, TestSigningKey());
  ASSERT_THAT(ok, IsOk());
  const Article v2 = (*ok)->version;
  changed.set_headline("Ferry timetable delayed again");
  EXPECT_THAT(
      DecidePublish(&v2, changed, request, "", kT0, TestSigningKey()),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("is stale: the story is at version 2")));
  EXPECT_THAT(DecidePublish(nullptr, changed, request, kId, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("the story does not exist yet")));
}

TEST(DecidePublish, OriginalPublisherAndUrlCannotChange) {
  const Article v1 = FirstVersion();
  Article changed = Candidate();
  changed.mutable_attribution()->set_original_publisher("Another Gazette");
  EXPECT_THAT(DecidePublish(&v1, changed, PublishArticleRequest(), "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "article.attribution.original_publisher: a story's original publisher "
                       "cannot change (it is \"The Harbour Gazette\")"));
  changed = Candidate();
  changed.mutable_attribution()->set_original_url("https://elsewhere.example.org/x");
  EXPECT_THAT(DecidePublish(&v1, changed, PublishArticleRequest(), "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a story's canonical URL cannot change")));
}

TEST(DecideWithdraw, WithholdThenKillAndNothingComesBackFromAKill) {
  const Article v1 = FirstVersion();
  WithdrawArticleRequest request;
  request.set_id(kId);
  request.set_reason("Legal review");
  auto withheld = DecideWithdraw(&v1, request, kT0 + absl::Hours(1), TestSigningKey());
  ASSERT_THAT(withheld, IsOk());
  const Article& v2 = withheld->version;
  EXPECT_EQ(withheld->event_type, syndication::v1::EVENT_TYPE_WITHDRAWN);
  EXPECT_EQ(v2.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(v2.withdrawal_reason(), "Legal review");
  EXPECT_EQ(v2.headline(), "");
  EXPECT_EQ(v2.body_text(), "");
  EXPECT_FALSE(v2.has_attribution());
  EXPECT_EQ(v2.version(), 2);
  EXPECT_THAT(VerifyArticle(v2, TestSigningKey().public_key()), IsOk());

  EXPECT_THAT(DecideWithdraw(&v2, request, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is already withdrawn")));
  request.set_kill(true);
  auto killed = DecideWithdraw(&v2, request, kT0 + absl::Hours(2), TestSigningKey());
  ASSERT_THAT(killed, IsOk());
  const Article& v3 = killed->version;
  EXPECT_EQ(killed->event_type, syndication::v1::EVENT_TYPE_CANCELED);
  EXPECT_EQ(v3.pubstatus(), syndication::v1::PUB_STATUS_CANCELED);
  EXPECT_THAT(DecideWithdraw(&v3, request, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("was already killed")));
  EXPECT_THAT(DecidePublish(&v3, Candidate(), PublishArticleRequest(), "", kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a killed story cannot be published again")));
  EXPECT_THAT(DecideWithdraw(nullptr, request, kT0, TestSigningKey()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no article has id")));
}

TEST(DecidePublish, AWithheldStoryComesBackWithTheNextPublish) {
  const Article v1 = FirstVersion();
  WithdrawArticleRequest request;
  request.set_id(kId);
  request.set_reason("Legal review");
  const Article v2 = DecideWithdraw(&v1, request, kT0, TestSigningKey())->version;
  auto back = DecidePublish(&v2, Candidate(), PublishArticleRequest(), "", kT0 + absl::Hours(1),
                            TestSigningKey());
  ASSERT_THAT(back, IsOk());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->version.version(), 3);
  EXPECT_EQ((*back)->version.pubstatus(), syndication::v1::PUB_STATUS_USABLE);
  EXPECT_EQ((*back)->version.headline(), Candidate().headline());
}

TEST(DecidePublish, AReinstatementKeepsTheAttributionItTookDown) {
  const Article v1 = FirstVersion();
  WithdrawArticleRequest request;
  request.set_id(kId);
  request.set_reason("Legal review");
  const Article v2 = DecideWithdraw(&v1, request, kT0, TestSigningKey())->version;
  Article changed = Candidate();
  changed.mutable_attribution()->set_original_publisher("Another Gazette");
  EXPECT_THAT(DecidePublish(&v2, changed, PublishArticleRequest(), "", kT0 + absl::Hours(1),
                            TestSigningKey(), /*taken_down=*/&v1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a story's original publisher cannot change")));
  EXPECT_THAT(DecidePublish(&v2, Candidate(), PublishArticleRequest(), "", kT0 + absl::Hours(1),
                            TestSigningKey(), /*taken_down=*/&v1),
              IsOk());
}

// Found by a reviewer: a reinstated story took its corrections from the tombstone, which
// has none, and lost them.
TEST(DecidePublish, AReinstatementKeepsTheCorrectionsItTookDown) {
  const Article v1 = FirstVersion();
  PublishArticleRequest correct;
  correct.mutable_correction()->set_text("An earlier version gave the wrong date.");
  auto corrected = DecidePublish(&v1, Candidate(), correct, "", kT0, TestSigningKey());
  ASSERT_THAT(corrected, IsOk());
  const Article v2 = (*corrected)->version;
  WithdrawArticleRequest request;
  request.set_id(kId);
  request.set_reason("Legal review");
  const Article v3 = DecideWithdraw(&v2, request, kT0, TestSigningKey())->version;
  EXPECT_EQ(v3.corrections_size(), 0);
  auto back = DecidePublish(&v3, Candidate(), PublishArticleRequest(), "", kT0 + absl::Hours(1),
                            TestSigningKey(), /*taken_down=*/&v2);
  ASSERT_THAT(back, IsOk());
  ASSERT_TRUE(back->has_value());
  ASSERT_EQ((*back)->version.corrections_size(), 1);
  EXPECT_EQ((*back)->version.corrections(0).text(), "An earlier version gave the wrong date.");
}

TEST(Embargo, HiddenUntilTheInstantThenLiftedOnce) {
  Article candidate = Candidate();
  *candidate.mutable_embargoed_until() = ToTimestamp(kT0 + absl::Hours(2));
  const Article v1 = FirstVersion(candidate);
  EXPECT_TRUE(UnderEmbargo(v1, kT0));
  EXPECT_TRUE(UnderEmbargo(v1, kT0 + absl::Hours(2) - absl::Nanoseconds(1)));
  EXPECT_FALSE(UnderEmbargo(v1, kT0 + absl::Hours(2)));
  EXPECT_FALSE(DecideLiftEmbargo(&v1, kT0 + absl::Hours(1), TestSigningKey()).has_value());
  auto lifted = DecideLiftEmbargo(&v1, kT0 + absl::Hours(2), TestSigningKey());
  ASSERT_TRUE(lifted.has_value());
  EXPECT_EQ(lifted->event_type, syndication::v1::EVENT_TYPE_EMBARGO_LIFTED);
  EXPECT_EQ(lifted->version.version(), 2);
  EXPECT_EQ(lifted->version.headline(), v1.headline());
  EXPECT_FALSE(UnderEmbargo(lifted->version, kT0));  // made after the embargo
  // Lifting again does nothing.
  EXPECT_FALSE(
      DecideLiftEmbargo(&lifted->version, kT0 + absl::Hours(3), TestSigningKey()).has_value());
}

TEST(Embargo, AStoryWithdrawnUnderEmbargoGetsATombstoneUnderTheSameEmbargo) {
  Article candidate = Candidate();
  *candidate.mutable_embargoed_until() = ToTimestamp(kT0 + absl::Hours(2));
  const Article v1 = FirstVersion(candidate);
  WithdrawArticleRequest request;
  request.set_id(kId);
  request.set_reason("Legal review");
  request.set_kill(true);
  auto killed = DecideWithdraw(&v1, request, kT0 + absl::Hours(1), TestSigningKey());
  ASSERT_THAT(killed, IsOk());
  EXPECT_TRUE(UnderEmbargo(killed->version, kT0 + absl::Hours(1)));
  EXPECT_FALSE(UnderEmbargo(killed->version, kT0 + absl::Hours(2)));
  EXPECT_FALSE(
      DecideLiftEmbargo(&killed->version, kT0 + absl::Hours(2), TestSigningKey()).has_value());
  // Once the embargo has passed there is nothing to hide.
  auto late = DecideWithdraw(&v1, request, kT0 + absl::Hours(2), TestSigningKey());
  ASSERT_THAT(late, IsOk());
  EXPECT_FALSE(late->version.has_embargoed_until());
}

TEST(Embargo, AStoryExpiringUnderEmbargoGetsATombstoneUnderTheSameEmbargo) {
  Article candidate = Candidate();
  *candidate.mutable_embargoed_until() = ToTimestamp(kT0 + absl::Hours(2));
  *candidate.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(1));
  const Article v1 = FirstVersion(candidate);
  auto expired = DecideExpire(&v1, kT0 + absl::Hours(1), TestSigningKey());
  ASSERT_TRUE(expired.has_value());
  EXPECT_TRUE(UnderEmbargo(expired->version, kT0 + absl::Hours(1)));
  EXPECT_FALSE(UnderEmbargo(expired->version, kT0 + absl::Hours(2)));
}

TEST(Expiry, MakesAnExpiredTombstoneWhenDue) {
  Article candidate = Candidate();
  *candidate.mutable_expires_at() = ToTimestamp(kT0 + absl::Hours(24));
  const Article v1 = FirstVersion(candidate);
  EXPECT_FALSE(DecideExpire(&v1, kT0 + absl::Hours(23), TestSigningKey()).has_value());
  auto expired = DecideExpire(&v1, kT0 + absl::Hours(24), TestSigningKey());
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->event_type, syndication::v1::EVENT_TYPE_EXPIRED);
  EXPECT_EQ(expired->version.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  EXPECT_EQ(expired->version.withdrawal_reason(), "expired");
  EXPECT_TRUE(IsTombstone(expired->version));
  EXPECT_FALSE(
      DecideExpire(&expired->version, kT0 + absl::Hours(25), TestSigningKey()).has_value());
}

}  // namespace
}  // namespace syndicate::server
