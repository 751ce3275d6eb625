#include "storage/store.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/write_batch.h"
#include "sodium.h"
#include "storage/absl_compat.h"
#include "storage/column_families.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"

namespace syndicate::storage {
namespace {

using ::syndication::v1::Article;
using ::syndication::v1::Source;

// 64 random bits: a collision between two histories of one deployment is negligible.
constexpr size_t kEpochBytes = 8;
// 128 random bits, so ids need no coordination (and no existence check) to be unique.
constexpr size_t kArticleIdBytes = 16;

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
    // every acknowledged write, so a failed flush loses nothing.
    (void)Flush();
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
    feed_start_.store(start, std::memory_order_release);

    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), Family(ColumnFamily::kMeta), kMetaFeedEpoch, &epoch_);
    if (status.IsNotFound()) {
      epoch_ = RandomHex(kEpochBytes);
      rocksdb::WriteOptions synced;
      synced.sync = true;
      return FromRocksDb(db_->Put(synced, Family(ColumnFamily::kMeta), kMetaFeedEpoch, epoch_),
                         "storing the feed epoch");
    }
    SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "reading the feed epoch"));
    if (!IsEpoch(epoch_)) {
      return absl::DataLossError(absl::StrCat("meta feed_epoch \"", absl::CHexEscape(epoch_),
                                              "\" is not 16 lowercase hex digits"));
    }
    return absl::OkStatus();
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

  // Adds to `batch` everything one new version writes: the article views, the index
  // entries, the feed event and the feed head. `previous` is the version it replaces.
  // Kept apart from deciding the version so that applying an event read back from a
  // replicated log can reuse it.
  absl::Status AddVersion(const Article& article, const std::optional<Article>& previous,
                          const FeedRecord& event, rocksdb::WriteBatch* batch) {
    SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes, Serialize(article, "article"));
    SYNDICATE_ASSIGN_OR_RETURN(const std::string event_bytes, Serialize(event, "feed event"));
    const std::string by_source_time =
        BySourceTimeKey(article.source_id(), ListTime(article), article.id());
    const std::string by_time = ByTimeKey(ListTime(article), article.id());

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
    } else {
      statuses.push_back(batch->Put(Family(ColumnFamily::kByExternalId),
                                    ByExternalIdKey(article.source_id(), article.external_id()),
                                    article.id()));
    }
    statuses.push_back(batch->Put(Family(ColumnFamily::kBySourceTime), by_source_time, ""));
    statuses.push_back(batch->Put(Family(ColumnFamily::kByTime), by_time, ""));
    statuses.push_back(
        batch->Put(Family(ColumnFamily::kFeed), FeedKey(event.sequence()), event_bytes));
    statuses.push_back(
        batch->Put(Family(ColumnFamily::kMeta), kMetaFeedHead, EncodeUint64(event.sequence())));
    for (const rocksdb::Status& status : statuses) {
      SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, "building the publish batch"));
    }
    return absl::OkStatus();
  }

  rocksdb::DB* const db_;  // owned; deleted by hand because Close() must come first
  // Indexed by ColumnFamily; then the default family and any family this version of the
  // code does not know, opened only because RocksDB requires every family to be.
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const StoreOptions options_;
  std::string epoch_;  // set by Restore(), then constant

  // Lock order: write_mutex_, listener_mutex_, feed_view_mutex_. (PublishArticle holds the
  // first two; TrimFeed the first and last; a listener that calls ReadFeed the last two.)

  // Serializes every read-modify-write, so that a publish sees the latest version and
  // takes the next sequence number without a race, and a trim sees a feed that only its
  // own batch changes.
  std::mutex write_mutex_;
  // Written only with write_mutex_ held, after the batch holding that event was written;
  // read without the lock so that FeedHead() never waits behind a WAL sync.
  std::atomic<uint64_t> feed_head_{0};

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
  std::function<void(uint64_t)> listener_ ABSL_GUARDED_BY(listener_mutex_);
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                   const StoreOptions& options) {
  // Safe to call repeatedly and from several threads; needed before randombytes_buf.
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(kColumnFamilies.size() + 1);
  for (const ColumnFamilySpec& spec : kColumnFamilies) {
    descriptors.emplace_back(std::string(spec.name), rocksdb::ColumnFamilyOptions());
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

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, descriptors, &handles, &db);
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("opening the store at ", path)));
  auto impl = std::make_unique<Impl>(db, std::move(handles), options);
  SYNDICATE_RETURN_IF_ERROR(impl->Restore());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::Status Store::Flush() { return impl_->Flush(); }

// --- Sources ---------------------------------------------------------------------------

