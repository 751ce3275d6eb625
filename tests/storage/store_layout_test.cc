// What the Store leaves in RocksDB, read back raw: each publish or commit writes exactly its
// entries, an older store gets the entries added since at open,
// and a publish that fails in the write-ahead log leaves none of them.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
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
using ::syndicate::storage::test_util::Hash;
using ::syndicate::storage::test_util::kBaseTime;
using ::syndicate::storage::test_util::kId1;
using ::syndicate::storage::test_util::kId2;
using ::syndicate::storage::test_util::MakeArticle;
using ::syndicate::storage::test_util::Next;
using ::syndicate::storage::test_util::Story;
using ::syndicate::storage::test_util::TempDirTest;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::syndication::v1::Article;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

using Entries = std::vector<std::pair<std::string, std::string>>;

// The database at `path` opened directly, with every column family it has.
class RawDb {
 public:
  static absl::StatusOr<std::unique_ptr<RawDb>> Open(const std::string& path, bool read_only) {
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    rocksdb::Status status = rocksdb::DB::ListColumnFamilies(options, path, &names);
    if (!status.ok()) return absl::InternalError(status.ToString());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.reserve(names.size());
    for (const std::string& name : names) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    auto raw = std::unique_ptr<RawDb>(new RawDb);
    rocksdb::DB* db = nullptr;
    status = read_only
                 ? rocksdb::DB::OpenForReadOnly(options, path, descriptors, &raw->handles_, &db)
                 : rocksdb::DB::Open(options, path, descriptors, &raw->handles_, &db);
    if (!status.ok()) return absl::InternalError(status.ToString());
    raw->db_.reset(db);
    return raw;
  }

  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      (void)db_->DestroyColumnFamilyHandle(handle);
    }
  }

  rocksdb::DB& Db() { return *db_; }

  // Drops the column family `name`, as if the store predated it.
  absl::Status Drop(const std::string& name) {
    rocksdb::ColumnFamilyHandle* handle = Family(name);
    if (handle == nullptr) return absl::NotFoundError(name);
    rocksdb::Status status = db_->DropColumnFamily(handle);
    return status.ok() ? absl::OkStatus() : absl::InternalError(status.ToString());
  }

  rocksdb::ColumnFamilyHandle* Family(const std::string& name) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      if (handle->GetName() == name) return handle;
    }
    return nullptr;
  }

  // Column family name → its entries in key order.
  absl::StatusOr<std::map<std::string, Entries>> ReadAll() {
    std::map<std::string, Entries> all;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      Entries& entries = all[handle->GetName()];
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        entries.emplace_back(it->key().ToString(), it->value().ToString());
      }
      if (!it->status().ok()) return absl::InternalError(it->status().ToString());
    }
    return all;
  }

 private:
  RawDb() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// Every column family of the store at `path`, read without the Store.
absl::StatusOr<std::map<std::string, Entries>> ReadAllColumnFamilies(const std::string& path) {
  absl::StatusOr<std::unique_ptr<RawDb>> raw = RawDb::Open(path, /*read_only=*/true);
  if (!raw.ok()) return raw.status();
  return (*raw)->ReadAll();
}

// The size of each column family, by name, with the empty ones left out.
std::map<std::string, size_t> Sizes(const std::map<std::string, Entries>& all) {
  std::map<std::string, size_t> sizes;
  for (const auto& [name, entries] : all) {
    if (!entries.empty()) sizes[name] = entries.size();
  }
  return sizes;
}

// A write-ahead-log file whose writes fail while *fail is set.
class FaultyWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>* fail)
      : FSWritableFileOwnerWrapper(std::move(file)), fail_(fail) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (*fail_) return Injected();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (*fail_) return Injected();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (*fail_) return Injected();
    return FSWritableFileOwnerWrapper::Flush(options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (*fail_) return Injected();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (*fail_) return Injected();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  static rocksdb::IOStatus Injected() { return rocksdb::IOStatus::IOError("injected WAL fault"); }

  const std::atomic<bool>* fail_;
};

// Passes everything through, except that WAL files fail their writes on demand.
class FaultyWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyWalFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  const char* Name() const override { return "FaultyWalFileSystem"; }

  void FailWalWrites(bool fail) { fail_ = fail; }
  int WalFilesOpened() const { return wal_files_opened_; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) {
      ++wal_files_opened_;
      *file = std::make_unique<FaultyWalFile>(std::move(*file), &fail_);
    }
    return status;
  }

 private:
  std::atomic<bool> fail_{false};
  std::atomic<int> wal_files_opened_{0};
};

