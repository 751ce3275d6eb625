#include "client/usage_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace syndicate::client {
namespace {

std::string FormatTime(const google::protobuf::Timestamp& time, const char* format) {
  return absl::FormatTime(format,
                          absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos()),
                          absl::UTCTimeZone());
}

std::vector<std::string> Row(const syndication::v1::Delivery& delivery, const char* time_format) {
  return {FormatTime(delivery.delivered_at(), time_format),
          delivery.partner_id(),
          delivery.source_id(),
          delivery.article_id(),
          absl::StrCat(delivery.version()),
          ChannelName(delivery.channel())};
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

const char* ChannelName(syndication::v1::DeliveryChannel channel) {
  switch (channel) {
    case syndication::v1::DELIVERY_CHANNEL_GET:
      return "get";
    case syndication::v1::DELIVERY_CHANNEL_BATCH_GET:
      return "batch_get";
    case syndication::v1::DELIVERY_CHANNEL_LIST:
      return "list";
    case syndication::v1::DELIVERY_CHANNEL_LIST_VERSIONS:
      return "list_versions";
    case syndication::v1::DELIVERY_CHANNEL_STREAM:
      return "stream";
    default:
      return "unspecified";
  }
}

void WriteUsageTable(
    const google::protobuf::RepeatedPtrField<syndication::v1::Delivery>& deliveries,
    std::ostream& out) {
  if (deliveries.empty()) {
    out << "No deliveries.\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"DELIVERED_AT", "PARTNER", "SOURCE", "ARTICLE", "VERSION", "CHANNEL"}};
  // Per partner: the stories, and the (story, version) pairs, it took.
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> taken;
  for (const syndication::v1::Delivery& delivery : deliveries) {
    rows.push_back(Row(delivery, "%Y-%m-%dT%H:%M:%SZ"));
    auto& [stories, versions] = taken[delivery.partner_id()];
    stories.insert(delivery.article_id());
    versions.insert(absl::StrCat(delivery.article_id(), "/", delivery.version()));
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
  out << "\n";
  for (const auto& [partner, taken_by_partner] : taken) {
    const auto& [stories, versions] = taken_by_partner;
    out << partner << ": " << stories.size() << (stories.size() == 1 ? " story, " : " stories, ")
        << versions.size() << (versions.size() == 1 ? " version\n" : " versions\n");
  }
}

void WriteUsageCsv(const google::protobuf::RepeatedPtrField<syndication::v1::Delivery>& deliveries,
                   std::ostream& out) {
  out << "delivered_at,partner_id,source_id,article_id,version,channel\r\n";
  for (const syndication::v1::Delivery& delivery : deliveries) {
    std::vector<std::string> fields = Row(delivery, "%Y-%m-%dT%H:%M:%E6SZ");
    for (std::string& field : fields) field = CsvField(field);
    out << absl::StrJoin(fields, ",") << "\r\n";
  }
}

}  // namespace syndicate::client
