#include "storage/keys.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::std::string_literals::operator""s;
using ::syndicate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kIdA = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kIdB = "0123456789abcdef0123456789abcdf0";

// 2026-01-01T00:00:00Z: 1767225600000000 µs = 0x0006474846204000, sign bit flipped and
// inverted.
constexpr std::string_view kNewYear2026Inverted = "\x7f\xf9\xb8\xb7\xb9\xdf\xbf\xff";
constexpr absl::Time kNewYear2026 = absl::FromUnixSeconds(1767225600);

TEST(StorageKeysTest, IntegersAreBigEndianFixedWidth) {
  EXPECT_EQ(EncodeUint64(1), "\x00\x00\x00\x00\x00\x00\x00\x01"s);
  EXPECT_EQ(EncodeUint64(0x0102030405060708), "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  EXPECT_EQ(EncodeUint64(std::numeric_limits<uint64_t>::max()),
            "\xff\xff\xff\xff\xff\xff\xff\xff"s);
  std::string out;
  AppendUint16(&out, 0x0102);
  AppendUint16(&out, 0xfffe);
  EXPECT_EQ(out, "\x01\x02\xff\xfe"s);
  EXPECT_EQ(DecodeUint64("\x01\x02\x03\x04\x05\x06\x07\x08"s).value(), 0x0102030405060708u);
}

TEST(StorageKeysTest, ListTimeFlipsTheSignBitThenInverts) {
  EXPECT_EQ(EncodeListTime(absl::UnixEpoch()), 0x7fffffffffffffffu);
  EXPECT_EQ(EncodeListTime(absl::UnixEpoch() + absl::Microseconds(1)), 0x7ffffffffffffffeu);
  EXPECT_EQ(EncodeListTime(absl::UnixEpoch() - absl::Microseconds(1)), 0x8000000000000000u);
  EXPECT_EQ(EncodeListTime(absl::FromUnixSeconds(-1)), 0x80000000000f423fu);
  EXPECT_EQ(EncodeUint64(EncodeListTime(kNewYear2026)), std::string(kNewYear2026Inverted));
  // Sub-microsecond parts round toward the past, negative times included.
  EXPECT_EQ(EncodeListTime(absl::UnixEpoch() + absl::Nanoseconds(999)),
            EncodeListTime(absl::UnixEpoch()));
  EXPECT_EQ(EncodeListTime(absl::UnixEpoch() - absl::Nanoseconds(1)),
            EncodeListTime(absl::UnixEpoch() - absl::Microseconds(1)));
  // Infinite times saturate instead of wrapping.
  EXPECT_EQ(EncodeListTime(absl::InfiniteFuture()), 0u);
  EXPECT_EQ(EncodeListTime(absl::InfinitePast()), std::numeric_limits<uint64_t>::max());
}

TEST(StorageKeysTest, ListTimeRoundTripsAtMicrosecondPrecision) {
  for (const absl::Time time : {absl::UnixEpoch(), kNewYear2026, absl::FromUnixMicros(-1),
                                absl::FromUnixSeconds(-2208988800) /* 1900-01-01 */,
                                absl::FromUnixMicros(std::numeric_limits<int64_t>::min()),
                                absl::FromUnixMicros(std::numeric_limits<int64_t>::max())}) {
    EXPECT_EQ(DecodeListTime(EncodeListTime(time)), time) << time;
  }
  EXPECT_EQ(DecodeListTime(EncodeListTime(kNewYear2026 + absl::Nanoseconds(1500))),
            kNewYear2026 + absl::Microseconds(1));
}

TEST(StorageKeysTest, VersionKeyIsIdThenVersion) {
  EXPECT_EQ(VersionKey(kIdA, 2),
            "0123456789abcdef0123456789abcdef\x00\x00\x00\x00\x00\x00\x00\x02"s);
  const VersionKeyParts parts = DecodeVersionKey(VersionKey(kIdA, 258)).value();
  EXPECT_EQ(parts.article_id, kIdA);
  EXPECT_EQ(parts.version, 258u);
  // Versions of one article sort numerically, not as decimal text.
  EXPECT_LT(VersionKey(kIdA, 9), VersionKey(kIdA, 10));
  EXPECT_LT(VersionKey(kIdA, 255), VersionKey(kIdA, 256));
}