class StorageLayoutTest : public TempDirTest {};

const std::string kLayoutVersion2 = "\x00\x00\x00\x00\x00\x00\x00\x02"s;

TEST_F(StorageLayoutTest, OpenCreatesEveryColumnFamily) {
  { SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath())); }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  std::vector<std::string> names;
  names.reserve(all.size());
  for (const auto& [name, entries] : all) names.push_back(name);
  EXPECT_THAT(
      names, UnorderedElementsAre("default", "sources", "articles", "versions", "feed",
                                  "by_source_time", "by_time", "by_external_id", "partners", "keys",
                                  "meta", "by_update", "by_source_update", "schedule", "requests",
                                  "requests_by_time", "usage", "usage_by_time"));
  // A fresh store holds only its epoch and layout version.
  EXPECT_THAT(all.at("meta"), ElementsAre(Pair("feed_epoch", MatchesRegex("[0-9a-f]{16}")),
                                          Pair("layout_version", kLayoutVersion2)));
  EXPECT_THAT(Sizes(all), ElementsAre(Pair("meta", 2u)));
}

TEST_F(StorageLayoutTest, OnePublishWritesExactlyItsEntries) {
  const absl::Time now = kBaseTime + absl::Minutes(1);
  Article stored;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const PublishResult result,
        store->PublishArticle(MakeArticle("wire", "urn:example:1", Hash('a'), kBaseTime), now));
    stored = result.article;
  }
  const std::string& id = stored.id();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));

  // 2026-01-01T00:00:00Z as an inverted list time; see keys_test.cc.
  const std::string inverted_time = "\x7f\xf9\xb8\xb7\xb9\xdf\xbf\xff"s;
  EXPECT_THAT(all.at("articles"), ElementsAre(Pair(id, stored.SerializeAsString())));
  EXPECT_THAT(all.at("versions"), ElementsAre(Pair(id + "\x00\x00\x00\x00\x00\x00\x00\x01"s,
                                                   stored.SerializeAsString())));
  EXPECT_THAT(all.at("by_external_id"), ElementsAre(Pair("\x00\x04wireurn:example:1"s, id)));
  EXPECT_THAT(all.at("by_source_time"),
              ElementsAre(Pair("\x00\x04wire"s + inverted_time + id, "")));
  EXPECT_THAT(all.at("by_time"), ElementsAre(Pair(inverted_time + id, "")));
  // The publish time, 2026-01-01T00:01:00Z, as an ascending time.
  const std::string ascending_now = "\x80\x06\x47\x48\x49\xb3\xc7\x00"s;
  EXPECT_THAT(all.at("by_update"), ElementsAre(Pair(ascending_now + id, "")));
  EXPECT_THAT(all.at("by_source_update"),
              ElementsAre(Pair("\x00\x04wire"s + ascending_now + id, "")));
  ASSERT_THAT(all.at("feed"), ElementsAre(Key("\x00\x00\x00\x00\x00\x00\x00\x01"s)));
  FeedRecord event;
  ASSERT_TRUE(event.ParseFromString(all.at("feed")[0].second));
  EXPECT_EQ(event.sequence(), 1u);
  EXPECT_EQ(event.type(), syndication::v1::EVENT_TYPE_PUBLISHED);
  EXPECT_EQ(event.article_id(), id);
  EXPECT_EQ(event.version(), 1);
  EXPECT_EQ(event.source_id(), "wire");
  EXPECT_EQ(ToAbslTime(event.time()), now);
  EXPECT_FALSE(event.hidden());
  EXPECT_THAT(all.at("meta"), ElementsAre(Pair("feed_epoch", MatchesRegex("[0-9a-f]{16}")),
                                          Pair("feed_head", "\x00\x00\x00\x00\x00\x00\x00\x01"s),
                                          Pair("layout_version", kLayoutVersion2)));
  EXPECT_THAT(all.at("schedule"), IsEmpty());
  EXPECT_THAT(all.at("requests"), IsEmpty());
  EXPECT_THAT(all.at("requests_by_time"), IsEmpty());
  EXPECT_THAT(all.at("sources"), IsEmpty());
  EXPECT_THAT(all.at("partners"), IsEmpty());
  EXPECT_THAT(all.at("keys"), IsEmpty());
  EXPECT_THAT(all.at("default"), IsEmpty());
}

