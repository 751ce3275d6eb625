// Decided commits through the Store's public interface: creating and updating stories,
// the consistency checks, request replay (AIP-155), the update-order listing, versions,
// the embargo and expiry schedule, request trimming and signing keys.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

using ::std::string_literals::operator""s;
using ::syndicate::ToAbslTime;
using ::syndicate::ToTimestamp;
using ::syndicate::storage::test_util::Always;
using ::syndicate::storage::test_util::Create;
using ::syndicate::storage::test_util::ExternalIds;
using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::kId1;
using ::syndicate::storage::test_util::kId2;
using ::syndicate::storage::test_util::kId3;
using ::syndicate::storage::test_util::kId4;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::Next;
using ::syndicate::storage::test_util::Story;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::IsEmpty;
using ::testing::Optional;

constexpr absl::Time kT = kBaseTime;

class StorageCommitTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> OpenStore(const StoreOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(StorePath(), options);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Commits `change` to the story it names (by its source and external id) and expects
  // success; returns the stored version.
  Article Commit(Store& store, const Change& change, std::string_view request_id = "") {
    absl::StatusOr<CommitResult> result = store.CommitByExternalId(
        change.version.source_id(), change.version.external_id(), request_id, Always(change));
    EXPECT_THAT(result, IsOk());
    if (!result.ok()) return Article{};
    EXPECT_GT(result->sequence, 0u);
    return std::move(result->latest);
  }

  std::vector<Article> ByUpdate(const Store& store, const UpdateQuery& query) {
    absl::StatusOr<std::vector<Article>> list = store.ListArticlesByUpdate(query);
    EXPECT_THAT(list, IsOk());
    return list.ok() ? std::move(list).value() : std::vector<Article>{};
  }

  std::vector<DueTask> Due(const Store& store, absl::Time now, int limit = 100) {
    absl::StatusOr<std::vector<DueTask>> tasks = store.DueTasks(now, limit);
    EXPECT_THAT(tasks, IsOk());
    return tasks.ok() ? std::move(tasks).value() : std::vector<DueTask>{};
  }

  std::optional<absl::Time> NextTask(const Store& store) {
    absl::StatusOr<std::optional<absl::Time>> next = store.NextTaskTime();
    EXPECT_THAT(next, IsOk());
    return next.ok() ? *next : std::nullopt;
  }

  std::vector<FeedRecord> Feed(const Store& store) {
    absl::StatusOr<std::vector<FeedRecord>> feed = store.ReadFeed(0, 1000);
    EXPECT_THAT(feed, IsOk());
    return feed.ok() ? std::move(feed).value() : std::vector<FeedRecord>{};
  }
};

UpdateQuery Updates(std::vector<std::string> source_ids = {}, int limit = 100) {
  UpdateQuery query;
  query.source_ids = std::move(source_ids);
  query.limit = limit;
  return query;
}

std::vector<std::string> Ids(const std::vector<Article>& articles) {
  std::vector<std::string> ids;
  ids.reserve(articles.size());
  for (const Article& article : articles) ids.push_back(article.id());
  return ids;
}

std::vector<int64_t> Versions(const std::vector<Article>& articles) {
  std::vector<int64_t> versions;
  versions.reserve(articles.size());
  for (const Article& article : articles) versions.push_back(article.version());
  return versions;
}

MATCHER_P3(IsTask, due, article_id, kind, "") {
  return arg.due == due && arg.article_id == article_id && arg.kind == kind;
}

// A story with an embargo and/or an expiry.
Article Timed(const std::string& external_id, std::optional<absl::Time> embargoed_until,
              std::optional<absl::Time> expires_at, char hash_digit = 'a') {
  Article article = Story(external_id, hash_digit);
  if (embargoed_until.has_value())
    *article.mutable_embargoed_until() = ToTimestamp(*embargoed_until);
  if (expires_at.has_value()) *article.mutable_expires_at() = ToTimestamp(*expires_at);
  return article;
}

// --- Create, update, nothing, error ------------------------------------------------------

TEST_F(StorageCommitTest, ACommitCreatesTheStoryAsDecided) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Change change = Create(Story("urn:example:1"), kId1, kT + absl::Nanoseconds(7));
  int calls = 0;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult result,
      store->CommitByExternalId(
          "wire", "urn:example:1", "",
          [&](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
            ++calls;
            EXPECT_EQ(latest, nullptr);
            return change;
          }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(result.sequence, 1u);
  EXPECT_EQ(result.replayed_response, std::nullopt);
  EXPECT_EQ(result.latest.SerializeAsString(), change.version.SerializeAsString());
  EXPECT_EQ(store->FeedHead(), 1u);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, store->GetArticle(kId1));
  EXPECT_EQ(latest.SerializeAsString(), change.version.SerializeAsString());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article v1, store->GetArticle(kId1, 1));
  EXPECT_EQ(v1.SerializeAsString(), change.version.SerializeAsString());

  const std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].sequence(), 1u);
  EXPECT_EQ(feed[0].type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(feed[0].article_id(), kId1);
  EXPECT_EQ(feed[0].version(), 1);
  EXPECT_EQ(feed[0].source_id(), "wire");
  EXPECT_EQ(ToAbslTime(feed[0].time()), kT + absl::Nanoseconds(7));
  EXPECT_FALSE(feed[0].hidden());
}