TEST(StorageKeysTest, PartnerAndApiKeyKeysAreTheIdsSoIdOrderIsKeyOrder) {
  EXPECT_EQ(PartnerKey("northbay-courier"), "northbay-courier");
  EXPECT_EQ(ApiKeyKey("00ff10a0b1c2d3e4"), "00ff10a0b1c2d3e4");
  EXPECT_LT(PartnerKey("a"), PartnerKey("a-b"));
  EXPECT_LT(ApiKeyKey("0000000000000009"), ApiKeyKey("000000000000000a"));
}

TEST(StorageKeysTest, FeedKeyIsTheSequence) {
  EXPECT_EQ(FeedKey(3), "\x00\x00\x00\x00\x00\x00\x00\x03"s);
  EXPECT_EQ(DecodeFeedKey(FeedKey(0x0a0b0c0d0e0f1011)).value(), 0x0a0b0c0d0e0f1011u);
  EXPECT_LT(FeedKey(255), FeedKey(256));
}

TEST(StorageKeysTest, BySourceTimeKeyIsLengthPrefixedSourceThenInvertedTimeThenId) {
  EXPECT_EQ(BySourceTimeKey("wire", kNewYear2026, kIdA),
            "\x00\x04"
            "wire"
            "\x7f\xf9\xb8\xb7\xb9\xdf\xbf\xff"
            "0123456789abcdef0123456789abcdef"s);
  EXPECT_EQ(SourcePrefix("wire"), "\x00\x04wire"s);
  const ListKeyParts parts =
      DecodeBySourceTimeKey(BySourceTimeKey("wire", kNewYear2026, kIdA)).value();
  EXPECT_EQ(parts.source_id, "wire");
  EXPECT_EQ(parts.list_time, kNewYear2026);
  EXPECT_EQ(parts.article_id, kIdA);
}

TEST(StorageKeysTest, ByTimeKeyIsInvertedTimeThenId) {
  EXPECT_EQ(ByTimeKey(kNewYear2026, kIdB),
            "\x7f\xf9\xb8\xb7\xb9\xdf\xbf\xff"
            "0123456789abcdef0123456789abcdf0"s);
  EXPECT_EQ(ListSuffix(kNewYear2026, kIdB), ByTimeKey(kNewYear2026, kIdB));
  const ListKeyParts parts = DecodeByTimeKey(ByTimeKey(absl::FromUnixSeconds(-1), kIdB)).value();
  EXPECT_EQ(parts.source_id, "");
  EXPECT_EQ(parts.list_time, absl::FromUnixSeconds(-1));
  EXPECT_EQ(parts.article_id, kIdB);
}

TEST(StorageKeysTest, ByExternalIdAndMetaKeys) {
  EXPECT_EQ(ByExternalIdKey("wire", "urn:example:1"), "\x00\x04wireurn:example:1"s);
  EXPECT_EQ(MetaSecretKey("page-token"), "secret/page-token");
  EXPECT_EQ(kMetaFeedHead, "feed_head");
  EXPECT_EQ(kMetaFeedEpoch, "feed_epoch");
}

TEST(StorageKeysTest, NewestFirstAcrossTheSignOfTheTime) {
  const std::vector<absl::Time> times = {absl::FromUnixSeconds(-86400), absl::FromUnixMicros(-1),
                                         absl::UnixEpoch(), absl::FromUnixMicros(1), kNewYear2026};
  std::vector<std::string> keys;
  keys.reserve(times.size());
  for (const absl::Time time : times) keys.push_back(BySourceTimeKey("wire", time, kIdA));
  std::sort(keys.begin(), keys.end());
  std::vector<absl::Time> listed;
  listed.reserve(keys.size());
  for (const std::string& key : keys) listed.push_back(DecodeBySourceTimeKey(key)->list_time);
  EXPECT_THAT(listed, ElementsAre(kNewYear2026, absl::FromUnixMicros(1), absl::UnixEpoch(),
                                  absl::FromUnixMicros(-1), absl::FromUnixSeconds(-86400)));
}

