// The /metrics endpoint: a small HTTP/1.1 server (cpp-httplib) on its own port and
// thread, serving Metrics::Render() as Prometheus text. Plaintext and unauthenticated:
// it tells counts and sizes, never keys or stories; bind it where only the scraper
// reaches (Kubernetes: a NetworkPolicy admits the port).
#ifndef SYNDICATE_SERVER_METRICS_HTTP_H_
#define SYNDICATE_SERVER_METRICS_HTTP_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/metrics.h"

namespace httplib {
class Server;
}

namespace syndicate::server {

class MetricsHttpServer {
 public:
  // Serves GET /metrics on `listen_address` (HOST:PORT; port 0 picks a free port) from a
  // thread of its own. `metrics` is not owned and must outlive the server.
  // INVALID_ARGUMENT (naming "metrics_listen") when the address is not HOST:PORT;
  // UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& listen_address,
                                                                  const Metrics* metrics);

  // Stops serving and joins the thread.
  ~MetricsHttpServer();

  // The bound address as HOST:PORT.
  const std::string& address() const { return address_; }

 private:
  MetricsHttpServer() = default;

  std::unique_ptr<httplib::Server> http_;
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
  std::string address_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_METRICS_HTTP_H_