TEST_F(StorageCommitTest, AnUpdateSeesTheLatestVersionAndKeepsItsEventType) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Article v1 = Commit(*store, Create(Story("urn:example:1"), kId1, kT));
  Commit(*store, Create(Story("urn:example:2"), kId2, kT));

  Article corrected = Story("urn:example:1", 'b');
  syndication::v1::Correction* note = corrected.add_corrections();
  *note->mutable_time() = ToTimestamp(kT + absl::Hours(1));
  note->set_text("An earlier version misspelt the harbour master's name.");
  int calls = 0;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult result,
      store->CommitByExternalId(
          "wire", "urn:example:1", "",
          [&](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
            ++calls;
            EXPECT_NE(latest, nullptr);
            if (latest == nullptr) return absl::InternalError("no latest");
            EXPECT_EQ(latest->SerializeAsString(), v1.SerializeAsString());
            return Next(*latest, corrected, kT + absl::Hours(1),
                        syndication::v1::EVENT_TYPE_CORRECTED);
          }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(result.sequence, 3u);
  EXPECT_EQ(result.latest.id(), kId1);
  EXPECT_EQ(result.latest.version(), 2);
  EXPECT_EQ(result.latest.content_hash(), Hash('b'));

  // By id too, e.g. a withdrawal.
  Article withheld = Story("urn:example:1", 'c');
  withheld.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult withdrawn,
      store->CommitById(kId1, "",
                        [&](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
                          EXPECT_NE(latest, nullptr);
                          if (latest == nullptr) return absl::InternalError("no latest");
                          EXPECT_EQ(latest->version(), 2);
                          return Next(*latest, withheld, kT + absl::Hours(2),
                                      syndication::v1::EVENT_TYPE_WITHDRAWN);
                        }));
  EXPECT_EQ(withdrawn.sequence, 4u);
  EXPECT_EQ(withdrawn.latest.version(), 3);

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, store->GetArticle(kId1));
  EXPECT_EQ(latest.version(), 3);
  EXPECT_EQ(latest.pubstatus(), syndication::v1::PUB_STATUS_WITHHELD);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article second, store->GetArticle(kId1, 2));
  EXPECT_EQ(second.corrections_size(), 1);
  EXPECT_EQ(ToAbslTime(second.first_created()), kT);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article first, store->GetArticle(kId1, 1));
  EXPECT_EQ(first.SerializeAsString(), v1.SerializeAsString());

  const std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 4u);
  EXPECT_EQ(feed[2].type(), syndication::v1::EVENT_TYPE_CORRECTED);
  EXPECT_EQ(feed[2].version(), 2);
  EXPECT_EQ(ToAbslTime(feed[2].time()), kT + absl::Hours(1));
  EXPECT_EQ(feed[3].type(), syndication::v1::EVENT_TYPE_WITHDRAWN);
  EXPECT_EQ(feed[3].version(), 3);
}

TEST_F(StorageCommitTest, CommitByIdSeesNullptrForAnUnknownStoryAndMayCreateIt) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  bool saw_nullptr = false;
  EXPECT_THAT(
      store->CommitById(kId1, "",
                        [&](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
                          saw_nullptr = latest == nullptr;
                          return absl::NotFoundError("no article with id 1");
                        }),
      StatusIs(absl::StatusCode::kNotFound, "no article with id 1"));
  EXPECT_TRUE(saw_nullptr);
  EXPECT_EQ(store->FeedHead(), 0u);

  // A story made by id is then found by its external id as well.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult created,
      store->CommitById(kId1, "", Always(Create(Story("urn:example:1"), kId1, kT))));
  EXPECT_EQ(created.sequence, 1u);
  int64_t seen_version = 0;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult found,
      store->CommitByExternalId(
          "wire", "urn:example:1", "",
          [&](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
            seen_version = latest == nullptr ? -1 : latest->version();
            return std::nullopt;
          }));
  EXPECT_EQ(seen_version, 1);
  EXPECT_EQ(found.latest.id(), kId1);
}

TEST_F(StorageCommitTest, DecidingNothingWritesNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Article v1 = Commit(*store, Create(Story("urn:example:1"), kId1, kT));
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) { heard.push_back(sequence); });
  const Decide nothing = [](const Article*) -> absl::StatusOr<std::optional<Change>> {
    return std::nullopt;
  };

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const CommitResult existing,
                                 store->CommitByExternalId("wire", "urn:example:1", "", nothing));
  EXPECT_EQ(existing.sequence, 0u);
  EXPECT_EQ(existing.replayed_response, std::nullopt);
  EXPECT_EQ(existing.latest.SerializeAsString(), v1.SerializeAsString());
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const CommitResult by_id, store->CommitById(kId1, "", nothing));
  EXPECT_EQ(by_id.latest.SerializeAsString(), v1.SerializeAsString());

  SYNDICATE_ASSERT_OK_AND_ASSIGN(const CommitResult missing,
                                 store->CommitByExternalId("wire", "urn:example:2", "", nothing));
  EXPECT_EQ(missing.sequence, 0u);
  EXPECT_EQ(missing.latest.id(), "");

  EXPECT_EQ(store->FeedHead(), 1u);
  EXPECT_THAT(heard, IsEmpty());
  EXPECT_THAT(store->GetArticle(kId1, 2), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StorageCommitTest, AnErrorFromDecideIsReturnedAsIsAndWritesNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, Create(Story("urn:example:1"), kId1, kT));
  EXPECT_THAT(
      store->CommitByExternalId("wire", "urn:example:1", "req-1",
                                [](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                  return absl::AbortedError("etag \"v1\" is stale");
                                }),
      StatusIs(absl::StatusCode::kAborted, "etag \"v1\" is stale"));
  EXPECT_THAT(store->CommitById(kId1, "",
                                [](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                  return absl::FailedPreconditionError("the story was killed");
                                }),
              StatusIs(absl::StatusCode::kFailedPrecondition, "the story was killed"));
  EXPECT_EQ(store->FeedHead(), 1u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const Article latest, store->GetArticle(kId1));
  EXPECT_EQ(latest.version(), 1);
}

TEST_F(StorageCommitTest, CommitByExternalIdRejectsAnEmptyKey) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Decide decide = Always(Create(Story("urn:example:1"), kId1, kT));
  EXPECT_THAT(store->CommitByExternalId("", "urn:example:1", "", decide),
              StatusIs(absl::StatusCode::kInvalidArgument, "source_id: must not be empty"));
  EXPECT_THAT(store->CommitByExternalId("wire", "", "", decide),
              StatusIs(absl::StatusCode::kInvalidArgument, "external_id: must not be empty"));
  EXPECT_EQ(store->FeedHead(), 0u);
}

// --- Consistency checks --------------------------------------------------------------------