TEST(StorageKeysTest, TiesAtOneTimeOrderByIdAscending) {
  EXPECT_LT(ByTimeKey(kNewYear2026, kIdA), ByTimeKey(kNewYear2026, kIdB));
  EXPECT_LT(BySourceTimeKey("wire", kNewYear2026, kIdA),
            BySourceTimeKey("wire", kNewYear2026, kIdB));
  // A newer time wins over a smaller id.
  EXPECT_LT(ByTimeKey(kNewYear2026 + absl::Microseconds(1), kIdB), ByTimeKey(kNewYear2026, kIdA));
}

TEST(StorageKeysTest, LengthPrefixKeepsASourceApartFromOnesItIsAPrefixOf) {
  // Without the length prefix, "ab" + time would compare against "abc" + time byte by byte.
  const std::string ab_newest = BySourceTimeKey("ab", absl::InfiniteFuture(), kIdA);
  const std::string ab_oldest = BySourceTimeKey("ab", absl::InfinitePast(), kIdB);
  const std::string abc = BySourceTimeKey("abc", kNewYear2026, kIdA);
  EXPECT_FALSE(abc.starts_with(SourcePrefix("ab")));
  EXPECT_TRUE(ab_newest < abc && ab_oldest < abc);
  EXPECT_FALSE(ByExternalIdKey("abc", "1").starts_with(SourcePrefix("ab")));
}

