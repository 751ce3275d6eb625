#include "client/feed_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/timestamps.h"

namespace syndicate::client {
namespace {

std::string Time(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToAbslTime(time), absl::UTCTimeZone());
}

void Line(std::ostream& out, const char* label, const std::string& value) {
  out << "  " << label << std::string(18 - std::string(label).size(), ' ') << value << "\n";
}

}  // namespace

void WriteFeedStatuses(const syndication::v1::Source& source, std::ostream& out) {
  if (source.feed_urls().empty()) {
    out << "No feeds (or none shown to this key: partners do not see a source's feeds).\n";
    return;
  }
  for (const std::string& url : source.feed_urls()) {
    out << url << "\n";
    const syndication::v1::FeedStatus* status = nullptr;
    for (const auto& candidate : source.feed_statuses()) {
      if (candidate.url() == url) status = &candidate;
    }
    if (source.feed_statuses().empty()) {
      out << "  (the status is shown to the source's publishers and admins only)\n";
      continue;
    }
    if (status == nullptr || !status->has_last_attempt_time()) {
      out << "  (not polled yet)\n";
      continue;
    }
    Line(out, "last poll",
         status->last_http_status() != 0 ? absl::StrCat(Time(status->last_attempt_time()),
                                                        " (HTTP ", status->last_http_status(), ")")
                                         : Time(status->last_attempt_time()));
    Line(out, "last success",
         status->has_last_success_time() ? Time(status->last_success_time()) : "never");
    if (!status->last_error().empty()) {
      Line(out, "last error",
           absl::StrCat(Time(status->last_error_time()), ": ", status->last_error(), " (",
                        status->consecutive_failures(), " in a row)"));
    }
    if (status->has_next_poll_time()) Line(out, "next poll", Time(status->next_poll_time()));
    Line(out, "items seen",
         status->items_failed() == 0
             ? absl::StrCat(status->items_seen())
             : absl::StrCat(status->items_seen(), " (", status->items_failed(), " failed)"));
    Line(out, "stories",
         absl::StrCat(status->stories_created(), " created, ", status->stories_updated(),
                      " updated, ", status->stories_withdrawn(), " withdrawn"));
    if (!status->last_item_error().empty()) {
      Line(out, "last failed item", status->last_item_error());
    }
  }
}

}  // namespace syndicate::client
