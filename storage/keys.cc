#include "storage/keys.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/absl_compat.h"

namespace syndicate::storage {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr size_t kUint64Bytes = 8;
constexpr size_t kUint16Bytes = 2;

uint64_t LoadUint64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kUint64Bytes; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

absl::Status Malformed(std::string_view what, std::string_view key, std::string_view problem) {
  return absl::DataLossError(absl::StrCat("malformed ", AbslView(what), " key \"",
                                          absl::CHexEscape(AbslView(key)),
                                          "\": ", AbslView(problem)));
}

// Splits the u16be-length-prefixed source id off the front of `key`.
absl::StatusOr<std::string_view> ConsumeSourceId(std::string_view what, std::string_view* key) {
  if (key->size() < kUint16Bytes) {
    return Malformed(what, *key, "shorter than its length prefix");
  }
  const size_t length =
      (size_t{static_cast<uint8_t>((*key)[0])} << 8) | static_cast<uint8_t>((*key)[1]);
  if (key->size() - kUint16Bytes < length) {
    return Malformed(what, *key, absl::StrCat("source id length ", length, " exceeds the key"));
  }
  std::string_view source_id = key->substr(kUint16Bytes, length);
  key->remove_prefix(kUint16Bytes + length);
  return source_id;
}

// Parses u64be(~time) + article_id, which must be all of `suffix`.
absl::Status ParseListSuffix(std::string_view what, std::string_view key, std::string_view suffix,
                             ListKeyParts* parts) {
  if (suffix.size() != kUint64Bytes + kArticleIdLength) {
    return Malformed(what, key,
                     absl::StrCat("list time and article id take ", suffix.size(), " bytes, not ",
                                  kUint64Bytes + kArticleIdLength));
  }
  std::string_view article_id = suffix.substr(kUint64Bytes);
  if (!IsArticleId(article_id)) {
    return Malformed(what, key, "article id is not 32 lowercase hex digits");
  }
  parts->list_time = DecodeListTime(LoadUint64(suffix));
  parts->article_id = std::string(article_id);
  return absl::OkStatus();
}

// Parses u64be(+time) + article_id, which must be all of `suffix`.
absl::Status ParseUpdateSuffix(std::string_view what, std::string_view key, std::string_view suffix,
                               UpdateKeyParts* parts) {
  if (suffix.size() != kUint64Bytes + kArticleIdLength) {
    return Malformed(what, key,
                     absl::StrCat("version time and article id take ", suffix.size(),
                                  " bytes, not ", kUint64Bytes + kArticleIdLength));
  }
  std::string_view article_id = suffix.substr(kUint64Bytes);
  if (!IsArticleId(article_id)) {
    return Malformed(what, key, "article id is not 32 lowercase hex digits");
  }
  parts->version_created = DecodeAscendingTime(LoadUint64(suffix));
  parts->article_id = std::string(article_id);
  return absl::OkStatus();
}

}  // namespace

bool IsArticleId(std::string_view id) {
  return id.size() == kArticleIdLength && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void AppendUint16(std::string* out, uint16_t value) {
  out->push_back(static_cast<char>(value >> 8));
  out->push_back(static_cast<char>(value & 0xff));
}

void AppendUint64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::string EncodeUint64(uint64_t value) {
  std::string out;
  AppendUint64(&out, value);
  return out;
}

absl::StatusOr<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != kUint64Bytes) {
    return absl::DataLossError(
        absl::StrCat("expected an 8-byte integer, got ", bytes.size(), " bytes"));
  }
  return LoadUint64(bytes);
}

uint64_t EncodeListTime(absl::Time list_time) {
  // ToUnixMicros rounds toward the past and saturates at the int64 range.
  const int64_t micros = absl::ToUnixMicros(list_time);
  return ~(static_cast<uint64_t>(micros) ^ kSignBit);
}

absl::Time DecodeListTime(uint64_t encoded) {
  return absl::FromUnixMicros(static_cast<int64_t>(~encoded ^ kSignBit));
}

uint64_t EncodeAscendingTime(absl::Time time) {
  // ToUnixMicros rounds toward the past and saturates at the int64 range.
  return static_cast<uint64_t>(absl::ToUnixMicros(time)) ^ kSignBit;
}

