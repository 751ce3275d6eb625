#include "storage/store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/write_batch.h"
#include "sodium.h"
#include "storage/absl_compat.h"
#include "storage/column_families.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"

namespace syndicate::storage {
namespace {

using ::syndication::v1::Article;
using ::syndication::v1::EventType;
using ::syndication::v1::Source;

// 64 random bits: a collision between two histories of one deployment is negligible.
constexpr size_t kEpochBytes = 8;
// 128 random bits, so ids need no coordination (and no existence check) to be unique.
constexpr size_t kArticleIdBytes = 16;
// Ed25519 public keys; key ids are the hex of this many leading bytes of their SHA-256.
constexpr size_t kPublicKeyBytes = crypto_sign_PUBLICKEYBYTES;
constexpr size_t kKeyIdBytes = 8;
// Articles per batch when Open() builds the derived entries of an older store.
constexpr int kBuildBatchArticles = 1000;

std::string RandomHex(size_t size_bytes) {
  std::string bytes(size_bytes, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return absl::BytesToHexString(bytes);
}

bool IsEpoch(std::string_view epoch) {
  return epoch.size() == 2 * kEpochBytes && std::all_of(epoch.begin(), epoch.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

absl::Status Parse(std::string_view bytes, google::protobuf::MessageLite* message,
                   std::string_view what) {
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("cannot parse ", AbslView(what)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Serialize(const google::protobuf::MessageLite& message,
                                      std::string_view what) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return absl::InternalError(absl::StrCat("cannot serialize ", AbslView(what)));
  }
  return bytes;
}

absl::Status CheckLimit(int limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("limit: must be positive, got ", limit));
  }
  return absl::OkStatus();
}

// Source ids go into length-prefixed keys; the prefix is a u16.
absl::Status CheckSourceId(std::string_view field, std::string_view source_id) {
  if (source_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(AbslView(field), ": must not be empty"));
  }
  if (source_id.size() > kMaxSourceIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(AbslView(field), ": ", source_id.size(),
                                                   " bytes is longer than ", kMaxSourceIdBytes));
  }
  return absl::OkStatus();
}

// Whether the version was made under embargo: partners must not see it until the lift.
bool MadeUnderEmbargo(const Article& article) {
  return article.has_embargoed_until() &&
         ToAbslTime(article.embargoed_until()) > ToAbslTime(article.version_created());
}

// The schedule entries a latest version derives; see TaskKind.
std::vector<std::string> ScheduleKeys(const Article& article) {
  std::vector<std::string> keys;
  // A tombstone made under embargo stays hidden until the instant, but has nothing to lift.
  const bool tombstone = article.pubstatus() == syndication::v1::PUB_STATUS_WITHHELD ||
                         article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED;
  if (MadeUnderEmbargo(article) && !tombstone) {
    keys.push_back(
        ScheduleKey(ToAbslTime(article.embargoed_until()), article.id(), kScheduleLiftEmbargo));
  }
  if (article.has_expires_at() && article.pubstatus() == syndication::v1::PUB_STATUS_USABLE) {
    keys.push_back(ScheduleKey(ToAbslTime(article.expires_at()), article.id(), kScheduleExpire));
  }
  return keys;
}

bool IsTombstoneVersion(const Article& article) {
  return article.pubstatus() == syndication::v1::PUB_STATUS_WITHHELD ||
         article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED;
}

// The feed event that `version` makes at `sequence`. `before` is the story's last version
// with content before it (see Impl::LastContent), nullptr for a new story. Stream filters
// read language and subject_codes, so a story's events reach every stream that got the
// version before: a tombstone, which has neither, carries those of the version it takes
// down; a content version carries its own subject codes followed by those of `before` that
// it dropped, and `before`'s language in previous_language when that differs.
FeedRecord MakeEvent(const Article& version, EventType type, uint64_t sequence,
                     const Article* before) {
  FeedRecord event;
  event.set_sequence(sequence);
  event.set_type(type);
  event.set_article_id(version.id());
  event.set_version(version.version());
  event.set_source_id(version.source_id());
  *event.mutable_time() = version.version_created();
  const bool takes_down = before != nullptr && IsTombstoneVersion(version);
  event.set_language(takes_down ? before->language() : version.language());
  if (before != nullptr && !takes_down &&
      absl::AsciiStrToLower(before->language()) != absl::AsciiStrToLower(version.language())) {
    event.set_previous_language(before->language());
  }
  for (const syndication::v1::Subject& subject : version.subjects()) {
    event.add_subject_codes(subject.code());
  }
  if (before != nullptr) {
    for (const syndication::v1::Subject& subject : before->subjects()) {
      if (std::find(event.subject_codes().begin(), event.subject_codes().end(), subject.code()) ==
          event.subject_codes().end()) {
        event.add_subject_codes(subject.code());
      }
    }
  }
  event.set_hidden(MadeUnderEmbargo(version));
  return event;
}

// The story a commit is for: by (source_id, external_id), or by id. The views point into
// the caller's arguments, which outlive the commit.
struct CommitTarget {
  bool by_id = false;
  std::string_view article_id;  // when by_id
  std::string_view source_id;   // when !by_id
  std::string_view external_id;

  std::string Describe() const {
    if (by_id) return absl::StrCat("article ", AbslView(article_id));
    return absl::StrCat("article ", AbslView(source_id), "/", AbslView(external_id));
  }
};

// One key range of a list index, scanned in key order. The bounds live here because the
// iterator's ReadOptions point at them for the iterator's whole life.
struct IndexScan {
  std::string prefix;  // bytes before the list suffix; empty for by_time
  std::string lower;
  std::string upper;  // empty: to the end of the column family
  rocksdb::Slice lower_slice;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> iterator;

  std::string_view Suffix() const {
    rocksdb::Slice key = iterator->key();
    return std::string_view(key.data(), key.size()).substr(prefix.size());
  }
};

// Fills scan->lower / scan->upper for `query` over keys that start with scan->prefix.
// Returns false when the range is empty.
bool SetBounds(const ListQuery& query, IndexScan* scan) {
  constexpr uint64_t kOldest = std::numeric_limits<uint64_t>::max();
  scan->lower = scan->prefix;
  if (query.end_time.has_value()) {
    // end_time is exclusive: keep entries strictly older, i.e. encoded strictly greater.
    const uint64_t end = EncodeListTime(*query.end_time);
    if (end == kOldest) return false;
    AppendUint64(&scan->lower, end + 1);
  }
  if (query.after.has_value()) {
    // The smallest key greater than the position itself.
    std::string after =
        absl::StrCat(scan->prefix, ListSuffix(query.after->list_time, query.after->article_id),
                     absl::string_view("\0", 1));
    scan->lower = std::max(scan->lower, after);
  }
  scan->upper = PrefixSuccessor(scan->prefix);
  if (query.start_time.has_value()) {
    // start_time is inclusive: keep entries encoded at or below it.
    const uint64_t start = EncodeListTime(*query.start_time);
    if (start != kOldest) {
      scan->upper = scan->prefix;
      AppendUint64(&scan->upper, start + 1);
    }
  }
  return scan->upper.empty() || scan->lower < scan->upper;
}

// As SetBounds, for an update index (oldest first). updated_after is exact, which a key at
// microsecond precision cannot express, so the range starts at its microsecond and the
// caller skips what is not after it.
bool SetUpdateBounds(const UpdateQuery& query, IndexScan* scan) {
  scan->lower = scan->prefix;
  if (query.updated_after.has_value()) {
    AppendUint64(&scan->lower, EncodeAscendingTime(*query.updated_after));
  }
  if (query.after.has_value()) {
    std::string after = absl::StrCat(
        scan->prefix, UpdateSuffix(query.after->version_created, query.after->article_id),
        absl::string_view("\0", 1));
    scan->lower = std::max(scan->lower, after);
  }
  scan->upper = PrefixSuccessor(scan->prefix);
  return scan->upper.empty() || scan->lower < scan->upper;
}

// Creates scan->iterator over `family` within scan's bounds and seeks to the lower one.
void OpenScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
              const rocksdb::ReadOptions& read_options, IndexScan* scan) {
  scan->lower_slice = rocksdb::Slice(scan->lower);
  scan->upper_slice = rocksdb::Slice(scan->upper);
  rocksdb::ReadOptions scan_options = read_options;
  scan_options.iterate_lower_bound = &scan->lower_slice;
  if (!scan->upper.empty()) scan_options.iterate_upper_bound = &scan->upper_slice;
  scan->iterator.reset(db->NewIterator(scan_options, family));
  scan->iterator->Seek(scan->lower_slice);
}

// Calls `visit` with the key and value of every entry of `family` whose key starts with `prefix`,
// in key order, stopping at the first error; `what` names the entries in a failed read.
absl::Status ScanPrefix(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, const std::string& prefix,
    std::string_view what,
    const std::function<absl::Status(std::string_view key, std::string_view value)>& visit) {
  const std::string upper = PrefixSuccessor(prefix);
  const rocksdb::Slice lower_slice(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read_options, family));
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    SYNDICATE_RETURN_IF_ERROR(visit(it->key().ToStringView(), it->value().ToStringView()));
  }
  return FromRocksDb(it->status(), "listing " + std::string(what));
}

// Checks and sorts the source ids of a query: repeated ids count once.
absl::StatusOr<std::vector<std::string>> QuerySourceIds(std::vector<std::string> source_ids) {
  for (const std::string& source_id : source_ids) {
    SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source_ids", source_id));
  }
  std::sort(source_ids.begin(), source_ids.end());
  source_ids.erase(std::unique(source_ids.begin(), source_ids.end()), source_ids.end());
  return source_ids;
}

// The key id of an Ed25519 public key: the first 8 bytes of its SHA-256, in lowercase hex.
std::string KeyIdOf(std::string_view public_key) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(public_key.data()),
                     public_key.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kKeyIdBytes));
}

}  // namespace

absl::Time ListTime(const Article& article) {
  return ToAbslTime(article.has_published_at() ? article.published_at() : article.first_created());
}

class Store::Impl {
 public:
  Impl(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
       const StoreOptions& options)
      : db_(db), handles_(std::move(handles)), options_(options) {}

  ~Impl() {
    // Errors are dropped: a destructor has no one to report to, and the WAL already holds
    // every acknowledged write, so a failed flush loses nothing. After a failed WAL write or
    // sync, no flush: it would make durable the writes whose callers were told they failed.
    if (RefuseAfterFailedSync().ok()) (void)Flush();
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      (void)db_->DestroyColumnFamilyHandle(handle);
    }
    (void)db_->Close();
    delete db_;
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  rocksdb::ColumnFamilyHandle* Family(ColumnFamily id) const {
    return handles_[static_cast<size_t>(id)];
  }