struct InconsistentCase {
  std::string name;
  std::function<absl::StatusOr<CommitResult>(Store&, const Article& v1)> commit;
  std::string message;
};

std::vector<InconsistentCase> InconsistentCases() {
  const std::string update = "inconsistent change to article wire/urn:example:1: ";
  const std::string create = "inconsistent change to article wire/urn:example:new: ";
  const std::string by_id = absl::StrCat("inconsistent change to article ", kId2, ": ");
  // Version 2 of urn:example:1 with `edit` applied.
  const auto update_with = [](std::function<void(Change&)> edit) {
    return [edit](Store& store, const Article& v1) {
      Change change = Next(v1, Story("urn:example:1", 'b'), kT + absl::Hours(1));
      edit(change);
      return store.CommitByExternalId("wire", "urn:example:1", "req-bad", Always(change));
    };
  };
  const auto create_with = [](std::function<void(Change&)> edit) {
    return [edit](Store& store, const Article&) {
      Change change = Create(Story("urn:example:new"), kId2, kT);
      edit(change);
      return store.CommitByExternalId("wire", "urn:example:new", "req-bad", Always(change));
    };
  };
  const auto create_by_id_with = [](std::function<void(Change&)> edit) {
    return [edit](Store& store, const Article&) {
      Change change = Create(Story("urn:example:new"), kId2, kT);
      edit(change);
      return store.CommitById(kId2, "req-bad", Always(change));
    };
  };
  return {
      {"skipped version", update_with([](Change& c) { c.version.set_version(3); }),
       update + "version.version is 3 but the latest stored version is 1"},
      {"repeated version", update_with([](Change& c) { c.version.set_version(1); }),
       update + "version.version is 1 but the latest stored version is 1"},
      {"other id", update_with([](Change& c) { c.version.set_id(kId2); }),
       update + "version.id \"" + kId2 + "\" is not the story's \"" + kId1 + "\""},
      {"other source", update_with([](Change& c) { c.version.set_source_id("daily"); }),
       update + "version.source_id \"daily\" is not the story's \"wire\""},
      {"other external id",
       update_with([](Change& c) { c.version.set_external_id("urn:example:2"); }),
       update + "version.external_id \"urn:example:2\" is not the story's \"urn:example:1\""},
      {"unspecified event",
       update_with([](Change& c) { c.event_type = syndication::v1::EVENT_TYPE_UNSPECIFIED; }),
       update + "event_type is unspecified"},
      {"no version_created", update_with([](Change& c) { c.version.clear_version_created(); }),
       update + "version.version_created is unset"},
      {"new at version 2", create_with([](Change& c) { c.version.set_version(2); }),
       create + "version.version is 2 but the story is new"},
      {"malformed id", create_with([](Change& c) { c.version.set_id("not-an-id"); }),
       create + "version.id \"not-an-id\" is not 32 lowercase hex digits"},
      {"taken id", create_with([](Change& c) { c.version.set_id(kId1); }),
       create + "version.id \"" + kId1 + "\" is another story's"},
      {"new in another source", create_with([](Change& c) { c.version.set_source_id("daily"); }),
       create + "version.source_id \"daily\" is not the story's \"wire\""},
      {"new with another external id",
       create_with([](Change& c) { c.version.set_external_id("urn:example:other"); }),
       create + "version.external_id \"urn:example:other\" is not the story's \"urn:example:new\""},
      {"by id with another id", create_by_id_with([](Change& c) { c.version.set_id(kId3); }),
       by_id + "version.id \"" + kId3 + "\" is not the story's \"" + kId2 + "\""},
      {"by id with a taken external id",
       create_by_id_with([](Change& c) { c.version.set_external_id("urn:example:1"); }),
       by_id + "another story has source_id \"wire\" and external_id \"urn:example:1\""},
      {"by id without an external id",
       create_by_id_with([](Change& c) { c.version.clear_external_id(); }),
       by_id + "version.external_id is empty"},
      {"by id without a source", create_by_id_with([](Change& c) { c.version.clear_source_id(); }),
       by_id + "version.source_id: must not be empty"},
  };
}

TEST_F(StorageCommitTest, AnInconsistentChangeIsInternalAndWritesNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Article v1 = Commit(*store, Create(Story("urn:example:1"), kId1, kT));
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) { heard.push_back(sequence); });
  for (const InconsistentCase& c : InconsistentCases()) {
    EXPECT_THAT(c.commit(*store, v1), StatusIs(absl::StatusCode::kInternal, c.message)) << c.name;
  }
  EXPECT_EQ(store->FeedHead(), 1u);
  EXPECT_THAT(heard, IsEmpty());
  EXPECT_THAT(store->GetArticle(kId1, 2), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->GetArticle(kId2), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates())), ElementsAre(kId1));
  // No request was recorded either: the same request id decides again.
  int calls = 0;
  ASSERT_THAT(
      store->CommitByExternalId("wire", "urn:example:1", "req-bad",
                                [&](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                  ++calls;
                                  return std::nullopt;
                                }),
      IsOk());
  EXPECT_EQ(calls, 1);
}

// --- Request replay ----------------------------------------------------------------------