TEST_F(StorageLayoutTest, AnUpdateThatMovesTheListTimeReplacesTheIndexEntries) {
  std::string id;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "1", Hash('a'), kBaseTime), kBaseTime),
                IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const PublishResult moved,
        store->PublishArticle(MakeArticle("wire", "1", Hash('b'), absl::UnixEpoch()), kBaseTime));
    id = moved.article.id();
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  const std::string epoch_inverted = "\x7f\xff\xff\xff\xff\xff\xff\xff"s;
  EXPECT_THAT(all.at("by_time"), ElementsAre(Pair(epoch_inverted + id, "")));
  EXPECT_THAT(all.at("by_source_time"),
              ElementsAre(Pair("\x00\x04wire"s + epoch_inverted + id, "")));
  EXPECT_THAT(all.at("versions"), SizeIs(2));
  EXPECT_THAT(all.at("feed"), SizeIs(2));
  EXPECT_THAT(all.at("by_external_id"), SizeIs(1));
}

TEST_F(StorageLayoutTest, APublishThatFailsInTheWalLeavesNothingAndTakesNoSequence) {
  auto file_system = std::make_shared<FaultyWalFileSystem>();
  const std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  StoreOptions options;
  options.env = env.get();
  std::string first_id;
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
    ASSERT_GT(file_system->WalFilesOpened(), 0);  // the fault can reach the WAL
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const PublishResult first,
        store->PublishArticle(MakeArticle("wire", "first", Hash('a'), kBaseTime), kBaseTime));
    ASSERT_EQ(first.sequence, 1u);
    first_id = first.article.id();

    file_system->FailWalWrites(true);
    EXPECT_THAT(
        store->PublishArticle(MakeArticle("wire", "lost", Hash('b'), kBaseTime), kBaseTime),
        StatusIs(absl::StatusCode::kUnavailable, AllOf(HasSubstr("publishing article wire/lost"),
                                                       HasSubstr("injected WAL fault"))));
    EXPECT_EQ(store->FeedHead(), 1u);
    file_system->FailWalWrites(false);

    // After a failed WAL write the store refuses every write until it is reopened (store.h,
    // "A failed WAL write or sync"), as RocksDB itself does.
    EXPECT_THAT(store->PublishArticle(MakeArticle("wire", "lost", Hash('b'), kBaseTime), kBaseTime),
                StatusIs(absl::StatusCode::kUnavailable,
                         AllOf(HasSubstr("wire/lost"),
                               HasSubstr("refused after a failed write-ahead-log write or sync"))));
    EXPECT_EQ(store->FeedHead(), 1u);
    EXPECT_THAT(store->ListArticles(ListQuery{}), IsOk());
  }

  // Nothing of the failed publish reached the files.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  EXPECT_THAT(Sizes(all), ElementsAre(Pair("articles", 1u), Pair("by_external_id", 1u),
                                      Pair("by_source_time", 1u), Pair("by_source_update", 1u),
                                      Pair("by_time", 1u), Pair("by_update", 1u), Pair("feed", 1u),
                                      Pair("meta", 3u), Pair("versions", 1u)));
  EXPECT_THAT(all.at("articles"), ElementsAre(Key(first_id)));

  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
  EXPECT_EQ(store->FeedHead(), 1u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      const PublishResult retried,
      store->PublishArticle(MakeArticle("wire", "lost", Hash('b'), kBaseTime), kBaseTime));
  EXPECT_EQ(retried.outcome, PublishOutcome::kCreated);
  EXPECT_EQ(retried.article.version(), 1);
  EXPECT_EQ(retried.sequence, 2u);
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].article_id(), first_id);
  EXPECT_EQ(feed[1].sequence(), 2u);
  EXPECT_EQ(feed[1].article_id(), retried.article.id());
}