  // db_->Put and db_->Write for every write but a commit's (WriteEntry, which calls
  // Guarded itself), through Guarded.
  rocksdb::Status Put(const rocksdb::WriteOptions& options, rocksdb::ColumnFamilyHandle* family,
                      const rocksdb::Slice& key, const rocksdb::Slice& value) {
    return Guarded(options, [&] { return db_->Put(options, family, key, value); });
  }
  rocksdb::Status Write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch) {
    return Guarded(options, [&] { return db_->Write(options, batch); });
  }

  // Runs `write` (with `options`) unless a WAL write or sync failed before (store.h, "A
  // failed WAL write or sync"): a synced write would also make durable what was written
  // before that sync. A write that fails with an I/O error, synced or not, is such a
  // failure itself (the WAL's state is unknown: a disk that filled up may have taken part
  // of a record), and a synced one that a failed sync overtook is reported as failed too,
  // since it may rest on WAL records that sync lost.
  template <typename WriteFn>
  rocksdb::Status Guarded(const rocksdb::WriteOptions& options, WriteFn write) {
    if (rocksdb::Status refused = RefuseAfterFailedSync(); !refused.ok()) return refused;
    const rocksdb::Status status = write();
    if (status.IsIOError()) {
      std::unique_lock<std::mutex> lock(sync_mutex_);
      FailSync(FromRocksDb(status, options.sync ? "writing and syncing the write-ahead log"
                                                : "writing the write-ahead log"),
               lock);
      return status;
    }
    if (!status.ok() || !options.sync) return status;
    return RefuseAfterFailedSync();
  }

  rocksdb::WriteOptions WriteOptions() const {
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync_writes;
    return write_options;
  }

  absl::Status Flush() {
    std::vector<rocksdb::ColumnFamilyHandle*> families;
    families.reserve(kColumnFamilies.size());
    for (const ColumnFamilySpec& spec : kColumnFamilies) families.push_back(Family(spec.id));
    return FromRocksDb(db_->Flush(rocksdb::FlushOptions(), families), "flushing memtables");
  }

  // Up to `limit` records of `family`, whose keys are plain ids, with id > after_id (all when
  // after_id is empty), in id order, parsed as T. `what` names a record in errors.
  template <typename T>
  absl::StatusOr<std::vector<T>> Scan(ColumnFamily family, std::string_view after_id, int limit,
                                      std::string_view what) const {
    SYNDICATE_RETURN_IF_ERROR(CheckLimit(limit));
    // The smallest id greater than after_id.
    const std::string lower = absl::StrCat(AbslView(after_id), absl::string_view("\0", 1));
    const rocksdb::Slice lower_slice(lower);
    rocksdb::ReadOptions read_options;
    if (!after_id.empty()) read_options.iterate_lower_bound = &lower_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, Family(family)));
    std::vector<T> records;
    for (after_id.empty() ? it->SeekToFirst() : it->Seek(lower_slice);
         it->Valid() && records.size() < static_cast<size_t>(limit); it->Next()) {
      T& record = records.emplace_back();
      SYNDICATE_RETURN_IF_ERROR(Parse(it->value().ToStringView(), &record,
                                      absl::StrCat(AbslView(what), " ", it->key().ToString())));
    }
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), absl::StrCat("listing ", AbslView(what))));
    return records;
  }

  // A u64be meta value, or 0 when the key is absent.
  absl::StatusOr<uint64_t> ReadMetaUint64(std::string_view key) const {
    std::string value;
    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kMeta), key, &value);
    if (status.IsNotFound()) return 0;
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading meta ", AbslView(key))));
    absl::StatusOr<uint64_t> decoded = DecodeUint64(value);
    if (!decoded.ok()) {
      return absl::DataLossError(
          absl::StrCat("meta ", AbslView(key), ": ", decoded.status().message()));
    }
    return *decoded;
  }

  // Reads the feed head, start and epoch, creating the epoch on first open.
  absl::Status Restore() {
    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t head, ReadMetaUint64(kMetaFeedHead));
    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t start, ReadMetaUint64(kMetaFeedStart));
    // feed_head is written in the same batch as the event it counts, and feed_start in the
    // same batch as the range deletion it ends, so the feed holds exactly the events
    // start + 1 … head. They can only disagree when the files were damaged or mixed up.
    if (start > head) {
      return absl::DataLossError(
          absl::StrCat("meta feed_start is ", start, " but meta feed_head is only ", head));
    }
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Family(ColumnFamily::kFeed)));
    it->SeekToLast();
    if (it->Valid()) {
      SYNDICATE_ASSIGN_OR_RETURN(const uint64_t last_sequence,
                                 DecodeFeedKey(it->key().ToStringView()));
      if (last_sequence != head) {
        return absl::DataLossError(absl::StrCat("the feed ends at sequence ", last_sequence,
                                                " but meta feed_head is ", head));
      }
      it->SeekToFirst();
      if (it->Valid()) {
        SYNDICATE_ASSIGN_OR_RETURN(const uint64_t first_sequence,
                                   DecodeFeedKey(it->key().ToStringView()));
        if (first_sequence != start + 1) {
          return absl::DataLossError(absl::StrCat("the feed starts at sequence ", first_sequence,
                                                  " but meta feed_start is ", start));
        }
      }
    } else if (it->status().ok() && start != head) {
      // Empty: never written (0, 0), or trimmed to nothing (start == head).
      return absl::DataLossError(absl::StrCat("the feed is empty but meta feed_head is ", head,
                                              " and meta feed_start is ", start));
    }
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(it->status(), "reading the feed's first and last events"));
    feed_head_.store(head, std::memory_order_release);
    written_head_.store(head, std::memory_order_release);
    {
      std::lock_guard<std::mutex> sync_lock(sync_mutex_);
      synced_ = head;  // what recovery found is what the WAL and SST files hold
    }
    feed_start_.store(start, std::memory_order_release);
    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t shared_head, ReadMetaUint64(kMetaSharedHead));
    {
      std::lock_guard<std::mutex> shared_lock(shared_mutex_);
      shared_head_ = shared_head;
    }

    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kMeta), kMetaFeedEpoch, &epoch_);
    if (status.IsNotFound()) {
      epoch_ = options_.feed_epoch.empty() ? RandomHex(kEpochBytes) : options_.feed_epoch;
      rocksdb::WriteOptions synced;
      synced.sync = true;
      SYNDICATE_RETURN_IF_ERROR(
          FromRocksDb(db_->Put(synced, Family(ColumnFamily::kMeta), kMetaFeedEpoch, epoch_),
                      "storing the feed epoch"));
    } else {
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading the feed epoch"));
      if (!IsEpoch(epoch_)) {
        return absl::DataLossError(absl::StrCat("meta feed_epoch \"", absl::CHexEscape(epoch_),
                                                "\" is not 16 lowercase hex digits"));
      }
      if (!options_.feed_epoch.empty() && options_.feed_epoch != epoch_) {
        return absl::FailedPreconditionError(
            absl::StrCat("options.feed_epoch: the store's feed epoch is ", epoch_, ", not ",
                         options_.feed_epoch, " (a replica of another log)"));
      }
    }

    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t layout, ReadMetaUint64(kMetaLayoutVersion));
    if (layout > kLayoutVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store has layout version ", layout, "; this build knows up to ", kLayoutVersion));
    }
    if (layout < kLayoutVersion) SYNDICATE_RETURN_IF_ERROR(BuildDerivedEntries());
    return absl::OkStatus();
  }

  // Writes the update index and schedule entries of every stored article, then records
  // kLayoutVersion: brings a store from before those families up to date (and costs a scan
  // of nothing in a new one). Only Puts of entries derived from the articles, so a run cut
  // short by a crash is simply repeated at the next open.
  absl::Status BuildDerivedEntries() {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Family(ColumnFamily::kArticles)));
    rocksdb::WriteBatch batch;
    int in_batch = 0;
    std::vector<rocksdb::Status> statuses;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Article article;
      SYNDICATE_RETURN_IF_ERROR(Parse(it->value().ToStringView(), &article,
                                      absl::StrCat("article ", it->key().ToString())));
      const absl::Time version_created = ToAbslTime(article.version_created());
      statuses.push_back(batch.Put(Family(ColumnFamily::kByUpdate),
                                   ByUpdateKey(version_created, article.id()), ""));
      statuses.push_back(
          batch.Put(Family(ColumnFamily::kBySourceUpdate),
                    BySourceUpdateKey(article.source_id(), version_created, article.id()), ""));
      for (const std::string& key : ScheduleKeys(article)) {
        statuses.push_back(batch.Put(Family(ColumnFamily::kSchedule), key, ""));
      }
      if (++in_batch == kBuildBatchArticles) {
        statuses.push_back(db_->Write(rocksdb::WriteOptions(), &batch));
        batch.Clear();
        in_batch = 0;
      }
      for (const rocksdb::Status& status : statuses) {
        SYNDICATE_RETURN_IF_ERROR(
            FromRocksDb(status, "building the update indexes and the schedule"));
      }
      statuses.clear();
    }
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the articles"));
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
        batch.Put(Family(ColumnFamily::kMeta), kMetaLayoutVersion, EncodeUint64(kLayoutVersion)),
        "building the update indexes and the schedule"));
    // Synced: the sync covers the unsynced batches before it in the WAL too.
    rocksdb::WriteOptions synced;
    synced.sync = true;
    return FromRocksDb(db_->Write(synced, &batch), "building the update indexes and the schedule");
  }

  // The latest version of the story (source_id, external_id), or nullopt when there is none.
  absl::StatusOr<std::optional<Article>> LatestByExternalId(std::string_view source_id,
                                                            std::string_view external_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    std::string article_id;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kByExternalId),
                                      ByExternalIdKey(source_id, external_id), &article_id);
    if (status.IsNotFound()) return std::nullopt;
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "looking up the external id"));
    std::string bytes;
    status = db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kArticles), article_id, &bytes);
    if (status.IsNotFound()) {
      return absl::DataLossError(
          absl::StrCat("by_external_id names article ", article_id, ", which is not stored"));
    }
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading article ", article_id)));
    Article latest;
    SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &latest, absl::StrCat("article ", article_id)));
    return latest;
  }

  // The latest version of the story with id `article_id`, or nullopt when there is none.
  absl::StatusOr<std::optional<Article>> LatestById(std::string_view article_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    std::string bytes;
    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kArticles), article_id, &bytes);
    if (status.IsNotFound()) return std::nullopt;
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(status, absl::StrCat("reading article ", AbslView(article_id))));
    Article latest;
    SYNDICATE_RETURN_IF_ERROR(
        Parse(bytes, &latest, absl::StrCat("article ", AbslView(article_id))));
    return latest;
  }

  // The story's last version that is not a tombstone, up to and including `latest`;
  // nullopt when there is none (no story yet, or only tombstones). Rarely reads anything:
  // only a commit after a tombstone (a kill after a withdrawal or an expiry, a
  // reinstatement) looks back, and a story has at most two tombstones in a row.
  absl::StatusOr<std::optional<Article>> LastContent(const std::optional<Article>& latest)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    if (!latest.has_value() || !IsTombstoneVersion(*latest)) return latest;
    for (int64_t version = latest->version() - 1; version >= 1; --version) {
      std::string bytes;
      const rocksdb::Status status =
          db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kVersions),
                   VersionKey(latest->id(), static_cast<uint64_t>(version)), &bytes);
      if (status.IsNotFound()) continue;
      const std::string what = absl::StrCat("version ", version, " of article ", latest->id());
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading ", what)));
      Article article;
      SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &article, what));
      if (!IsTombstoneVersion(article)) return article;
    }
    return std::nullopt;
  }

  absl::StatusOr<bool> Contains(ColumnFamily family, std::string_view key) const {
    rocksdb::PinnableSlice value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Family(family), key, &value);
    if (status.IsNotFound()) return false;
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "looking up a key"));
    return true;
  }

  // The request record stored under `request_id`, or nullopt when there is none.
  absl::StatusOr<std::optional<RequestRecord>> StoredRequest(std::string_view request_id) const {
    std::string bytes;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kRequests),
                                      RequestKey(request_id), &bytes);
    if (status.IsNotFound()) return std::nullopt;
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading a request record"));
    RequestRecord record;
    SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &record, "a request record"));
    return record;
  }

  // The response recorded for `request_id`, or nullopt when there is none.
  absl::StatusOr<std::optional<std::string>> RecordedResponse(std::string_view request_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    SYNDICATE_ASSIGN_OR_RETURN(std::optional<RequestRecord> record, StoredRequest(request_id));
    if (!record.has_value()) return std::nullopt;
    return std::move(*record->mutable_response());
  }

  // OK when `change` may follow `latest` (the target's latest version, nullopt for a new
  // story); else INTERNAL naming the problem.
  absl::Status CheckChange(const CommitTarget& target, const std::optional<Article>& latest,
                           const Article& version, EventType event_type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    const auto inconsistent = [&target](std::string_view problem) {
      return absl::InternalError(
          absl::StrCat("inconsistent change to ", target.Describe(), ": ", AbslView(problem)));
    };
    const auto differs = [](std::string_view field, std::string_view given,
                            std::string_view expected) {
      return absl::StrCat("version.", AbslView(field), " \"", absl::CHexEscape(AbslView(given)),
                          "\" is not the story's \"", absl::CHexEscape(AbslView(expected)), "\"");
    };
    if (event_type == syndication::v1::EVENT_TYPE_UNSPECIFIED) {
      return inconsistent("event_type is unspecified");
    }
    if (!version.has_version_created()) return inconsistent("version.version_created is unset");
    if (latest.has_value()) {
      if (version.id() != latest->id())
        return inconsistent(differs("id", version.id(), latest->id()));
      if (version.source_id() != latest->source_id()) {
        return inconsistent(differs("source_id", version.source_id(), latest->source_id()));
      }
      if (version.external_id() != latest->external_id()) {
        return inconsistent(differs("external_id", version.external_id(), latest->external_id()));
      }
      if (version.version() != latest->version() + 1) {
        return inconsistent(absl::StrCat("version.version is ", version.version(),
                                         " but the latest stored version is ", latest->version()));
      }
      return absl::OkStatus();
    }
    if (version.version() != 1) {
      return inconsistent(
          absl::StrCat("version.version is ", version.version(), " but the story is new"));
    }
    if (!IsArticleId(version.id())) {
      return inconsistent(absl::StrCat("version.id \"", absl::CHexEscape(version.id()),
                                       "\" is not 32 lowercase hex digits"));
    }
    if (target.by_id) {
      if (version.id() != target.article_id) {
        return inconsistent(differs("id", version.id(), target.article_id));
      }
      if (absl::Status status = CheckSourceId("version.source_id", version.source_id());
          !status.ok()) {
        return inconsistent(std::string(status.message()));
      }
      if (version.external_id().empty()) return inconsistent("version.external_id is empty");
      SYNDICATE_ASSIGN_OR_RETURN(
          const bool named, Contains(ColumnFamily::kByExternalId,
                                     ByExternalIdKey(version.source_id(), version.external_id())));
      if (named) {
        return inconsistent(absl::StrCat("another story has source_id \"", version.source_id(),
                                         "\" and external_id \"",
                                         absl::CHexEscape(version.external_id()), "\""));
      }
      return absl::OkStatus();
    }
    if (version.source_id() != target.source_id) {
      return inconsistent(differs("source_id", version.source_id(), target.source_id));
    }
    if (version.external_id() != target.external_id) {
      return inconsistent(differs("external_id", version.external_id(), target.external_id));
    }
    SYNDICATE_ASSIGN_OR_RETURN(const bool taken, Contains(ColumnFamily::kArticles, version.id()));
    if (taken) {
      return inconsistent(absl::StrCat("version.id \"", version.id(), "\" is another story's"));
    }
    return absl::OkStatus();
  }

  // Adds to `batch` everything one new version writes: the article views, the index
  // entries, the schedule, the feed event and the feed head. `previous` is the version it
  // replaces. Kept apart from deciding the version so that applying an event read back from
  // a replicated log can reuse it.
  absl::Status AddVersion(const Article& article, const std::optional<Article>& previous,
                          const FeedRecord& event, rocksdb::WriteBatch* batch) {
    SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, Serialize(article, "article"));
    SYNDICATE_ASSIGN_OR_RETURN(const std::string event_bytes, Serialize(event, "feed event"));
    const std::string by_source_time =
        BySourceTimeKey(article.source_id(), ListTime(article), article.id());
    const std::string by_time = ByTimeKey(ListTime(article), article.id());
    const absl::Time version_created = ToAbslTime(article.version_created());
    const std::string by_update = ByUpdateKey(version_created, article.id());
    const std::string by_source_update =
        BySourceUpdateKey(article.source_id(), version_created, article.id());
    const std::vector<std::string> tasks = ScheduleKeys(article);

    std::vector<rocksdb::Status> statuses;
    statuses.push_back(batch->Put(Family(ColumnFamily::kArticles), article.id(), bytes));
    statuses.push_back(batch->Put(Family(ColumnFamily::kVersions),
                                  VersionKey(article.id(), article.version()), bytes));
    if (previous.has_value()) {
      const std::string old_by_source_time =
          BySourceTimeKey(previous->source_id(), ListTime(*previous), previous->id());
      // Comparing keys, not times: times that differ below a microsecond share a key.
      if (old_by_source_time != by_source_time) {
        statuses.push_back(batch->Delete(Family(ColumnFamily::kBySourceTime), old_by_source_time));
        statuses.push_back(batch->Delete(Family(ColumnFamily::kByTime),
                                         ByTimeKey(ListTime(*previous), previous->id())));
      }
      const absl::Time previous_created = ToAbslTime(previous->version_created());
      const std::string old_by_update = ByUpdateKey(previous_created, previous->id());
      if (old_by_update != by_update) {
        statuses.push_back(batch->Delete(Family(ColumnFamily::kByUpdate), old_by_update));
        statuses.push_back(batch->Delete(
            Family(ColumnFamily::kBySourceUpdate),
            BySourceUpdateKey(previous->source_id(), previous_created, previous->id())));
      }
      for (const std::string& old_task : ScheduleKeys(*previous)) {
        if (std::find(tasks.begin(), tasks.end(), old_task) == tasks.end()) {
          statuses.push_back(batch->Delete(Family(ColumnFamily::kSchedule), old_task));
        }
      }
    } else {
      statuses.push_back(batch->Put(Family(ColumnFamily::kByExternalId),
                                    ByExternalIdKey(article.source_id(), article.external_id()),
                                    article.id()));
    }
    statuses.push_back(batch->Put(Family(ColumnFamily::kBySourceTime), by_source_time, ""));
    statuses.push_back(batch->Put(Family(ColumnFamily::kByTime), by_time, ""));
    statuses.push_back(batch->Put(Family(ColumnFamily::kByUpdate), by_update, ""));
    statuses.push_back(batch->Put(Family(ColumnFamily::kBySourceUpdate), by_source_update, ""));
    for (const std::string& task : tasks) {
      statuses.push_back(batch->Put(Family(ColumnFamily::kSchedule), task, ""));
    }
    statuses.push_back(
        batch->Put(Family(ColumnFamily::kFeed), FeedKey(event.sequence()), event_bytes));
    statuses.push_back(
        batch->Put(Family(ColumnFamily::kMeta), kMetaFeedHead, EncodeUint64(event.sequence())));
    for (const rocksdb::Status& status : statuses) {
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "building the publish batch"));
    }
    return absl::OkStatus();
  }

  // Adds to `batch` everything applying `entry` writes: its version (AddVersion, with the
  // event and the feed head) and its request record. `previous` is the story's latest
  // version before it.
  absl::Status AddEntry(const LogEntry& entry, const std::optional<Article>& previous,
                        rocksdb::WriteBatch* batch) {
    SYNDICATE_RETURN_IF_ERROR(AddVersion(entry.version(), previous, entry.event(), batch));
    if (entry.event().request_id().empty() || !entry.has_request()) return absl::OkStatus();
    SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes,
                               Serialize(entry.request(), "request record"));
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
        batch->Put(Family(ColumnFamily::kRequests), RequestKey(entry.event().request_id()), bytes),
        "building the publish batch"));
    return FromRocksDb(
        batch->Put(Family(ColumnFamily::kRequestsByTime),
                   RequestTimeKey(ToAbslTime(entry.request().time()), entry.event().request_id()),
                   ""),
        "building the publish batch");
  }

  // Writes `batch`, which applies the entry at `sequence` (written_head_ + 1), then makes
  // it durable and published: FeedHead() at `sequence` and the listener called. `lock`
  // holds write_mutex_ and is released on return. `what` names the write in errors.
  absl::Status WriteEntry(rocksdb::WriteBatch& batch, uint64_t sequence,
                          std::unique_lock<std::mutex>& lock, std::string_view what) {
    // Unsynced either way: with sync_writes, WaitDurable() below syncs it.
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(Guarded(rocksdb::WriteOptions(),
                            [&] { return db_->Write(rocksdb::WriteOptions(), &batch); }),
                    what));
    written_head_.store(sequence, std::memory_order_release);
    commits_written_.fetch_add(1, std::memory_order_relaxed);
    if (options_.sync_writes) {
      lock.unlock();
      return WaitDurable(sequence);
    }
    // Nothing to wait for: publish it now, as WaitDurable's syncer would.
    std::lock_guard<std::mutex> listener_lock(listener_mutex_);
    lock.unlock();
    PublishUpTo(sequence);
    return absl::OkStatus();
  }

  // CommitByExternalId and CommitById.
  //
  // With sync_writes, a commit is made in two steps so that concurrent commits share WAL
  // syncs (group commit) instead of each paying one fsync under write_mutex_:
  //
  //  1. Under write_mutex_: read the latest version, decide, and write the batch without
  //     sync. RocksDB makes it visible to the next commit's reads as soon as Write()
  //     returns, and appends it to the WAL in the order of the sequence numbers we assign
  //     (one writer at a time), so the WAL holds commit k+1 only after commit k.
  //  2. Without write_mutex_: WaitDurable(sequence), which returns once a SyncWAL() that
  //     started after this batch was written has succeeded. One SyncWAL() covers every
  //     batch written before it, so while one thread syncs, the commits that arrive
  //     meanwhile queue up and the next sync makes all of them durable at once.
  //
  // Crash safety: an acknowledged commit was synced (step 2 returned). A commit that was
  // written but not synced when the machine crashed may be lost; it was never acknowledged,
  // its sequence never reached FeedHead(), no listener (stream) saw it, and, since the WAL
  // is in sequence order and RocksDB recovers a prefix of it, every commit after it is lost
  // too: the recovered feed is still one unbroken run ending at a sequence whose meta
  // feed_head was written in the same batch (Restore() checks that). A process crash
  // (kill -9) loses nothing written: the OS holds the WAL's pages.
  //
  // Answers that depend on what was read (a replayed request_id's recorded response, a
  // "no change" decision, an error from `decide`) may rest on a commit that is written but
  // not yet synced, so they too wait until everything written when they read is durable.
  // What a commit saw and decided (Decided()).
  struct Decision {
    // written_head_ when the story was read: everything the decision rests on is at or
    // below it.
    uint64_t seen = 0;
    std::optional<Article> latest;
    // The request_id's recorded response, when it was seen before (nothing was decided).
    std::optional<std::string> replayed;
    // `decide`'s error, as it returned it.
    absl::Status refused;
    // The change as a log entry, its event under sequence seen + 1; unset when nothing is
    // to be written.
    std::optional<LogEntry> entry;
  };

  // Reads the target's latest version, looks the request_id up, and calls `decide`: the
  // first step of every commit, in either mode.
  absl::StatusOr<Decision> Decided(const CommitTarget& target, std::string_view request_id,
                                   const Decide& decide)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    Decision decision;
    decision.seen = written_head_.load(std::memory_order_relaxed);
    SYNDICATE_ASSIGN_OR_RETURN(
        decision.latest, target.by_id ? LatestById(target.article_id)
                                      : LatestByExternalId(target.source_id, target.external_id));
    if (!request_id.empty()) {
      SYNDICATE_ASSIGN_OR_RETURN(decision.replayed, RecordedResponse(request_id));
      if (decision.replayed.has_value()) return decision;
    }
    const std::optional<Article>& latest = decision.latest;
    absl::StatusOr<std::optional<Change>> decided = decide(latest.has_value() ? &*latest : nullptr);
    if (!decided.ok()) {
      decision.refused = decided.status();
      return decision;
    }
    if (!decided->has_value()) return decision;
    Change& change = **decided;
    SYNDICATE_RETURN_IF_ERROR(CheckChange(target, latest, change.version, change.event_type));
    SYNDICATE_ASSIGN_OR_RETURN(const std::optional<Article> before, LastContent(latest));
    LogEntry& entry = decision.entry.emplace();
    *entry.mutable_event() = MakeEvent(change.version, change.event_type, decision.seen + 1,
                                       before.has_value() ? &*before : nullptr);
    if (!request_id.empty()) {
      entry.mutable_event()->set_request_id(std::string(request_id));
      *entry.mutable_request()->mutable_time() = change.version.version_created();
      entry.mutable_request()->set_response(std::move(change.response));
    }
    *entry.mutable_version() = std::move(change.version);
    return decision;
  }

  // A commit's answer when it wrote nothing: the replayed response, decide's error, or the
  // latest version as it is.
  static absl::StatusOr<CommitResult> Unwritten(Decision decision) {
    if (!decision.refused.ok()) return decision.refused;
    CommitResult result;
    if (decision.latest.has_value()) result.latest = *std::move(decision.latest);
    result.replayed_response = std::move(decision.replayed);
    return result;
  }

  // CommitByExternalId and CommitById: CommitThroughLog with a StoreOptions::log, else the
  // embedded mode.
  //
  // With sync_writes, an embedded commit is made in two steps so that concurrent commits
  // share WAL syncs (group commit) instead of each paying one fsync under write_mutex_:
  //
  //  1. Under write_mutex_: read the latest version, decide, and write the batch without
  //     sync. RocksDB makes it visible to the next commit's reads as soon as Write()
  //     returns, and appends it to the WAL in the order of the sequence numbers we assign
  //     (one writer at a time), so the WAL holds commit k+1 only after commit k.
  //  2. Without write_mutex_: WaitDurable(sequence), which returns once a SyncWAL() that
  //     started after this batch was written has succeeded. One SyncWAL() covers every
  //     batch written before it, so while one thread syncs, the commits that arrive
  //     meanwhile queue up and the next sync makes all of them durable at once.
  //
  // Crash safety: an acknowledged commit was synced (step 2 returned). A commit that was
  // written but not synced when the machine crashed may be lost; it was never acknowledged,
  // its sequence never reached FeedHead(), no listener (stream) saw it, and, since the WAL
  // is in sequence order and RocksDB recovers a prefix of it, every commit after it is lost
  // too: the recovered feed is still one unbroken run ending at a sequence whose meta
  // feed_head was written in the same batch (Restore() checks that). A process crash
  // (kill -9) loses nothing written: the OS holds the WAL's pages.
  //
  // Answers that depend on what was read (a replayed request_id's recorded response, a
  // "no change" decision, an error from `decide`) may rest on a commit that is written but
  // not yet synced, so they too wait until everything written when they read is durable.
  absl::StatusOr<CommitResult> Commit(const CommitTarget& target, std::string_view request_id,
                                      const Decide& decide) {
    if (options_.log != nullptr) return CommitThroughLog(target, request_id, decide);
    std::unique_lock<std::mutex> lock(write_mutex_);
    // After a failed WAL write or sync, what was written since may or may not be durable:
    // refuse further commits rather than write more behind it.
    if (rocksdb::Status refused = RefuseAfterFailedSync(); !refused.ok()) {
      return FromRocksDb(refused, absl::StrCat("committing to ", target.Describe()));
    }
    SYNDICATE_ASSIGN_OR_RETURN(Decision decision, Decided(target, request_id, decide));
    if (!decision.entry.has_value()) {
      lock.unlock();
      SYNDICATE_RETURN_IF_ERROR(WaitDurable(decision.seen));
      return Unwritten(std::move(decision));
    }
    // The log entry, appended to the local feed and applied in one batch.
    LogEntry& entry = *decision.entry;
    const uint64_t sequence = entry.event().sequence();
    rocksdb::WriteBatch batch;
    SYNDICATE_RETURN_IF_ERROR(AddEntry(entry, decision.latest, &batch));
    SYNDICATE_RETURN_IF_ERROR(WriteEntry(batch, sequence, lock, Describe(entry.version())));
    CommitResult result;
    result.latest = std::move(*entry.mutable_version());
    result.sequence = sequence;
    return result;
  }

  static std::string Describe(const Article& version) {
    return absl::StrCat("publishing article ", version.source_id(), "/", version.external_id(),
                        " version ", version.version());
  }

  // A commit of a replica (StoreOptions::log): decides on this store's view, checks with
  // the log that the view held the story's last entry, appends the entry to the log with
  // that entry's sequence as the expected last one, and returns once this store has
  // applied the entry back from the log (FeedHead() at it). When the view lagged behind the
  // story's last entry, or another replica appended for the story first (ABORTED), it waits
  // for the view to catch up and decides again, until StoreOptions::log_apply_timeout. Answers that
  // write nothing (no change, decide's error) are given only from a view that held the
  // story's last entry, so they are the answers the log's latest state gives; a replayed
  // request_id answers at once, since its record is final.
  absl::StatusOr<CommitResult> CommitThroughLog(const CommitTarget& target,
                                                std::string_view request_id, const Decide& decide) {
    const absl::Time deadline = absl::Now() + options_.log_apply_timeout;
    // Commits of one story on this replica take turns, as they do in the embedded mode:
    // racing each other through the log, most would lose and decide again.
    SYNDICATE_ASSIGN_OR_RETURN(std::mutex * turn, StoryTurn(target));
    std::lock_guard<std::mutex> story_lock(*turn);
    for (int attempt = 1;; ++attempt) {
      std::unique_lock<std::mutex> lock(write_mutex_);
      if (rocksdb::Status refused = RefuseAfterFailedSync(); !refused.ok()) {
        return FromRocksDb(refused, absl::StrCat("committing to ", target.Describe()));
      }
      SYNDICATE_ASSIGN_OR_RETURN(Decision decision, Decided(target, request_id, decide));
      lock.unlock();
      if (decision.replayed.has_value()) return Unwritten(std::move(decision));
      // The story's name in the log: a commit by id that this view does not know has none,
      // so it waits for the view to reach the log's end once, and answers from there.
      const Article* story = decision.entry.has_value()    ? &decision.entry->version()
                             : decision.latest.has_value() ? &*decision.latest
                                                           : nullptr;
      if (story == nullptr) {
        if (attempt > 1) return Unwritten(std::move(decision));
        SYNDICATE_ASSIGN_OR_RETURN(const uint64_t end, options_.log->LastSequence());
        if (end <= decision.seen) return Unwritten(std::move(decision));
        SYNDICATE_RETURN_IF_ERROR(WaitApplied(end, deadline));
        continue;
      }
      SYNDICATE_ASSIGN_OR_RETURN(
          const uint64_t expected,
          options_.log->LastStorySequence(story->source_id(), story->external_id()));
      if (expected <= decision.seen) {
        if (!decision.entry.has_value()) return Unwritten(std::move(decision));
        absl::StatusOr<uint64_t> appended = options_.log->Append(*decision.entry, expected);
        if (appended.ok()) {
          if (absl::Status applied = WaitApplied(*appended, deadline); !applied.ok()) {
            return absl::UnavailableError(absl::StrCat(
                applied.message(), "; the change is stored in the log at sequence ", *appended,
                ": the same request retried with its request_id gets its answer"));
          }
          CommitResult result;
          result.latest = std::move(*decision.entry->mutable_version());
          result.sequence = *appended;
          return result;
        }
        if (!absl::IsAborted(appended.status())) return appended.status();
        // A rival appended first: decide again; the next look at the story's last entry
        // finds the rival's, and waits for this view to hold it.
      } else {
        // The view lags behind the story: decide again once it holds the story's last entry.
        SYNDICATE_RETURN_IF_ERROR(WaitApplied(expected, deadline));
      }
      if (absl::Now() >= deadline) {
        return absl::AbortedError(absl::StrCat(target.Describe(), " kept changing under ", attempt,
                                               " attempts to commit to it in ",
                                               absl::FormatDuration(options_.log_apply_timeout),
                                               " (other replicas kept appending first); retry"));
      }
    }
  }

  // The lock a replica's commits of the target's story take turns on (one of
  // story_turns_, by a hash of the story's source_id and external_id; a commit by id looks
  // those up, and uses the id for a story this view does not hold).
  absl::StatusOr<std::mutex*> StoryTurn(const CommitTarget& target) {
    std::string key;
    if (target.by_id) {
      SYNDICATE_ASSIGN_OR_RETURN(const std::optional<Article> latest,
                                 LatestById(target.article_id));
      key = latest.has_value() ? absl::StrCat(latest->source_id(), "\n", latest->external_id())
                               : std::string(target.article_id);
    } else {
      key = absl::StrCat(AbslView(target.source_id), "\n", AbslView(target.external_id));
    }
    return &story_turns_[absl::Hash<std::string>()(key) % story_turns_.size()];
  }

  // Returns once FeedHead() is at or past `sequence`: a replica's follower has applied it.
  // UNAVAILABLE at `deadline`.
  absl::Status WaitApplied(uint64_t sequence, absl::Time deadline) {
    std::unique_lock<std::mutex> lock(listener_mutex_);
    while (feed_head_.load(std::memory_order_acquire) < sequence) {
      if (head_moved_.wait_until(lock, absl::ToChronoTime(deadline)) == std::cv_status::timeout &&
          feed_head_.load(std::memory_order_acquire) < sequence) {
        return absl::UnavailableError(
            absl::StrCat("this replica has not applied the log up to sequence ", sequence,
                         " within ", absl::FormatDuration(options_.log_apply_timeout),
                         " (it is at ", feed_head_.load(std::memory_order_acquire), ")"));
      }
    }
    return absl::OkStatus();
  }

  // Adds to `batch` what a shared change (a source, partner, key or signing key) writes.
  // A signing key already stored is left as it is (its first_used kept); another public key
  // under its id is DATA_LOSS.
  absl::Status AddShared(const SharedChange& change, rocksdb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_) {
    std::vector<rocksdb::Status> statuses;
    const auto put_key = [&](const ApiKeyRecord& record) -> absl::Status {
      if (record.key().key_id().empty()) return absl::InvalidArgumentError("key_id: is empty");
      SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, Serialize(record, "api key"));
      statuses.push_back(
          batch->Put(Family(ColumnFamily::kKeys), ApiKeyKey(record.key().key_id()), bytes));
      return absl::OkStatus();
    };
    switch (change.change_case()) {
      case SharedChange::kSource: {
        SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source.id", change.source().id()));
        SYNDICATE_ASSIGN_OR_RETURN(
            const std::string bytes,
            Serialize(change.source(), absl::StrCat("source ", change.source().id())));
        statuses.push_back(batch->Put(Family(ColumnFamily::kSources), change.source().id(), bytes));
        break;
      }
      case SharedChange::kPartner: {
        const syndication::v1::Partner& partner = change.partner();
        if (partner.id().empty()) return absl::InvalidArgumentError("partner.id: is empty");
        SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes,
                                   Serialize(partner, absl::StrCat("partner ", partner.id())));
        statuses.push_back(
            batch->Put(Family(ColumnFamily::kPartners), PartnerKey(partner.id()), bytes));
        break;
      }
      case SharedChange::kPartnerDeletion: {
        const PartnerDeletion& deletion = change.partner_deletion();
        if (deletion.partner_id().empty()) {
          return absl::InvalidArgumentError("partner id: is empty");
        }
        statuses.push_back(
            batch->Delete(Family(ColumnFamily::kPartners), PartnerKey(deletion.partner_id())));
        statuses.push_back(
            batch->Put(Family(ColumnFamily::kMeta), MetaRetiredPartnerKey(deletion.partner_id()),
                       EncodeUint64(EncodeAscendingTime(ToAbslTime(deletion.time())))));
        for (const ApiKeyRecord& record : deletion.revoked_keys()) {
          SYNDICATE_RETURN_IF_ERROR(put_key(record));
        }
        break;
      }
      case SharedChange::kApiKey:
        SYNDICATE_RETURN_IF_ERROR(put_key(change.api_key()));
        break;
      case SharedChange::kSigningKey: {
        const SigningKey& key = change.signing_key();
        const std::string meta_key = MetaSigningKeyKey(key.key_id());
        std::string bytes;
        rocksdb::Status status =
            db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kMeta), meta_key, &bytes);
        if (status.ok()) {
          SigningKey stored;
          SYNDICATE_RETURN_IF_ERROR(
              Parse(bytes, &stored, absl::StrCat("signing key ", key.key_id())));
          if (stored.public_key() != key.public_key()) {
            // The id is a hash of the key, so only damage can put another key under it.
            return absl::DataLossError(
                absl::StrCat("signing key ", key.key_id(), " is stored with another public key"));
          }
          break;
        }
        if (!status.IsNotFound()) {
          return FromRocksDb(status, absl::StrCat("reading signing key ", key.key_id()));
        }
        SYNDICATE_ASSIGN_OR_RETURN(bytes, Serialize(key, "signing key"));
        statuses.push_back(batch->Put(Family(ColumnFamily::kMeta), meta_key, bytes));
        break;
      }
      case SharedChange::CHANGE_NOT_SET:
        return absl::InvalidArgumentError("change: is not set");
    }
    for (const rocksdb::Status& status : statuses) {
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "preparing a shared change"));
    }
    return absl::OkStatus();
  }

  // Writes a shared change: here, in one synced batch (a lost revocation would let a key
  // back in; a lost signing key would leave its signatures unverifiable), or, with a log,
  // through the log's shared stream, returning once this store applied it back
  // (ApplySharedChange). `lock` holds write_mutex_ (so that what the caller read stays
  // what it decided on); released before waiting on the log.
  absl::Status WriteShared(const SharedChange& change, std::string_view what,
                           std::unique_lock<std::mutex>& lock) {
    if (options_.log == nullptr) {
      rocksdb::WriteBatch batch;
      SYNDICATE_RETURN_IF_ERROR(AddShared(change, &batch));
      rocksdb::WriteOptions synced;
      synced.sync = true;
      return FromRocksDb(Write(synced, &batch), what);
    }
    lock.unlock();
    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t sequence, options_.log->AppendShared(change));
    const absl::Time deadline = absl::Now() + options_.log_apply_timeout;
    std::unique_lock<std::mutex> shared_lock(shared_mutex_);
    while (shared_head_ < sequence) {
      if (shared_applied_.wait_until(shared_lock, absl::ToChronoTime(deadline)) ==
              std::cv_status::timeout &&
          shared_head_ < sequence) {
        return absl::UnavailableError(
            absl::StrCat(AbslView(what), ": stored in the log as shared change ", sequence,
                         ", but this replica has not applied it within ",
                         absl::FormatDuration(options_.log_apply_timeout)));
      }
    }
    return absl::OkStatus();
  }

  // Store::ApplySharedChange.
  absl::Status ApplyShared(uint64_t sequence, const SharedChange& change) {
    std::unique_lock<std::mutex> lock(write_mutex_);
    {
      std::lock_guard<std::mutex> shared_lock(shared_mutex_);
      if (sequence <= shared_head_) {
        return absl::FailedPreconditionError(
            absl::StrCat("sequence: ", sequence, " is not after the last applied shared change, ",
                         shared_head_));
      }
    }
    rocksdb::WriteBatch batch;
    SYNDICATE_RETURN_IF_ERROR(AddShared(change, &batch));
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(batch.Put(Family(ColumnFamily::kMeta), kMetaSharedHead, EncodeUint64(sequence)),
                    "preparing a shared change"));
    rocksdb::WriteOptions synced;
    synced.sync = true;
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(Write(synced, &batch), absl::StrCat("applying shared change ", sequence)));
    // The listener first, so that a write that waits for its change (WriteShared) returns
    // after the listener has seen it.
    std::function<void(const SharedChange&)> listener;
    {
      std::lock_guard<std::mutex> shared_lock(shared_mutex_);
      listener = shared_listener_;
    }
    if (listener) listener(change);
    {
      std::lock_guard<std::mutex> shared_lock(shared_mutex_);
      shared_head_ = sequence;
    }
    shared_applied_.notify_all();
    return absl::OkStatus();
  }

  // Store::ApplyLogEntry, once the entry's shape was checked.
  absl::Status Apply(const LogEntry& entry) {
    std::unique_lock<std::mutex> lock(write_mutex_);
    const uint64_t sequence = entry.event().sequence();
    if (rocksdb::Status refused = RefuseAfterFailedSync(); !refused.ok()) {
      return FromRocksDb(refused, absl::StrCat("applying log entry ", sequence));
    }
    const uint64_t expected = written_head_.load(std::memory_order_relaxed) + 1;
    if (sequence != expected) {
      return absl::FailedPreconditionError(absl::StrCat(
          "entry.event.sequence: ", sequence, " but this store's next sequence is ", expected,
          sequence > expected ? " (the log skipped entries)" : " (the log repeats an entry)"));
    }
    const Article& version = entry.version();
    CommitTarget target;
    target.by_id = true;
    target.article_id = version.id();
    SYNDICATE_ASSIGN_OR_RETURN(const std::optional<Article> latest, LatestById(version.id()));
    if (absl::Status status = CheckChange(target, latest, version, entry.event().type());
        !status.ok()) {
      // CheckChange's INTERNAL is a decider's mistake in a commit; here it is the entry's.
      if (!absl::IsInternal(status)) return status;
      return absl::FailedPreconditionError(
          absl::StrCat("entry does not follow this store: ", status.message()));
    }
    // The event's derived fields (hidden, language, subject codes, time) are what the
    // version makes here: streams filter on them, and an embargoed version's event must
    // stay hidden.
    SYNDICATE_ASSIGN_OR_RETURN(const std::optional<Article> before, LastContent(latest));
    FeedRecord made =
        MakeEvent(version, entry.event().type(), sequence, before.has_value() ? &*before : nullptr);
    made.set_request_id(entry.event().request_id());
    if (made.SerializeAsString() != entry.event().SerializeAsString()) {
      return absl::FailedPreconditionError(
          "entry.event: is not the event entry.version makes on this store (its hidden, time, "
          "language or subject codes differ)");
    }
    rocksdb::WriteBatch batch;
    if (entry.has_request()) {
      // A record under the same id that this store still keeps (the log's writer trimmed it
      // and took the id again): replaced, its time key with it.
      SYNDICATE_ASSIGN_OR_RETURN(std::optional<RequestRecord> old,
                                 StoredRequest(entry.event().request_id()));
      if (old.has_value()) {
        SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
            batch.Delete(Family(ColumnFamily::kRequestsByTime),
                         RequestTimeKey(ToAbslTime(old->time()), entry.event().request_id())),
            "building the apply batch"));
      }
    }
    SYNDICATE_RETURN_IF_ERROR(AddEntry(entry, latest, &batch));
    return WriteEntry(batch, sequence, lock, absl::StrCat("applying log entry ", sequence));
  }

  // Returns once every commit up to `sequence` is durable (its WAL synced) and published
  // (FeedHead() at or past it, the listener called for it), syncing the WAL itself when no
  // other thread is doing so. An error when a sync failed: that error for this and every
  // later call, since what was written but not synced may be lost and the store can no
  // longer say which commits are durable (reopen it; RocksDB recovers the synced prefix).
  // Never needs write_mutex_, so a caller may hold it; a commit releases it first so that
  // the next commits can write while this one waits: that is what groups the syncs.
  absl::Status WaitDurable(uint64_t sequence) {
    if (!options_.sync_writes) return absl::OkStatus();
    std::unique_lock<std::mutex> lock(sync_mutex_);
    while (true) {
      // Synced first: a commit a sync made durable is acknowledged even when a later sync
      // failed before its thread woke up (its event may already be on the streams).
      if (synced_ >= sequence) return absl::OkStatus();
      if (!sync_error_.ok()) return sync_error_;
      if (syncing_) {
        sync_done_.wait(lock);
        continue;
      }
      // Become the syncer for everything written so far. Every batch up to `target` was
      // written (Write() returned) before written_head_ was stored, so the SyncWAL() below
      // covers it.
      syncing_ = true;
      const uint64_t target = written_head_.load(std::memory_order_acquire);
      lock.unlock();
      absl::Status status = FromRocksDb(db_->SyncWAL(), "syncing the write-ahead log");
      wal_syncs_.fetch_add(1, std::memory_order_relaxed);
      if (status.ok()) {
        std::lock_guard<std::mutex> listener_lock(listener_mutex_);
        PublishUpTo(target);
      }
      lock.lock();
      syncing_ = false;
      if (status.ok()) {
        synced_ = std::max(synced_, target);
      } else {
        FailSync(status, lock);
      }
      sync_done_.notify_all();
    }
  }

  // Makes `error` the store's sticky sync error and tells StoreOptions::on_sync_failure,
  // unless a failure came first. `lock` holds sync_mutex_; it is released during the call.
  void FailSync(const absl::Status& error, std::unique_lock<std::mutex>& lock)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mutex_) {
    if (!sync_error_.ok()) return;
    sync_error_ = error;
    if (!options_.on_sync_failure) return;
    lock.unlock();
    options_.on_sync_failure(error);
    lock.lock();
  }

  rocksdb::Status RefuseAfterFailedSync() {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    if (sync_error_.ok()) return rocksdb::Status::OK();
    return rocksdb::Status::IOError(absl::StrCat(
        "refused after a failed write-ahead-log write or sync: ", sync_error_.message()));
  }

  // Moves FeedHead() to `sequence` and calls the listener once for each sequence between
  // the old head and it, in order. Durable commits only: streams must never see an event a
  // crash could take back.
  void PublishUpTo(uint64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(listener_mutex_) {
    const uint64_t head = feed_head_.load(std::memory_order_relaxed);
    if (sequence <= head) return;
    feed_head_.store(sequence, std::memory_order_release);
    head_moved_.notify_all();
    if (!listener_) return;
    for (uint64_t next = head + 1; next <= sequence; ++next) listener_(next);
  }

  rocksdb::DB* const db_;  // owned; deleted by hand because Close() must come first
  // Indexed by ColumnFamily; then the default family and any family this version of the
  // code does not know, opened only because RocksDB requires every family to be.
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const StoreOptions options_;
  std::string epoch_;  // set by Restore(), then constant

  // Lock order: write_mutex_, sync_mutex_, listener_mutex_, feed_view_mutex_. (A commit
  // without sync_writes holds write_mutex_ and listener_mutex_; the syncer holds
  // listener_mutex_ alone, never sync_mutex_ with it; TrimFeed write_mutex_ and
  // feed_view_mutex_; a listener that calls ReadFeed the last two.)

  // Serializes every read-modify-write, so that a publish sees the latest version and
  // takes the next sequence number without a race, and a trim sees a feed that only its
  // own batch changes.
  std::mutex write_mutex_;
  // The sequence of the last event written (not necessarily synced yet). Written only with
  // write_mutex_ held, after its batch's Write() returned; the syncer reads it without.
  std::atomic<uint64_t> written_head_{0};
  // The last event published: durable (synced, with sync_writes) and passed to the
  // listener. Written only with listener_mutex_ held, after the batch holding that event was
  // written and synced; read without a lock so that FeedHead() never waits behind a sync.
  // Never above written_head_.
  std::atomic<uint64_t> feed_head_{0};

  // The group sync (WaitDurable): at most one thread syncs the WAL at a time; the others
  // wait for it on sync_done_ and then either find their commit synced or sync again.
  std::mutex sync_mutex_;
  std::condition_variable sync_done_;
  bool syncing_ ABSL_GUARDED_BY(sync_mutex_) = false;
  uint64_t synced_ ABSL_GUARDED_BY(sync_mutex_) = 0;      // every event up to it is durable
  absl::Status sync_error_ ABSL_GUARDED_BY(sync_mutex_);  // sticky: the first failed sync
  // For metrics (StoreStats): commits that wrote a version, and WAL syncs made for them.
  std::atomic<uint64_t> commits_written_{0};
  std::atomic<uint64_t> wal_syncs_{0};

  // Makes a trim's removal and the move of feed_start_ one step for ReadFeed(). RocksDB
  // shows a batch to new iterators as soon as it is written, before Write() returns, so
  // without this a reader could see events gone while FeedStart() still said they were
  // kept. TrimFeed holds it exclusively from its Write() until feed_start_ has moved;
  // ReadFeed holds it shared while it creates its iterator (which fixes the iterator's view).
  // So an iterator either predates the trim's batch or was made after the store to
  // feed_start_, which happens-before the FeedStart() load of that reader (unlock → lock,
  // then the release store is seen by the acquire load).
  mutable std::shared_mutex feed_view_mutex_;
  // Written only with write_mutex_ and feed_view_mutex_ (exclusively) held, after the
  // trim's batch was written (and synced, with sync_writes). Release/acquire so that a
  // reader who sees the new start also sees the feed as the trim left it.
  std::atomic<uint64_t> feed_start_{0};

  // Keeps listener calls in sequence order without holding write_mutex_ during them: an
  // append takes it before releasing write_mutex_ (so the next append cannot take it
  // first) and releases it after its call.
  std::mutex listener_mutex_;
  // A replica's commits of one story take turns on one of these (StoryTurn).
  std::array<std::mutex, 64> story_turns_;

  // The shared changes applied (ApplyShared): the last one's sequence, its waiters and the
  // listener. shared_mutex_ comes after write_mutex_ and is never held with the others.
  std::mutex shared_mutex_;
  std::condition_variable shared_applied_;
  uint64_t shared_head_ ABSL_GUARDED_BY(shared_mutex_) = 0;
  std::function<void(const SharedChange&)> shared_listener_ ABSL_GUARDED_BY(shared_mutex_);

  // Notified whenever feed_head_ moves (PublishUpTo): a replica's commit waits on it for
  // its entry to come back from the log (WaitApplied).
  std::condition_variable head_moved_;
  std::function<void(uint64_t)> listener_ ABSL_GUARDED_BY(listener_mutex_);

  // Makes RecordDeliveries' check for a recorded delivery and its write one step, apart
  // from write_mutex_ so that usage never waits behind a publish's WAL sync.
  std::mutex usage_mutex_;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

namespace {

// RocksDB's info log as StoreOptions::on_rocksdb_log: WARN and above, formatted here, and
// nothing written to the store's directory.
class CallbackLogger : public rocksdb::Logger {
 public:
  explicit CallbackLogger(std::function<void(absl::string_view, absl::string_view)> sink)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), sink_(std::move(sink)) {}

  // The options dump RocksDB writes at open, at HEADER_LEVEL: dropped.
  void LogHeader(const char*, va_list) override {}
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level >= rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char text[1024];
    const int length = vsnprintf(text, sizeof(text), format, ap);
    if (length < 0) return;
    const size_t size = std::min(static_cast<size_t>(length), sizeof(text) - 1);
    const char* name = level == rocksdb::InfoLogLevel::WARN_LEVEL    ? "warn"
                       : level == rocksdb::InfoLogLevel::ERROR_LEVEL ? "error"
                                                                     : "fatal";
    sink_(name, absl::string_view(text, size));
  }

 private:
  const std::function<void(absl::string_view, absl::string_view)> sink_;
};