absl::StatusOr<Source> Store::UpsertSource(Source source, absl::Time now) {
  SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source.id", source.id()));
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  absl::StatusOr<Source> stored = GetSource(source.id());
  if (stored.ok()) {
    *source.mutable_create_time() = stored->create_time();
  } else if (absl::IsNotFound(stored.status())) {
    *source.mutable_create_time() = ToTimestamp(now);
  } else {
    return stored.status();
  }
  *source.mutable_update_time() = ToTimestamp(now);
  SYNDICATE_ASSIGN_OR_RETURN(const std::string bytes,
                             Serialize(source, absl::StrCat("source ", source.id())));
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->db_->Put(impl_->WriteOptions(), impl_->Family(ColumnFamily::kSources),
                                  source.id(), bytes),
                  absl::StrCat("storing source ", source.id())));
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
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(limit));
  // The smallest id greater than after_id.
  const std::string lower = absl::StrCat(AbslView(after_id), absl::string_view("\0", 1));
  const rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions read_options;
  if (!after_id.empty()) read_options.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(read_options, impl_->Family(ColumnFamily::kSources)));
  std::vector<Source> sources;
  for (after_id.empty() ? it->SeekToFirst() : it->Seek(lower_slice);
       it->Valid() && sources.size() < static_cast<size_t>(limit); it->Next()) {
    Source& source = sources.emplace_back();
    SYNDICATE_RETURN_IF_ERROR(
        Parse(it->value().ToStringView(), &source, absl::StrCat("source ", it->key().ToString())));
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(it->status(), "listing sources"));
  return sources;
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

  std::unique_lock<std::mutex> lock(impl_->write_mutex_);
  SYNDICATE_ASSIGN_OR_RETURN(std::optional<Article> previous,
                             impl_->LatestByExternalId(article.source_id(), article.external_id()));
  if (previous.has_value() && previous->content_hash() == article.content_hash()) {
    return PublishResult{PublishOutcome::kUnchanged, *std::move(previous), 0};
  }

  if (previous.has_value()) {
    article.set_id(previous->id());
    article.set_version(previous->version() + 1);
    *article.mutable_first_created() = previous->first_created();
  } else {
    article.set_id(RandomHex(kArticleIdBytes));
    article.set_version(1);
    *article.mutable_first_created() = ToTimestamp(now);
  }
  *article.mutable_version_created() = ToTimestamp(now);

  const uint64_t sequence = impl_->feed_head_.load(std::memory_order_relaxed) + 1;
  FeedRecord event;
  event.set_sequence(sequence);
  event.set_type(previous.has_value() ? syndication::v1::EVENT_TYPE_UPDATED
                                      : syndication::v1::EVENT_TYPE_PUBLISHED);
  event.set_article_id(article.id());
  event.set_version(article.version());
  event.set_source_id(article.source_id());
  *event.mutable_time() = ToTimestamp(now);
  event.set_language(article.language());
  for (const syndication::v1::Subject& subject : article.subjects()) {
    event.add_subject_codes(subject.code());
  }

  rocksdb::WriteBatch batch;
  SYNDICATE_RETURN_IF_ERROR(impl_->AddVersion(article, previous, event, &batch));
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(
      impl_->db_->Write(impl_->WriteOptions(), &batch),
      absl::StrCat("publishing article ", article.source_id(), "/", article.external_id())));
  impl_->feed_head_.store(sequence, std::memory_order_release);
  {
    // Taken before write_mutex_ is released, so the next append's call comes after this one.
    std::lock_guard<std::mutex> listener_lock(impl_->listener_mutex_);
    lock.unlock();
    if (impl_->listener_) impl_->listener_(sequence);
  }

  return PublishResult{previous.has_value() ? PublishOutcome::kUpdated : PublishOutcome::kCreated,
                       std::move(article), sequence};
}

absl::StatusOr<Article> Store::GetArticle(std::string_view id, int64_t version) const {
  std::string bytes;
  rocksdb::Status status;
  if (version == 0) {
    status =
        impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kArticles), id, &bytes);
    if (status.IsNotFound()) {
      return absl::NotFoundError(absl::StrCat("no article with id \"", AbslView(id), "\""));
    }
  } else {
    // Every stored version key is 40 bytes, so an id of another length finds nothing.
    if (version < 0) status = rocksdb::Status::NotFound();
    if (status.ok()) {
      status = impl_->db_->Get(rocksdb::ReadOptions(), impl_->Family(ColumnFamily::kVersions),
                               VersionKey(id, static_cast<uint64_t>(version)), &bytes);
    }
    if (status.IsNotFound()) {
      return absl::NotFoundError(
          absl::StrCat("no version ", version, " of article \"", AbslView(id), "\""));
    }
  }
  SYNDICATE_RETURN_IF_ERROR(FromRocksDb(status, absl::StrCat("reading article ", AbslView(id))));
  Article article;
  SYNDICATE_RETURN_IF_ERROR(Parse(bytes, &article, absl::StrCat("article ", AbslView(id))));
  return article;
}