TEST_F(StorageLayoutTest, AFeedHeadThatDisagreesWithTheFeedIsDataLoss) {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "1", Hash('a')), kBaseTime), IsOk());
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "2", Hash('a')), kBaseTime), IsOk());
  }
  {
    // Damage the meta record by hand, as a bad restore might.
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RawDb> raw,
                                   RawDb::Open(StorePath(), /*read_only=*/false));
    ASSERT_NE(raw->Family("meta"), nullptr);
    ASSERT_TRUE(raw->Db()
                    .Put(rocksdb::WriteOptions(), raw->Family("meta"), "feed_head",
                         "\x00\x00\x00\x00\x00\x00\x00\x01"s)
                    .ok());
  }
  EXPECT_THAT(
      Store::Open(StorePath()),
      StatusIs(absl::StatusCode::kDataLoss, "the feed ends at sequence 2 but meta feed_head is 1"));
}

// --- Feed retention ------------------------------------------------------------------------

TEST_F(StorageLayoutTest, ATrimRemovesTheOldEventsAndRecordsFeedStart) {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    for (const char* external_id : {"1", "2", "3"}) {
      ASSERT_THAT(store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime),
                  IsOk());
    }
    FeedRetention retention;
    retention.max_events = 1;
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const uint64_t removed, store->TrimFeed(retention, kBaseTime));
    EXPECT_EQ(removed, 2u);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  EXPECT_THAT(all.at("feed"), ElementsAre(Key("\x00\x00\x00\x00\x00\x00\x00\x03"s)));
  EXPECT_THAT(all.at("meta"), ElementsAre(Pair("feed_epoch", MatchesRegex("[0-9a-f]{16}")),
                                          Pair("feed_head", "\x00\x00\x00\x00\x00\x00\x00\x03"s),
                                          Pair("feed_start", "\x00\x00\x00\x00\x00\x00\x00\x02"s),
                                          Pair("layout_version", kLayoutVersion2)));
  // Everything else stays.
  EXPECT_THAT(Sizes(all), ElementsAre(Pair("articles", 3u), Pair("by_external_id", 3u),
                                      Pair("by_source_time", 3u), Pair("by_source_update", 3u),
                                      Pair("by_time", 3u), Pair("by_update", 3u), Pair("feed", 1u),
                                      Pair("meta", 4u), Pair("versions", 3u)));
}

// Writes `value` under meta `key` of the store at `path`, as a bad restore might.
void DamageMeta(const std::string& path, const std::string& key, const std::string& value) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RawDb> raw,
                                 RawDb::Open(path, /*read_only=*/false));
  ASSERT_NE(raw->Family("meta"), nullptr);
  ASSERT_TRUE(raw->Db().Put(rocksdb::WriteOptions(), raw->Family("meta"), key, value).ok());
}

// A store with events 1..3 of which `keep` are left.
void MakeTrimmedStore(const std::string& path, uint64_t keep) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(path));
  for (const char* external_id : {"1", "2", "3"}) {
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime),
                IsOk());
  }
  FeedRetention retention;
  retention.max_events = keep;
  ASSERT_THAT(store->TrimFeed(retention, kBaseTime), IsOk());
}

TEST_F(StorageLayoutTest, AFeedStartThatDisagreesWithTheFeedIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(MakeTrimmedStore(StorePath(), 1));
  ASSERT_NO_FATAL_FAILURE(
      DamageMeta(StorePath(), "feed_start", "\x00\x00\x00\x00\x00\x00\x00\x01"s));
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the feed starts at sequence 3 but meta feed_start is 1"));
  ASSERT_NO_FATAL_FAILURE(
      DamageMeta(StorePath(), "feed_start", "\x00\x00\x00\x00\x00\x00\x00\x04"s));
  EXPECT_THAT(
      Store::Open(StorePath()),
      StatusIs(absl::StatusCode::kDataLoss, "meta feed_start is 4 but meta feed_head is only 3"));
  ASSERT_NO_FATAL_FAILURE(DamageMeta(StorePath(), "feed_start", "\x02"s));
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("meta feed_start: ")));
}

TEST_F(StorageLayoutTest, AnEmptyFeedIsConsistentOnlyWhenItsStartIsItsHead) {
  ASSERT_NO_FATAL_FAILURE(MakeTrimmedStore(StorePath(), 0));
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    EXPECT_EQ(store->FeedStart(), 3u);
    EXPECT_EQ(store->FeedHead(), 3u);
  }
  ASSERT_NO_FATAL_FAILURE(
      DamageMeta(StorePath(), "feed_start", "\x00\x00\x00\x00\x00\x00\x00\x02"s));
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the feed is empty but meta feed_head is 3 and meta feed_start is 2"));
}

