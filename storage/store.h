// The RocksDB store: sources, articles with every version, the list indexes and the
// change feed, each in its own column family. This class owns the key layout and the
// atomicity of every change; nothing outside storage/ knows a key's bytes.
//
// Durability: every change is one rocksdb::WriteBatch, made durable (its WAL synced)
// before the call returns unless StoreOptions::sync_writes is false, so an acknowledged
// change survives kill -9 and power loss.
//
// Group commit: a story commit (CommitByExternalId, CommitById, PublishArticle) reads,
// decides and writes its batch under the store's write lock but without sync, releases the
// lock, and then waits until a WAL sync that started after its write has finished; one
// thread at a time syncs, for every commit written so far. So N concurrent publishers
// share one fsync instead of queueing for N. Until its sync, a commit is not acknowledged,
// FeedHead() does not include it, ReadFeed() does not return it and the append listener is
// not called for it; answers that rest on it (a replayed request_id, a "no change"
// decision) wait for it too. The window that remains: GetArticle, ListArticles and the
// other read methods read RocksDB as it is, so for the length of one WAL sync (about a
// millisecond or two) they may return a version whose commit has not been acknowledged
// yet, and which a power loss in that window would take back. A process crash does not.
// Other writes (sources, keys, trims, …) stay one synced write each under the write lock.
//
// A failed WAL write or sync (a commit's group sync, the sync of another synced write,
// which RocksDB does itself, or any write whose append to the WAL failed, as when the disk
// fills up): the store can no longer tell which of the writes since the last good sync
// are durable, so the error is sticky. The write that failed or waited on that sync, and
// every write after it (commits and other writes alike, since a later synced write would
// make the unacknowledged ones durable behind its callers' backs), Flush and CreateBackup
// fail with it, UNAVAILABLE; the destructor does not flush the memtables; and
// StoreOptions::on_sync_failure is called once. A commit that an earlier sync made
// durable is still acknowledged. A failed commit's version may still be read until the
// store is reopened, and may even survive the restart (the OS may have written the WAL
// anyway): a publisher that retries with the same request_id gets the recorded answer
// instead of a second version.
//
// Storage layout per family (column_families.h): LZ4-compressed blocks, the shared block
// cache of StoreOptions::block_cache_bytes, and a Bloom filter (10 bits per key, about 1 %
// false positives) on the families read by key.
//
// Errors from RocksDB map to absl codes as: NotFound → NOT_FOUND, Corruption → DATA_LOSS,
// Busy / TryAgain → ABORTED, IOError → UNAVAILABLE, anything else → INTERNAL.
#ifndef SYNDICATE_STORAGE_STORE_H_
#define SYNDICATE_STORAGE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/commit_log.h"
#include "storage/records.pb.h"
#include "syndication/v1/admin_service.pb.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.pb.h"
#include "syndication/v1/source.pb.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace syndicate::storage {

// Which deliveries Store::ListDeliveries returns, oldest delivered_at first.
struct UsageQuery {
  // Only deliveries of these sources' stories; empty means every source.
  std::vector<std::string> source_ids;
  // Only deliveries of this story (Article.id); empty means every story.
  std::string article_id;
  // Only deliveries to this partner; empty means every partner.
  std::string partner_id;
  // Only deliveries at or after start_time, and before end_time, when set.
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  // Start strictly after this position: UsagePage::resume_after of the previous page. Empty
  // starts at the oldest.
  std::string resume_after;
  // Most deliveries to return; must be positive.
  int limit = 50;
  // Most recorded deliveries to look at, matching or not, before returning a short page (so
  // one page never scans every other source's usage); must be positive.
  int max_examined = 10000;
};

struct UsagePage {
  std::vector<syndication::v1::Delivery> deliveries;
  // Opaque: where the next page starts (UsageQuery::resume_after); empty when the query has
  // no more deliveries.
  std::string resume_after;
};