// The options of one of our column families (store.h, "Storage layout per family").
rocksdb::ColumnFamilyOptions FamilyOptions(const ColumnFamilySpec& spec,
                                           const std::shared_ptr<rocksdb::Cache>& block_cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache;
  if (spec.point_reads) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // LZ4 decompresses a story's block in about a third of Snappy's time (a profile of
  // ListArticles: decompression 28 % of the server's CPU with Snappy, 9 % with LZ4) for
  // about 4 % more disk. Files written with Snappy before stay readable.
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()) {
    family.compression = rocksdb::kLZ4Compression;
  }
  return family;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   const StoreOptions& options) {
  // Safe to call repeatedly and from several threads; needed before randombytes_buf.
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  if (!options.feed_epoch.empty() && !IsEpoch(options.feed_epoch)) {
    return absl::InvalidArgumentError(absl::StrCat("options.feed_epoch: \"",
                                                   absl::CHexEscape(options.feed_epoch),
                                                   "\" is not 16 lowercase hex digits"));
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  if (options.on_rocksdb_log) {
    db_options.info_log = std::make_shared<CallbackLogger>(options.on_rocksdb_log);
  }

  std::shared_ptr<rocksdb::Cache> block_cache;
  if (options.block_cache_bytes > 0) block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(kColumnFamilies.size() + 1);
  for (const ColumnFamilySpec& spec : kColumnFamilies) {
    descriptors.emplace_back(std::string(spec.name), FamilyOptions(spec, block_cache));
  }
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  std::vector<std::string> existing;
  // Fails when there is no database yet, which then has no families to add.
  if (rocksdb::DB::ListColumnFamilies(db_options, path, &existing).ok()) {
    for (const std::string& name : existing) {
      const bool known =
          std::any_of(descriptors.begin(), descriptors.end(),
                      [&name](const rocksdb::ColumnFamilyDescriptor& d) { return d.name == name; });
      if (!known) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }

  // Made here so that RocksDB does not log a failed read of a missing directory as an error
  // on every first start; a failure is RocksDB's to report, in its own words.
  std::error_code ignored;
  std::filesystem::create_directories(path, ignored);
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, descriptors, &handles, &db);
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("opening the store at ", path)));
  auto impl = std::make_unique<Impl>(db, std::move(handles), options);
  SYNDICATE_RETURN_IF_ERROR(impl->Restore());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::Status Store::CompactAll() {
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(impl_->RefuseAfterFailedSync(), "compacting"));
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const ColumnFamilySpec& spec : kColumnFamilies) {
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(impl_->db_->CompactRange(options, impl_->Family(spec.id), nullptr, nullptr),
                    absl::StrCat("compacting ", AbslView(spec.name))));
  }
  return absl::OkStatus();
}