TEST_F(StorageLayoutTest, EventsLostWithoutATrimAreDataLoss) {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "1", Hash('a')), kBaseTime), IsOk());
    ASSERT_THAT(store->PublishArticle(MakeArticle("wire", "2", Hash('a')), kBaseTime), IsOk());
  }
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RawDb> raw,
                                   RawDb::Open(StorePath(), /*read_only=*/false));
    ASSERT_NE(raw->Family("feed"), nullptr);
    ASSERT_TRUE(raw->Db()
                    .Delete(rocksdb::WriteOptions(), raw->Family("feed"),
                            "\x00\x00\x00\x00\x00\x00\x00\x01"s)
                    .ok());
  }
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the feed starts at sequence 2 but meta feed_start is 0"));
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RawDb> raw,
                                   RawDb::Open(StorePath(), /*read_only=*/false));
    ASSERT_TRUE(raw->Db()
                    .Delete(rocksdb::WriteOptions(), raw->Family("feed"),
                            "\x00\x00\x00\x00\x00\x00\x00\x02"s)
                    .ok());
  }
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the feed is empty but meta feed_head is 2 and meta feed_start is 0"));
}

TEST_F(StorageLayoutTest, ATrimThatFailsInTheWalKeepsEveryEventAndFeedStart) {
  auto file_system = std::make_shared<FaultyWalFileSystem>();
  const std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  StoreOptions options;
  options.env = env.get();
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
    ASSERT_GT(file_system->WalFilesOpened(), 0);
    for (const char* external_id : {"1", "2", "3"}) {
      ASSERT_THAT(store->PublishArticle(MakeArticle("wire", external_id, Hash('a')), kBaseTime),
                  IsOk());
    }
    file_system->FailWalWrites(true);
    FeedRetention retention;
    retention.max_events = 1;
    EXPECT_THAT(store->TrimFeed(retention, kBaseTime),
                StatusIs(absl::StatusCode::kUnavailable,
                         AllOf(HasSubstr("trimming the feed to sequences after 2"),
                               HasSubstr("injected WAL fault"))));
    file_system->FailWalWrites(false);
    EXPECT_EQ(store->FeedStart(), 0u);
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<FeedRecord> feed, store->ReadFeed(0, 10));
    EXPECT_EQ(feed.size(), 3u);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  EXPECT_THAT(all.at("feed"), SizeIs(3));
  SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
  EXPECT_EQ(store->FeedStart(), 0u);
  EXPECT_EQ(store->FeedHead(), 3u);
}

// --- Commits, request records, signing keys, layout upgrade ------------------------------

// 2026-01-01T00:00:00Z plus 1 minute, 1 hour, 90 minutes and 2 hours as ascending times
// (microseconds with the sign bit flipped; see keys_test.cc), and itself as a list time.
const std::string kAscending1m = "\x80\x06\x47\x48\x49\xb3\xc7\x00"s;
const std::string kAscending1h = "\x80\x06\x47\x49\x1c\xb3\xe4\x00"s;
const std::string kAscending90m = "\x80\x06\x47\x49\x87\xfd\xb6\x00"s;
const std::string kAscending2h = "\x80\x06\x47\x49\xf3\x47\x88\x00"s;
const std::string kInvertedBase = "\x7f\xf9\xb8\xb7\xb9\xdf\xbf\xff"s;

// Published at the base time, under embargo for an hour, expiring after two.
Article EmbargoedStory(syndication::v1::PubStatus pubstatus = syndication::v1::PUB_STATUS_USABLE) {
  Article article = Story("urn:example:1");
  article.set_pubstatus(pubstatus);
  *article.mutable_published_at() = ToTimestamp(kBaseTime);
  *article.mutable_embargoed_until() = ToTimestamp(kBaseTime + absl::Hours(1));
  *article.mutable_expires_at() = ToTimestamp(kBaseTime + absl::Hours(2));
  return article;
}

MATCHER_P3(IsEvent, type, version, hidden, "") {
  FeedRecord event;
  if (!event.ParseFromString(arg)) return false;
  *result_listener << "event " << event.ShortDebugString();
  return event.type() == type && event.version() == version && event.hidden() == hidden;
}

