// Prints a usage report (PublishingService.GetUsageReport) for people or for spreadsheets.
#ifndef SYNDICATE_CLIENT_USAGE_REPORT_H_
#define SYNDICATE_CLIENT_USAGE_REPORT_H_

#include <ostream>
#include <vector>

#include "syndication/v1/publishing_service.pb.h"

namespace syndicate::client {

// "get", "batch_get", "list", "list_versions", "stream" or "unspecified".
const char* ChannelName(syndication::v1::DeliveryChannel channel);

// One row per delivery under a header, columns aligned:
//   DELIVERED_AT (RFC 3339, UTC, whole seconds)  PARTNER  SOURCE  ARTICLE  VERSION  CHANNEL
// then a blank line and one line per partner, in partner id order:
//   "PARTNER: N stories, M versions"
// and "No deliveries." alone when there are none.
void WriteUsageTable(
    const google::protobuf::RepeatedPtrField<syndication::v1::Delivery>& deliveries,
    std::ostream& out);

// RFC 4180 CSV: the header line
//   delivered_at,partner_id,source_id,article_id,version,channel
// then one line per delivery, CRLF line ends, delivered_at in RFC 3339 with microseconds.
// Fields holding a comma, quote or line break are quoted (ids never do).
void WriteUsageCsv(const google::protobuf::RepeatedPtrField<syndication::v1::Delivery>& deliveries,
                   std::ostream& out);

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_USAGE_REPORT_H_