TEST(StorageKeysTest, PrefixSuccessorIsTheSmallestStringAfterThePrefix) {
  EXPECT_EQ(PrefixSuccessor("\x00\x04wire"s), "\x00\x04wirf"s);
  EXPECT_EQ(PrefixSuccessor("a\xff\xff"s), "b");
  EXPECT_EQ(PrefixSuccessor("\xff\xff"s), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

TEST(StorageKeysTest, ArticleIdShape) {
  EXPECT_TRUE(IsArticleId(kIdA));
  EXPECT_FALSE(IsArticleId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsArticleId("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(IsArticleId("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(IsArticleId("0123456789abcdef0123456789abcdeg"));
}

TEST(StorageKeysTest, MalformedKeysAreDataLoss) {
  const auto data_loss = [](const std::string& problem) {
    return StatusIs(absl::StatusCode::kDataLoss, HasSubstr(problem));
  };
  EXPECT_THAT(DecodeUint64("\x00\x01"s), data_loss("got 2 bytes"));
  EXPECT_THAT(DecodeFeedKey("\x00\x00\x00\x00\x00\x00\x01"s), data_loss("7 bytes, not 8"));
  EXPECT_THAT(DecodeFeedKey("\x00\x00\x00\x00\x00\x00\x00\x01\x00"s), data_loss("9 bytes"));
  EXPECT_THAT(DecodeVersionKey(kIdA), data_loss("32 bytes, not 40"));
  EXPECT_THAT(DecodeVersionKey("0123456789ABCDEF0123456789abcdef\x00\x00\x00\x00\x00\x00\x00\x01"s),
              data_loss("not 32 lowercase hex"));
  EXPECT_THAT(DecodeBySourceTimeKey(""), data_loss("shorter than its length prefix"));
  EXPECT_THAT(DecodeBySourceTimeKey("\x00"s), data_loss("shorter than its length prefix"));
  EXPECT_THAT(DecodeBySourceTimeKey("\x01\x00wire"s), data_loss("length 256 exceeds"));
  const std::string key = BySourceTimeKey("wire", kNewYear2026, kIdA);
  EXPECT_THAT(DecodeBySourceTimeKey(key.substr(0, key.size() - 1)),
              data_loss("take 39 bytes, not 40"));
  EXPECT_THAT(DecodeBySourceTimeKey(key + "0"), data_loss("take 41 bytes, not 40"));
  EXPECT_THAT(DecodeBySourceTimeKey(
                  BySourceTimeKey("wire", kNewYear2026, "0123456789abcdef0123456789abcdeZ")),
              data_loss("not 32 lowercase hex"));
  EXPECT_THAT(DecodeByTimeKey("\x7f\xf9"s), data_loss("take 2 bytes, not 40"));
  // The message shows the key, escaped, so a damaged key can be found.
  EXPECT_THAT(
      DecodeFeedKey("\x01\xff"s),
      StatusIs(absl::StatusCode::kDataLoss, R"(malformed feed key "\x01\xff": 2 bytes, not 8)"));
}

// --- Update indexes, schedule, requests, signing keys ---------------------------------------

TEST(StorageKeysTest, AscendingTimeFlipsTheSignBitOnly) {
  EXPECT_EQ(EncodeAscendingTime(absl::UnixEpoch()), 0x8000000000000000u);
  EXPECT_EQ(EncodeAscendingTime(absl::UnixEpoch() + absl::Microseconds(1)), 0x8000000000000001u);
  EXPECT_EQ(EncodeAscendingTime(absl::UnixEpoch() - absl::Microseconds(1)), 0x7fffffffffffffffu);
  EXPECT_EQ(EncodeAscendingTime(absl::FromUnixSeconds(-1)), 0x7ffffffffff0bdc0u);
  // 2026-01-01T00:00:00Z: 0x0006474846204000 with only the sign bit flipped.
  EXPECT_EQ(EncodeUint64(EncodeAscendingTime(kNewYear2026)), "\x80\x06\x47\x48\x46\x20\x40\x00"s);
  // Rounded down, negative times included.
  EXPECT_EQ(EncodeAscendingTime(kNewYear2026 + absl::Nanoseconds(999)), 0x8006474846204000u);
  EXPECT_EQ(EncodeAscendingTime(absl::UnixEpoch() - absl::Nanoseconds(1)), 0x7fffffffffffffffu);
  EXPECT_EQ(EncodeAscendingTime(absl::InfiniteFuture()), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(EncodeAscendingTime(absl::InfinitePast()), 0u);
}

TEST(StorageKeysTest, AscendingTimeRoundedUpNeverPrecedesTheTime) {
  EXPECT_EQ(EncodeAscendingTimeRoundedUp(kNewYear2026), 0x8006474846204000u);
  EXPECT_EQ(EncodeAscendingTimeRoundedUp(kNewYear2026 + absl::Nanoseconds(1)), 0x8006474846204001u);
  EXPECT_EQ(EncodeAscendingTimeRoundedUp(kNewYear2026 + absl::Nanoseconds(1000)),
            0x8006474846204001u);
  EXPECT_EQ(EncodeAscendingTimeRoundedUp(absl::UnixEpoch() - absl::Nanoseconds(1)),
            0x8000000000000000u);
  EXPECT_EQ(EncodeAscendingTimeRoundedUp(absl::InfiniteFuture()),
            std::numeric_limits<uint64_t>::max());
}

TEST(StorageKeysTest, AscendingTimeRoundTripsAtMicrosecondPrecision) {
  for (const absl::Time time : {absl::UnixEpoch(), kNewYear2026, absl::FromUnixMicros(-1),
                                absl::FromUnixSeconds(-2208988800) /* 1900-01-01 */,
                                absl::FromUnixMicros(std::numeric_limits<int64_t>::min()),
                                absl::FromUnixMicros(std::numeric_limits<int64_t>::max())}) {
    EXPECT_EQ(DecodeAscendingTime(EncodeAscendingTime(time)), time) << time;
    EXPECT_EQ(DecodeAscendingTime(EncodeAscendingTimeRoundedUp(time)), time) << time;
  }
}

TEST(StorageKeysTest, UpdateKeysAreAscendingTimeThenId) {
  EXPECT_EQ(ByUpdateKey(kNewYear2026, kIdA),
            "\x80\x06\x47\x48\x46\x20\x40\x00"
            "0123456789abcdef0123456789abcdef"s);
  EXPECT_EQ(BySourceUpdateKey("wire", kNewYear2026, kIdB),
            "\x00\x04"
            "wire"
            "\x80\x06\x47\x48\x46\x20\x40\x00"
            "0123456789abcdef0123456789abcdf0"s);
  EXPECT_EQ(UpdateSuffix(kNewYear2026, kIdA), ByUpdateKey(kNewYear2026, kIdA));
  const UpdateKeyParts parts =
      DecodeBySourceUpdateKey(BySourceUpdateKey("wire", absl::FromUnixSeconds(-1), kIdB)).value();
  EXPECT_EQ(parts.source_id, "wire");
  EXPECT_EQ(parts.version_created, absl::FromUnixSeconds(-1));
  EXPECT_EQ(parts.article_id, kIdB);
  const UpdateKeyParts unsourced = DecodeByUpdateKey(ByUpdateKey(kNewYear2026, kIdA)).value();
  EXPECT_EQ(unsourced.source_id, "");
  EXPECT_EQ(unsourced.version_created, kNewYear2026);
  EXPECT_EQ(unsourced.article_id, kIdA);
}

TEST(StorageKeysTest, UpdateKeysSortOldestFirstThenById) {
  const std::vector<absl::Time> times = {kNewYear2026, absl::FromUnixMicros(1), absl::UnixEpoch(),
                                         absl::FromUnixMicros(-1), absl::FromUnixSeconds(-86400)};
  std::vector<std::string> keys;
  keys.reserve(times.size());
  for (const absl::Time time : times) keys.push_back(BySourceUpdateKey("wire", time, kIdA));
  std::sort(keys.begin(), keys.end());
  std::vector<absl::Time> listed;
  listed.reserve(keys.size());
  for (const std::string& key : keys) {
    listed.push_back(DecodeBySourceUpdateKey(key)->version_created);
  }
  EXPECT_THAT(listed, ElementsAre(absl::FromUnixSeconds(-86400), absl::FromUnixMicros(-1),
                                  absl::UnixEpoch(), absl::FromUnixMicros(1), kNewYear2026));
  EXPECT_LT(ByUpdateKey(kNewYear2026, kIdA), ByUpdateKey(kNewYear2026, kIdB));
  // An older time wins over a smaller id.
  EXPECT_LT(ByUpdateKey(kNewYear2026, kIdB),
            ByUpdateKey(kNewYear2026 + absl::Microseconds(1), kIdA));
  EXPECT_FALSE(BySourceUpdateKey("abc", kNewYear2026, kIdA).starts_with(SourcePrefix("ab")));
}

TEST(StorageKeysTest, ScheduleKeyIsRoundedUpTimeThenIdThenTask) {
  EXPECT_EQ(kScheduleLiftEmbargo, 1);
  EXPECT_EQ(kScheduleExpire, 2);
  EXPECT_EQ(ScheduleKey(kNewYear2026, kIdA, kScheduleLiftEmbargo),
            "\x80\x06\x47\x48\x46\x20\x40\x00"
            "0123456789abcdef0123456789abcdef"
            "\x01"s);
  EXPECT_EQ(ScheduleKey(kNewYear2026 + absl::Nanoseconds(1), kIdB, kScheduleExpire),
            "\x80\x06\x47\x48\x46\x20\x40\x01"
            "0123456789abcdef0123456789abcdf0"
            "\x02"s);
  const ScheduleKeyParts parts =
      DecodeScheduleKey(ScheduleKey(kNewYear2026 + absl::Nanoseconds(1), kIdB, kScheduleExpire))
          .value();
  EXPECT_EQ(parts.due, kNewYear2026 + absl::Microseconds(1));
  EXPECT_EQ(parts.article_id, kIdB);
  EXPECT_EQ(parts.task, kScheduleExpire);
  // Earliest first; at one time by article id, then a lift before an expiry.
  EXPECT_LT(ScheduleKey(kNewYear2026, kIdB, kScheduleExpire),
            ScheduleKey(kNewYear2026 + absl::Microseconds(1), kIdA, kScheduleLiftEmbargo));
  EXPECT_LT(ScheduleKey(kNewYear2026, kIdA, kScheduleExpire),
            ScheduleKey(kNewYear2026, kIdB, kScheduleLiftEmbargo));
  EXPECT_LT(ScheduleKey(kNewYear2026, kIdA, kScheduleLiftEmbargo),
            ScheduleKey(kNewYear2026, kIdA, kScheduleExpire));
}

TEST(StorageKeysTest, RequestKeys) {
  EXPECT_EQ(RequestKey("req-1"), "req-1");
  EXPECT_EQ(RequestTimeKey(kNewYear2026 + absl::Nanoseconds(999), "req-1"),
            "\x80\x06\x47\x48\x46\x20\x40\x00"
            "req-1"s);
  const RequestTimeKeyParts parts =
      DecodeRequestTimeKey(RequestTimeKey(absl::FromUnixSeconds(-1), "\x00\xff"s)).value();
  EXPECT_EQ(parts.time, absl::FromUnixSeconds(-1));
  EXPECT_EQ(parts.request_id, "\x00\xff"s);
}

TEST(StorageKeysTest, UsageKeys) {
  EXPECT_EQ(UsageKey(kIdA, 2, "north"), std::string(kIdA) +
                                            "\x00\x00\x00\x00\x00\x00\x00\x02"
                                            "north"s);
  EXPECT_EQ(UsageArticlePrefix(kIdA), std::string(kIdA));
  EXPECT_EQ(UsageTimeKey(kNewYear2026 + absl::Nanoseconds(999), kIdA, 2, "north"),
            "\x80\x06\x47\x48\x46\x20\x40\x00"s + UsageKey(kIdA, 2, "north"));
  // Oldest first; at one time by story, version, then partner.
  EXPECT_LT(UsageTimeKey(kNewYear2026, kIdB, 9, "z"),
            UsageTimeKey(kNewYear2026 + absl::Microseconds(1), kIdA, 1, "a"));
  EXPECT_LT(UsageTimeKey(kNewYear2026, kIdA, 2, "z"), UsageTimeKey(kNewYear2026, kIdA, 10, "a"));
}

TEST(StorageKeysTest, MetaSigningKeyAndLayoutKeys) {
  EXPECT_EQ(MetaSigningKeyKey("630dcd2966c43366"), "signing_key/630dcd2966c43366");
  EXPECT_EQ(kMetaSigningKeyPrefix, "signing_key/");
  EXPECT_EQ(kMetaLayoutVersion, "layout_version");
  EXPECT_EQ(kLayoutVersion, 2u);
}

TEST(StorageKeysTest, MalformedNewKeysAreDataLoss) {
  const auto data_loss = [](const std::string& problem) {
    return StatusIs(absl::StatusCode::kDataLoss, HasSubstr(problem));
  };
  const std::string by_update = ByUpdateKey(kNewYear2026, kIdA);
  EXPECT_THAT(DecodeByUpdateKey(by_update.substr(1)), data_loss("take 39 bytes, not 40"));
  EXPECT_THAT(DecodeByUpdateKey(ByUpdateKey(kNewYear2026, "0123456789abcdef0123456789abcdeZ")),
              data_loss("not 32 lowercase hex"));
  EXPECT_THAT(DecodeBySourceUpdateKey("\x00"s), data_loss("shorter than its length prefix"));
  EXPECT_THAT(DecodeBySourceUpdateKey("\x00\x09wire"s), data_loss("length 9 exceeds"));
  EXPECT_THAT(DecodeBySourceUpdateKey("\x00\x04wire"s + by_update + "0"),
              data_loss("take 41 bytes, not 40"));
  const std::string schedule = ScheduleKey(kNewYear2026, kIdA, kScheduleExpire);
  EXPECT_THAT(DecodeScheduleKey(schedule.substr(0, 40)), data_loss("40 bytes, not 41"));
  EXPECT_THAT(DecodeScheduleKey(ScheduleKey(kNewYear2026, kIdA, 3)), data_loss("unknown task 3"));
  EXPECT_THAT(DecodeScheduleKey(ScheduleKey(kNewYear2026, kIdA, 0)), data_loss("unknown task 0"));
  EXPECT_THAT(DecodeScheduleKey(
                  ScheduleKey(kNewYear2026, "0123456789ABCDEF0123456789abcdef", kScheduleExpire)),
              data_loss("not 32 lowercase hex"));
  EXPECT_THAT(DecodeRequestTimeKey("\x80\x06\x47\x48\x46\x20\x40\x00"s),
              data_loss("8 bytes leave no room for a request id"));
}

}  // namespace
}  // namespace syndicate::storage