struct StoreOptions {
  // fsync the write-ahead log before a write returns. Default: true.
  bool sync_writes = true;
  // The RocksDB environment to run on; tests pass a wrapper that injects faults.
  // Not owned; must outlive the Store. Default: nullptr (rocksdb::Env::Default()).
  rocksdb::Env* env = nullptr;
  // Bytes of RocksDB's block cache, one LRU cache shared by every column family: the
  // uncompressed blocks (stories, index entries) read most recently. 0 gives RocksDB's
  // default instead, 8 MiB per family. Default: 128 MiB.
  size_t block_cache_bytes = size_t{128} << 20;
  // Called once, from the thread whose WAL write or sync failed, with that error. From then
  // on the store refuses every write with that error (see "A failed WAL write or sync"), so
  // its owner should stop serving and restart: RocksDB then recovers the synced prefix.
  // Must not call back into the store. Default: none.
  std::function<void(const absl::Status&)> on_sync_failure;
  // Where RocksDB's own diagnostic messages (its "info log") go: called with the level
  // ("warn", "error" or "fatal") and the text of each message at WARN or above, from
  // RocksDB's threads, possibly under its locks: it must be quick and must not call the
  // store. Messages below WARN are dropped. Unset, RocksDB writes every message to a LOG
  // file in the store's directory, as it does by default; on a full disk the next message
  // after a failed write to that file aborts the process (Debian's RocksDB keeps its
  // assertions), so a server should set it. Default: none.
  std::function<void(absl::string_view level, absl::string_view message)> on_rocksdb_log;
  // The feed epoch (FeedEpoch()) to give the store when this open creates it: 16 lowercase
  // hex digits, e.g. the epoch of the log a replica follows, so that a cursor is valid on
  // every replica. Empty makes a random one. A store that has an epoch keeps it: opening it
  // with another one fails with FAILED_PRECONDITION, and an epoch that is not 16 lowercase
  // hex digits with INVALID_ARGUMENT. Default: empty.
  std::string feed_epoch;
  // The log commits go to when this store is one replica of several (storage/commit_log.h;
  // issue 9): a commit (CommitByExternalId, CommitById, PublishArticle) decides on this
  // store's view, appends its entry to the log, and returns once this store has applied the
  // entry back from it (a LogFollower, storage/log_follower.h, must be applying the log),
  // with the log's sequence. GetOrCreateSecret returns the log's shared secret. Not owned;
  // must outlive the store. Default: nullptr, the embedded mode (the store's own feed is
  // the log).
  CommitLog* log = nullptr;
  // With `log`: how long a commit may wait for this store's view to catch up with the log
  // (before it decides, and for its own entry to come back). Default: 10 s.
  absl::Duration log_apply_timeout = absl::Seconds(10);
};

// One backup in a backup directory (Store::CreateBackup, Store::RestoreFromBackup).
struct BackupInfo {
  // RocksDB BackupEngine's number for it in its directory: 1, 2, … in creation order.
  uint32_t backup_id = 0;
  // When it was taken, to the second.
  absl::Time create_time;
  // Bytes and count of the files it is made of (files shared with other backups included).
  uint64_t size_bytes = 0;
  uint32_t file_count = 0;
  // The feed head when it was taken: every event up to this sequence is in it.
  uint64_t feed_head = 0;
};

// Sizes RocksDB reports, summed over the column families, for monitoring.
struct StoreStats {
  // Bytes of every SST file the store holds (live and waiting to be deleted).
  uint64_t sst_bytes = 0;
  // Bytes in memtables, not yet flushed to SST files (the WAL holds them too).
  uint64_t memtable_bytes = 0;
  // RocksDB's estimate of the bytes compaction must rewrite to settle the LSM tree.
  uint64_t pending_compaction_bytes = 0;
  // Entries in the schedule: embargo lifts and expiries not yet due.
  uint64_t scheduled_tasks = 0;
  // Since the store was opened: commits that wrote a version (CommitByExternalId,
  // CommitById, PublishArticle), and the WAL syncs made to make them durable. With
  // sync_writes, commits_written / commit_wal_syncs is how many commits one sync carried
  // (group commit); without, commit_wal_syncs stays 0.
  uint64_t commits_written = 0;
  uint64_t commit_wal_syncs = 0;
};

enum class PublishOutcome {
  kCreated,    // version 1 was stored
  kUpdated,    // version + 1 was stored
  kUnchanged,  // same content_hash as the latest version; nothing was written
};

// What the change feed keeps. Both limits apply; unset means no limit of that kind.
struct FeedRetention {
  // Keep at most this many of the newest events.
  std::optional<uint64_t> max_events;
  // Keep events whose time is within this duration of now.
  std::optional<absl::Duration> max_age;
};

struct PublishResult {
  PublishOutcome outcome = PublishOutcome::kUnchanged;
  // The latest stored version after the call, every output-only field set.
  syndication::v1::Article article;
  // Feed sequence of the event this publish appended; 0 when kUnchanged.
  uint64_t sequence = 0;
};

// Where a list page ends: the list time and id of its last article. The next page
// starts strictly after it in list order.
struct ListPosition {
  absl::Time list_time;
  std::string article_id;
};

// A story a list index led to: the stored bytes of its latest version (a serialized
// syndication.v1::Article as committed, not checked beyond RocksDB's checksums) and the
// index entry it was found by, which is where a page that ends with it ends.
struct ListedArticle {
  std::string bytes;
  // The entry's time at microsecond precision: the list time (ListQuery) or the
  // version_created (UpdateQuery) of the version.
  absl::Time time;
  std::string article_id;
};