absl::Status Store::Flush() {
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(impl_->RefuseAfterFailedSync(), "flushing memtables"));
  return impl_->Flush();
}

// --- Backups and monitoring --------------------------------------------------------------

namespace {

BackupInfo ToBackupInfo(const rocksdb::BackupInfo& info) {
  BackupInfo result;
  result.backup_id = info.backup_id;
  result.create_time = absl::FromUnixSeconds(info.timestamp);
  result.size_bytes = info.size;
  result.file_count = info.number_files;
  // The application metadata CreateBackup stored: the feed head, in decimal.
  (void)absl::SimpleAtoi(info.app_metadata, &result.feed_head);
  return result;
}

// Backups run one at a time: a BackupEngine must not be shared by concurrent backups, and
// two engines on one directory would race on its files.
std::mutex backup_mutex;

}  // namespace

absl::StatusOr<BackupInfo> Store::CreateBackup(const std::string& backup_dir) {
  // The backup flushes the memtables first, which must not happen after a failed sync.
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(impl_->RefuseAfterFailedSync(), "creating a backup"));
  std::lock_guard<std::mutex> lock(backup_mutex);
  rocksdb::BackupEngineOptions engine_options(backup_dir);
  if (impl_->options_.env != nullptr) engine_options.backup_env = impl_->options_.env;
  rocksdb::BackupEngine* raw_engine = nullptr;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(rocksdb::BackupEngine::Open(impl_->db_->GetEnv(), engine_options, &raw_engine),
                  absl::StrCat("opening the backup directory ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw_engine);
  // Read before the backup starts: every event up to it is acknowledged, so in it.
  const uint64_t head = FeedHead();
  rocksdb::CreateBackupOptions backup_options;
  backup_options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
      engine->CreateNewBackupWithMetadata(backup_options, impl_->db_, absl::StrCat(head), &id),
      absl::StrCat("backing up into ", backup_dir)));
  rocksdb::BackupInfo info;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(engine->GetBackupInfo(id, &info), absl::StrCat("reading backup ", id)));
  return ToBackupInfo(info);
}

