// Runs the gRPC server: PublishingService and SyndicationService over one
// SyndicationCore, AdminService over an AdminCore, API-key authentication, plus grpc.health.v1
// health checking and server reflection (so that grpcurl works without the protos).
#ifndef SYNDICATE_SERVER_SERVER_H_
#define SYNDICATE_SERVER_SERVER_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/feed_poller.h"
#include "server/metrics.h"
#include "server/observability.h"
#include "server/services.h"
#include "server/stream_service.h"
#include "server/syndication_core.h"
#include "server/timer_queue.h"

namespace syndicate::server {

struct ServerOptions {
  // HOST:PORT to listen on, e.g. "127.0.0.1:0" (port 0 picks a free port) or "[::1]:7000".
  std::string listen_address = "127.0.0.1:0";
  // Limits of StreamArticles.
  StreamOptions streams;
  // What the change feed keeps. Default: everything.
  storage::FeedRetention retention;
  // How often retention is applied. Default: 1 minute.
  absl::Duration retention_interval = absl::Minutes(1);
  // HTTP/2 keepalive pings to find dead peers of long-lived streams: sent after this long
  // without activity, and the connection dropped when one is not answered in time.
  // Default: 30 s and 10 s.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Authentication: with an AccessControl, every call must carry an API key
  // (`authorization: Bearer …`); nullptr (the default, for in-process callers and
  // --auth=none) makes every call the operator's (Principal::Operator()). Not owned; must
  // outlive the Server.
  AccessControl* access = nullptr;
  // AdminService is served when set. Not owned; must outlive the Server.
  AdminCore* admin = nullptr;
  // TLS: with a certificate chain and its key (PEM), the listening port serves TLS only;
  // with client_ca_pem too, every client must present a certificate that CA signed (mTLS).
  // Default: empty, plaintext.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
  // Per-partner request rate (with authentication on). Default: no limit.
  RateLimit partner_rate;
  // Counts every call into these Metrics when set. Not owned; must outlive the Server.
  // Default: nullptr, no counting.
  Metrics* metrics = nullptr;
  // One JSON log line per call (as access_log says), and one per step of Shutdown
  // (server/json_log.h). Default: off.
  bool json_log = false;
  // With json_log: which calls get an access-log line. Default: every call.
  AccessLog access_log = AccessLog::kAll;
  // Connections older than this get an HTTP/2 GOAWAY, so clients reconnect (through a
  // load balancer, to whichever replica it picks); calls on the old connection then have
  // max_connection_age_grace to end before it is closed. Default: infinite, never.
  absl::Duration max_connection_age = absl::InfiniteDuration();
  absl::Duration max_connection_age_grace = absl::Minutes(1);
  // HOST:PORT of a second, plaintext port that serves only grpc.health.v1 (for Kubernetes
  // probes when the main port needs TLS or client certificates). Its statuses are those of
  // the main port. Default: empty, none.
  std::string health_listen_address;
  // How often the usage recorder is flushed to the store. Default: 1 second.
  absl::Duration usage_flush_interval = absl::Seconds(1);
  // Poll every Source's feed_urls (server/feed_poller.h) with these limits. Default: off
  // (syndicated turns it on unless --poll-feeds=false).
  bool poll_feeds = false;
  FeedPollerOptions feed_polling;
  // Readiness beyond draining, e.g. "this replica's view has caught up with the log"
  // (syndicated --log=jetstream): when set, called every readiness_interval on a pool
  // thread, and the API's services report SERVING (grpc.health.v1) only while it returns
  // OK; a change either way is logged with its status. Default: none, SERVING from the
  // start until Shutdown.
  std::function<absl::Status()> readiness;
  absl::Duration readiness_interval = absl::Seconds(1);
  // The longest the embargo and expiry chore sleeps when no task of its own is due: a
  // replica learns of versions other replicas committed (whose tasks this process was never
  // told of) by looking this often. Default: infinite, woken by this process's own commits
  // only.
  absl::Duration task_poll_interval = absl::InfiniteDuration();
};

// Largest request read, in bytes; larger ones get gRPC's RESOURCE_EXHAUSTED. Eight times
// the largest article (kMaxArticleBytes), so that anything a publisher plausibly sends is
// answered by validation.
inline constexpr size_t kMaxRequestBytes = 8 * 1024 * 1024;

// Name under which health checking reports the partner API (grpc.health.v1).
inline constexpr char kSyndicationServiceName[] = "syndication.v1.SyndicationService";

class Server {
 public:
  // Starts serving on options.listen_address (and health_listen_address); `core` is not
  // owned and must outlive the Server. Returns UNAVAILABLE when an address cannot be bound,
  // INVALID_ARGUMENT naming the field ("listen", "health_listen") when one is not HOST:PORT.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       SyndicationCore* core);