TEST_F(StorageCommitTest, ARepeatedRequestIdReplaysTheFirstResponseWithoutDeciding) {
  int calls = 0;
  // Makes the next version of urn:example:1 (version 1 when new), with `response`.
  const auto next_version = [&calls](std::string response) -> Decide {
    return [&calls, response](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
      ++calls;
      Change change = latest == nullptr ? Create(Story("urn:example:1"), kId1, kT)
                                        : Next(*latest, Story("urn:example:1", 'b'),
                                               kT + absl::Minutes(latest->version()));
      change.response = response;
      return change;
    };
  };
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const CommitResult first,
        store->CommitByExternalId("wire", "urn:example:1", "req-1", next_version("created v1")));
    EXPECT_EQ(first.sequence, 1u);
    EXPECT_EQ(calls, 1);

    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const CommitResult replay,
        store->CommitByExternalId("wire", "urn:example:1", "req-1", next_version("other")));
    EXPECT_EQ(calls, 1);
    EXPECT_THAT(replay.replayed_response, Optional("created v1"s));
    EXPECT_EQ(replay.sequence, 0u);
    EXPECT_EQ(replay.latest.version(), 1);
    EXPECT_EQ(store->FeedHead(), 1u);

    // One namespace for both commit methods.
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const CommitResult by_id,
                                   store->CommitById(kId1, "req-1", next_version("other")));
    EXPECT_EQ(calls, 1);
    EXPECT_THAT(by_id.replayed_response, Optional("created v1"s));

    // Another request id decides.
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const CommitResult second,
        store->CommitByExternalId("wire", "urn:example:1", "req-2", next_version("updated v2")));
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(second.sequence, 2u);
    EXPECT_EQ(second.replayed_response, std::nullopt);

    // No request id: never recorded, never replayed.
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "", next_version("")), IsOk());
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "", next_version("")), IsOk());
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(store->FeedHead(), 4u);
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult after_reopen,
      store->CommitByExternalId("wire", "urn:example:1", "req-1", next_version("other")));
  EXPECT_EQ(calls, 4);
  EXPECT_THAT(after_reopen.replayed_response, Optional("created v1"s));
  EXPECT_EQ(after_reopen.latest.version(), 4);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const CommitResult second_again,
                                 store->CommitById(kId1, "req-2", next_version("other")));
  EXPECT_THAT(second_again.replayed_response, Optional("updated v2"s));
  EXPECT_EQ(calls, 4);
}

TEST_F(StorageCommitTest, ACommitThatWritesNothingRecordsNoRequest) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  int calls = 0;
  const Decide nothing = [&](const Article*) -> absl::StatusOr<std::optional<Change>> {
    ++calls;
    return std::nullopt;
  };
  const Decide refuse = [&](const Article*) -> absl::StatusOr<std::optional<Change>> {
    ++calls;
    return absl::InvalidArgumentError("headline: must not be empty");
  };
  ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1", nothing), IsOk());
  EXPECT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1", refuse),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult created,
      store->CommitByExternalId("wire", "urn:example:1", "req-1",
                                [&](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                  ++calls;
                                  Change change = Create(Story("urn:example:1"), kId1, kT);
                                  change.response = "created";
                                  return change;
                                }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(created.sequence, 1u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const CommitResult replay,
      store->CommitByExternalId("wire", "urn:example:1", "req-1", refuse));
  EXPECT_EQ(calls, 3);
  EXPECT_THAT(replay.replayed_response, Optional("created"s));
}

// --- Update order --------------------------------------------------------------------------

TEST_F(StorageCommitTest, UpdateOrderIsOldestFirstWithTiesByIdAscending) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, Create(Story("c"), kId3, kT + absl::Hours(2)));
  Commit(*store, Create(Story("b"), kId2, kT));
  Commit(*store, Create(Story("a"), kId1, kT));
  // Within one microsecond the id decides, whatever the nanoseconds say.
  Commit(*store, Create(Story("d"), kId4, kT + absl::Hours(1) + absl::Nanoseconds(900)));
  Commit(*store, Create(Story("e"), "00000000000000000000000000000005",
                        kT + absl::Hours(1) + absl::Nanoseconds(100)));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates())),
              ElementsAre(kId1, kId2, kId4, "00000000000000000000000000000005", kId3));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({}, 2))), ElementsAre(kId1, kId2));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"wire"}))),
              ElementsAre(kId1, kId2, kId4, "00000000000000000000000000000005", kId3));
}

TEST_F(StorageCommitTest, UpdatedAfterIsExclusiveToTheNanosecond) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, Create(Story("a"), kId1, kT));
  Commit(*store, Create(Story("b"), kId2, kT + absl::Nanoseconds(500)));
  Commit(*store, Create(Story("c"), kId3, kT + absl::Microseconds(1)));
  const auto after = [&](absl::Time time) {
    UpdateQuery query = Updates();
    query.updated_after = time;
    return Ids(ByUpdate(*store, query));
  };
  EXPECT_THAT(after(kT - absl::Nanoseconds(1)), ElementsAre(kId1, kId2, kId3));
  EXPECT_THAT(after(kT), ElementsAre(kId2, kId3));
  EXPECT_THAT(after(kT + absl::Nanoseconds(499)), ElementsAre(kId2, kId3));
  EXPECT_THAT(after(kT + absl::Nanoseconds(500)), ElementsAre(kId3));
  EXPECT_THAT(after(kT + absl::Microseconds(1)), IsEmpty());
  // The skipped entries of the boundary microsecond do not use up the limit.
  UpdateQuery one = Updates({}, 1);
  one.updated_after = kT + absl::Nanoseconds(500);
  EXPECT_THAT(Ids(ByUpdate(*store, one)), ElementsAre(kId3));
  one.source_ids = {"wire"};
  EXPECT_THAT(Ids(ByUpdate(*store, one)), ElementsAre(kId3));
}

TEST_F(StorageCommitTest, PagingWithAfterListsEveryStoryOnce) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, Create(Story("1"), kId1, kT + absl::Minutes(1)));
  Commit(*store, Create(Story("2"), kId2, kT));
  Commit(*store, Create(Story("3"), kId3, kT));
  Commit(*store, Create(Story("4"), kId4, kT + absl::Minutes(2)));
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{}, std::vector<std::string>{"wire"}}) {
    std::vector<std::string> paged;
    UpdateQuery query = Updates(sources, 3);
    for (int page = 0; page < 3; ++page) {
      const std::vector<Article> articles = ByUpdate(*store, query);
      for (const Article& article : articles) paged.push_back(article.id());
      if (articles.empty()) break;
      query.after =
          UpdatePosition{ToAbslTime(articles.back().version_created()), articles.back().id()};
    }
    EXPECT_THAT(paged, ElementsAre(kId2, kId3, kId1, kId4));
  }
  // A position between two entries of one microsecond starts at the larger id.
  UpdateQuery query = Updates();
  query.after = UpdatePosition{kT + absl::Nanoseconds(999), kId2};
  EXPECT_THAT(Ids(ByUpdate(*store, query)), ElementsAre(kId3, kId1, kId4));
  // With updated_after as well, the later bound wins.
  query.updated_after = kT + absl::Minutes(1);
  EXPECT_THAT(Ids(ByUpdate(*store, query)), ElementsAre(kId4));
  query.updated_after = kT - absl::Hours(1);
  EXPECT_THAT(Ids(ByUpdate(*store, query)), ElementsAre(kId3, kId1, kId4));
}