absl::StatusOr<BackupInfo> Store::RestoreFromBackup(const std::string& backup_dir,
                                                    const std::string& path,
                                                    const StoreOptions& options) {
  std::error_code error;
  if (std::filesystem::exists(path, error) && !std::filesystem::is_empty(path, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "restoring into ", path, ": the directory is not empty; move the store aside first"));
  }
  rocksdb::Env* env = options.env != nullptr ? options.env : rocksdb::Env::Default();
  const std::string no_backup =
      absl::StrCat("the backup directory ", backup_dir, " holds no backup");
  rocksdb::BackupEngineReadOnly* raw_engine = nullptr;
  const rocksdb::Status opened = rocksdb::BackupEngineReadOnly::Open(
      env, rocksdb::BackupEngineOptions(backup_dir), &raw_engine);
  // A directory that was never backed up into has no meta/ folder.
  if (opened.IsNotFound()) return absl::NotFoundError(no_backup);
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(opened, absl::StrCat("opening the backup directory ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw_engine);
  std::vector<rocksdb::BackupInfo> backups;
  engine->GetBackupInfo(&backups);
  if (backups.empty()) {
    return absl::NotFoundError(no_backup);
  }
  const rocksdb::BackupInfo& newest =
      *std::max_element(backups.begin(), backups.end(),
                        [](const auto& a, const auto& b) { return a.backup_id < b.backup_id; });
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(engine->RestoreDBFromBackup(newest.backup_id, path, path),
                  absl::StrCat("restoring backup ", newest.backup_id, " into ", path)));

  // A replica's backup restored as a replica of the same log keeps the log's epoch (Open
  // refuses a backup of another). Anything else gets a new epoch, written with sync before
  // the store is ever served.
  SYNDICATE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Open(path, options));
  if (!options.feed_epoch.empty()) return ToBackupInfo(newest);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(store->impl_->Put(synced, store->impl_->Family(ColumnFamily::kMeta),
                                    kMetaFeedEpoch, RandomHex(kEpochBytes)),
                  "storing the restored store's new feed epoch"));
  return ToBackupInfo(newest);
}