uint64_t EncodeAscendingTimeRoundedUp(absl::Time time) {
  int64_t micros = absl::ToUnixMicros(time);
  if (absl::FromUnixMicros(micros) < time && micros != std::numeric_limits<int64_t>::max()) {
    ++micros;
  }
  return static_cast<uint64_t>(micros) ^ kSignBit;
}

absl::Time DecodeAscendingTime(uint64_t encoded) {
  return absl::FromUnixMicros(static_cast<int64_t>(encoded ^ kSignBit));
}

std::string VersionKey(std::string_view article_id, uint64_t version) {
  std::string key(article_id);
  AppendUint64(&key, version);
  return key;
}

absl::StatusOr<VersionKeyParts> DecodeVersionKey(std::string_view key) {
  if (key.size() != kArticleIdLength + kUint64Bytes) {
    return Malformed("versions", key,
                     absl::StrCat(key.size(), " bytes, not ", kArticleIdLength + kUint64Bytes));
  }
  std::string_view article_id = key.substr(0, kArticleIdLength);
  if (!IsArticleId(article_id)) {
    return Malformed("versions", key, "article id is not 32 lowercase hex digits");
  }
  return VersionKeyParts{std::string(article_id), LoadUint64(key.substr(kArticleIdLength))};
}

std::string FeedKey(uint64_t sequence) { return EncodeUint64(sequence); }

absl::StatusOr<uint64_t> DecodeFeedKey(std::string_view key) {
  if (key.size() != kUint64Bytes) {
    return Malformed("feed", key, absl::StrCat(key.size(), " bytes, not 8"));
  }
  return LoadUint64(key);
}

std::string SourcePrefix(std::string_view source_id) {
  std::string prefix;
  prefix.reserve(kUint16Bytes + source_id.size());
  AppendUint16(&prefix, static_cast<uint16_t>(source_id.size()));
  prefix.append(source_id);
  return prefix;
}

std::string ListSuffix(absl::Time list_time, std::string_view article_id) {
  std::string suffix;
  suffix.reserve(kUint64Bytes + article_id.size());
  AppendUint64(&suffix, EncodeListTime(list_time));
  suffix.append(article_id);
  return suffix;
}

std::string BySourceTimeKey(std::string_view source_id, absl::Time list_time,
                            std::string_view article_id) {
  std::string key = SourcePrefix(source_id);
  key.append(ListSuffix(list_time, article_id));
  return key;
}

std::string ByTimeKey(absl::Time list_time, std::string_view article_id) {
  return ListSuffix(list_time, article_id);
}

absl::StatusOr<ListKeyParts> DecodeBySourceTimeKey(std::string_view key) {
  constexpr std::string_view kWhat = "by_source_time";
  std::string_view rest = key;
  SYNDICATE_ASSIGN_OR_RETURN(std::string_view source_id, ConsumeSourceId(kWhat, &rest));
  ListKeyParts parts;
  parts.source_id = std::string(source_id);
  SYNDICATE_RETURN_IF_ERROR(ParseListSuffix(kWhat, key, rest, &parts));
  return parts;
}

absl::StatusOr<ListKeyParts> DecodeByTimeKey(std::string_view key) {
  ListKeyParts parts;
  SYNDICATE_RETURN_IF_ERROR(ParseListSuffix("by_time", key, key, &parts));
  return parts;
}

std::string UpdateSuffix(absl::Time version_created, std::string_view article_id) {
  std::string suffix;
  suffix.reserve(kUint64Bytes + article_id.size());
  AppendUint64(&suffix, EncodeAscendingTime(version_created));
  suffix.append(article_id);
  return suffix;
}

std::string ByUpdateKey(absl::Time version_created, std::string_view article_id) {
  return UpdateSuffix(version_created, article_id);
}

std::string BySourceUpdateKey(std::string_view source_id, absl::Time version_created,
                              std::string_view article_id) {
  std::string key = SourcePrefix(source_id);
  key.append(UpdateSuffix(version_created, article_id));
  return key;
}

absl::StatusOr<UpdateKeyParts> DecodeByUpdateKey(std::string_view key) {
  UpdateKeyParts parts;
  SYNDICATE_RETURN_IF_ERROR(ParseUpdateSuffix("by_update", key, key, &parts));
  return parts;
}

absl::StatusOr<UpdateKeyParts> DecodeBySourceUpdateKey(std::string_view key) {
  constexpr std::string_view kWhat = "by_source_update";
  std::string_view rest = key;
  SYNDICATE_ASSIGN_OR_RETURN(std::string_view source_id, ConsumeSourceId(kWhat, &rest));
  UpdateKeyParts parts;
  parts.source_id = std::string(source_id);
  SYNDICATE_RETURN_IF_ERROR(ParseUpdateSuffix(kWhat, key, rest, &parts));
  return parts;
}

