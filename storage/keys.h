// The byte layout of every key (and of the few non-protobuf values) the store writes.
// Internal to storage/: nothing outside this folder may depend on a key's bytes.
//
// Integers are fixed-width big-endian so that RocksDB's bytewise order is numeric order
// (RocksDB's own util/coding.h is little-endian and would scramble it). A variable-length
// part is either the last part of a key or preceded by its length as a u16be, so one
// source's keys never interleave with another's whose id it is a prefix of.
//
// Layout, per column family:
//   sources          source_id                                          → Source
//   articles         article_id                                         → Article (latest)
//   versions         article_id (32 bytes) + u64be(version)             → Article
//   feed             u64be(sequence)                                    → FeedRecord
//   by_source_time   u16be(len) + source_id + u64be(~time) + article_id → ""
//   by_time          u64be(~time) + article_id                          → ""
//   by_external_id   u16be(len) + source_id + external_id               → article_id
//   by_update        u64be(+version_created) + article_id               → ""
//   by_source_update u16be(len) + source_id + u64be(+version_created)
//                    + article_id                                       → ""
//   schedule         u64be(+due, rounded up) + article_id + u8(task)    → ""
//   requests         request_id                                         → RequestRecord
//   requests_by_time u64be(+RequestRecord.time) + request_id            → ""
//   partners         partner_id                                         → Partner
//   usage            article_id + u64be(version) + partner_id           → Delivery
//   usage_by_time    u64be(+delivered_at) + article_id + u64be(version)
//                    + partner_id                                       → Delivery
//   keys             key_id (16 lowercase hex digits)                   → ApiKeyRecord
//   meta             "feed_head" → u64be, "feed_start" → u64be (absent until the first
//                    trim: 0), "feed_epoch" → 16 hex digits, "secret/<name>" → bytes,
//                    "layout_version" → u64be (kLayoutVersion), "signing_key/<key_id>" →
//                    SigningKey, "retired_partner/<partner_id>" → u64be(+delete time),
//                    "feed_state/" + u16be(len) + source_id + url → FeedState
// where ~time is the inverted list time (see EncodeListTime) and +time an ascending time
// (see EncodeAscendingTime). Every article_id in a key is kArticleIdLength bytes.
//
// Decoders return DATA_LOSS for malformed input: the keys they read come from the
// database, so a key that does not parse is damaged data, not a caller's mistake.
#ifndef SYNDICATE_STORAGE_KEYS_H_
#define SYNDICATE_STORAGE_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syndicate::storage {

// Article ids are this many lowercase hex digits (128 random bits).
inline constexpr size_t kArticleIdLength = 32;
// The longest source id a length-prefixed key can hold.
inline constexpr size_t kMaxSourceIdBytes = UINT16_MAX;

inline constexpr std::string_view kMetaFeedHead = "feed_head";
inline constexpr std::string_view kMetaFeedStart = "feed_start";
inline constexpr std::string_view kMetaFeedEpoch = "feed_epoch";
// With a replicated log: the sequence of the last shared change (SharedChange) applied.
inline constexpr std::string_view kMetaSharedHead = "shared_head";
// Which derived entries the store maintains. Absent in a store written before the update
// indexes and the schedule existed (version 1); Open() builds them from the articles and
// then records kLayoutVersion.
inline constexpr std::string_view kMetaLayoutVersion = "layout_version";
inline constexpr uint64_t kLayoutVersion = 2;

// True when `id` has the shape of an article id: kArticleIdLength lowercase hex digits.
bool IsArticleId(std::string_view id);

// Fixed-width big-endian integers.
void AppendUint16(std::string* out, uint16_t value);
void AppendUint64(std::string* out, uint64_t value);
std::string EncodeUint64(uint64_t value);
// DATA_LOSS unless `bytes` is exactly 8 bytes.
absl::StatusOr<uint64_t> DecodeUint64(std::string_view bytes);

// Maps a list time to a u64 whose ascending order is newest first. The time is taken in
// whole microseconds since the Unix epoch, rounded down (finer parts do not survive in a
// key); infinite times saturate. The sign bit is flipped so negative times order before
// positive ones, then every bit is inverted to reverse the order.
uint64_t EncodeListTime(absl::Time list_time);
// The inverse of EncodeListTime, at microsecond precision.
absl::Time DecodeListTime(uint64_t encoded);

// Maps a time to a u64 whose ascending order is oldest first: whole microseconds since the
// Unix epoch, rounded down, saturating, with the sign bit flipped so that negative times
// order before positive ones (not inverted: this is EncodeListTime without the ~).
uint64_t EncodeAscendingTime(absl::Time time);
// As EncodeAscendingTime, rounded up to the next whole microsecond instead, so that the
// encoded time is never before `time`.
uint64_t EncodeAscendingTimeRoundedUp(absl::Time time);
// The inverse of both, at microsecond precision.
absl::Time DecodeAscendingTime(uint64_t encoded);

// --- versions ---------------------------------------------------------------------------

// Stored ids are kArticleIdLength bytes, so every stored key is 40 bytes; a key made from an
// id of another length matches nothing.
std::string VersionKey(std::string_view article_id, uint64_t version);

struct VersionKeyParts {
  std::string article_id;
  uint64_t version = 0;
};
absl::StatusOr<VersionKeyParts> DecodeVersionKey(std::string_view key);

