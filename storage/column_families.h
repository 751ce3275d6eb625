// The store's column families, declared once: everything that opens the database or
// picks a family by name goes through this table, and the options of each (FamilyOptions
// in store.cc) come from its row.
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
  // Read by key (Get, MultiGet), not only scanned: its SST files carry a Bloom filter, so
  // that a read skips the files that do not hold its key instead of reading a block of
  // each (a story's Get would otherwise read one block per LSM level).
  bool point_reads;
};

// In enum order, so kColumnFamilies[static_cast<size_t>(id)].id == id.
// A family added later is created when an existing store is opened (RocksDB's
// create_missing_column_families); Store::Open fills it from the articles when it derives
// from them (see kMetaLayoutVersion in keys.h).
inline constexpr std::array<ColumnFamilySpec, 17> kColumnFamilies = {{
    {ColumnFamily::kSources, "sources", true},
    {ColumnFamily::kArticles, "articles", true},
    {ColumnFamily::kVersions, "versions", true},
    {ColumnFamily::kFeed, "feed", false},
    {ColumnFamily::kBySourceTime, "by_source_time", false},
    {ColumnFamily::kByTime, "by_time", false},
    {ColumnFamily::kByExternalId, "by_external_id", true},
    {ColumnFamily::kPartners, "partners", true},
    {ColumnFamily::kKeys, "keys", true},
    {ColumnFamily::kMeta, "meta", true},
    {ColumnFamily::kByUpdate, "by_update", false},
    {ColumnFamily::kBySourceUpdate, "by_source_update", false},
    {ColumnFamily::kSchedule, "schedule", false},
    {ColumnFamily::kRequests, "requests", true},
    {ColumnFamily::kRequestsByTime, "requests_by_time", false},
    {ColumnFamily::kUsage, "usage", true},
    {ColumnFamily::kUsageByTime, "usage_by_time", false},
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
