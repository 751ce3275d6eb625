// The store's column families, declared once: everything that opens the database or
// picks a family by name goes through this table. Every family uses RocksDB's default
// options for now; per-family options belong in this table when one needs them.
// Internal to storage/.
#ifndef SYNDICATE_STORAGE_COLUMN_FAMILIES_H_
#define SYNDICATE_STORAGE_COLUMN_FAMILIES_H_

#include <array>
#include <cstddef>
#include <string_view>

namespace syndicate::storage {

// Indexes kColumnFamilies; the key layout of each is in keys.h.
enum class ColumnFamily : size_t {
  kSources,
  kArticles,
  kVersions,
  kFeed,
  kBySourceTime,
  kByTime,
  kByExternalId,
  kPartners,
  kKeys,
  kMeta,
  kByUpdate,
  kBySourceUpdate,
  kSchedule,
  kRequests,
  kRequestsByTime,
  kUsage,
  kUsageByTime,
};

struct ColumnFamilySpec {
  ColumnFamily id;
  std::string_view name;
};

// In enum order, so kColumnFamilies[static_cast<size_t>(id)].id == id.
// A family added later is created when an existing store is opened (RocksDB's
// create_missing_column_families); Store::Open fills it from the articles when it derives
// from them (see kMetaLayoutVersion in keys.h).
inline constexpr std::array<ColumnFamilySpec, 17> kColumnFamilies = {{
    {ColumnFamily::kSources, "sources"},
    {ColumnFamily::kArticles, "articles"},
    {ColumnFamily::kVersions, "versions"},
    {ColumnFamily::kFeed, "feed"},
    {ColumnFamily::kBySourceTime, "by_source_time"},
    {ColumnFamily::kByTime, "by_time"},
    {ColumnFamily::kByExternalId, "by_external_id"},
    {ColumnFamily::kPartners, "partners"},
    {ColumnFamily::kKeys, "keys"},
    {ColumnFamily::kMeta, "meta"},
    {ColumnFamily::kByUpdate, "by_update"},
    {ColumnFamily::kBySourceUpdate, "by_source_update"},
    {ColumnFamily::kSchedule, "schedule"},
    {ColumnFamily::kRequests, "requests"},
    {ColumnFamily::kRequestsByTime, "requests_by_time"},
    {ColumnFamily::kUsage, "usage"},
    {ColumnFamily::kUsageByTime, "usage_by_time"},
}};

static_assert(
    [] {
      for (size_t i = 0; i < kColumnFamilies.size(); ++i) {
        if (static_cast<size_t>(kColumnFamilies[i].id) != i) return false;
      }
      return true;
    }(),
    "kColumnFamilies must list the families in enum order");

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_COLUMN_FAMILIES_H_
