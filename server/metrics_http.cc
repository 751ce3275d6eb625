#include "server/metrics_http.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/server.h"

namespace syndicate::server {

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen_address, const Metrics* metrics) {
  absl::StatusOr<std::pair<std::string, int>> host_port =
      SplitHostPort(listen_address, "metrics_listen");
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;
  http.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // SO_REUSEADDR only: with cpp-httplib's default SO_REUSEPORT, a second server on a port
  // in use would bind it too and answer half the scrapes (gRPC's ports are set the same way).
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A scraper that stalls must not hold a thread for long.
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  const std::string& host = host_port->first;
  int port = host_port->second;
  if (port == 0) {
    port = http.bind_to_any_port(host);
  } else if (!http.bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("metrics_listen: cannot serve on ", listen_address));
  }
  server->address_ = JoinHostPort(host, port);
  MetricsHttpServer* raw = server.get();
  server->thread_ = std::thread([raw] {
    raw->http_->listen_after_bind();
    raw->listen_returned_ = true;
  });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (!thread_.joinable()) return;
  // stop() does nothing until the listening loop runs; it starts at once after a bind.
  while (!http_->is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_->stop();
  thread_.join();
}

}  // namespace syndicate::server
