#include "server/server.h"

#include <arpa/inet.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/json_log.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

// Removes every plugin (server reflection among them, which InitProtoReflectionServerBuilder-
// Plugin adds to every builder of the process) from a builder, so that the health port
// serves health checking and nothing else.
class WithoutPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

}  // namespace

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(absl::string_view address,
                                                          absl::string_view field_path) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": \"", address, "\" is not HOST:PORT with PORT in 0-65535"));
  };
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return bad();
  absl::string_view host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (absl::StrContains(host, ':')) {
    return bad();  // an IPv6 literal must be bracketed
  }
  int port = 0;
  const absl::string_view digits = address.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &port) || port > 65535) {
    return bad();
  }
  return std::make_pair(std::string(host), port);
}

std::string JoinHostPort(absl::string_view host, int port) {
  return absl::StrContains(host, ':') ? absl::StrCat("[", host, "]:", port)
                                      : absl::StrCat(host, ":", port);
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost") return true;
  // Literal addresses only: a name such as "127.example.org" could resolve anywhere.
  const std::string literal(host);
  in_addr v4{};
  if (inet_pton(AF_INET, literal.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, literal.c_str(), &v6) == 1 &&
         std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

// Store calls block on disk, so there are many more threads than cores: a durable commit
// waits for the WAL sync of its group (storage/store.h, "Group commit"), and a sync carries
// every commit waiting when it starts, so concurrent publishes share an fsync only as far
// as there are threads to wait in. 64 lets 64 concurrent publishers share one, as a bare
// RocksDB written from 64 threads does (bench/README.md, publish); an idle thread costs
// little memory.
constexpr int kWorkPoolThreads = 64;

Server::Server(SyndicationCore* core, const ServerOptions& options)
    : core_(core),
      options_(options),
      pool_(std::max(kWorkPoolThreads, 2 * static_cast<int>(std::thread::hardware_concurrency()))),
      limiter_(options.partner_rate),
      observer_(options.metrics != nullptr || options.json_log
                    ? std::make_unique<CallObserver>(
                          options.metrics, options.json_log ? options.access_log : AccessLog::kOff)
                    : nullptr),
      auth_(options.access, &limiter_, observer_.get()),
      streams_(&core->feed_reader(), &core->feed_hub(), &pool_, &timers_, options.streams, &auth_,
               &core->usage()),
      publishing_(core, &pool_, &auth_),
      syndication_(core, &pool_, &streams_, &auth_) {
  if (options.admin != nullptr) {
    admin_ = std::make_unique<AdminHandler>(options.admin, &pool_, &auth_);
  }
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      SyndicationCore* core) {
  absl::StatusOr<std::pair<std::string, int>> host_port =
      SplitHostPort(options.listen_address, "listen");
  if (!host_port.ok()) return host_port.status();
  std::optional<std::pair<std::string, int>> health_host_port;
  if (!options.health_listen_address.empty()) {
    absl::StatusOr<std::pair<std::string, int>> parsed =
        SplitHostPort(options.health_listen_address, "health_listen");
    if (!parsed.ok()) return parsed.status();
    health_host_port = *std::move(parsed);
  }

  // Both are process-wide switches that must be set before the first ServerBuilder.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<Server> server(new Server(core, options));
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  builder.AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Clients of long streams may ping as often as every 10 s without being cut off.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // gRPC sets SO_REUSEPORT by default, so a second server on a port in use would start and
  // take half the connections; off, it fails to bind.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.max_connection_age != absl::InfiniteDuration()) {
    // Channel arguments are ints: milliseconds up to about 24 days.
    const auto milliseconds = [](absl::Duration d) {
      return static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(d), std::numeric_limits<int>::max()));
    };
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               milliseconds(options.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               milliseconds(options.max_connection_age_grace));
  }
  if (server->observer_ != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(server->observer_->MakeInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  int selected_port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_pem.empty()) {
    grpc::SslServerCredentialsOptions tls(
        options.tls_client_ca_pem.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = options.tls_client_ca_pem;
    tls.pem_key_cert_pairs.push_back({options.tls_key_pem, options.tls_cert_pem});
    credentials = grpc::SslServerCredentials(tls);
  }
  builder.AddListeningPort(options.listen_address, credentials, &selected_port);
  // Requests well past the largest article are read, so that an oversized story is refused
  // by validation naming its largest field, not by gRPC's size check.
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  builder.RegisterService(&server->publishing_);
  builder.RegisterService(&server->syndication_);
  if (server->admin_ != nullptr) builder.RegisterService(server->admin_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || selected_port == 0) {
    return absl::UnavailableError(absl::StrCat("listen: cannot serve on ", options.listen_address));
  }
  server->address_ = JoinHostPort(host_port->first, selected_port);
  if (health_host_port.has_value()) {
    // Health checking only: the default health service is the one thing it serves.
    grpc::ServerBuilder health_builder;
    health_builder.SetOption(std::make_unique<WithoutPlugins>());
    // Every other method answers UNIMPLEMENTED (and gRPC wants a callback service to poll).
    health_builder.RegisterCallbackGenericService(&server->health_unimplemented_);
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    int health_port = 0;
    health_builder.AddListeningPort(options.health_listen_address,
                                    grpc::InsecureServerCredentials(), &health_port);
    server->health_server_ = health_builder.BuildAndStart();
    if (server->health_server_ == nullptr || health_port == 0) {
      server->Shutdown(absl::ZeroDuration());
      return absl::UnavailableError(
          absl::StrCat("health_listen: cannot serve on ", options.health_listen_address));
    }
    server->health_address_ = JoinHostPort(health_host_port->first, health_port);
  }
  // With a readiness check, NOT_SERVING until its first answer, which is logged either way.
  if (!options.readiness) server->ready_ = true;
  server->SetApiServing(!options.readiness);
  if (options.access != nullptr) {
    options.access->SetChangeListener([raw = server.get()] { raw->streams_.AccessChanged(); });
  }
  Server* raw = server.get();
  // Retention also forgets old request ids (AIP-155), so it always runs.
  server->timers_.Schedule(absl::Now(), [raw] { raw->RetentionChore(); });
  server->timers_.Schedule(absl::Now() + options.usage_flush_interval,
                           [raw] { raw->UsageChore(); });
  // Embargoes and expiries that fell due while the server was down happen now.
  core->SetScheduleListener(
      [raw](absl::Time when) { raw->timers_.Schedule(when, [raw] { raw->TasksChore(); }); });
  server->timers_.Schedule(absl::Now(), [raw] { raw->TasksChore(); });
  if (options.readiness) server->timers_.Schedule(absl::Now(), [raw] { raw->ReadinessChore(); });
  if (options.poll_feeds) {
    server->feed_poller_ =
        std::make_unique<FeedPoller>(core, options.metrics, options.feed_polling);
  }
  return server;
}

void Server::TasksChore() {
  pool_.Submit([this] {
    if (shut_down_) return;
    if (absl::StatusOr<int> changed = core_->RunDueTasks(); !changed.ok()) {
      log::Error("embargo and expiry tasks failed",
                 log::Fields().Add("status", changed.status().ToString()));
      // Try again soon rather than never.
      timers_.Schedule(absl::Now() + absl::Seconds(10), [this] { TasksChore(); });
      return;
    }
    absl::Time wake = absl::Now() + options_.task_poll_interval;
    if (absl::StatusOr<std::optional<absl::Time>> next = core_->NextTaskTime();
        next.ok() && next->has_value()) {
      wake = std::min(wake, **next);
    }
    if (wake != absl::InfiniteFuture()) timers_.Schedule(wake, [this] { TasksChore(); });
  });
}

Server::~Server() { Shutdown(absl::Seconds(5)); }

void Server::DrainStep(absl::string_view step, const std::function<void()>& run) {
  const absl::Time start = absl::Now();
  run();
  if (options_.json_log) {
    log::Info("drain", log::Fields()
                           .Add("step", step)
                           .Add("open_streams", static_cast<uint64_t>(streams_.open_streams()))
                           .Add("took_ms", absl::ToDoubleMilliseconds(absl::Now() - start)));
  }
}

void Server::RetentionChore() {
  // On the pool: trimming writes to RocksDB. The timer queue and the pool both stop before
  // the Server's other members go away, so `this` outlives every run.
  pool_.Submit([this] {
    if (shut_down_) return;
    if (absl::StatusOr<uint64_t> trimmed = core_->TrimFeed(options_.retention); !trimmed.ok()) {
      log::Error("feed retention failed", log::Fields().Add("status", trimmed.status().ToString()));
    }
    timers_.Schedule(absl::Now() + options_.retention_interval, [this] { RetentionChore(); });
  });
}

void Server::UsageChore() {
  pool_.Submit([this] {
    if (shut_down_) return;
    if (absl::Status flushed = core_->usage().Flush(); !flushed.ok()) {
      log::Error("recording usage failed (kept for the next try unless said dropped)",
                 log::Fields().Add("status", flushed.ToString()));
    }
    if (const size_t dropped = core_->usage().dropped(); dropped > usage_drops_reported_) {
      log::Error(
          "deliveries were dropped from the usage report (the store did not take them)",
          log::Fields().Add("dropped", static_cast<uint64_t>(dropped - usage_drops_reported_)));
      usage_drops_reported_ = dropped;
    }
    timers_.Schedule(absl::Now() + options_.usage_flush_interval, [this] { UsageChore(); });
  });
}

void Server::ReadinessChore() {
  pool_.Submit([this] {
    if (shut_down_) return;
    const absl::Status ready = options_.readiness();
    {
      std::lock_guard<std::mutex> lock(serving_mu_);
      if (shut_down_) return;
      if (ready_ != ready.ok()) {
        ready_ = ready.ok();
        SetApiServing(ready.ok());
        if (ready.ok()) {
          log::Info("ready: the API reports SERVING", log::Fields());
        } else {
          log::Warning("not ready: the API reports NOT_SERVING",
                       log::Fields().Add("status", ready.ToString()));
        }
      }
    }
    timers_.Schedule(absl::Now() + options_.readiness_interval, [this] { ReadinessChore(); });
  });
}

void Server::SetApiServing(bool serving) {
  SetServing(kSyndicationServiceName, serving);
  SetServing("syndication.v1.PublishingService", serving);
  if (admin_ != nullptr) SetServing("syndication.v1.AdminService", serving);
}

void Server::SetServing(const std::string& service, bool serving) {
  server_->GetHealthCheckService()->SetServingStatus(service, serving);
  if (health_server_ != nullptr) {
    health_server_->GetHealthCheckService()->SetServingStatus(service, serving);
  }
}

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_.exchange(true) || server_ == nullptr) return;
  if (options_.access != nullptr) options_.access->SetChangeListener(nullptr);
  DrainStep("readiness NOT_SERVING", [this] {
    // Readiness probes ask the partner API; liveness asks "", which stays SERVING on the
    // health port until the very end: the process is healthy while it drains, and a
    // restart would cut the drain short.
    std::lock_guard<std::mutex> lock(serving_mu_);
    SetApiServing(false);
  });
  if (feed_poller_ != nullptr) {
    DrainStep("feed polling stopped", [this] { feed_poller_->Stop(); });
  }
  // Streams first: gRPC's Shutdown waits for every call, and a stream only ends when told.
  DrainStep("new streams refused, open streams ending with their resume cursor",
            [this] { streams_.Shutdown(); });
  DrainStep("calls finished or cancelled", [this, grace] {
    // Ends health Watch calls, which gRPC's Shutdown would otherwise wait out to the
    // deadline. This port's "" goes NOT_SERVING with it, as the port itself is closing.
    server_->GetHealthCheckService()->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
    server_->Wait();
  });
  if (health_server_ != nullptr) {
    health_server_->GetHealthCheckService()->Shutdown();
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
  }
  core_->SetScheduleListener(nullptr);
  if (absl::Status flushed = core_->usage().Flush(); !flushed.ok()) {
    log::Error("recording usage at shutdown failed",
               log::Fields().Add("status", flushed.ToString()));
  }
}

}  // namespace syndicate::server