MATCHER_P2(IsRequestRecord, time, response, "") {
  RequestRecord record;
  if (!record.ParseFromString(arg)) return false;
  *result_listener << "record " << record.ShortDebugString();
  return ToAbslTime(record.time()) == time && record.response() == response;
}

TEST_F(StorageLayoutTest, EachCommitWritesExactlyItsEntries) {
  const std::string id = kId1;
  const std::string v1_key = id + "\x00\x00\x00\x00\x00\x00\x00\x01"s;
  const std::string v2_key = id + "\x00\x00\x00\x00\x00\x00\x00\x02"s;
  Change create = Create(EmbargoedStory(), kId1, kBaseTime + absl::Minutes(1));
  create.response = "response to req-1";
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1", Always(create)),
                IsOk());
  }
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
    const std::string bytes = create.version.SerializeAsString();
    EXPECT_THAT(all.at("articles"), ElementsAre(Pair(id, bytes)));
    EXPECT_THAT(all.at("versions"), ElementsAre(Pair(v1_key, bytes)));
    EXPECT_THAT(all.at("by_external_id"), ElementsAre(Pair("\x00\x04wireurn:example:1"s, id)));
    EXPECT_THAT(all.at("by_source_time"),
                ElementsAre(Pair("\x00\x04wire"s + kInvertedBase + id, "")));
    EXPECT_THAT(all.at("by_time"), ElementsAre(Pair(kInvertedBase + id, "")));
    EXPECT_THAT(all.at("by_update"), ElementsAre(Pair(kAscending1m + id, "")));
    EXPECT_THAT(all.at("by_source_update"),
                ElementsAre(Pair("\x00\x04wire"s + kAscending1m + id, "")));
    EXPECT_THAT(all.at("schedule"), ElementsAre(Pair(kAscending1h + id + "\x01", ""),
                                                Pair(kAscending2h + id + "\x02", "")));
    EXPECT_THAT(all.at("feed"),
                ElementsAre(Pair("\x00\x00\x00\x00\x00\x00\x00\x01"s,
                                 IsEvent(syndication::v1::EVENT_TYPE_PUBLISHED, 1, true))));
    EXPECT_THAT(all.at("meta"), ElementsAre(Pair("feed_epoch", MatchesRegex("[0-9a-f]{16}")),
                                            Pair("feed_head", "\x00\x00\x00\x00\x00\x00\x00\x01"s),
                                            Pair("layout_version", kLayoutVersion2)));
    EXPECT_THAT(all.at("requests"),
                ElementsAre(Pair(
                    "req-1", IsRequestRecord(kBaseTime + absl::Minutes(1), "response to req-1"))));
    EXPECT_THAT(all.at("requests_by_time"), ElementsAre(Pair(kAscending1m + "req-1", "")));
    for (const char* empty : {"sources", "partners", "keys", "default"}) {
      EXPECT_THAT(all.at(empty), IsEmpty()) << empty;
    }
  }

  // The lift, made at embargoed_until, by id, without a request id.
  const Change lift = Next(create.version, EmbargoedStory(), kBaseTime + absl::Hours(1),
                           syndication::v1::EVENT_TYPE_EMBARGO_LIFTED);
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->CommitById(id, "", Always(lift)), IsOk());
  }
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
    const std::string bytes = lift.version.SerializeAsString();
    EXPECT_THAT(all.at("articles"), ElementsAre(Pair(id, bytes)));
    EXPECT_THAT(all.at("versions"), ElementsAre(Key(v1_key), Pair(v2_key, bytes)));
    EXPECT_THAT(all.at("by_external_id"), ElementsAre(Pair("\x00\x04wireurn:example:1"s, id)));
    // The list time did not change; the update time did.
    EXPECT_THAT(all.at("by_time"), ElementsAre(Pair(kInvertedBase + id, "")));
    EXPECT_THAT(all.at("by_update"), ElementsAre(Pair(kAscending1h + id, "")));
    EXPECT_THAT(all.at("by_source_update"),
                ElementsAre(Pair("\x00\x04wire"s + kAscending1h + id, "")));
    EXPECT_THAT(all.at("schedule"), ElementsAre(Pair(kAscending2h + id + "\x02", "")));
    EXPECT_THAT(all.at("feed"),
                ElementsAre(Key("\x00\x00\x00\x00\x00\x00\x00\x01"s),
                            Pair("\x00\x00\x00\x00\x00\x00\x00\x02"s,
                                 IsEvent(syndication::v1::EVENT_TYPE_EMBARGO_LIFTED, 2, false))));
    EXPECT_THAT(all.at("meta"), ElementsAre(Key("feed_epoch"),
                                            Pair("feed_head", "\x00\x00\x00\x00\x00\x00\x00\x02"s),
                                            Key("layout_version")));
    EXPECT_THAT(all.at("requests"), ElementsAre(Key("req-1")));
    EXPECT_THAT(all.at("requests_by_time"), ElementsAre(Key(kAscending1m + "req-1")));
  }

  // A withdrawal: no longer USABLE, so the expiry goes too.
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(
        store->CommitById(
            id, "req-2",
            Always(Next(lift.version, EmbargoedStory(syndication::v1::PUB_STATUS_WITHHELD),
                        kBaseTime + absl::Minutes(90), syndication::v1::EVENT_TYPE_WITHDRAWN))),
        IsOk());
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  EXPECT_THAT(all.at("by_update"), ElementsAre(Pair(kAscending90m + id, "")));
  EXPECT_THAT(all.at("by_source_update"),
              ElementsAre(Pair("\x00\x04wire"s + kAscending90m + id, "")));
  EXPECT_THAT(all.at("schedule"), IsEmpty());
  EXPECT_THAT(all.at("requests"), ElementsAre(Key("req-1"), Key("req-2")));
  EXPECT_THAT(all.at("requests_by_time"),
              ElementsAre(Key(kAscending1m + "req-1"), Key(kAscending90m + "req-2")));
  EXPECT_THAT(Sizes(all), ElementsAre(Pair("articles", 1u), Pair("by_external_id", 1u),
                                      Pair("by_source_time", 1u), Pair("by_source_update", 1u),
                                      Pair("by_time", 1u), Pair("by_update", 1u), Pair("feed", 3u),
                                      Pair("meta", 3u), Pair("requests", 2u),
                                      Pair("requests_by_time", 2u), Pair("versions", 3u)));
}