absl::StatusOr<StoreStats> Store::Stats() const {
  StoreStats stats;
  for (const ColumnFamilySpec& spec : kColumnFamilies) {
    rocksdb::ColumnFamilyHandle* family = impl_->Family(spec.id);
    uint64_t value = 0;
    if (impl_->db_->GetIntProperty(family, rocksdb::DB::Properties::kTotalSstFilesSize, &value)) {
      stats.sst_bytes += value;
    }
    if (impl_->db_->GetIntProperty(family, rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
      stats.memtable_bytes += value;
    }
    if (impl_->db_->GetIntProperty(family, rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
                                   &value)) {
      stats.pending_compaction_bytes += value;
    }
  }
  stats.commits_written = impl_->commits_written_.load(std::memory_order_relaxed);
  stats.commit_wal_syncs = impl_->wal_syncs_.load(std::memory_order_relaxed);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kSchedule)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++stats.scheduled_tasks;
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "counting the schedule"));
  return stats;
}

// --- Sources ---------------------------------------------------------------------------

absl::StatusOr<Source> Store::UpsertSource(Source source, absl::Time now) {
  SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source.id", source.id()));
  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  absl::StatusOr<Source> stored = GetSource(source.id());
  if (stored.ok()) {
    *source.mutable_create_time() = stored->create_time();
  } else if (absl::IsNotFound(stored.status())) {
    *source.mutable_create_time() = ToTimestamp(now);
  } else {
    return stored.status();
  }
  *source.mutable_update_time() = ToTimestamp(now);
  SharedChange change;
  *change.mutable_source() = source;
  SYNDICATE_RETURN_IF_ERROR(
      impl_->WriteShared(change, absl::StrCat("storing source ", source.id()), lock));
  return source;
}

absl::StatusOr<Source> Store::GetSource(std::string_view id) const {
  std::string bytes;
  rocksdb::Status status =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kSources), id, &bytes);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no source with id \"", AbslView(id), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading source ", AbslView(id))));
  Source source;
  SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &source, absl::StrCat("source ", AbslView(id))));
  return source;
}

absl::StatusOr<std::vector<Source>> Store::ListSources(std::string_view after_id, int limit) const {
  return impl_->Scan<Source>(ColumnFamily::kSources, after_id, limit, "source");
}

// --- Partners and API keys ---------------------------------------------------------------

absl::Status Store::PutPartner(const syndication::v1::Partner& partner) {
  if (partner.id().empty()) return absl::InvalidArgumentError("partner.id: is empty");
  SharedChange change;
  *change.mutable_partner() = partner;
  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  return impl_->WriteShared(change, absl::StrCat("storing partner ", partner.id()), lock);
}

absl::StatusOr<syndication::v1::Partner> Store::GetPartner(std::string_view id) const {
  std::string bytes;
  rocksdb::Status status = impl_->db_->Get(
      rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kPartners), PartnerKey(id), &bytes);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no partner with id \"", AbslView(id), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading partner ", AbslView(id))));
  syndication::v1::Partner partner;
  SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &partner, absl::StrCat("partner ", AbslView(id))));
  return partner;
}

absl::StatusOr<std::vector<syndication::v1::Partner>> Store::ListPartners(std::string_view after_id,
                                                                          int limit) const {
  return impl_->Scan<syndication::v1::Partner>(ColumnFamily::kPartners, after_id, limit, "partner");
}

absl::Status Store::DeletePartner(std::string_view id,
                                  const std::vector<ApiKeyRecord>& revoked_keys, absl::Time now) {
  if (id.empty()) return absl::InvalidArgumentError("partner id: is empty");
  SharedChange change;
  PartnerDeletion& deletion = *change.mutable_partner_deletion();
  deletion.set_partner_id(std::string(id));
  for (const ApiKeyRecord& record : revoked_keys) {
    if (record.key().key_id().empty()) return absl::InvalidArgumentError("key_id: is empty");
    *deletion.add_revoked_keys() = record;
  }
  *deletion.mutable_time() = ToTimestamp(now);
  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  return impl_->WriteShared(change, absl::StrCat("deleting partner ", AbslView(id)), lock);
}

absl::StatusOr<bool> Store::PartnerIdRetired(std::string_view id) const {
  std::string value;
  rocksdb::Status status =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kMeta),
                      MetaRetiredPartnerKey(id), &value);
  if (status.IsNotFound()) return false;
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading retired partner ids"));
  return true;
}

absl::Status Store::PutApiKey(const ApiKeyRecord& record) {
  if (record.key().key_id().empty()) return absl::InvalidArgumentError("key_id: is empty");
  SharedChange change;
  *change.mutable_api_key() = record;
  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  return impl_->WriteShared(change, absl::StrCat("storing api key ", record.key().key_id()), lock);
}

absl::StatusOr<std::vector<ApiKeyRecord>> Store::ListApiKeys() const {
  return impl_->Scan<ApiKeyRecord>(ColumnFamily::kKeys, "", std::numeric_limits<int>::max(),
                                   "api key");
}

// --- Usage -------------------------------------------------------------------------------

absl::StatusOr<int> Store::RecordDeliveries(
    const std::vector<syndication::v1::Delivery>& deliveries) {
  for (const syndication::v1::Delivery& delivery : deliveries) {
    if (!IsArticleId(delivery.article_id())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "delivery.article_id: \"", delivery.article_id(), "\" is not an article id"));
    }
    if (delivery.version() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("delivery.version: ", delivery.version(), " is below 1"));
    }
    if (delivery.partner_id().empty() || delivery.source_id().empty()) {
      return absl::InvalidArgumentError("delivery: partner_id and source_id must not be empty");
    }
  }
  std::lock_guard<std::mutex> lock(impl_->usage_mutex_);
  std::vector<std::string> keys;
  keys.reserve(deliveries.size());
  for (const syndication::v1::Delivery& delivery : deliveries) {
    keys.push_back(UsageKey(delivery.article_id(), static_cast<uint64_t>(delivery.version()),
                            delivery.partner_id()));
  }
  std::vector<rocksdb::Slice> key_slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(),
                                                     impl_->Family(ColumnFamily::kUsage));
  std::vector<std::string> values;
  const std::vector<rocksdb::Status> found =
      impl_->db_->MultiGet(rocksdb::ReadOptions(), families, key_slices, &values);
  rocksdb::WriteBatch batch;
  absl::flat_hash_set<std::string> in_batch;
  int recorded = 0;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    if (!found[i].IsNotFound()) {
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(found[i], "reading usage"));
      continue;  // recorded before
    }
    if (!in_batch.insert(keys[i]).second) continue;  // an earlier one in this call counts
    const syndication::v1::Delivery& delivery = deliveries[i];
    SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, Serialize(delivery, "delivery"));
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
        batch.Put(impl_->Family(ColumnFamily::kUsage), keys[i], bytes), "preparing usage"));
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
        batch.Put(impl_->Family(ColumnFamily::kUsageByTime),
                  UsageTimeKey(ToAbslTime(delivery.delivered_at()), delivery.article_id(),
                               static_cast<uint64_t>(delivery.version()), delivery.partner_id()),
                  bytes),
        "preparing usage"));
    ++recorded;
  }
  if (recorded == 0) return 0;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->Write(rocksdb::WriteOptions(), &batch), "recording usage"));
  return recorded;
}

namespace {

bool MatchesUsage(const UsageQuery& query, const syndication::v1::Delivery& delivery) {
  if (!query.partner_id.empty() && delivery.partner_id() != query.partner_id) return false;
  if (!query.source_ids.empty() && std::find(query.source_ids.begin(), query.source_ids.end(),
                                             delivery.source_id()) == query.source_ids.end()) {
    return false;
  }
  const absl::Time delivered_at = ToAbslTime(delivery.delivered_at());
  return (!query.start_time || delivered_at >= *query.start_time) &&
         (!query.end_time || delivered_at < *query.end_time);
}

std::string TimeKeyOf(const syndication::v1::Delivery& delivery) {
  return UsageTimeKey(ToAbslTime(delivery.delivered_at()), delivery.article_id(),
                      static_cast<uint64_t>(delivery.version()), delivery.partner_id());
}

}  // namespace

absl::StatusOr<UsagePage> Store::ListDeliveries(const UsageQuery& query) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(query.limit));
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(query.max_examined));
  UsagePage page;
  if (!query.article_id.empty()) {
    // One story's deliveries: at most (versions × partners), read whole and put in time order.
    std::vector<std::pair<std::string, syndication::v1::Delivery>> matching;
    SYNDICATE_RETURN_IF_ERROR(ScanPrefix(
        impl_->db_, impl_->Family(ColumnFamily::kUsage), UsageArticlePrefix(query.article_id),
        "usage", [&](std::string_view, std::string_view value) -> absl::Status {
          syndication::v1::Delivery delivery;
          SYNDICATE_RETURN_IF_ERROR(Parse(value, &delivery, "delivery"));
          std::string time_key = TimeKeyOf(delivery);
          if (time_key > query.resume_after && MatchesUsage(query, delivery)) {
            matching.emplace_back(std::move(time_key), std::move(delivery));
          }
          return absl::OkStatus();
        }));
    std::sort(matching.begin(), matching.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const bool more = matching.size() > static_cast<size_t>(query.limit);
    if (more) matching.resize(query.limit);
    for (auto& [time_key, delivery] : matching) page.deliveries.push_back(std::move(delivery));
    if (more) page.resume_after = matching.back().first;
    return page;
  }
  // Every story's: the time index from start_time (or the resume position) to end_time.
  const std::string start =
      query.start_time ? EncodeUint64(EncodeAscendingTime(*query.start_time)) : std::string();
  const std::string lower =
      query.resume_after.empty()
          ? start
          : std::max(start, absl::StrCat(AbslView(query.resume_after), absl::string_view("\0", 1)));
  const std::string upper =
      query.end_time ? EncodeUint64(EncodeAscendingTimeRoundedUp(*query.end_time)) : std::string();
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  if (!lower.empty()) read_options.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kUsageByTime)));
  int examined = 0;
  for (lower.empty() ? it->SeekToFirst() : it->Seek(lower_slice); it->Valid(); it->Next()) {
    if (page.deliveries.size() == static_cast<size_t>(query.limit) ||
        examined == query.max_examined) {
      return page;  // resume_after is the last key looked at
    }
    ++examined;
    syndication::v1::Delivery delivery;
    SYNDICATE_RETURN_IF_ERROR(Parse(it->value().ToStringView(), &delivery, "delivery"));
    page.resume_after = it->key().ToString();
    if (MatchesUsage(query, delivery)) page.deliveries.push_back(std::move(delivery));
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "listing usage"));
  page.resume_after.clear();
  return page;
}

// --- Articles --------------------------------------------------------------------------

absl::StatusOr<PublishResult> Store::PublishArticle(Article article, absl::Time now) {
  SYNDICATE_RETURN_IF_ERROR(CheckSourceId("article.source_id", article.source_id()));
  if (article.external_id().empty()) {
    return absl::InvalidArgumentError("article.external_id: must not be empty");
  }
  if (article.content_hash().empty()) {
    return absl::InvalidArgumentError("article.content_hash: must not be empty");
  }
  const std::string source_id = article.source_id();
  const std::string external_id = article.external_id();
  // Leaves `content` as it is: a replica's commit may decide more than once.
  const Decide decide = [&content = std::as_const(article),
                         now](const Article* latest) -> absl::StatusOr<std::optional<Change>> {
    if (latest != nullptr && latest->content_hash() == content.content_hash()) {
      return std::nullopt;
    }
    Article article = content;
    Change change;
    if (latest != nullptr) {
      article.set_id(latest->id());
      article.set_version(latest->version() + 1);
      *article.mutable_first_created() = latest->first_created();
      change.event_type = syndication::v1::EVENT_TYPE_UPDATED;
    } else {
      article.set_id(RandomHex(kArticleIdBytes));
      article.set_version(1);
      *article.mutable_first_created() = ToTimestamp(now);
      change.event_type = syndication::v1::EVENT_TYPE_PUBLISHED;
    }
    *article.mutable_version_created() = ToTimestamp(now);
    change.version = std::move(article);
    return change;
  };
  SYNDICATE_ASSIGN_OR_RETURN(CommitResult committed,
                             CommitByExternalId(source_id, external_id, "", decide));
  PublishOutcome outcome = PublishOutcome::kUnchanged;
  if (committed.sequence != 0) {
    outcome = committed.latest.version() == 1 ? PublishOutcome::kCreated : PublishOutcome::kUpdated;
  }
  return PublishResult{outcome, std::move(committed.latest), committed.sequence};
}

absl::StatusOr<CommitResult> Store::CommitByExternalId(std::string_view source_id,
                                                       std::string_view external_id,
                                                       std::string_view request_id,
                                                       const Decide& decide) {
  SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source_id", source_id));
  if (external_id.empty()) return absl::InvalidArgumentError("external_id: must not be empty");
  CommitTarget target;
  target.source_id = source_id;
  target.external_id = external_id;
  return impl_->Commit(target, request_id, decide);
}

absl::StatusOr<CommitResult> Store::CommitById(std::string_view article_id,
                                               std::string_view request_id, const Decide& decide) {
  CommitTarget target;
  target.by_id = true;
  target.article_id = article_id;
  return impl_->Commit(target, request_id, decide);
}

absl::StatusOr<Article> Store::GetArticle(std::string_view id, int64_t version) const {
  SYNDICATE_ASSIGN_OR_RETURN(std::optional<std::string> bytes, GetArticleBytes(id, version));
  Article article;
  SYNDICATE_RETURN_IF_ERROR(Parse(*bytes, &article, absl::StrCat("article ", AbslView(id))));
  return article;
}