TEST_F(StorageCommitTest, SourcesMergeIntoOneUpdateOrderAndRepeatedIdsCountOnce) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const auto in_source = [](const std::string& source_id, const std::string& external_id) {
    Article article = Story(external_id);
    article.set_source_id(source_id);
    return article;
  };
  Commit(*store, Create(in_source("ab", "1"), kId1, kT + absl::Minutes(3)));
  Commit(*store, Create(in_source("abc", "1"), kId2, kT + absl::Minutes(1)));
  Commit(*store, Create(in_source("wire", "1"), kId3, kT + absl::Minutes(2)));
  Commit(*store, Create(in_source("ab", "2"), kId4, kT));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"wire", "ab", "wire"}))),
              ElementsAre(kId4, kId3, kId1));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"ab"}))), ElementsAre(kId4, kId1));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"abc"}))), ElementsAre(kId2));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"nobody"}))), IsEmpty());
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"ab", "wire"}, 2))), ElementsAre(kId4, kId3));

  EXPECT_THAT(store->ListArticlesByUpdate(Updates({}, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
  EXPECT_THAT(store->ListArticlesByUpdate(Updates({"wire", ""})),
              StatusIs(absl::StatusCode::kInvalidArgument, "source_ids: must not be empty"));
}

TEST_F(StorageCommitTest, AnUpdatedStoryMovesInUpdateOrderAndIsListedOnce) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Article first = Commit(*store, Create(Story("1"), kId1, kT));
  Commit(*store, Create(Story("2"), kId2, kT + absl::Minutes(1)));
  Commit(*store, Create(Story("3"), kId3, kT + absl::Minutes(2)));
  const Article moved = Commit(*store, Next(first, Story("1", 'b'), kT + absl::Minutes(3)));
  for (const std::vector<std::string>& sources :
       {std::vector<std::string>{}, std::vector<std::string>{"wire"}}) {
    const std::vector<Article> listed = ByUpdate(*store, Updates(sources));
    EXPECT_THAT(Ids(listed), ElementsAre(kId2, kId3, kId1));
    EXPECT_THAT(Versions(listed), ElementsAre(1, 1, 2));
    UpdateQuery query = Updates(sources);
    query.updated_after = kT + absl::Minutes(2);
    EXPECT_THAT(Ids(ByUpdate(*store, query)), ElementsAre(kId1));
    query.updated_after = kT - absl::Minutes(1);
    query.after = UpdatePosition{kT, kId1};  // where the old entry was
    EXPECT_THAT(Ids(ByUpdate(*store, query)), ElementsAre(kId2, kId3, kId1));
  }
  // A version created earlier than the one before (a clock set back) moves it back.
  Commit(*store, Next(moved, Story("1", 'c'), kT - absl::Minutes(1)));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates())), ElementsAre(kId1, kId2, kId3));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates({"wire"}))), ElementsAre(kId1, kId2, kId3));
}

TEST_F(StorageCommitTest, PublishArticleKeepsTheUpdateOrderAndTheScheduleToo) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Article embargoed = MakeArticle("wire", "1", Hash('a'));
  *embargoed.mutable_embargoed_until() = ToTimestamp(kT + absl::Hours(1));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const PublishResult first, store->PublishArticle(embargoed, kT));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const PublishResult second,
      store->PublishArticle(MakeArticle("wire", "2", Hash('a')), kT + absl::Minutes(1)));
  EXPECT_THAT(Ids(ByUpdate(*store, Updates())),
              ElementsAre(first.article.id(), second.article.id()));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(kT + absl::Hours(1), first.article.id(), TaskKind::kLiftEmbargo)));
  const std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_TRUE(feed[0].hidden());
  EXPECT_FALSE(feed[1].hidden());
}

// --- Versions ------------------------------------------------------------------------------

TEST_F(StorageCommitTest, ListVersionsReturnsTheRequestedRangeOldestFirst) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Article latest = Commit(*store, Create(Story("1", 'a'), kId1, kT));
  latest = Commit(*store, Next(latest, Story("1", 'b'), kT + absl::Minutes(1)));
  Commit(*store, Next(latest, Story("1", 'c'), kT + absl::Minutes(2)));
  Commit(*store, Create(Story("2"), kId2, kT));

  const auto versions = [&](int64_t first, int limit) {
    absl::StatusOr<std::vector<Article>> list = store->ListVersions(kId1, first, limit);
    EXPECT_THAT(list, IsOk());
    return list.ok() ? *list : std::vector<Article>{};
  };
  const std::vector<Article> all = versions(1, 10);
  EXPECT_THAT(Versions(all), ElementsAre(1, 2, 3));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].content_hash(), Hash('a'));
  EXPECT_EQ(all[2].content_hash(), Hash('c'));
  EXPECT_EQ(ToAbslTime(all[1].version_created()), kT + absl::Minutes(1));
  EXPECT_THAT(Versions(versions(2, 1)), ElementsAre(2));
  EXPECT_THAT(Versions(versions(2, 2)), ElementsAre(2, 3));
  EXPECT_THAT(Versions(versions(3, 5)), ElementsAre(3));
  EXPECT_THAT(Versions(versions(4, 1)), IsEmpty());
  EXPECT_THAT(Versions(versions(1, 1)), ElementsAre(1));

  EXPECT_THAT(
      store->ListVersions(kId3, 1, 10),
      StatusIs(absl::StatusCode::kNotFound, absl::StrCat("no article with id \"", kId3, "\"")));
  EXPECT_THAT(store->ListVersions(kId1, 0, 10), StatusIs(absl::StatusCode::kInvalidArgument,
                                                         "first_version: must be positive, got 0"));
  EXPECT_THAT(store->ListVersions(kId1, 1, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
}

// --- Schedule ------------------------------------------------------------------------------

TEST_F(StorageCommitTest, AnEmbargoedVersionSchedulesItsLiftAndItsEventIsHidden) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(NextTask(*store), Eq(std::nullopt));
  const absl::Time lift = kT + absl::Hours(1);
  const Article v1 = Commit(*store, Create(Timed("1", lift, std::nullopt), kId1, kT));

  EXPECT_THAT(NextTask(*store), Optional(lift));
  EXPECT_THAT(Due(*store, lift - absl::Nanoseconds(1)), IsEmpty());
  EXPECT_THAT(Due(*store, lift), ElementsAre(IsTask(lift, kId1, TaskKind::kLiftEmbargo)));
  std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_TRUE(feed[0].hidden());

  // The lift: a version made at embargoed_until schedules nothing and is not hidden.
  Commit(*store, Next(v1, Timed("1", lift, std::nullopt), lift,
                      syndication::v1::EVENT_TYPE_EMBARGO_LIFTED));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()), IsEmpty());
  EXPECT_THAT(NextTask(*store), Eq(std::nullopt));
  feed = Feed(*store);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[1].type(), syndication::v1::EVENT_TYPE_EMBARGO_LIFTED);
  EXPECT_FALSE(feed[1].hidden());
}