TEST_F(StorageLayoutTest, ACommitThatIsRefusedOrReplayedWritesNothing) {
  const Change create = Create(EmbargoedStory(), kId1, kBaseTime);
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1", Always(create)),
                IsOk());
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto before, ReadAllColumnFamilies(StorePath()));
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    Change skipped = Next(create.version, Story("urn:example:1", 'b'), kBaseTime);
    skipped.version.set_version(3);
    EXPECT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-2", Always(skipped)),
                StatusIs(absl::StatusCode::kInternal));
    Change taken = Create(Story("urn:example:2"), kId1, kBaseTime);
    EXPECT_THAT(store->CommitByExternalId("wire", "urn:example:2", "req-2", Always(taken)),
                StatusIs(absl::StatusCode::kInternal));
    Change taken_external_id = Create(Story("urn:example:1"), kId2, kBaseTime);
    EXPECT_THAT(store->CommitById(kId2, "req-2", Always(taken_external_id)),
                StatusIs(absl::StatusCode::kInternal));
    EXPECT_THAT(store->CommitById(kId1, "req-2",
                                  [](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                    return absl::AbortedError("stale etag");
                                  }),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(store->CommitById(kId1, "req-2",
                                  [](const Article*) -> absl::StatusOr<std::optional<Change>> {
                                    return std::nullopt;
                                  }),
                IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(
        const CommitResult replay,
        store->CommitById(kId1, "req-1",
                          Always(Next(create.version, Story("urn:example:1", 'b'), kBaseTime))));
    EXPECT_TRUE(replay.replayed_response.has_value());
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto after, ReadAllColumnFamilies(StorePath()));
  EXPECT_EQ(after, before);
}

