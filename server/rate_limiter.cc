#include "server/rate_limiter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/error_info.h"

namespace syndicate::server {

RateLimiter::RateLimiter(RateLimit limit, Clock clock)
    : rate_(limit.requests_per_second),
      burst_(limit.burst > 0 ? limit.burst : std::max(1.0, limit.requests_per_second)),
      clock_(std::move(clock)) {}

absl::Status RateLimiter::Take(absl::string_view partner_id) {
  if (rate_ <= 0) return absl::OkStatus();
  const absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(partner_id, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.last));
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.last = std::max(bucket.last, now);
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const absl::Duration wait = absl::Seconds((1 - bucket.tokens) / rate_);
  return WithRetryInfo(absl::ResourceExhaustedError(absl::StrCat(
                           "partner \"", partner_id, "\" is over its limit of ", rate_,
                           " requests per second; retry after ", absl::FormatDuration(wait))),
                       wait);
}

}  // namespace syndicate::server
