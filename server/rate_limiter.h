// The per-partner request rate limit: a token bucket per Partner.id. Each call and each
// stream start of a partner's keys takes one token; buckets refill continuously.
#ifndef SYNDICATE_SERVER_RATE_LIMITER_H_
#define SYNDICATE_SERVER_RATE_LIMITER_H_

#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace syndicate::server {

struct RateLimit {
  // Tokens added per second to each partner's bucket. Default: 0, no limit.
  double requests_per_second = 0;
  // The bucket's size: how many calls may come at once after a quiet spell. Default: 0,
  // meaning max(1, requests_per_second).
  double burst = 0;
};

// Thread-safe.
class RateLimiter {
 public:
  using Clock = std::function<absl::Time()>;

  explicit RateLimiter(RateLimit limit, Clock clock = absl::Now);

  // Takes a token from `partner_id`'s bucket (a full bucket the first time). OK when there
  // was one, and always when the limit is off; RESOURCE_EXHAUSTED otherwise, naming the
  // partner and the limit, with a google.rpc.RetryInfo whose retry_delay is when the next
  // token comes. A refused call takes nothing.
  absl::Status Take(absl::string_view partner_id);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };

  const double rate_;
  const double burst_;
  const Clock clock_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_RATE_LIMITER_H_
