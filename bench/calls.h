// gRPC calls the benchmarks make while setting up a run, and how a failed one is reported.
#ifndef SYNDICATE_BENCH_CALLS_H_
#define SYNDICATE_BENCH_CALLS_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/story.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::bench {

// A plaintext channel to `address` ("127.0.0.1:PORT"). Channels of different `number`s
// get their own TCP connection (gRPC shares one between channels of equal arguments).
// Responses up to 64 MiB (a page of ListArticles holds 50 stories).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, int number);

// MakeChannel, connected within 10 s; UNAVAILABLE naming the address and number otherwise.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(const std::string& address,
                                                              int number);

// The canonical name of a gRPC status code, e.g. "RESOURCE_EXHAUSTED" (gRPC's codes are
// absl's).
std::string CodeName(grpc::StatusCode code);

// UNAVAILABLE "WHAT: CODE: message": a call the benchmark needed failed.
absl::Status CallFailed(std::string_view what, const grpc::Status& status);

// Creates or replaces `source` (BenchSource() by default) through `publisher`, with a 10 s
// deadline. CallFailed("UpsertSource", …) when the call fails.
absl::Status UpsertSource(syndication::v1::PublishingService::Stub* publisher,
                          const syndication::v1::Source& source = BenchSource());

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_CALLS_H_