  // Shuts down (with a 5 s grace) unless Shutdown was called.
  ~Server();

  // The bound address as HOST:PORT, with the port chosen when the request asked for 0.
  const std::string& address() const { return address_; }
  // As address(), of the health port; empty without health_listen_address.
  const std::string& health_address() const { return health_address_; }

  // Drains: marks the named services NOT_SERVING (readiness) while "" stays SERVING
  // (liveness), refuses new streams and ends every open one with UNAVAILABLE and its resume
  // cursor, stops accepting calls, lets unary calls in flight finish for up to `grace`,
  // then cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);

  // Streams open now.
  size_t open_streams() const { return streams_.open_streams(); }

 private:
  Server(SyndicationCore* core, const ServerOptions& options);

  // Applies retention, then schedules the next run.
  void RetentionChore();

  // Runs one step of Shutdown and, with json_log, logs that it is done.
  void DrainStep(absl::string_view step, const std::function<void()>& run);
  // Sets the health status of `service` on the main port and the health port.
  void SetServing(const std::string& service, bool serving);
  // Sets every API service's status: SERVING when `serving` and not shut down.
  void SetApiServing(bool serving);

  // Asks ServerOptions::readiness, sets the API's health from its answer, and schedules
  // the next run.
  void ReadinessChore();

  // Writes the deliveries the usage recorder queued, then schedules the next run.
  void UsageChore();

  // Lifts the embargoes and applies the expiries due now, then schedules itself for the
  // next one. Also scheduled for each time the core reports (SetScheduleListener).
  void TasksChore();

  SyndicationCore* const core_;
  const ServerOptions options_;
  // Declared before everything that submits work or timers to them, so that they are
  // destroyed after it.
  WorkPool pool_;
  TimerQueue timers_;
  RateLimiter limiter_;
  std::unique_ptr<CallObserver> observer_;  // set when metrics or json_log; before auth_
  Authenticator auth_;
  StreamService streams_;
  PublishingHandler publishing_;
  SyndicationHandler syndication_;
  std::unique_ptr<AdminHandler> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  grpc::CallbackGenericService health_unimplemented_;
  std::unique_ptr<grpc::Server> health_server_;
  std::string health_address_;
  std::unique_ptr<FeedPoller> feed_poller_;  // with ServerOptions::poll_feeds
  std::atomic<bool> shut_down_{false};
  // Orders readiness changes with Shutdown's NOT_SERVING, so that a readiness check
  // finishing late does not report SERVING again.
  std::mutex serving_mu_;
  // The last readiness answer, unset before the first; with serving_mu_.
  std::optional<bool> ready_;
  // UsageRecorder::dropped() at the last warning; read and written by UsageChore only (one
  // run at a time).
  size_t usage_drops_reported_ = 0;
};

// Splits "HOST:PORT" (HOST may be a bracketed IPv6 literal). INVALID_ARGUMENT naming
// `field_path` when the shape is wrong or the port is not 0-65535.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address,
                                                          absl::string_view field_path);

// "HOST:PORT", bracketing HOST when it is an IPv6 literal.
std::string JoinHostPort(absl::string_view host, int port);

// True for "localhost" and the literal addresses 127.0.0.0/8 and ::1; false for every other
// name, since a name could resolve anywhere.
bool IsLoopbackHost(absl::string_view host);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SERVER_H_
