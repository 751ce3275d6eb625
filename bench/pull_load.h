// The GetArticle load of the pull and jetstream scenarios: GetArticle calls over a few
// connections with gRPC's generic callback API, requests and responses kept as bytes (the
// load generator neither serializes nor parses an article), each checked to be OK with the
// story's bytes; and the closed loop that keeps N calls outstanding.
#ifndef SYNDICATE_BENCH_PULL_LOAD_H_
#define SYNDICATE_BENCH_PULL_LOAD_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syndicate::bench {

inline constexpr char kGetArticleMethod[] = "/syndication.v1.SyndicationService/GetArticle";

// How calls ended, checked the same way for every server: OK, with the story's bytes.
struct CallCheck {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;

  // Counts one call: OK when `status` is OK and `response` holds `expected` bytes.
  void Record(const grpc::Status& status, const grpc::ByteBuffer& response, size_t expected);
  void Add(const CallCheck& other);
};

// Counts the calls still running and lets one thread wait until there are none.
class InFlight {
 public:
  void Add(int64_t calls);
  void Done();
  // True when every call completed before `deadline`.
  bool WaitUntilIdle(absl::Time deadline);

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int64_t running_ ABSL_GUARDED_BY(mu_) = 0;
};

// GetArticle calls to one server over a few connections, with the callback API.
class PullClient {
 public:
  // `channels` connections (distinct channel arguments keep gRPC from sharing one), each
  // connected within 10 s (UNAVAILABLE otherwise).
  static absl::StatusOr<std::unique_ptr<PullClient>> Connect(const std::string& address,
                                                             int channels);

  // Starts GetArticle on the `index`-th connection (round-robin), with a 10 s deadline;
  // `done` runs with the status on a gRPC thread. `context`, `request` and `response` must
  // live until then.
  void Get(int index, grpc::ClientContext* context, const grpc::ByteBuffer* request,
           grpc::ByteBuffer* response, std::function<void(grpc::Status)> done);

 private:
  PullClient() = default;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
};

// The serialized GetArticleRequest for the latest version of `id`.
grpc::ByteBuffer GetRequestBytes(const std::string& id);

// GetArticle of `id` on `channel`, waited for (10 s deadline): the response's bytes (the
// serialized Article). The call's status, as CallFailed("GetArticle", …), when it fails.
absl::StatusOr<std::string> GetArticleBytes(const std::shared_ptr<grpc::Channel>& channel,
                                            const std::string& id);

// What a closed loop of GetArticle calls measured.
struct GetLoad {
  CallCheck calls;
  std::vector<int64_t> latencies_ns;  // of the OK calls
  double wall_seconds = 0;            // from the first send to the last completion

  double RequestsPerSecond() const;
};

// `concurrency` outstanding GetArticle calls of `id` for `duration`: a new call as soon as
// one completes; call chain i goes to clients[i % clients.size()] (so N is split evenly
// across servers), over that client's connections in turn. Each response must be OK with
// `expected_bytes` bytes; a chain stops at its first failure. DEADLINE_EXCEEDED when the
// calls did not complete within `duration` + 30 s. `clients` must not be empty.
absl::StatusOr<GetLoad> RunGetClosedLoop(const std::vector<PullClient*>& clients,
                                         const std::string& id, size_t expected_bytes,
                                         int concurrency, absl::Duration duration);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_PULL_LOAD_H_