TEST_F(StorageCommitTest, AnEmbargoNotAfterTheVersionSchedulesNothing) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // At version_created, and before it.
  Commit(*store, Create(Timed("1", kT, std::nullopt), kId1, kT));
  Commit(*store, Create(Timed("2", kT - absl::Minutes(1), std::nullopt), kId2, kT));
  // A lift made late (after the instant, e.g. after a restart).
  const Article v1 =
      Commit(*store, Create(Timed("3", kT + absl::Hours(1), std::nullopt), kId3, kT));
  Commit(*store, Next(v1, Timed("3", kT + absl::Hours(1), std::nullopt), kT + absl::Hours(5),
                      syndication::v1::EVENT_TYPE_EMBARGO_LIFTED));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()), IsEmpty());
  const std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 4u);
  EXPECT_FALSE(feed[0].hidden());
  EXPECT_FALSE(feed[1].hidden());
  EXPECT_TRUE(feed[2].hidden());
  EXPECT_FALSE(feed[3].hidden());
}

// A story withdrawn before its embargo ends: the tombstone keeps the embargo so partners do
// not learn of the story early, and must not leave a lift due forever.
TEST_F(StorageCommitTest, ATombstoneMadeUnderEmbargoIsHiddenAndSchedulesNoLift) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time lift = kT + absl::Hours(1);
  const Article v1 = Commit(*store, Create(Timed("1", lift, std::nullopt), kId1, kT));
  Article withheld = Timed("1", lift, std::nullopt, 'b');
  withheld.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  Commit(*store, Next(v1, withheld, kT + absl::Minutes(30), syndication::v1::EVENT_TYPE_WITHDRAWN));

  EXPECT_THAT(Due(*store, absl::InfiniteFuture()), IsEmpty());
  EXPECT_THAT(NextTask(*store), Eq(std::nullopt));
  const std::vector<FeedRecord> feed = Feed(*store);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_TRUE(feed[1].hidden());
}

TEST_F(StorageCommitTest, ExpiryIsScheduledForUsableVersionsOnly) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time expiry = kT + absl::Hours(2);
  Commit(*store, Create(Timed("usable", std::nullopt, expiry), kId1, kT));
  Article withheld = Timed("withheld", std::nullopt, expiry);
  withheld.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  Commit(*store, Create(withheld, kId2, kT));
  Article unspecified = Timed("unspecified", std::nullopt, expiry);
  unspecified.clear_pubstatus();
  Commit(*store, Create(unspecified, kId3, kT));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(expiry, kId1, TaskKind::kExpire)));
  EXPECT_THAT(Due(*store, expiry - absl::Nanoseconds(1)), IsEmpty());
  EXPECT_THAT(NextTask(*store), Optional(expiry));
}

TEST_F(StorageCommitTest, TheExpiryGoesWhenTheNextVersionIsWithdrawnKilledOrWithoutIt) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time expiry = kT + absl::Hours(2);
  const Article a = Commit(*store, Create(Timed("a", std::nullopt, expiry), kId1, kT));
  const Article b = Commit(*store, Create(Timed("b", std::nullopt, expiry), kId2, kT));
  const Article c = Commit(*store, Create(Timed("c", std::nullopt, expiry), kId3, kT));
  const Article d = Commit(*store, Create(Timed("d", std::nullopt, expiry), kId4, kT));
  ASSERT_EQ(Due(*store, absl::InfiniteFuture()).size(), 4u);

  Article withheld = Timed("a", std::nullopt, expiry, 'b');
  withheld.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  Commit(*store, Next(a, withheld, kT + absl::Hours(1), syndication::v1::EVENT_TYPE_WITHDRAWN));
  Article canceled = Timed("b", std::nullopt, expiry, 'b');
  canceled.set_pubstatus(syndication::v1::PUB_STATUS_CANCELED);
  Commit(*store, Next(b, canceled, kT + absl::Hours(1), syndication::v1::EVENT_TYPE_CANCELED));
  Commit(*store, Next(c, Timed("c", std::nullopt, std::nullopt, 'b'), kT + absl::Hours(1)));
  // The expiry itself, as a tombstone version.
  Article expired = Timed("d", std::nullopt, expiry, 'b');
  expired.set_pubstatus(syndication::v1::PUB_STATUS_WITHHELD);
  Commit(*store, Next(d, expired, expiry, syndication::v1::EVENT_TYPE_EXPIRED));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()), IsEmpty());
  EXPECT_THAT(NextTask(*store), Eq(std::nullopt));
}