// --- feed -------------------------------------------------------------------------------

std::string FeedKey(uint64_t sequence);
absl::StatusOr<uint64_t> DecodeFeedKey(std::string_view key);

// --- list indexes -----------------------------------------------------------------------

// The part of a by_source_time key that every entry of `source_id` starts with.
// Precondition (for this and every other function taking a source_id):
// source_id.size() <= kMaxSourceIdBytes; the store checks it where ids come in.
std::string SourcePrefix(std::string_view source_id);

// The order-carrying tail shared by by_time and by_source_time keys:
// u64be(EncodeListTime(list_time)) + article_id.
std::string ListSuffix(absl::Time list_time, std::string_view article_id);

std::string BySourceTimeKey(std::string_view source_id, absl::Time list_time,
                            std::string_view article_id);
std::string ByTimeKey(absl::Time list_time, std::string_view article_id);

struct ListKeyParts {
  std::string source_id;  // empty for a by_time key
  absl::Time list_time;   // microsecond precision
  std::string article_id;
};
absl::StatusOr<ListKeyParts> DecodeBySourceTimeKey(std::string_view key);
absl::StatusOr<ListKeyParts> DecodeByTimeKey(std::string_view key);

// --- update indexes ---------------------------------------------------------------------

// The order-carrying tail shared by by_update and by_source_update keys:
// u64be(EncodeAscendingTime(version_created)) + article_id.
std::string UpdateSuffix(absl::Time version_created, std::string_view article_id);

std::string ByUpdateKey(absl::Time version_created, std::string_view article_id);
std::string BySourceUpdateKey(std::string_view source_id, absl::Time version_created,
                              std::string_view article_id);

struct UpdateKeyParts {
  std::string source_id;       // empty for a by_update key
  absl::Time version_created;  // microsecond precision
  std::string article_id;
};
absl::StatusOr<UpdateKeyParts> DecodeByUpdateKey(std::string_view key);
absl::StatusOr<UpdateKeyParts> DecodeBySourceUpdateKey(std::string_view key);

// --- schedule ---------------------------------------------------------------------------

// The task byte of a schedule key. Stored: never renumber.
inline constexpr uint8_t kScheduleLiftEmbargo = 1;
inline constexpr uint8_t kScheduleExpire = 2;

// u64be(EncodeAscendingTimeRoundedUp(due)) + article_id + u8(task): earliest first, ties
// by article id, then by task. Rounding up keeps a task from falling due before its instant.
std::string ScheduleKey(absl::Time due, std::string_view article_id, uint8_t task);

struct ScheduleKeyParts {
  absl::Time due;  // microsecond precision
  std::string article_id;
  uint8_t task = 0;
};
// DATA_LOSS also for a task byte other than the kSchedule… values.
absl::StatusOr<ScheduleKeyParts> DecodeScheduleKey(std::string_view key);

// --- requests ---------------------------------------------------------------------------

std::string RequestKey(std::string_view request_id);
// u64be(EncodeAscendingTime(time)) + request_id.
std::string RequestTimeKey(absl::Time time, std::string_view request_id);

struct RequestTimeKeyParts {
  absl::Time time;  // microsecond precision
  std::string request_id;
};
absl::StatusOr<RequestTimeKeyParts> DecodeRequestTimeKey(std::string_view key);

// --- partners and keys ------------------------------------------------------------------

// The whole key is the id: partner ids (AIP-122) and key ids (hex) are plain ASCII, and id
// order is what ListPartners and ListApiKeys page through.
std::string PartnerKey(std::string_view partner_id);
std::string ApiKeyKey(std::string_view key_id);

// --- usage ------------------------------------------------------------------------------

// The usage key of one (story, version, partner): at most one Delivery is kept under it.
std::string UsageKey(std::string_view article_id, uint64_t version, std::string_view partner_id);
// The part of a usage key that every delivery of `article_id` starts with.
std::string UsageArticlePrefix(std::string_view article_id);
// u64be(EncodeAscendingTime(delivered_at)) + UsageKey(...): oldest first, ties by story,
// version and partner.
std::string UsageTimeKey(absl::Time delivered_at, std::string_view article_id, uint64_t version,
                         std::string_view partner_id);

// --- by_external_id ---------------------------------------------------------------------

std::string ByExternalIdKey(std::string_view source_id, std::string_view external_id);

// --- meta -------------------------------------------------------------------------------

std::string MetaSecretKey(std::string_view name);

// "retired_partner/<id>" → u64be(delete time, ascending): the id of a deleted partner,
// never given to another (its usage stays its own).
std::string MetaRetiredPartnerKey(std::string_view partner_id);

// Every signing key's meta key starts with this.
inline constexpr std::string_view kMetaSigningKeyPrefix = "signing_key/";
std::string MetaSigningKeyKey(std::string_view key_id);

// "feed_state/" + u16be(len) + source_id: the start of every feed state key of that source.
std::string MetaFeedStatePrefix(std::string_view source_id);
// MetaFeedStatePrefix(source_id) + url → FeedState.
std::string MetaFeedStateKey(std::string_view source_id, std::string_view url);

// --- bounds -----------------------------------------------------------------------------

// The smallest string greater than every string that starts with `prefix`, or "" when
// there is none (prefix empty or all 0xff), meaning "no upper bound".
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_KEYS_H_