TEST_F(StorageLayoutTest, TrimRequestsRemovesTheRecordAndItsTimeEntry) {
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1",
                                          Always(Create(Story("urn:example:1"), kId1, kBaseTime))),
                IsOk());
    ASSERT_THAT(store->CommitByExternalId(
                    "wire", "urn:example:2", "req-2",
                    Always(Create(Story("urn:example:2"), kId2, kBaseTime + absl::Minutes(1)))),
                IsOk());
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const uint64_t removed,
                                   store->TrimRequests(kBaseTime + absl::Seconds(1)));
    EXPECT_EQ(removed, 1u);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  EXPECT_THAT(all.at("requests"),
              ElementsAre(Pair("req-2", IsRequestRecord(kBaseTime + absl::Minutes(1), ""))));
  EXPECT_THAT(all.at("requests_by_time"), ElementsAre(Pair(kAscending1m + "req-2", "")));
  EXPECT_THAT(all.at("articles"), SizeIs(2));
}

TEST_F(StorageLayoutTest, ASigningKeyIsStoredInMetaUnderItsId) {
  const std::string public_key(32, '\x11');
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath()));
    ASSERT_THAT(store->RegisterSigningKey({"02d449a31fbb267c", public_key, kBaseTime}), IsOk());
    ASSERT_THAT(
        store->RegisterSigningKey({"02d449a31fbb267c", public_key, kBaseTime + absl::Hours(1)}),
        IsOk());
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto all, ReadAllColumnFamilies(StorePath()));
  ASSERT_THAT(all.at("meta"), ElementsAre(Key("feed_epoch"), Key("layout_version"),
                                          Key("signing_key/02d449a31fbb267c")));
  SigningKey stored;
  ASSERT_TRUE(stored.ParseFromString(all.at("meta")[2].second));
  EXPECT_EQ(stored.key_id(), "02d449a31fbb267c");
  EXPECT_EQ(stored.public_key(), public_key);
  EXPECT_EQ(ToAbslTime(stored.first_used()), kBaseTime);
  EXPECT_THAT(all.at("keys"), IsEmpty());
}

// A store written before the update indexes and the schedule existed gets them at open,
// exactly as commits would have written them; more articles than one build batch holds.
TEST_F(StorageLayoutTest, AStoreFromBeforeTheUpdateIndexesGetsThemAtOpen) {
  constexpr int kPublished = 1001;
  StoreOptions options;
  options.sync_writes = false;  // many writes; durability is not what this test is about
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
    ASSERT_THAT(store->CommitByExternalId("wire", "urn:example:1", "req-1",
                                          Always(Create(EmbargoedStory(), kId1, kBaseTime))),
                IsOk());
    for (int i = 0; i < kPublished; ++i) {
      ASSERT_THAT(store->PublishArticle(MakeArticle("daily", absl::StrCat(i), Hash('a')),
                                        kBaseTime + absl::Seconds(i)),
                  IsOk());
    }
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto before, ReadAllColumnFamilies(StorePath()));
  ASSERT_THAT(before.at("by_update"), SizeIs(kPublished + 1));
  ASSERT_THAT(before.at("schedule"), SizeIs(2));
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RawDb> raw,
                                   RawDb::Open(StorePath(), /*read_only=*/false));
    for (const char* name : {"by_update", "by_source_update", "schedule"}) {
      ASSERT_THAT(raw->Drop(name), IsOk()) << name;
    }
    ASSERT_TRUE(
        raw->Db().Delete(rocksdb::WriteOptions(), raw->Family("meta"), "layout_version").ok());
  }
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto stripped, ReadAllColumnFamilies(StorePath()));
    EXPECT_EQ(stripped.count("by_update"), 0u);
    EXPECT_THAT(stripped.at("meta"), SizeIs(2));  // feed_epoch and feed_head
  }
  {
    SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath(), options));
    SYNDICATE_ASSERT_OK_AND_ASSIGN(const std::vector<DueTask> due,
                                   store->DueTasks(absl::InfiniteFuture(), 10));
    EXPECT_EQ(due.size(), 2u);
  }
  SYNDICATE_ASSERT_OK_AND_ASSIGN(const auto after, ReadAllColumnFamilies(StorePath()));
  EXPECT_EQ(after, before);
}

TEST_F(StorageLayoutTest, AStoreWithANewerLayoutIsRefused) {
  { SYNDICATE_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(StorePath())); }
  ASSERT_NO_FATAL_FAILURE(
      DamageMeta(StorePath(), "layout_version", "\x00\x00\x00\x00\x00\x00\x00\x03"s));
  EXPECT_THAT(Store::Open(StorePath()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "the store has layout version 3; this build knows up to 2"));
}

}  // namespace
}  // namespace syndicate::storage
