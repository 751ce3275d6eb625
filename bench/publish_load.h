// The publishing load of the publish and jetstream scenarios: N publishers in a closed loop,
// each sending its next PublishArticle (a new story every call) as soon as the previous one
// was acknowledged, with gRPC's callback API.
#ifndef SYNDICATE_BENCH_PUBLISH_LOAD_H_
#define SYNDICATE_BENCH_PUBLISH_LOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"

namespace syndicate::bench {

// What a closed loop of publishers (or writers of a baseline) measured.
struct PublishLoad {
  int64_t ok = 0;  // calls acknowledged as OUTCOME_CREATED
  int64_t failed = 0;
  std::string first_error;
  std::vector<int64_t> latencies_ns;  // of the OK calls, whole RPC
  double wall_seconds = 0;            // from the first send to the last completion

  void Fail(std::string error);
  double WritesPerSecond() const;
};

// Runs `publishers` publishers for `duration`, publisher i on stubs[i % stubs.size()], each
// publishing `story` under a new external_id (`id_prefix` + publisher + "-" + call number,
// so a prefix must not repeat within a server's lifetime). A publisher stops at its first
// failure (an error status, or an outcome other than CREATED), which is counted and kept in
// first_error; every call has a 10 s deadline. DEADLINE_EXCEEDED when the calls did not
// complete within `duration` + 30 s (the publishers are then leaked: gRPC still holds them).
// `stubs` must not be empty.
absl::StatusOr<PublishLoad> RunPublishers(
    const std::vector<syndication::v1::PublishingService::Stub*>& stubs, int publishers,
    const syndication::v1::Article& story, const std::string& id_prefix, absl::Duration duration);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_PUBLISH_LOAD_H_
