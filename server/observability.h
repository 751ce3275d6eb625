// Watches every call the API port serves, from outside the handlers: a gRPC server
// interceptor that counts calls, statuses and latencies into Metrics, counts published
// stories by outcome and stream events by partner, and writes one JSON access-log line
// per call (server/json_log.h) with the method, the caller's role and partner or publisher
// sources, the status code, the latency and a request id. Never a key, a request or a
// response body: the caller comes from the Principal the Authenticator resolved, and the
// only bytes of a message it looks at are the first two of PublishArticle's and
// StreamArticles' responses (which kind of message, which outcome).
#ifndef SYNDICATE_SERVER_OBSERVABILITY_H_
#define SYNDICATE_SERVER_OBSERVABILITY_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "server/authz.h"
#include "server/metrics.h"

namespace syndicate::server {

// The metadata key of a call's request id: taken from the request when it holds a sane
// one (1-64 of A-Z a-z 0-9 . _ -), else made (16 hex digits); sent back in the response's
// initial metadata and logged, so a client's report can be matched to the log line.
inline constexpr char kRequestIdMetadata[] = "x-request-id";

// Which calls get an access-log line.
enum class AccessLog {
  kOff,
  // Calls that did not end OK only: what an operator must see, at a cost that does not grow
  // with successful traffic (the metrics still count every call).
  kErrors,
  // Every call.
  kAll,
};

// Thread-safe. Must outlive the grpc::Server whose interceptor it made.
class CallObserver {
 public:
  // `metrics` (not owned, may be null: no counting) must outlive this; `access_log` says
  // which calls get a log line.
  CallObserver(Metrics* metrics, AccessLog access_log)
      : metrics_(metrics), access_log_(access_log) {}

  // Notes who makes the call of `context` (Authenticator calls this).
  void Authenticated(const grpc::ServerContextBase* context, const Principal& caller);

  // For ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeInterceptorFactory();

 private:
  friend class ObservingInterceptor;

  // What the log says of a caller: its role, and the partner or the publisher's sources.
  struct CallerSummary {
    std::string role;
    std::string partner_id;
    std::string source_ids;  // sorted, comma-separated
  };

  // Removes and returns what Authenticated noted for `context`.
  std::optional<CallerSummary> TakeCaller(const grpc::ServerContextBase* context);

  Metrics* const metrics_;
  const AccessLog access_log_;
  std::mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, CallerSummary> callers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_OBSERVABILITY_H_