TEST_F(StorageCommitTest, ChangedTimesMoveTheTasks) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Article v1 =
      Commit(*store, Create(Timed("1", kT + absl::Hours(1), kT + absl::Hours(2)), kId1, kT));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(kT + absl::Hours(1), kId1, TaskKind::kLiftEmbargo),
                          IsTask(kT + absl::Hours(2), kId1, TaskKind::kExpire)));
  // The embargo is extended and the expiry brought forward, still under embargo.
  const Article v2 = Commit(
      *store,
      Next(v1, Timed("1", kT + absl::Hours(3), kT + absl::Hours(1), 'b'), kT + absl::Minutes(30)));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(kT + absl::Hours(1), kId1, TaskKind::kExpire),
                          IsTask(kT + absl::Hours(3), kId1, TaskKind::kLiftEmbargo)));
  // Same times again: the same tasks, once each.
  Commit(*store, Next(v2, Timed("1", kT + absl::Hours(3), kT + absl::Hours(1), 'c'),
                      kT + absl::Minutes(40)));
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(kT + absl::Hours(1), kId1, TaskKind::kExpire),
                          IsTask(kT + absl::Hours(3), kId1, TaskKind::kLiftEmbargo)));
}

TEST_F(StorageCommitTest, DueTasksAreEarliestFirstThenByIdThenLiftBeforeExpiry) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time h1 = kT + absl::Hours(1);
  const absl::Time h2 = kT + absl::Hours(2);
  Commit(*store, Create(Timed("3", std::nullopt, h1), kId3, kT));
  Commit(*store, Create(Timed("1", h2, std::nullopt), kId1, kT));
  Commit(*store, Create(Timed("2", h1, h1), kId2, kT));
  Commit(*store, Create(Timed("4", std::nullopt, kT + absl::Hours(3)), kId4, kT));

  EXPECT_THAT(
      Due(*store, h2),
      ElementsAre(IsTask(h1, kId2, TaskKind::kLiftEmbargo), IsTask(h1, kId2, TaskKind::kExpire),
                  IsTask(h1, kId3, TaskKind::kExpire), IsTask(h2, kId1, TaskKind::kLiftEmbargo)));
  EXPECT_THAT(Due(*store, h2, 2), ElementsAre(IsTask(h1, kId2, TaskKind::kLiftEmbargo),
                                              IsTask(h1, kId2, TaskKind::kExpire)));
  EXPECT_THAT(
      Due(*store, h2 - absl::Nanoseconds(1)),
      ElementsAre(IsTask(h1, kId2, TaskKind::kLiftEmbargo), IsTask(h1, kId2, TaskKind::kExpire),
                  IsTask(h1, kId3, TaskKind::kExpire)));
  EXPECT_THAT(Due(*store, h1 - absl::Nanoseconds(1)), IsEmpty());
  EXPECT_EQ(Due(*store, absl::InfiniteFuture()).size(), 5u);
  EXPECT_THAT(NextTask(*store), Optional(h1));
  EXPECT_THAT(store->DueTasks(h2, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit: must be positive, got 0"));
}

TEST_F(StorageCommitTest, ATaskBetweenMicrosecondsFallsDueAtTheNextOne) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time lift = kT + absl::Hours(1) + absl::Nanoseconds(1);
  Commit(*store, Create(Timed("1", lift, std::nullopt), kId1, kT));
  // Never before the instant itself, so a lift made at the due time is after the embargo.
  EXPECT_THAT(Due(*store, lift), IsEmpty());
  EXPECT_THAT(Due(*store, kT + absl::Hours(1) + absl::Microseconds(1)),
              ElementsAre(IsTask(kT + absl::Hours(1) + absl::Microseconds(1), kId1,
                                 TaskKind::kLiftEmbargo)));
  EXPECT_THAT(NextTask(*store), Optional(kT + absl::Hours(1) + absl::Microseconds(1)));
}

TEST_F(StorageCommitTest, PendingTasksSurviveReopen) {
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    Commit(*store, Create(Timed("1", kT + absl::Hours(1), kT + absl::Hours(2)), kId1, kT));
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(Due(*store, absl::InfiniteFuture()),
              ElementsAre(IsTask(kT + absl::Hours(1), kId1, TaskKind::kLiftEmbargo),
                          IsTask(kT + absl::Hours(2), kId1, TaskKind::kExpire)));
}

// --- Request records -----------------------------------------------------------------------

TEST_F(StorageCommitTest, TrimRequestsRemovesRecordsBeforeTheTimeExactly) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const absl::Time m1 = kT + absl::Minutes(1);
  Commit(*store, Create(Story("a"), kId1, kT), "req-a");
  Commit(*store, Create(Story("b"), kId2, m1), "req-b");
  Commit(*store, Create(Story("c"), kId3, m1 + absl::Nanoseconds(500)), "req-c");
  Commit(*store, Create(Story("d"), kId4, kT + absl::Minutes(2)), "req-d");
  const auto trim = [&](absl::Time before) {
    absl::StatusOr<uint64_t> removed = store->TrimRequests(before);
    EXPECT_THAT(removed, IsOk());
    return removed.ok() ? *removed : UINT64_MAX;
  };
  // Whether `request_id` still replays, checked without writing anything.
  const auto replays = [&](const std::string& request_id) {
    absl::StatusOr<CommitResult> result = store->CommitByExternalId(
        "wire", "never", request_id,
        [](const Article*) -> absl::StatusOr<std::optional<Change>> { return std::nullopt; });
    EXPECT_THAT(result, IsOk());
    return result.ok() && result->replayed_response.has_value();
  };

  EXPECT_EQ(trim(kT), 0u);
  EXPECT_TRUE(replays("req-a"));
  EXPECT_EQ(trim(m1), 1u);
  EXPECT_FALSE(replays("req-a"));
  EXPECT_TRUE(replays("req-b"));
  // req-c at exactly the time stays; one nanosecond later it goes.
  EXPECT_EQ(trim(m1 + absl::Nanoseconds(500)), 1u);
  EXPECT_FALSE(replays("req-b"));
  EXPECT_TRUE(replays("req-c"));
  EXPECT_EQ(trim(m1 + absl::Nanoseconds(501)), 1u);
  EXPECT_FALSE(replays("req-c"));
  EXPECT_TRUE(replays("req-d"));
  EXPECT_EQ(trim(absl::InfiniteFuture()), 1u);
  EXPECT_FALSE(replays("req-d"));
  EXPECT_EQ(trim(absl::InfiniteFuture()), 0u);
  // The stories stay.
  EXPECT_EQ(ByUpdate(*store, Updates()).size(), 4u);
}