struct ListQuery {
  // Only these sources; empty means every source.
  std::vector<std::string> source_ids;
  // Only list times at or after start_time, and before end_time, when set.
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  // Start strictly after this position; unset starts at the newest.
  std::optional<ListPosition> after;
  // Most articles to return; must be positive.
  int limit = 50;
};

// One new version of a story and the feed event it makes, as the domain layer decided it.
struct Change {
  // The complete new version, written as given: the caller sets every field, id, version
  // (1, or the latest's + 1), first_created, version_created, etag, content_hash and
  // signature included.
  syndication::v1::Article version;
  // The event the version makes in the feed.
  syndication::v1::EventType event_type = syndication::v1::EVENT_TYPE_UNSPECIFIED;
  // The serialized response to replay when the same request_id comes again (AIP-155);
  // written in the same batch. Ignored when the commit has no request_id.
  std::string response;
};

// Decides the change to make given the story's latest stored version (nullptr when the
// story does not exist yet). Returns std::nullopt to write nothing, or an error, which the
// commit returns as is. Runs on the committing thread under the store's write lock: it
// must be quick and must not call the store's write methods. It may be called more than once
// for one commit (a replica's commit decides again when another replica changed the story
// first, StoreOptions::log), each time on the story as it then is, so it must not consume
// what it decides from.
using Decide =
    std::function<absl::StatusOr<std::optional<Change>>(const syndication::v1::Article* latest)>;

struct CommitResult {
  // The latest stored version after the call; unset (id empty) when there is none.
  syndication::v1::Article latest;
  // The sequence of the event appended; 0 when nothing was written.
  uint64_t sequence = 0;
  // Set when the request_id was seen before: the response recorded then. Nothing was
  // decided or written this time.
  std::optional<std::string> replayed_response;
};

// What the scheduler must do to a story at a given time. The store derives these from
// each latest version: kLiftEmbargo at embargoed_until when embargoed_until is after
// version_created (the version was made under embargo) and pubstatus is not WITHHELD or
// CANCELED (a tombstone made under embargo is hidden until then, but there is nothing to
// lift); kExpire at expires_at when expires_at is set and pubstatus is USABLE. A commit
// replaces the previous latest version's tasks with the new version's, so the version that
// carries out a task must not derive it again: a lift has version_created at or after
// embargoed_until; an expiry version is not USABLE or has no expires_at.
enum class TaskKind { kLiftEmbargo, kExpire };

struct DueTask {
  // The task's time rounded up to a whole microsecond, so never before the instant itself.
  absl::Time due;
  std::string article_id;
  TaskKind kind = TaskKind::kLiftEmbargo;
};

// Where a page in update order ends: the version_created and id of its last article.
struct UpdatePosition {
  absl::Time version_created;
  std::string article_id;
};

struct UpdateQuery {
  // Only these sources; empty means every source.
  std::vector<std::string> source_ids;
  // Only stories whose latest version was created after this time (exclusive), compared
  // exactly (to the nanosecond).
  std::optional<absl::Time> updated_after;
  // Start strictly after this position, compared at microsecond precision (finer parts
  // rounded toward the past); unset starts at the oldest change.
  std::optional<UpdatePosition> after;
  // Most articles to return; must be positive.
  int limit = 50;
};

// A public key the service has signed with (GetSigningKeys).
struct SigningKeyRecord {
  // First 8 bytes, in hex, of SHA-256 of the public key.
  std::string key_id;
  // The 32-byte Ed25519 public key.
  std::string public_key;
  // When the store first saw the key.
  absl::Time first_used;
};

