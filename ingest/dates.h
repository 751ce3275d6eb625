// Reads the dates feeds carry: RFC 822 / RFC 5322 dates (RSS 2.0 pubDate), RFC 3339 and
// ISO 8601 date-times (Atom 1.0, ninjs, schema.org), and the sloppy forms publishers
// write of both. Internal to ingest/.
#ifndef SYNDICATE_INGEST_DATES_H_
#define SYNDICATE_INGEST_DATES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace syndicate::ingest::internal {

struct ParsedDate {
  absl::Time time;
  // True when the text named no zone or offset and `default_zone` was applied.
  bool zone_assumed = false;
};

// Parses `text`, or returns nullopt when it is not a date this reads. Accepted:
//  - RFC 5322 §3.3: "[Day,] DD Mon YYYY HH:MM[:SS] ZONE"; the day name is ignored. ZONE is
//    an offset "+0200" / "-05:00", or a name: UT, GMT, Z, and the North American EST, EDT,
//    CST, CDT, MST, MDT, PST, PDT (§4.3). A two-digit year is 19YY when YY >= 50, else
//    20YY (§4.3); a three-digit year adds 1900.
//  - RFC 3339 / ISO 8601: "YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH:MM|±HHMM|±HH]";
//    a date alone is midnight.
// Without a zone or offset the wall time is read in `default_zone` and zone_assumed is set.
// Thread-safe.
std::optional<ParsedDate> ParseDate(absl::string_view text, absl::TimeZone default_zone);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_DATES_H_