absl::StatusOr<std::optional<std::string>> Store::GetArticleBytes(std::string_view id,
                                                                  int64_t version,
                                                                  ReadTier tier) const {
  rocksdb::ReadOptions read_options;
  if (tier == ReadTier::kMemoryOnly) read_options.read_tier = rocksdb::kBlockCacheTier;
  std::string bytes;
  rocksdb::Status status;
  if (version == 0) {
    status = impl_->db_->Get(read_options, impl_->Family(ColumnFamily::kArticles), id, &bytes);
    if (status.IsNotFound()) {
      return absl::NotFoundError(absl::StrCat("no article with id \"", AbslView(id), "\""));
    }
  } else {
    // Every stored version key is 40 bytes, so an id of another length finds nothing.
    if (version < 0) status = rocksdb::Status::NotFound();
    if (status.ok()) {
      status = impl_->db_->Get(read_options, impl_->Family(ColumnFamily::kVersions),
                               VersionKey(id, static_cast<uint64_t>(version)), &bytes);
    }
    if (status.IsNotFound()) {
      return absl::NotFoundError(
          absl::StrCat("no version ", version, " of article \"", AbslView(id), "\""));
    }
  }
  // kBlockCacheTier's answer when the block it needs is on the disk only.
  if (tier == ReadTier::kMemoryOnly && status.IsIncomplete()) return std::nullopt;
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading article ", AbslView(id))));
  return bytes;
}

namespace {

// What MergeIndexScans reads: an index, one scan over all of it or one per source (a key
// prefix), the bounds of each scan, and how to get the time and article id out of a key.
struct IndexRead {
  rocksdb::ColumnFamilyHandle* index;
  const std::vector<std::string>* source_ids;  // empty: the whole index
  std::function<bool(IndexScan*)> set_bounds;  // false: the scan is empty
  std::function<absl::StatusOr<std::pair<absl::Time, std::string>>(std::string_view key)> entry;
  std::string what;  // for errors, e.g. "list index"
};

// Up to `limit` stories in the (time, id) order of the index keys' suffix, merging the
// scans, and skipping those `keep` refuses. One snapshot for every read.
absl::StatusOr<std::vector<ListedArticle>> MergeIndexScans(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* articles_family, const IndexRead& read, int limit,
    const std::function<absl::StatusOr<bool>(const ListedArticle&)>& keep) {
  rocksdb::ManagedSnapshot snapshot(db);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();

  std::vector<std::unique_ptr<IndexScan>> scans;
  const auto add_scan = [&](std::string prefix) {
    auto scan = std::make_unique<IndexScan>();
    scan->prefix = std::move(prefix);
    if (!read.set_bounds(scan.get())) return;
    OpenScan(db, read.index, read_options, scan.get());
    scans.push_back(std::move(scan));
  };
  if (read.source_ids->empty()) {
    add_scan("");
  } else {
    for (const std::string& source_id : *read.source_ids) add_scan(SourcePrefix(source_id));
  }

  std::vector<ListedArticle> articles;
  while (articles.size() < static_cast<size_t>(limit)) {
    // The next entries of the index, as many as are still wanted, by a k-way merge on the
    // (time, id) suffix. A linear pick is enough: a query names a handful of sources, and
    // each pick costs far less than the story read after it.
    std::vector<ListedArticle> batch;
    while (articles.size() + batch.size() < static_cast<size_t>(limit)) {
      IndexScan* next = nullptr;
      for (const std::unique_ptr<IndexScan>& scan : scans) {
        if (!scan->iterator->Valid()) {
          SYNDICATE_RETURN_IF_ERROR(
              FromRocksDb(scan->iterator->status(), absl::StrCat("scanning the ", read.what)));
          continue;
        }
        if (next == nullptr || scan->Suffix() < next->Suffix()) next = scan.get();
      }
      if (next == nullptr) break;
      ListedArticle& article = batch.emplace_back();
      SYNDICATE_ASSIGN_OR_RETURN(std::tie(article.time, article.article_id),
                                 read.entry(next->iterator->key().ToStringView()));
      next->iterator->Next();
    }
    if (batch.empty()) break;

    // Their stories in one MultiGet, which looks up the keys of one SST file together
    // instead of walking the LSM tree once per story.
    std::vector<rocksdb::Slice> keys;
    keys.reserve(batch.size());
    for (const ListedArticle& article : batch) keys.emplace_back(article.article_id);
    std::vector<rocksdb::PinnableSlice> values(batch.size());
    std::vector<rocksdb::Status> statuses(batch.size());
    db->MultiGet(read_options, articles_family, keys.size(), keys.data(), values.data(),
                 statuses.data());
    for (size_t i = 0; i < batch.size(); ++i) {
      ListedArticle& article = batch[i];
      if (statuses[i].IsNotFound()) {
        return absl::DataLossError(absl::StrCat("a ", read.what, " entry names article ",
                                                article.article_id, ", which is not stored"));
      }
      SYNDICATE_RETURN_IF_ERROR(
          FromRocksDb(statuses[i], absl::StrCat("reading article ", article.article_id)));
      article.bytes.assign(values[i].data(), values[i].size());
      values[i].Reset();
      SYNDICATE_ASSIGN_OR_RETURN(const bool kept, keep(article));
      if (kept) articles.push_back(std::move(article));
    }
  }
  return articles;
}

absl::StatusOr<std::vector<Article>> ParseListed(std::vector<ListedArticle> listed) {
  std::vector<Article> articles(listed.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    SYNDICATE_RETURN_IF_ERROR(
        Parse(listed[i].bytes, &articles[i], absl::StrCat("article ", listed[i].article_id)));
  }
  return articles;
}

}  // namespace

absl::StatusOr<std::vector<ListedArticle>> Store::ListArticleBytes(const ListQuery& query) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(query.limit));
  SYNDICATE_ASSIGN_OR_RETURN(const std::vector<std::string> source_ids,
                             QuerySourceIds(query.source_ids));
  const bool all = source_ids.empty();
  const IndexRead read{
      impl_->Family(all ? ColumnFamily::kByTime : ColumnFamily::kBySourceTime), &source_ids,
      [&](IndexScan* scan) { return SetBounds(query, scan); },
      [all](std::string_view key) -> absl::StatusOr<std::pair<absl::Time, std::string>> {
        SYNDICATE_ASSIGN_OR_RETURN(ListKeyParts parts,
                                   all ? DecodeByTimeKey(key) : DecodeBySourceTimeKey(key));
        return std::make_pair(parts.list_time, std::move(parts.article_id));
      },
      "list index"};
  return MergeIndexScans(impl_->db_, impl_->Family(ColumnFamily::kArticles), read, query.limit,
                         [](const ListedArticle&) { return true; });
}

absl::StatusOr<std::vector<Article>> Store::ListArticles(const ListQuery& query) const {
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<ListedArticle> listed, ListArticleBytes(query));
  return ParseListed(std::move(listed));
}

absl::StatusOr<std::vector<ListedArticle>> Store::ListArticleBytesByUpdate(
    const UpdateQuery& query) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(query.limit));
  SYNDICATE_ASSIGN_OR_RETURN(const std::vector<std::string> source_ids,
                             QuerySourceIds(query.source_ids));
  const bool all = source_ids.empty();
  const IndexRead read{
      impl_->Family(all ? ColumnFamily::kByUpdate : ColumnFamily::kBySourceUpdate), &source_ids,
      [&](IndexScan* scan) { return SetUpdateBounds(query, scan); },
      [all](std::string_view key) -> absl::StatusOr<std::pair<absl::Time, std::string>> {
        SYNDICATE_ASSIGN_OR_RETURN(UpdateKeyParts parts,
                                   all ? DecodeByUpdateKey(key) : DecodeBySourceUpdateKey(key));
        return std::make_pair(parts.version_created, std::move(parts.article_id));
      },
      "update index"};
  // The scan starts at updated_after's microsecond; an entry in a later microsecond is
  // after it. One in the same microsecond is compared to the nanosecond, from the version.
  return MergeIndexScans(
      impl_->db_, impl_->Family(ColumnFamily::kArticles), read, query.limit,
      [&](const ListedArticle& listed) -> absl::StatusOr<bool> {
        if (!query.updated_after.has_value() ||
            listed.time > absl::FromUnixMicros(absl::ToUnixMicros(*query.updated_after))) {
          return true;
        }
        Article article;
        SYNDICATE_RETURN_IF_ERROR(
            Parse(listed.bytes, &article, absl::StrCat("article ", listed.article_id)));
        return ToAbslTime(article.version_created()) > *query.updated_after;
      });
}

absl::StatusOr<std::vector<Article>> Store::ListArticlesByUpdate(const UpdateQuery& query) const {
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<ListedArticle> listed, ListArticleBytesByUpdate(query));
  return ParseListed(std::move(listed));
}

absl::StatusOr<std::vector<Article>> Store::ListVersions(std::string_view article_id,
                                                         int64_t first_version, int limit) const {
  if (first_version <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("first_version: must be positive, got ", first_version));
  }
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(limit));
  rocksdb::ManagedSnapshot snapshot(impl_->db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  rocksdb::PinnableSlice latest;
  rocksdb::Status status =
      impl_->db_->Get(read_options, impl_->Family(ColumnFamily::kArticles), article_id, &latest);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no article with id \"", AbslView(article_id), "\""));
  }
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(status, absl::StrCat("reading article ", AbslView(article_id))));

  // A stored id is never empty, so its successor is a real bound.
  const std::string lower = VersionKey(article_id, static_cast<uint64_t>(first_version));
  const std::string upper = PrefixSuccessor(article_id);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kVersions)));
  std::vector<Article> versions;
  for (it->Seek(lower_slice); it->Valid() && versions.size() < static_cast<size_t>(limit);
       it->Next()) {
    SYNDICATE_ASSIGN_OR_RETURN(const VersionKeyParts parts,
                               DecodeVersionKey(it->key().ToStringView()));
    if (parts.version - static_cast<uint64_t>(first_version) >= static_cast<uint64_t>(limit)) {
      break;
    }
    SYNDICATE_RETURN_IF_ERROR(
        Parse(it->value().ToStringView(), &versions.emplace_back(),
              absl::StrCat("version ", parts.version, " of article ", parts.article_id)));
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "listing versions"));
  return versions;
}

// --- Schedule --------------------------------------------------------------------------

absl::StatusOr<std::vector<DueTask>> Store::DueTasks(absl::Time now, int limit) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(limit));
  // Keys hold whole microseconds, so "at or before now" is "at or before now's microsecond".
  const uint64_t last = EncodeAscendingTime(now);
  const std::string upper =
      last == std::numeric_limits<uint64_t>::max() ? "" : EncodeUint64(last + 1);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kSchedule)));
  std::vector<DueTask> tasks;
  for (it->SeekToFirst(); it->Valid() && tasks.size() < static_cast<size_t>(limit); it->Next()) {
    SYNDICATE_ASSIGN_OR_RETURN(ScheduleKeyParts parts, DecodeScheduleKey(it->key().ToStringView()));
    DueTask& task = tasks.emplace_back();
    task.due = parts.due;
    task.article_id = std::move(parts.article_id);
    task.kind = parts.task == kScheduleLiftEmbargo ? TaskKind::kLiftEmbargo : TaskKind::kExpire;
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the schedule"));
  return tasks;
}

absl::StatusOr<std::optional<absl::Time>> Store::NextTaskTime() const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kSchedule)));
  it->SeekToFirst();
  if (!it->Valid()) {
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the schedule"));
    return std::nullopt;
  }
  SYNDICATE_ASSIGN_OR_RETURN(const ScheduleKeyParts parts,
                             DecodeScheduleKey(it->key().ToStringView()));
  return parts.due;
}

// --- Requests and signing keys -----------------------------------------------------------

absl::StatusOr<uint64_t> Store::TrimRequests(absl::Time before) {
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  // Every record in a microsecond before before's goes; those in its microsecond are
  // compared by their exact time.
  const uint64_t boundary = EncodeAscendingTime(before);
  const std::string upper =
      boundary == std::numeric_limits<uint64_t>::max() ? "" : EncodeUint64(boundary + 1);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kRequestsByTime)));
  rocksdb::WriteBatch batch;
  uint64_t removed = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    SYNDICATE_ASSIGN_OR_RETURN(const RequestTimeKeyParts parts, DecodeRequestTimeKey(key));
    if (EncodeAscendingTime(parts.time) == boundary) {
      std::string bytes;
      rocksdb::Status status =
          impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kRequests),
                          RequestKey(parts.request_id), &bytes);
      if (status.IsNotFound()) {
        return absl::DataLossError(absl::StrCat("requests_by_time names request \"",
                                                absl::CHexEscape(parts.request_id),
                                                "\", which has no record"));
      }
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading a request record"));
      RequestRecord record;
      SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &record, "a request record"));
      if (ToAbslTime(record.time()) >= before) continue;
    }
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(batch.Delete(impl_->Family(ColumnFamily::kRequestsByTime), key),
                    "building the request trim batch"));
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
        batch.Delete(impl_->Family(ColumnFamily::kRequests), RequestKey(parts.request_id)),
        "building the request trim batch"));
    ++removed;
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the request records"));
  if (removed == 0) return 0;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->Write(impl_->WriteOptions(), &batch), "removing old request records"));
  return removed;
}

absl::Status Store::RegisterSigningKey(const SigningKeyRecord& key) {
  if (key.public_key.size() != kPublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("public_key: ", key.public_key.size(), " bytes, not ", kPublicKeyBytes));
  }
  const std::string key_id = KeyIdOf(key.public_key);
  if (key.key_id != key_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("key_id: \"", absl::CHexEscape(key.key_id), "\" is not \"", key_id,
                     "\", the first 8 bytes of SHA-256 of public_key in hex"));
  }
  SharedChange change;
  SigningKey& record = *change.mutable_signing_key();
  record.set_key_id(key_id);
  record.set_public_key(key.public_key);
  *record.mutable_first_used() = ToTimestamp(key.first_used);
  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  // Known already (the usual case, at every start): nothing to write, here or in the log.
  rocksdb::WriteBatch batch;
  SYNDICATE_RETURN_IF_ERROR(impl_->AddShared(change, &batch));
  if (batch.Count() == 0) return absl::OkStatus();
  return impl_->WriteShared(change, absl::StrCat("storing signing key ", key_id), lock);
}