std::string ScheduleKey(absl::Time due, std::string_view article_id, uint8_t task) {
  std::string key;
  key.reserve(kUint64Bytes + article_id.size() + 1);
  AppendUint64(&key, EncodeAscendingTimeRoundedUp(due));
  key.append(article_id);
  key.push_back(static_cast<char>(task));
  return key;
}

absl::StatusOr<ScheduleKeyParts> DecodeScheduleKey(std::string_view key) {
  constexpr std::string_view kWhat = "schedule";
  if (key.size() != kUint64Bytes + kArticleIdLength + 1) {
    return Malformed(kWhat, key,
                     absl::StrCat(key.size(), " bytes, not ", kUint64Bytes + kArticleIdLength + 1));
  }
  std::string_view article_id = key.substr(kUint64Bytes, kArticleIdLength);
  if (!IsArticleId(article_id)) {
    return Malformed(kWhat, key, "article id is not 32 lowercase hex digits");
  }
  const auto task = static_cast<uint8_t>(key.back());
  if (task != kScheduleLiftEmbargo && task != kScheduleExpire) {
    return Malformed(kWhat, key, absl::StrCat("unknown task ", task));
  }
  return ScheduleKeyParts{DecodeAscendingTime(LoadUint64(key)), std::string(article_id), task};
}

std::string RequestKey(std::string_view request_id) { return std::string(request_id); }

std::string PartnerKey(std::string_view partner_id) { return std::string(partner_id); }

std::string ApiKeyKey(std::string_view key_id) { return std::string(key_id); }

std::string RequestTimeKey(absl::Time time, std::string_view request_id) {
  std::string key;
  key.reserve(kUint64Bytes + request_id.size());
  AppendUint64(&key, EncodeAscendingTime(time));
  key.append(request_id);
  return key;
}

absl::StatusOr<RequestTimeKeyParts> DecodeRequestTimeKey(std::string_view key) {
  if (key.size() <= kUint64Bytes) {
    return Malformed("requests_by_time", key,
                     absl::StrCat(key.size(), " bytes leave no room for a request id"));
  }
  return RequestTimeKeyParts{DecodeAscendingTime(LoadUint64(key)),
                             std::string(key.substr(kUint64Bytes))};
}

std::string UsageKey(std::string_view article_id, uint64_t version, std::string_view partner_id) {
  std::string key;
  key.reserve(article_id.size() + kUint64Bytes + partner_id.size());
  key.append(article_id);
  AppendUint64(&key, version);
  key.append(partner_id);
  return key;
}

std::string UsageArticlePrefix(std::string_view article_id) { return std::string(article_id); }

std::string UsageTimeKey(absl::Time delivered_at, std::string_view article_id, uint64_t version,
                         std::string_view partner_id) {
  std::string key;
  AppendUint64(&key, EncodeAscendingTime(delivered_at));
  key.append(UsageKey(article_id, version, partner_id));
  return key;
}

std::string ByExternalIdKey(std::string_view source_id, std::string_view external_id) {
  std::string key = SourcePrefix(source_id);
  key.append(external_id);
  return key;
}

std::string MetaSecretKey(std::string_view name) {
  std::string key = "secret/";
  key.append(name);
  return key;
}

std::string MetaRetiredPartnerKey(std::string_view partner_id) {
  std::string key = "retired_partner/";
  key.append(partner_id);
  return key;
}

std::string MetaSigningKeyKey(std::string_view key_id) {
  std::string key(kMetaSigningKeyPrefix);
  key.append(key_id);
  return key;
}

std::string MetaFeedStatePrefix(std::string_view source_id) {
  std::string key = "feed_state/";
  AppendUint16(&key, static_cast<uint16_t>(source_id.size()));
  key.append(source_id);
  return key;
}

std::string MetaFeedStateKey(std::string_view source_id, std::string_view url) {
  std::string key = MetaFeedStatePrefix(source_id);
  key.append(url);
  return key;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty()) {
    const auto last = static_cast<unsigned char>(successor.back());
    if (last != std::numeric_limits<unsigned char>::max()) {
      successor.back() = static_cast<char>(last + 1);
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

}  // namespace syndicate::storage