// Thread-safe. Writes are serialized inside the store; reads run concurrently with them.
class Store {
 public:
  // Opens the store in directory `path`, creating it and every column family if missing.
  // Restores the feed head and epoch; in a store written before the update indexes and the
  // schedule existed, builds them from the stored articles first. Errors: UNAVAILABLE when the
  // directory cannot be used (e.g. locked by another process), DATA_LOSS on corruption,
  // FAILED_PRECONDITION when a newer build has changed the store's layout.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path,
                                                     const StoreOptions& options = {});

  // Flushes memtables and closes the database.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Flushes memtables to SST files (the WAL already holds every acknowledged write).
  absl::Status Flush();

  // Compacts every column family down to its last level, with the store's own options
  // (compression, filters): the most compact the data gets on disk. Slow, and competes
  // with serving; for benchmarks and offline maintenance. Errors as Flush.
  absl::Status CompactAll();

  // --- Backups and monitoring ------------------------------------------------------------

  // Backs the store up into `backup_dir` (created when missing) with RocksDB's
  // BackupEngine, while reads and writes go on: memtables are flushed and the backup is the
  // store as of one instant, every write acknowledged before the call included. Files that
  // an earlier backup in the directory already holds are shared, not copied again. One
  // backup at a time; a second call waits for the first. Returns the new backup.
  // UNAVAILABLE when the directory cannot be written (nothing partial is kept).
  absl::StatusOr<BackupInfo> CreateBackup(const std::string& backup_dir);

  // Restores the newest backup in `backup_dir` into the directory `path`, which must not
  // hold a store (missing or empty), then gives the restored store a new feed epoch: its
  // history replaces the one partners' cursors point into, so those cursors must fail as
  // from another history rather than resume at a sequence number that now means something
  // else. With options.feed_epoch set, the backup is a replica's, restored as a replica of
  // the same log (StoreOptions::log; bootstrap from a backup and then the log's tail): it
  // must have that epoch (FAILED_PRECONDITION otherwise, as Open) and keeps it, so that the
  // follower goes on from its FeedHead(). Returns the restored backup. Offline: nothing may
  // have `path` open.
  // FAILED_PRECONDITION when `path` is not empty; NOT_FOUND when `backup_dir` holds no
  // backup; DATA_LOSS when a backup file is damaged; UNAVAILABLE when it cannot be read.
  static absl::StatusOr<BackupInfo> RestoreFromBackup(const std::string& backup_dir,
                                                      const std::string& path,
                                                      const StoreOptions& options = {});

  // Sizes for monitoring. Cheap: RocksDB properties and a count of the schedule's keys.
  absl::StatusOr<StoreStats> Stats() const;

  // --- Sources -------------------------------------------------------------------------

  // Stores `source` under source.id, replacing any stored one. Sets create_time (kept from
  // the stored source when there is one, else `now`) and update_time = `now`.
  // Returns the stored Source. The caller validates the content.
  // INVALID_ARGUMENT when source.id is empty.
  absl::StatusOr<syndication::v1::Source> UpsertSource(syndication::v1::Source source,
                                                       absl::Time now);

  // NOT_FOUND when no source has that id.
  absl::StatusOr<syndication::v1::Source> GetSource(std::string_view id) const;

  // Up to `limit` sources with id > after_id (all when after_id is empty), in id order.
  // INVALID_ARGUMENT when limit is not positive.
  absl::StatusOr<std::vector<syndication::v1::Source>> ListSources(std::string_view after_id,
                                                                   int limit) const;

  // --- Feed poller state ------------------------------------------------------------------

  // Stores what the feed poller knows about feed state.status().url of source
  // state.source_id, replacing what was stored. Written without sync: after a crash the
  // poller at worst fetches a feed once more in full. INVALID_ARGUMENT when source_id or
  // the url is empty or source_id is longer than kMaxSourceIdBytes.
  absl::Status PutFeedState(const FeedState& state);

  // The stored state of every feed of `source_id` still stored, in url order (bytewise).
  absl::StatusOr<std::vector<FeedState>> ListFeedStates(std::string_view source_id) const;

  // The stored state of feed `url` of `source_id`; NOT_FOUND when there is none.
  absl::StatusOr<FeedState> GetFeedState(std::string_view source_id, std::string_view url) const;

  // Removes the stored state of every feed of `source_id` whose url is not in `keep`, in one
  // WriteBatch (unsynced, as PutFeedState). Returns how many were removed.
  absl::StatusOr<int> PruneFeedStates(std::string_view source_id,
                                      const std::vector<std::string>& keep);

  // --- Articles ------------------------------------------------------------------------

  // Stores a new version of the story identified by (article.source_id, article.external_id),
  // or nothing when its content_hash equals the latest version's.
  //
  // The caller has validated the article and set content_hash. The store assigns id (a new
  // random id for a new story, else the existing one), version (latest + 1), first_created
  // (kept, else `now`) and version_created = `now`, and commits it as CommitByExternalId
  // does (without a request id): one WriteBatch with the feed event PUBLISHED for version 1,
  // else UPDATED. Superseded by the commit methods; kept until the server has moved to them.
  // INVALID_ARGUMENT when source_id, external_id or content_hash is empty. A write that
  // fails returns the mapped RocksDB error (typically UNAVAILABLE) and consumes no
  // sequence number; after a failed WAL write RocksDB refuses further writes until the
  // store is reopened.
  absl::StatusOr<PublishResult> PublishArticle(syndication::v1::Article article, absl::Time now);

  // The latest version (version == 0) or the given version of a story.
  // NOT_FOUND when there is no such story or version.
  absl::StatusOr<syndication::v1::Article> GetArticle(std::string_view id,
                                                      int64_t version = 0) const;

  // Where a read may look for its answer.
  enum class ReadTier {
    kAnywhere,    // memory, then the disk
    kMemoryOnly,  // the memtables and the block cache only: never waits for the disk
  };

  // As GetArticle, unparsed: the stored bytes of the version, a serialized
  // syndication.v1::Article as it was committed (never with a `delivery` field). Not checked
  // beyond RocksDB's own checksums: parsing them is the caller's business.
  // With kMemoryOnly, returns nullopt when the answer is not in memory (RocksDB's
  // kBlockCacheTier said Incomplete); never nullopt with kAnywhere. NOT_FOUND as GetArticle
  // (also with kMemoryOnly, when memory alone proves it). Cheap enough for gRPC's callback
  // threads with kMemoryOnly: no lock of the store's is taken.
  absl::StatusOr<std::optional<std::string>> GetArticleBytes(
      std::string_view id, int64_t version = 0, ReadTier tier = ReadTier::kAnywhere) const;

  // Latest versions, newest list time first, ties by id ascending; at most query.limit.
  // Multiple source_ids are merged into one order; repeated ids count once. Times are
  // compared at microsecond precision (finer parts are rounded toward the past).
  // INVALID_ARGUMENT when limit is not positive or a source id is empty.
  absl::StatusOr<std::vector<syndication::v1::Article>> ListArticles(const ListQuery& query) const;

  // As ListArticles, unparsed: each story's stored bytes (as GetArticleBytes) with its
  // index entry's time, so a caller can serve them without a parse and re-serialization.
  absl::StatusOr<std::vector<ListedArticle>> ListArticleBytes(const ListQuery& query) const;

  // Commits the change `decide` returns for the story (source_id, external_id), in one
  // WriteBatch under the write lock: the latest version, the version record, the
  // by_external_id entry (for a new story), the list and update indexes (moved when their
  // times changed), the schedule entries (those of the previous latest version replaced
  // by the new version's), the feed event (FeedRecord.hidden set when the version was made
  // under embargo) and head, and, when `request_id` is not empty, the request record with
  // Change::response.
  //
  // When `request_id` is not empty and already recorded, returns the recorded response in
  // CommitResult::replayed_response (with CommitResult::latest, sequence 0) without calling
  // `decide`. Request ids are one namespace across both commit methods. A request record is
  // written only with a change: a commit that writes nothing (std::nullopt or an error)
  // records nothing, so its retry decides again. The record's time is the new version's
  // version_created (see TrimRequests).
  //
  // The feed event's time is the new version's version_created; its type is
  // Change::event_type. Its language and subject codes are what stream filters match (see
  // FeedRecord in records.proto): for a tombstone (pubstatus WITHHELD or CANCELED) those of
  // the version it takes down — the story's last version that is not a tombstone, which
  // the commit reads when `latest` is itself a tombstone — so that streams filtered by
  // language or subject receive WITHDRAWN, CANCELED and EXPIRED; for any other version its
  // own subject codes plus those the previous such version had and it dropped, and that
  // version's language as previous_language when it differs, so that a stream which got
  // one version of a story learns of the next even when the story moved out of its filter.
  //
  // INVALID_ARGUMENT when source_id or external_id is empty or source_id is longer than
  // 65535 bytes. INTERNAL when the change is inconsistent with the story (wrong id,
  // source_id, external_id or version number; a new story whose id is not 32 lowercase hex
  // digits or is already taken; version_created unset; event_type unspecified): a bug in the
  // caller; nothing is written. Errors from `decide` as is; a failed write as
  // PublishArticle describes.
  //
  // With StoreOptions::log (a replica), the batch is written when the entry comes back from
  // the log, and the commit also fails with: the log's errors (UNAVAILABLE when it does not
  // answer; FAILED_PRECONDITION when it was deleted or made again); ABORTED when other
  // replicas kept appending for the story first for StoreOptions::log_apply_timeout (each
  // time, this one decides again on the new version); UNAVAILABLE when this store has
  // not applied the log far enough within StoreOptions::log_apply_timeout (its follower
  // lags or stopped): when the message says the change is stored in the log, it is, and a
  // retry with the same request_id gets its recorded answer.
  absl::StatusOr<CommitResult> CommitByExternalId(std::string_view source_id,
                                                  std::string_view external_id,
                                                  std::string_view request_id,
                                                  const Decide& decide);

  // As CommitByExternalId, for the story with id `article_id`; `decide` sees nullptr when
  // there is no such story (and may return NOT_FOUND). A new story made this way must have
  // id `article_id`, and its (source_id, external_id) must not name another story
  // (INTERNAL otherwise).
  absl::StatusOr<CommitResult> CommitById(std::string_view article_id, std::string_view request_id,
                                          const Decide& decide);

  // Latest versions in the order of their version_created, oldest first, ties by id
  // ascending; at most query.limit. Multiple source_ids are merged into one order; repeated
  // ids count once. The order is by version_created at microsecond precision (rounded toward
  // the past), then id. One snapshot: a story updated during the call is listed once, as it
  // was when the call started.
  // INVALID_ARGUMENT when limit is not positive or a source id is empty or longer than 65535
  // bytes.
  absl::StatusOr<std::vector<syndication::v1::Article>> ListArticlesByUpdate(
      const UpdateQuery& query) const;

  // As ListArticlesByUpdate, unparsed (see ListArticleBytes); ListedArticle::time is the
  // version_created of the index entry.
  absl::StatusOr<std::vector<ListedArticle>> ListArticleBytesByUpdate(
      const UpdateQuery& query) const;

  // Every version of a story, oldest first: versions first_version .. first_version +
  // limit - 1 that exist. NOT_FOUND when there is no such story; INVALID_ARGUMENT when
  // first_version or limit is not positive.
  absl::StatusOr<std::vector<syndication::v1::Article>> ListVersions(std::string_view article_id,
                                                                     int64_t first_version,
                                                                     int limit) const;

  // --- Schedule ------------------------------------------------------------------------

  // Tasks due at or before `now`, earliest first (ties by article id, then a lift before an
  // expiry), at most `limit`. A task stays due until a commit replaces the version it was
  // derived from. INVALID_ARGUMENT when limit is not positive.
  absl::StatusOr<std::vector<DueTask>> DueTasks(absl::Time now, int limit) const;

  // When the earliest pending task falls due (DueTask::due); nullopt when none is pending.
  absl::StatusOr<std::optional<absl::Time>> NextTaskTime() const;

  // --- Requests and signing keys ---------------------------------------------------------

  // Removes request records (AIP-155) whose time (the version_created of the commit that
  // wrote them) is before `before`, exactly, in one WriteBatch. Returns how many (0 writes
  // nothing). A failed write returns the mapped RocksDB error.
  absl::StatusOr<uint64_t> TrimRequests(absl::Time before);

  // Records a signing key (idempotent: first_used is kept from the first call), in meta,
  // always written with sync (a lost key would leave its signatures unverifiable).
  // INVALID_ARGUMENT when public_key is not 32 bytes or key_id is not the first 8 bytes, in
  // lowercase hex, of SHA-256 of public_key. DATA_LOSS when another public key is stored under
  // key_id (only damage can do that: the id is the key's hash).
  absl::Status RegisterSigningKey(const SigningKeyRecord& key);

  // Every key ever registered, oldest first_used first (ties by key_id).
  absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() const;

  // --- Partners and API keys --------------------------------------------------------------

  // Stores `partner` under partner.id as given (the caller validates it and sets its
  // times), replacing any stored one. INVALID_ARGUMENT when partner.id is empty.
  absl::Status PutPartner(const syndication::v1::Partner& partner);

  // NOT_FOUND when no partner has that id.
  absl::StatusOr<syndication::v1::Partner> GetPartner(std::string_view id) const;

  // Up to `limit` partners with id > after_id (all when after_id is empty), in id order.
  // INVALID_ARGUMENT when limit is not positive.
  absl::StatusOr<std::vector<syndication::v1::Partner>> ListPartners(std::string_view after_id,
                                                                     int limit) const;

  // Removes partner `id`, retires its id (PartnerIdRetired) and stores every record of
  // `revoked_keys` (the caller has set their revoke_time), in one WriteBatch, at `now`.
  // Removing an absent partner is not an error. INVALID_ARGUMENT when id or a key_id is
  // empty.
  absl::Status DeletePartner(std::string_view id, const std::vector<ApiKeyRecord>& revoked_keys,
                             absl::Time now);

  // True when a partner with this id was deleted: the id is not to be used again, so that
  // the usage report never mixes two partners' deliveries.
  absl::StatusOr<bool> PartnerIdRetired(std::string_view id) const;

  // Stores `record` under record.key.key_id, replacing any stored one. Always written with
  // sync (a revocation that a crash forgot would let the key back in).
  // INVALID_ARGUMENT when key_id is empty.
  absl::Status PutApiKey(const ApiKeyRecord& record);

  // Every stored key, revoked ones included, in key_id order. Keys are few (one or a few
  // per partner and publisher), so the server keeps them all in memory.
  absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys() const;

  // --- Usage: deliveries to partners ---------------------------------------------------

  // Records each delivery whose (article_id, version, partner_id) has none recorded yet;
  // one already recorded stays as it was (the first delivery is what counts), and so does
  // the first of several in `deliveries`. One WriteBatch, written without sync whatever
  // StoreOptions::sync_writes says: the write-ahead log keeps it through a crash of the
  // process, and a crash of the machine may lose the last writes' usage, never a story.
  // Returns how many were new (0 writes nothing).
  // INVALID_ARGUMENT when a delivery's article_id is not an article id, its version is
  // below 1, or partner_id or source_id is empty.
  absl::StatusOr<int> RecordDeliveries(const std::vector<syndication::v1::Delivery>& deliveries);

  // The deliveries `query` selects, oldest delivered_at first (ties by story, version and
  // partner). INVALID_ARGUMENT when limit or max_examined is not positive.
  absl::StatusOr<UsagePage> ListDeliveries(const UsageQuery& query) const;

  // --- Feed ----------------------------------------------------------------------------

  // Sequence of the last event appended and durable (with sync_writes); 0 when the feed is
  // empty. A commit's event is counted before the commit returns.
  uint64_t FeedHead() const;

  // The sequence of the last event of the log this store is a view of: FeedHead() in the
  // embedded mode; with StoreOptions::log, the log's last sequence (one round trip to it),
  // which is ahead of FeedHead() while this replica catches up. The log's errors
  // (UNAVAILABLE when it does not answer).
  absl::StatusOr<uint64_t> LogEnd() const;

  // Identifies this feed's history: 16 lowercase hex digits, random, created with the store.
  std::string FeedEpoch() const;

  // Up to `limit` events with sequence > after_sequence and at most FeedHead() (read at the
  // start of the call), in sequence order.
  // INVALID_ARGUMENT when limit is not positive.
  absl::StatusOr<std::vector<FeedRecord>> ReadFeed(uint64_t after_sequence, int limit) const;

  // The oldest position a reader may start after: the feed holds every event with a
  // sequence above it, up to FeedHead(). 0 until retention first removes events; FeedHead()
  // when it removed them all. A reader positioned below it has missed events. Kept in meta,
  // so it survives reopening.
  //
  // It moves only after the trim that removed those events is written (and synced, when
  // StoreOptions::sync_writes), and before any ReadFeed() can see them gone: a reader that
  // calls FeedStart() after a ReadFeed() whose result skips events gets a value at or above
  // the last skipped sequence. So a reader detects that it fell behind by reading first and
  // comparing FeedStart() with its position after. Never waits. (How: TrimFeed stores the
  // new start with release after its Write() returned, while holding exclusively a lock
  // that ReadFeed() holds shared while it creates its iterator; this is an acquire load.)
  uint64_t FeedStart() const;

  // Removes the oldest events that `retention` no longer keeps, in one WriteBatch, and moves
  // FeedStart() past them: all but the newest max_events, and then, oldest first, every
  // event whose time is before now - max_age, stopping at the first event it keeps (the
  // feed stays one unbroken run from FeedStart() + 1 to FeedHead(), so an older event after
  // a newer one stays until the newer one goes). Never removes anything else: articles,
  // versions, FeedHead() and the next sequence number stay. Returns how many events were
  // removed (0 writes nothing).
  //
  // Safe to call while readers and writers run: it waits for the write in progress and
  // holds off new ones while it runs; ReadFeed() calls wait only while its batch is written
  // (one WAL sync), and see the feed before or after the trim, never part of it.
  // INVALID_ARGUMENT when max_age is negative; a failed write returns the mapped RocksDB
  // error (typically UNAVAILABLE) and leaves FeedStart() where it was.
  absl::StatusOr<uint64_t> TrimFeed(const FeedRetention& retention, absl::Time now);

  // Calls `listener(sequence)` once for each append, after it is written (durable, with
  // sync_writes) and FeedHead() has moved to it or past it, in sequence order, on the
  // thread that synced it (one of the committing threads; without sync_writes, the
  // appending thread). Meant for waking stream readers.
  //
  // Order is kept by a lock of its own, held while the listener runs: the next commits'
  // writes overlap the call, but their calls wait for this one to return, and their
  // acknowledgement waits behind that. So the listener must be quick (no I/O, no waiting on other
  // threads); it may call FeedHead(), FeedStart(), ReadFeed() and the other read methods, but
  // calling a write method (PublishArticle, CommitByExternalId, CommitById, TrimFeed, TrimRequests,
  // UpsertSource, RegisterSigningKey, GetOrCreateSecret) or SetAppendListener from inside
  // it deadlocks. An empty function removes the listener.
  // Safe to call at any time: appends that start after it returns call the new listener.
  void SetAppendListener(std::function<void(uint64_t sequence)> listener);

  // --- The log: a replica's view of another store ---------------------------------------
  //
  // A commit is an entry of a log (LogEntry: the event, the version it made, the request
  // record) appended and then applied to the store's view: its articles, versions, indexes,
  // schedule, requests and feed. In the embedded mode the log is this store's own feed and
  // a commit appends and applies in one WriteBatch. A replica applies the entries of
  // another's log in order (issue 9; DESIGN.md, "Beyond one machine"), recording the last
  // applied sequence as its FeedHead() in the same batch, and then serves the same stories,
  // versions and feed, under the same sequences (and, opened with its log's feed_epoch, the
  // same cursors).

  // Up to `limit` entries with sequence > after_sequence and at most FeedHead() (read at
  // the start of the call), in sequence order: each event of ReadFeed() with the version it
  // names and its commit's request record while TrimRequests keeps it. Like ReadFeed(), it
  // starts after FeedStart() when events at or below it were trimmed: compare. Errors:
  // INVALID_ARGUMENT when limit is not positive; DATA_LOSS when a version an event names is
  // missing.
  absl::StatusOr<std::vector<LogEntry>> ReadLog(uint64_t after_sequence, int limit) const;

  // Applies one entry of a log to this store, as a replica does: in one WriteBatch (synced
  // with sync_writes) everything a commit of entry.version writes, the event under its own
  // sequence, the request record when there is one (replacing one this store still keeps
  // under that id), and the feed head. Then, as after a commit, FeedHead() is the entry's
  // sequence and the append listener has been called. An entry that is refused writes
  // nothing. Errors:
  //  - INVALID_ARGUMENT when the entry does not hold together: no event sequence or type;
  //    an event whose article_id, version or source_id is not the version's; a version
  //    without a valid id, source_id, external_id or version_created; a request without
  //    an event.request_id, or whose time is not the version's version_created. Names the
  //    field.
  //  - FAILED_PRECONDITION when entry.event.sequence is not the sequence after the last
  //    entry or commit written here (FeedHead() + 1 once those have returned): the log
  //    skipped entries (JetStream skips purged messages silently) or repeats one. The
  //    message names both sequences; the replica must be rebuilt from a backup and the log.
  //  - FAILED_PRECONDITION when the version does not follow the story as stored here (not
  //    the latest version + 1, another story's id or external id), or the event is not the
  //    one the version makes here (its hidden, time, language or subject codes): this
  //    store is not a view of the same log.
  //  - a commit's write and sync errors: UNAVAILABLE after a failed WAL write or sync (see
  //    "A failed WAL write or sync"), and then, as for a commit, the version may be read
  //    until the store is reopened.
  absl::Status ApplyLogEntry(const LogEntry& entry);

  // --- Shared changes: what replicas share besides the stories ------------------------
  //
  // Sources, partners, API keys and signing keys (UpsertSource, PutPartner, DeletePartner,
  // PutApiKey, RegisterSigningKey) are, with StoreOptions::log, appended to the log's shared
  // stream (SharedChange, CommitLog::AppendShared) instead of written here; the write
  // returns once this store has applied the change back (a LogFollower applies every
  // replica's), UNAVAILABLE when that takes longer than StoreOptions::log_apply_timeout
  // (the change is stored in the log, and will be applied). Without a log, each is one
  // synced write here.

  // Applies shared change number `sequence` of the log (in the log's order; gaps are
  // allowed), with the sequence as SharedHead() in the same synced batch, then calls the
  // shared change listener. INVALID_ARGUMENT when sequence is 0 or the change is not set or
  // malformed (names the field); FAILED_PRECONDITION when sequence is not above
  // SharedHead() (applied already); a failed write's error.
  absl::Status ApplySharedChange(uint64_t sequence, const SharedChange& change);

  // The sequence of the last shared change applied; 0 when none was (or without a log).
  uint64_t SharedHead() const;

  // Called by each ApplySharedChange, on its thread, with the change once it is written and
  // before SharedHead() moves to it (so a write waiting for its change returns after the
  // listener saw it), e.g. to update a cache of keys and partners. Runs under the store's
  // write lock: it must be quick and must not call the store's write methods. An empty
  // function removes it. Returns once no call of the old listener is under way.
  void SetSharedChangeListener(std::function<void(const SharedChange&)> listener);

  // --- Secrets -------------------------------------------------------------------------

  // A random secret of `size_bytes` bytes stored under `name`, created on first use and the
  // same for the life of the store (e.g. the key that authenticates page tokens).
  // Always written with sync. INVALID_ARGUMENT when name is empty or size_bytes is 0;
  // FAILED_PRECONDITION when the stored secret has a different size. With StoreOptions::log,
  // the secret is the log's (CommitLog::SharedSecret, the same on every replica), and is
  // stored here too, replacing what was; the log's errors then too.
  absl::StatusOr<std::string> GetOrCreateSecret(std::string_view name, size_t size_bytes);

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The time a story is listed by: published_at, or first_created when published_at is unset.
absl::Time ListTime(const syndication::v1::Article& article);

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_STORE_H_