// --- Signing keys --------------------------------------------------------------------------

// Fixture keys and their ids: the first 8 bytes of SHA-256 of the key, in hex.
const std::string kKey11 = std::string(32, '\x11');
constexpr char kKey11Id[] = "02d449a31fbb267c";
const std::string kKey22 = std::string(32, '\x22');
constexpr char kKey22Id[] = "9f72ea0cf49536e3";
const std::string kKeyCounting =
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"s;
constexpr char kKeyCountingId[] = "630dcd2966c43366";

MATCHER_P3(IsKey, key_id, public_key, first_used, "") {
  return arg.key_id == key_id && arg.public_key == public_key && arg.first_used == first_used;
}

TEST_F(StorageCommitTest, SigningKeysAreListedOldestFirstKeepTheirFirstUseAndSurviveReopen) {
  {
    std::unique_ptr<Store> store = OpenStore();
    ASSERT_NE(store, nullptr);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<SigningKeyRecord> none,
                                   store->ListSigningKeys());
    EXPECT_THAT(none, IsEmpty());
    ASSERT_THAT(store->RegisterSigningKey({kKey11Id, kKey11, kT + absl::Hours(1)}), IsOk());
    ASSERT_THAT(store->RegisterSigningKey({kKeyCountingId, kKeyCounting, kT}), IsOk());
    ASSERT_THAT(store->RegisterSigningKey({kKey22Id, kKey22, kT}), IsOk());
    // Again, later and earlier: first_used stays.
    ASSERT_THAT(store->RegisterSigningKey({kKey11Id, kKey11, kT + absl::Hours(5)}), IsOk());
    ASSERT_THAT(store->RegisterSigningKey({kKey11Id, kKey11, kT - absl::Hours(5)}), IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<SigningKeyRecord> keys,
                                   store->ListSigningKeys());
    EXPECT_THAT(keys,
                ElementsAre(IsKey(kKeyCountingId, kKeyCounting, kT), IsKey(kKey22Id, kKey22, kT),
                            IsKey(kKey11Id, kKey11, kT + absl::Hours(1))));
  }
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<SigningKeyRecord> keys,
                                 store->ListSigningKeys());
  EXPECT_THAT(keys,
              ElementsAre(IsKey(kKeyCountingId, kKeyCounting, kT), IsKey(kKey22Id, kKey22, kT),
                          IsKey(kKey11Id, kKey11, kT + absl::Hours(1))));
}

TEST_F(StorageCommitTest, ASigningKeyMustBe32BytesUnderItsOwnId) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->RegisterSigningKey({kKey11Id, kKey11.substr(1), kT}),
              StatusIs(absl::StatusCode::kInvalidArgument, "public_key: 31 bytes, not 32"));
  EXPECT_THAT(store->RegisterSigningKey({kKey22Id, kKey11, kT}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("key_id: \"", kKey22Id, "\" is not \"", kKey11Id,
                                    "\", the first 8 bytes of SHA-256 of public_key in hex")));
  EXPECT_THAT(store->RegisterSigningKey({"02D449A31FBB267C", kKey11, kT}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<SigningKeyRecord> keys,
                                 store->ListSigningKeys());
  EXPECT_THAT(keys, IsEmpty());
}

// --- Concurrency ---------------------------------------------------------------------------

// Writers race on shared stories through both commit methods, with request ids, while the
// listener records what it hears: every sequence once, in order, and every story's
// versions without gaps.
TEST_F(StorageCommitTest, TheListenerHearsEveryConcurrentCommitInOrder) {
  StoreOptions options;
  options.sync_writes = false;  // durability is not what this test is about
  std::unique_ptr<Store> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 60;
  const std::vector<std::string> shared_ids = {kId1, kId2};

  std::mutex mutex;
  std::vector<uint64_t> heard;
  store->SetAppendListener([&](uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mutex);
    heard.push_back(sequence);
  });

  std::vector<std::vector<uint64_t>> sequences(kWriters);
  std::vector<std::string> problems(kWriters);
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string& id = shared_ids[i % 2];
        const std::string external_id = id == kId1 ? "shared-1" : "shared-2";
        const Decide decide = [&, id, external_id,
                               i](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
          const absl::Time now = kT + absl::Seconds(i);
          if (latest == nullptr) return Create(Story(external_id), id, now);
          return Next(*latest, Story(external_id, 'b'), now);
        };
        const std::string request_id = absl::StrCat("req-", w, "-", i);
        absl::StatusOr<CommitResult> result =
            i % 4 < 2 ? store->CommitByExternalId("wire", external_id, request_id, decide)
                      : store->CommitById(id, request_id, decide);
        if (!result.ok()) {
          problems[w] = result.status().ToString();
          return;
        }
        sequences[w].push_back(result->sequence);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  store->SetAppendListener(nullptr);

  EXPECT_THAT(problems, ::testing::Each(""));
  constexpr uint64_t kTotal = uint64_t{kWriters} * kPerWriter;
  std::vector<uint64_t> expected(kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) expected[i] = i + 1;
  EXPECT_EQ(heard, expected);
  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& some : sequences) {
    EXPECT_TRUE(std::is_sorted(some.begin(), some.end()));
    all.insert(all.end(), some.begin(), some.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, expected);
  for (const std::string& id : shared_ids) {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<Article> versions,
                                   store->ListVersions(id, 1, 1000));
    ASSERT_EQ(versions.size(), kTotal / 2);
    for (size_t v = 0; v < versions.size(); ++v) {
      EXPECT_EQ(versions[v].version(), static_cast<int64_t>(v + 1));
    }
  }
  EXPECT_THAT(Ids(ByUpdate(*store, Updates())), ::testing::UnorderedElementsAre(kId1, kId2));
}

}  // namespace
}  // namespace syndicate::storage
