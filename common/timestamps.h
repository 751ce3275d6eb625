// Conversions between google.protobuf.Timestamp and absl::Time, exact to the nanosecond.
#ifndef SYNDICATE_COMMON_TIMESTAMPS_H_
#define SYNDICATE_COMMON_TIMESTAMPS_H_

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace syndicate {

inline absl::Time ToAbslTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  // ToUnixSeconds rounds toward the past, so the remainder is in [0, 1 s) as
  // Timestamp.nanos requires.
  const int64_t seconds = absl::ToUnixSeconds(time);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

}  // namespace syndicate

#endif  // SYNDICATE_COMMON_TIMESTAMPS_H_