absl::StatusOr<std::vector<Article>> Store::ListArticles(const ListQuery& query) const {
  SYNDICATE_RETURN_IF_ERROR(CheckLimit(query.limit));
  std::vector<std::string> source_ids = query.source_ids;
  for (const std::string& source_id : source_ids) {
    SYNDICATE_RETURN_IF_ERROR(CheckSourceId("source_ids", source_id));
  }
  std::sort(source_ids.begin(), source_ids.end());
  source_ids.erase(std::unique(source_ids.begin(), source_ids.end()), source_ids.end());

  // Every scan and article read of one call sees the same state.
  rocksdb::ManagedSnapshot snapshot(impl_->db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();

  const ColumnFamily index =
      source_ids.empty() ? ColumnFamily::kByTime : ColumnFamily::kBySourceTime;
  std::vector<std::unique_ptr<IndexScan>> scans;
  const auto add_scan = [&](std::string prefix) {
    auto scan = std::make_unique<IndexScan>();
    scan->prefix = std::move(prefix);
    if (!SetBounds(query, scan.get())) return;
    scan->lower_slice = rocksdb::Slice(scan->lower);
    scan->upper_slice = rocksdb::Slice(scan->upper);
    rocksdb::ReadOptions scan_options = read_options;
    scan_options.iterate_lower_bound = &scan->lower_slice;
    if (!scan->upper.empty()) scan_options.iterate_upper_bound = &scan->upper_slice;
    scan->iterator.reset(impl_->db_->NewIterator(scan_options, impl_->Family(index)));
    scan->iterator->Seek(scan->lower_slice);
    scans.push_back(std::move(scan));
  };
  if (source_ids.empty()) {
    add_scan("");
  } else {
    for (const std::string& source_id : source_ids) add_scan(SourcePrefix(source_id));
  }

  std::vector<Article> articles;
  while (articles.size() < static_cast<size_t>(query.limit)) {
    // A k-way merge by the (time, id) suffix. A linear pick is enough: a query names a
    // handful of sources, and each pick costs far less than the article read after it.
    IndexScan* next = nullptr;
    for (const std::unique_ptr<IndexScan>& scan : scans) {
      if (!scan->iterator->Valid()) {
        SYNDICATE_RETURN_IF_ERROR(FromRocksDb(scan->iterator->status(), "listing articles"));
        continue;
      }
      if (next == nullptr || scan->Suffix() < next->Suffix()) next = scan.get();
    }
    if (next == nullptr) break;

    const std::string_view key = next->iterator->key().ToStringView();
    SYNDICATE_ASSIGN_OR_RETURN(const ListKeyParts parts, source_ids.empty()
                                                             ? DecodeByTimeKey(key)
                                                             : DecodeBySourceTimeKey(key));
    std::string bytes;
    rocksdb::Status status = impl_->db_->Get(read_options, impl_->Family(ColumnFamily::kArticles),
                                             parts.article_id, &bytes);
    if (status.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("a list index entry names article ", parts.article_id,
                                              ", which is not stored"));
    }
    SYNDICATE_RETURN_IF_ERROR(
        FromRocksDb(status, absl::StrCat("reading article ", parts.article_id)));
    SYNDICATE_RETURN_IF_ERROR(
        Parse(bytes, &articles.emplace_back(), absl::StrCat("article ", parts.article_id)));
    next->iterator->Next();
  }
  return articles;
}

// --- Feed ------------------------------------------------------------------------------

uint64_t Store::FeedHead() const { return impl_->feed_head_.load(std::memory_order_acquire); }

std::string Store::FeedEpoch() const { return impl_->epoch_; }

uint64_t Store::FeedStart() const { return impl_->feed_start_.load(std::memory_order_acquire); }

absl::StatusOr<uint64_t> Store::TrimFeed(const FeedRetention& retention, absl::Time now) {
  if (retention.max_age.has_value() && *retention.max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("retention.max_age: must not be negative, got ",
                                                   absl::FormatDuration(*retention.max_age)));
  }
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  const uint64_t head = impl_->feed_head_.load(std::memory_order_relaxed);
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
        FromRocksDb(impl_->db_->Write(impl_->WriteOptions(), &batch),
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
  const std::string lower = FeedKey(after_sequence + 1);
  const rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower_slice;
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

// --- Secrets ---------------------------------------------------------------------------

absl::StatusOr<std::string> Store::GetOrCreateSecret(std::string_view name, size_t size_bytes) {
  if (name.empty()) return absl::InvalidArgumentError("name: must not be empty");
  if (size_bytes == 0) return absl::InvalidArgumentError("size_bytes: must be positive");
  const std::string key = MetaSecretKey(name);
  std::lock_guard<std::mutex> lock(impl_->write_mutex_);
  std::string secret;
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
  // Always synced, whatever sync_writes says: a secret lost in a crash would silently
  // invalidate everything made with it (e.g. every page token handed out).
  rocksdb::WriteOptions synced;
  synced.sync = true;
  SYNDICATE_RETURN_IF_ERROR(
      FromRocksDb(impl_->db_->Put(synced, impl_->Family(ColumnFamily::kMeta), key, secret),
                  absl::StrCat("storing secret ", AbslView(name))));
  return secret;
}

}  // namespace syndicate::storage