absl::Status Store::ApplySharedChange(uint64_t sequence, const SharedChange& change) {
  if (sequence == 0) return absl::InvalidArgumentError("sequence: must be positive");
  return impl_->ApplyShared(sequence, change);
}

uint64_t Store::SharedHead() const {
  std::lock_guard<std::mutex> lock(impl_->shared_mutex_);
  return impl_->shared_head_;
}

void Store::SetSharedChangeListener(std::function<void(const SharedChange&)> listener) {
  // The listener runs under write_mutex_: taking it waits for a call under way to return.
  std::lock_guard<std::mutex> write_lock(impl_->write_mutex_);
  std::lock_guard<std::mutex> lock(impl_->shared_mutex_);
  impl_->shared_listener_ = std::move(listener);
}

absl::Status Store::PutFeedState(const FeedState& state) {
  if (state.source_id().empty() || state.source_id().size() > kMaxSourceIdBytes) {
    return absl::InvalidArgumentError("source_id: is empty or too long");
  }
  if (state.status().url().empty()) return absl::InvalidArgumentError("status.url: is empty");
  SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, Serialize(state, "feed state"));
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  return FromRocksDb(impl_->Put(rocksdb::WriteOptions(), impl_->Family(ColumnFamily::kMeta),
                                MetaFeedStateKey(state.source_id(), state.status().url()), bytes),
                     absl::StrCat("storing the state of feed ", state.status().url()));
}

absl::StatusOr<FeedState> Store::GetFeedState(std::string_view source_id,
                                              std::string_view url) const {
  std::string bytes;
  const rocksdb::Status status =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kMeta),
                      MetaFeedStateKey(source_id, url), &bytes);
  if (status.IsNotFound())
    return absl::NotFoundError(
        absl::StrCat("no state of feed ", absl::string_view(url.data(), url.size())));
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading a feed state"));
  FeedState state;
  SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &state, "feed state"));
  return state;
}

absl::StatusOr<int> Store::PruneFeedStates(std::string_view source_id,
                                           const std::vector<std::string>& keep) {
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<FeedState> states, ListFeedStates(source_id));
  rocksdb::WriteBatch batch;
  int removed = 0;
  for (const FeedState& state : states) {
    if (std::find(keep.begin(), keep.end(), state.status().url()) != keep.end()) continue;
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(batch.Delete(impl_->Family(ColumnFamily::kMeta),
                                 MetaFeedStateKey(source_id, state.status().url())),
                    "removing a feed state"));
    ++removed;
  }
  if (removed == 0) return 0;
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->Write(rocksdb::WriteOptions(), &batch), "removing feed states"));
  return removed;
}

absl::StatusOr<std::vector<FeedState>> Store::ListFeedStates(std::string_view source_id) const {
  std::vector<FeedState> states;
  SYNDICATE_RETURN_IF_ERROR(ScanPrefix(impl_->db_, impl_->Family(ColumnFamily::kMeta),
                                       MetaFeedStatePrefix(source_id), "feed states",
                                       [&](std::string_view, std::string_view value) {
                                         return Parse(value, &states.emplace_back(), "feed state");
                                       }));
  return states;
}

absl::StatusOr<std::vector<SigningKeyRecord>> Store::ListSigningKeys() const {
  std::vector<SigningKeyRecord> keys;
  SYNDICATE_RETURN_IF_ERROR(
      ScanPrefix(impl_->db_, impl_->Family(ColumnFamily::kMeta), std::string(kMetaSigningKeyPrefix),
                 "signing keys", [&](std::string_view key, std::string_view value) {
                   SigningKey stored;
                   SYNDICATE_RETURN_IF_ERROR(Parse(value, &stored, "meta " + std::string(key)));
                   keys.push_back(SigningKeyRecord{stored.key_id(), stored.public_key(),
                                                   ToAbslTime(stored.first_used())});
                   return absl::OkStatus();
                 }));
  std::sort(keys.begin(), keys.end(), [](const SigningKeyRecord& a, const SigningKeyRecord& b) {
    return std::tie(a.first_used, a.key_id) < std::tie(b.first_used, b.key_id);
  });
  return keys;
}

// --- Feed ------------------------------------------------------------------------------

uint64_t Store::FeedHead() const { return impl_->feed_head_.load(std::memory_order_acquire); }

std::string Store::FeedEpoch() const { return impl_->epoch_; }

absl::StatusOr<uint64_t> Store::LogEnd() const {
  if (impl_->options_.log == nullptr) return FeedHead();
  return impl_->options_.log->LastSequence();
}

uint64_t Store::FeedStart() const { return impl_->feed_start_.load(std::memory_order_acquire); }

absl::StatusOr<uint64_t> Store::TrimFeed(const FeedRetention& retention, absl::Time now) {
  if (retention.max_age.has_value() && *retention.max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("retention.max_age: must not be negative, got ",
                                                   absl::FormatDuration(*retention.max_age)));
  }
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  // The published head: events above it may be unsynced, and are never trimmed before
  // streams saw them.
  const uint64_t head = impl_->feed_head_.load(std::memory_order_acquire);
  const uint64_t start = impl_->feed_start_.load(std::memory_order_relaxed);
  uint64_t new_start = start;
  if (retention.max_events.has_value() && head - start > *retention.max_events) {
    new_start = head - *retention.max_events;
  }
  if (retention.max_age.has_value() && new_start < head) {
    // Infinite max_age saturates to InfinitePast, which no event is before.
    const absl::Time cutoff = now - *retention.max_age;
    const std::string lower = FeedKey(new_start + 1);
    const std::string upper = FeedKey(head + 1);  // no wrap: 2^64 events are never written
    const rocksdb::Slice lower_slice(lower);
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read_options;
    read_options.iterate_lower_bound = &lower_slice;
    read_options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kFeed)));
    for (it->Seek(lower_slice); it->Valid(); it->Next()) {
      SYNDICATE_ASSIGN_OR_RETURN(const uint64_t sequence, DecodeFeedKey(it->key().ToStringView()));
      if (sequence != new_start + 1) {
        return absl::DataLossError(
            absl::StrCat("the feed skips from sequence ", new_start, " to ", sequence));
      }
      FeedRecord event;
      SYNDICATE_RETURN_IF_ERROR(
          Parse(it->value().ToStringView(), &event, absl::StrCat("feed event ", sequence)));
      if (ToAbslTime(event.time()) >= cutoff) break;
      new_start = sequence;
    }
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the feed to trim it"));
  }
  if (new_start == start) return 0;

  rocksdb::WriteBatch batch;
  // One range tombstone however many events go; compaction drops what it covers.
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(batch.DeleteRange(impl_->Family(ColumnFamily::kFeed), FeedKey(start + 1),
                                    FeedKey(new_start + 1)),
                  "building the trim batch"));
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
      batch.Put(impl_->Family(ColumnFamily::kMeta), kMetaFeedStart, EncodeUint64(new_start)),
      "building the trim batch"));
  {
    std::unique_lock<std::shared_mutex> view_lock(impl_->feed_view_mutex_);
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(impl_->Write(impl_->WriteOptions(), &batch),
                    absl::StrCat("trimming the feed to sequences after ", new_start)));
    impl_->feed_start_.store(new_start, std::memory_order_release);
  }
  return new_start - start;
}

void Store::SetAppendListener(std::function<void(uint64_t sequence)> listener) {
  std::lock_guard<std::mutex> lock(impl_->listener_mutex_);
  impl_->listener_ = std::move(listener);
}

absl::StatusOr<std::vector<FeedRecord>> Store::ReadFeed(uint64_t after_sequence, int limit) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(limit));
  std::vector<FeedRecord> events;
  if (after_sequence == std::numeric_limits<uint64_t>::max()) return events;
  // Only published events: those above FeedHead() may be written but not yet synced. Read
  // before the iterator is made, so every event up to it is in the iterator's view.
  const uint64_t head = impl_->feed_head_.load(std::memory_order_acquire);
  if (after_sequence >= head) return events;
  const std::string lower = FeedKey(after_sequence + 1);
  const std::string upper = FeedKey(head + 1);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
  {
    // The iterator's view is fixed here; see feed_view_mutex_.
    std::shared_lock<std::shared_mutex> view_lock(impl_->feed_view_mutex_);
    it.reset(impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kFeed)));
  }
  for (it->Seek(lower_slice); it->Valid() && events.size() < static_cast<size_t>(limit);
       it->Next()) {
    SYNDICATE_ASSIGN_OR_RETURN(const uint64_t sequence, DecodeFeedKey(it->key().ToStringView()));
    FeedRecord& event = events.emplace_back();
    SYNDICATE_RETURN_IF_ERROR(
        Parse(it->value().ToStringView(), &event, absl::StrCat("feed event ", sequence)));
    if (event.sequence() != sequence) {
      return absl::DataLossError(absl::StrCat("feed event stored under sequence ", sequence,
                                              " says it is ", event.sequence()));
    }
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the feed"));
  return events;
}

// --- The log ---------------------------------------------------------------------------

absl::StatusOr<std::vector<LogEntry>> Store::ReadLog(uint64_t after_sequence, int limit) const {
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<FeedRecord> events, ReadFeed(after_sequence, limit));
  std::vector<LogEntry> entries(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    LogEntry& entry = entries[i];
    *entry.mutable_event() = std::move(events[i]);
    const FeedRecord& event = entry.event();
    absl::StatusOr<Article> version = GetArticle(event.article_id(), event.version());
    if (absl::IsNotFound(version.status())) {
      return absl::DataLossError(absl::StrCat("feed event ", event.sequence(), " names version ",
                                              event.version(), " of article ", event.article_id(),
                                              ", which is missing"));
    }
    if (!version.ok()) return version.status();
    *entry.mutable_version() = *std::move(version);
    if (event.request_id().empty()) continue;
    SYNDICATE_ASSIGN_OR_RETURN(std::optional<RequestRecord> request,
                               impl_->StoredRequest(event.request_id()));
    // Trimmed, or trimmed and the id taken again by a later commit (whose time differs).
    if (!request.has_value() || ToAbslTime(request->time()) != ToAbslTime(event.time())) continue;
    *entry.mutable_request() = *std::move(request);
  }
  return entries;
}

absl::Status Store::ApplyLogEntry(const LogEntry& entry) {
  const FeedRecord& event = entry.event();
  const Article& version = entry.version();
  if (event.sequence() == 0) {
    return absl::InvalidArgumentError("entry.event.sequence: must be positive");
  }
  if (!IsArticleId(version.id())) {
    return absl::InvalidArgumentError(absl::StrCat("entry.version.id: \"",
                                                   absl::CHexEscape(version.id()),
                                                   "\" is not 32 lowercase hex digits"));
  }
  if (event.article_id() != version.id()) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry.event.article_id: \"", absl::CHexEscape(event.article_id()),
                     "\" is not entry.version.id \"", version.id(), "\""));
  }
  if (event.version() != version.version()) {
    return absl::InvalidArgumentError(absl::StrCat("entry.event.version: ", event.version(),
                                                   " is not entry.version.version ",
                                                   version.version()));
  }
  if (event.source_id() != version.source_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entry.event.source_id: \"", absl::CHexEscape(event.source_id()),
        "\" is not entry.version.source_id \"", absl::CHexEscape(version.source_id()), "\""));
  }
  if (event.type() == syndication::v1::EVENT_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("entry.event.type: must be set");
  }
  if (!version.has_version_created()) {
    return absl::InvalidArgumentError("entry.version.version_created: must be set");
  }
  SYNDICATE_RETURN_IF_ERROR(CheckSourceId("entry.version.source_id", version.source_id()));
  if (version.external_id().empty()) {
    return absl::InvalidArgumentError("entry.version.external_id: must not be empty");
  }
  if (entry.has_request()) {
    if (event.request_id().empty()) {
      return absl::InvalidArgumentError(
          "entry.request: given without an entry.event.request_id to store it under");
    }
    if (ToAbslTime(entry.request().time()) != ToAbslTime(version.version_created())) {
      return absl::InvalidArgumentError(
          "entry.request.time: is not entry.version.version_created, when its commit was made");
    }
  }
  return impl_->Apply(entry);
}

// --- Secrets ---------------------------------------------------------------------------

absl::StatusOr<std::string> Store::GetOrCreateSecret(std::string_view name, size_t size_bytes) {
  if (name.empty()) return absl::InvalidArgumentError("name: must not be empty");
  if (size_bytes == 0) return absl::InvalidArgumentError("size_bytes: must be positive");
  const std::string key = MetaSecretKey(name);
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  std::string secret;
  if (impl_->options_.log != nullptr) {
    SYNDICATE_ASSIGN_OR_RETURN(secret,
                               impl_->options_.log->SharedSecret(AbslView(name), size_bytes));
  } else {
    rocksdb::Status status =
        impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kMeta), key, &secret);
    if (status.ok()) {
      if (secret.size() != size_bytes) {
        return absl::FailedPreconditionError(absl::StrCat("secret \"", AbslView(name),
                                                          "\" exists with ", secret.size(),
                                                          " bytes, not ", size_bytes));
      }
      return secret;
    }
    if (!status.IsNotFound())
      return FromRocksDb(status, absl::StrCat("reading secret ", AbslView(name)));
    secret.resize(size_bytes);
    randombytes_buf(secret.data(), secret.size());
  }
  // Always synced, whatever sync_writes says: a secret lost in a crash would silently
  // invalidate everything made with it (e.g. every page token handed out).
  rocksdb::WriteOptions synced;
  synced.sync = true;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->Put(synced, impl_->Family(ColumnFamily::kMeta), key, secret),
                  absl::StrCat("storing secret ", AbslView(name))));
  return secret;
}

}  // namespace syndicate::storage
