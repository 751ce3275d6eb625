// syndicated: the syndication server. See README.md for flags and behaviour.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>

#include "CLI/CLI.hpp"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/access.h"
#include "server/admin_core.h"
#include "server/json_log.h"
#include "server/metrics.h"
#include "server/metrics_http.h"
#include "server/secret_file.h"
#include "server/server.h"
#include "server/signing_key_file.h"
#include "server/syndication_core.h"
#include "storage/jetstream_log.h"
#include "storage/log_follower.h"
#include "storage/store.h"

namespace {

// Writes `content` to `path` through a temporary file and a rename, so a reader never sees
// a half-written file.
bool WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << content;
    if (!out.flush()) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (!error) return true;
  std::filesystem::remove(temporary, error);
  return false;
}

// Exit code 2 is a usage error, said plainly to whoever typed the command; anything later
// is a log line like every other.
int Fail(const std::string& message, int exit_code) {
  if (exit_code == 2) {
    std::cerr << "syndicated: " << message << "\n";
  } else {
    syndicate::server::log::Error(message,
                                  syndicate::server::log::Fields().Add("exit_code", exit_code));
  }
  return exit_code;
}

// `value` of the flag `flag` as a duration such as 30s or 1m30s within [min, max]; a usage
// error's message otherwise.
absl::StatusOr<absl::Duration> DurationFlag(absl::string_view flag, const std::string& value,
                                            absl::Duration min, absl::Duration max) {
  absl::Duration duration;
  if (!absl::ParseDuration(value, &duration)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", value, "\" is not a duration such as 30s or 1m30s"));
  }
  if (duration < min || duration > max) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": \"", value, "\" is out of range; give ",
                                                   absl::FormatDuration(min), " to ",
                                                   absl::FormatDuration(max)));
  }
  return duration;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syndicated: stores news stories and serves them to partners over gRPC"};
  std::string listen;
  std::string data_dir;
  std::string ports_file;
  bool sync_writes = true;
  // Flags may also come from a file (Kubernetes: a ConfigMap); the command line wins.
  app.set_config("--config", "",
                 "File of flags, one `name=value` a line (TOML; the long flag name without "
                 "dashes, strings quoted); an unknown name stops the start");
  // A misspelt key must not pass silently: `tls_cret=` would serve plaintext.
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--listen", listen,
                 "HOST:PORT to serve gRPC on; port 0 picks a free port. Required unless "
                 "--restore-from");
  app.add_option("--data-dir", data_dir, "Directory of the RocksDB store (created if missing)")
      ->required();
  app.add_option("--ports-file", ports_file,
                 "Also write the bound HOST:PORT to this file once serving (then a line "
                 "\"health HOST:PORT\" with --health-listen, and \"metrics HOST:PORT\" with "
                 "--metrics-listen)");
  std::string health_listen;
  app.add_option("--health-listen", health_listen,
                 "HOST:PORT of a plaintext port serving only grpc.health.v1 (Kubernetes "
                 "probes); port 0 picks a free port");
  app.add_option("--sync-writes", sync_writes,
                 "fsync the write-ahead log before acknowledging a write")
      ->default_val(true);
  // Signed, so that "-1" is refused instead of wrapping around to an unlimited cache.
  int64_t block_cache_bytes =
      static_cast<int64_t>(syndicate::storage::StoreOptions().block_cache_bytes);
  app.add_option("--block-cache-bytes", block_cache_bytes,
                 "RocksDB block cache shared by the store's column families, in bytes, 1 MiB "
                 "to 1 TiB: the stories and index blocks read most recently, uncompressed; 0 "
                 "for RocksDB's default instead, 8 MiB per column family")
      ->default_val(block_cache_bytes);
  bool poll_feeds = true;
  app.add_option("--poll-feeds", poll_feeds,
                 "fetch every source's feed_urls on its feed_poll_interval and import them")
      ->default_val(true);
  bool feed_allow_private = false;
  app.add_option("--feed-allow-private-addresses", feed_allow_private,
                 "let the feed poller fetch from loopback, private and link-local addresses "
                 "(feeds on this machine or network)")
      ->default_val(false);
  std::string feed_min_poll_interval = "1m";
  app.add_option("--feed-min-poll-interval", feed_min_poll_interval,
                 "shortest wait between two polls of one feed, whatever a source asks for "
                 "(1s to 24h)")
      ->default_val("1m");
  std::string feed_fetch_timeout = "30s";
  app.add_option("--feed-fetch-timeout", feed_fetch_timeout,
                 "longest one feed fetch may take, redirects included (1s to 10m)")
      ->default_val("30s");
  size_t feed_max_bytes = size_t{16} << 20;
  app.add_option("--feed-max-bytes", feed_max_bytes,
                 "largest feed body fetched, in bytes (1024 to 67108864)")
      ->default_val(feed_max_bytes);
  std::string retention_age;
  int64_t retention_events = 0;
  int max_streams = syndicate::server::StreamOptions().max_streams;
  std::string signing_key_file;
  app.add_option("--signing-key-file", signing_key_file,
                 "Base64 Ed25519 seed the service signs stories with; created (mode 0600) when "
                 "absent. Default: DATA_DIR/signing-key");
  app.add_option("--feed-retention-age", retention_age,
                 "Drop feed events older than this, e.g. 72h (default: keep all)");
  app.add_option("--feed-retention-events", retention_events,
                 "Keep at most this many of the newest feed events (default: keep all)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-streams", max_streams, "Most StreamArticles calls open at once")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  std::string auth = "api-key";
  app.add_option("--auth", auth,
                 "api-key: every call needs `authorization: Bearer <key>`; none: no "
                 "authentication, every caller is an admin (loopback addresses only)")
      ->check(CLI::IsMember({"api-key", "none"}))
      ->capture_default_str();
  std::string access_log = "all";
  app.add_option("--access-log", access_log,
                 "all: a JSON log line for every call; errors: only for calls that did not end "
                 "OK (the metrics still count every call)")
      ->check(CLI::IsMember({"all", "errors"}))
      ->capture_default_str();
  std::string admin_key_file;
  app.add_option("--admin-key-file", admin_key_file,
                 "File holding the first admin key; created (mode 0600) with a new key when "
                 "absent. Default: $SYNDICATE_ADMIN_KEY_FILE, else DATA_DIR/admin-key");
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  app.add_option("--tls-cert", tls_cert, "PEM certificate chain: serve TLS (with --tls-key)");
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", tls_client_ca,
                 "PEM CA certificates: require client certificates they signed (mTLS)");
  double partner_rate = 0;
  double partner_burst = 0;
  app.add_option("--partner-rate", partner_rate,
                 "Requests per second each partner may make (token bucket; 0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--partner-burst", partner_burst,
                 "Requests a partner may make at once after a quiet spell (0: the rate, at "
                 "least 1)")
      ->check(CLI::NonNegativeNumber);
  std::string metrics_listen;
  app.add_option("--metrics-listen", metrics_listen,
                 "HOST:PORT to serve Prometheus metrics on (GET /metrics, plaintext); port 0 "
                 "picks a free port");
  std::string backup_dir;
  app.add_option("--backup-dir", backup_dir,
                 "Directory AdminService.CreateBackup writes backups into (default: none, "
                 "backups refused)");
  std::string restore_from;
  app.add_option("--restore-from", restore_from,
                 "Offline restore: put the newest backup in this directory into --data-dir "
                 "(which must be empty or missing) with a new feed epoch (with --log=jetstream: "
                 "the stream's, for a backup of one of its replicas), then exit");
  // The JetStream mode (issue 9; README, "Several replicas: the JetStream mode").
  std::string log_mode = "embedded";
  app.add_option("--log", log_mode,
                 "embedded: this process's RocksDB is the log of changes; jetstream: a NATS "
                 "JetStream stream is, shared by every replica, each applying it to its own "
                 "RocksDB (needs --nats-url)")
      ->check(CLI::IsMember({"embedded", "jetstream"}))
      ->capture_default_str();
  std::string nats_urls;
  app.add_option("--nats-url", nats_urls,
                 "With --log=jetstream: NATS server URLs, comma-separated "
                 "(nats://HOST:4222,...); the client fails over between them");
  std::string nats_stream = syndicate::storage::JetStreamLogOptions().stream;
  app.add_option("--nats-stream", nats_stream,
                 "With --log=jetstream: the JetStream stream (created when missing; its name "
                 "and creation time are the feed epoch)")
      ->capture_default_str();
  int nats_replicas = 1;
  app.add_option("--nats-replicas", nats_replicas,
                 "With --log=jetstream: copies JetStream keeps of each change, 1 to 5 (3 in a "
                 "cluster of three NATS servers)")
      ->capture_default_str();
  std::string nats_creds;
  app.add_option("--nats-creds", nats_creds,
                 "With --log=jetstream: a NATS credentials file (user JWT and NKey seed)");
  int64_t max_replica_lag = 1000;
  app.add_option("--max-replica-lag", max_replica_lag,
                 "With --log=jetstream: readiness reports SERVING only while this replica has "
                 "applied the stream to within this many changes of its end (0 to 1000000000)")
      ->capture_default_str();
  std::string max_connection_age;
  app.add_option("--max-connection-age", max_connection_age,
                 "Send connections older than this (e.g. 30m) an HTTP/2 GOAWAY so clients "
                 "reconnect and rebalance; 1s to 576h (default: never)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Before the first gRPC object: from here on stderr carries only JSON lines.
  syndicate::server::log::RouteGrpcLogs();

  // What the feed keeps: the store's, and with --log=jetstream the stream's too.
  syndicate::storage::FeedRetention retention;
  if (!retention_age.empty()) {
    absl::Duration age;
    if (!absl::ParseDuration(retention_age, &age) || age <= absl::ZeroDuration()) {
      return Fail(absl::StrCat("--feed-retention-age: \"", retention_age,
                               "\" is not a positive duration such as 72h or 90m"),
                  2);
    }
    retention.max_age = age;
  }
  if (retention_events > 0) retention.max_events = static_cast<uint64_t>(retention_events);

  // The JetStream log, connected before anything else reads the store: its epoch is the
  // store's.
  std::unique_ptr<syndicate::storage::JetStreamLog> jetstream;
  if (log_mode == "jetstream") {
    if (nats_urls.empty()) return Fail("--nats-url: required with --log=jetstream", 2);
    if (nats_replicas < 1 || nats_replicas > 5) {
      return Fail(absl::StrCat("--nats-replicas: ", nats_replicas, " is outside 1 to 5"), 2);
    }
    if (max_replica_lag < 0 || max_replica_lag > 1'000'000'000) {
      return Fail(
          absl::StrCat("--max-replica-lag: ", max_replica_lag, " is outside 0 to 1000000000"), 2);
    }
    if (!nats_creds.empty() && !std::ifstream(nats_creds)) {
      return Fail(absl::StrCat("--nats-creds: \"", nats_creds, "\" cannot be read"), 2);
    }
    syndicate::storage::JetStreamLogOptions log_options;
    log_options.urls = absl::StrSplit(nats_urls, ',', absl::SkipWhitespace());
    log_options.stream = nats_stream;
    log_options.replicas = nats_replicas;
    log_options.credentials_file = nats_creds;
    // Each request to NATS fails after 3 s, so that a call that needs NATS while it is
    // down fails (UNAVAILABLE) within a client's usual deadline; the first start may wait
    // longer, for a new cluster to elect its JetStream leader.
    log_options.timeout = absl::Seconds(3);
    log_options.connect_timeout = absl::Seconds(30);
    log_options.max_age = retention.max_age;
    log_options.max_entries = retention.max_events;
    auto connected = syndicate::storage::JetStreamLog::Connect(log_options);
    if (!connected.ok()) {
      return Fail(absl::StrCat("--log=jetstream: ", connected.status().ToString()),
                  absl::IsInvalidArgument(connected.status()) ? 2 : 1);
    }
    jetstream = *std::move(connected);
    syndicate::server::log::Info("following a JetStream log",
                                 syndicate::server::log::Fields()
                                     .Add("nats_stream", nats_stream)
                                     .Add("feed_epoch", jetstream->epoch()));
  } else {
    for (const char* flag :
         {"--nats-url", "--nats-stream", "--nats-replicas", "--nats-creds", "--max-replica-lag"}) {
      if (app.count(flag) > 0) return Fail(absl::StrCat(flag, ": only with --log=jetstream"), 2);
    }
  }

  if (!restore_from.empty()) {
    syndicate::storage::StoreOptions restore_options;
    if (jetstream != nullptr) restore_options.feed_epoch = jetstream->epoch();
    auto restored =
        syndicate::storage::Store::RestoreFromBackup(restore_from, data_dir, restore_options);
    if (!restored.ok()) return Fail(restored.status().ToString(), 1);
    syndicate::server::log::Info("restored a backup; start without --restore-from to serve it",
                                 syndicate::server::log::Fields()
                                     .Add("backup_dir", restore_from)
                                     .Add("backup_id", static_cast<uint64_t>(restored->backup_id))
                                     .Add("feed_head_sequence", restored->feed_head)
                                     .Add("data_dir", data_dir));
    return 0;
  }
  if (listen.empty()) return Fail("--listen: required (HOST:PORT to serve gRPC on)", 2);
  if (constexpr int64_t kMin = int64_t{1} << 20, kMax = int64_t{1} << 40;
      block_cache_bytes != 0 && (block_cache_bytes < kMin || block_cache_bytes > kMax)) {
    return Fail(absl::StrCat("--block-cache-bytes: ", block_cache_bytes, " is outside ", kMin,
                             " (1 MiB) to ", kMax,
                             " (1 TiB); 0 gives RocksDB's default, 8 MiB per column family"),
                2);
  }

  syndicate::server::ServerOptions options;
  options.listen_address = listen;
  options.health_listen_address = health_listen;
  syndicate::server::Metrics metrics;
  options.metrics = &metrics;
  options.json_log = true;
  options.access_log = access_log == "errors" ? syndicate::server::AccessLog::kErrors
                                              : syndicate::server::AccessLog::kAll;
  if (!max_connection_age.empty()) {
    // Below a second every call would race a GOAWAY; gRPC takes the age as an int of
    // milliseconds, so 24 days is the most it can hold.
    absl::StatusOr<absl::Duration> age = DurationFlag("--max-connection-age", max_connection_age,
                                                      absl::Seconds(1), absl::Hours(24 * 24));
    if (!age.ok()) return Fail(std::string(age.status().message()), 2);
    options.max_connection_age = *age;
  }
  if (!metrics_listen.empty()) {
    if (absl::Status parsed =
            syndicate::server::SplitHostPort(metrics_listen, "--metrics-listen").status();
        !parsed.ok()) {
      return Fail(std::string(parsed.message()), 2);
    }
  }
  options.poll_feeds = poll_feeds;
  options.feed_polling.allow_private_addresses = feed_allow_private;
  absl::StatusOr<absl::Duration> fetch_timeout =
      DurationFlag("--feed-fetch-timeout", feed_fetch_timeout, absl::Seconds(1), absl::Minutes(10));
  if (!fetch_timeout.ok()) return Fail(std::string(fetch_timeout.status().message()), 2);
  options.feed_polling.fetch_timeout = *fetch_timeout;
  absl::StatusOr<absl::Duration> min_poll = DurationFlag(
      "--feed-min-poll-interval", feed_min_poll_interval, absl::Seconds(1), absl::Hours(24));
  if (!min_poll.ok()) return Fail(std::string(min_poll.status().message()), 2);
  options.feed_polling.min_poll_interval = *min_poll;
  if (feed_max_bytes < 1024 || feed_max_bytes > (size_t{64} << 20)) {
    return Fail(absl::StrCat("--feed-max-bytes: ", feed_max_bytes, " is outside 1024 to 67108864"),
                2);
  }
  options.feed_polling.max_feed_bytes = feed_max_bytes;
  options.streams.max_streams = max_streams;
  options.partner_rate = {partner_rate, partner_burst};
  if (tls_cert.empty() != tls_key.empty()) {
    return Fail("--tls-cert and --tls-key: give both or neither", 2);
  }
  if (!tls_client_ca.empty() && tls_cert.empty()) {
    return Fail("--tls-client-ca: needs --tls-cert and --tls-key", 2);
  }
  for (auto [flag, path, pem] :
       {std::tuple{"--tls-cert", &tls_cert, &options.tls_cert_pem},
        std::tuple{"--tls-key", &tls_key, &options.tls_key_pem},
        std::tuple{"--tls-client-ca", &tls_client_ca, &options.tls_client_ca_pem}}) {
    if (path->empty()) continue;
    std::ifstream in(*path);
    std::stringstream content;
    content << in.rdbuf();
    if (!in || content.str().find("-----BEGIN") == std::string::npos) {
      return Fail(absl::StrCat(flag, ": \"", *path, "\" cannot be read or holds no PEM"), 2);
    }
    *pem = content.str();
  }
  options.retention = retention;

  absl::StatusOr<std::pair<std::string, int>> host_port =
      syndicate::server::SplitHostPort(listen, "--listen");
  if (!host_port.ok()) return Fail(std::string(host_port.status().message()), 2);
  if (!health_listen.empty()) {
    if (absl::Status health =
            syndicate::server::SplitHostPort(health_listen, "--health-listen").status();
        !health.ok()) {
      return Fail(std::string(health.message()), 2);
    }
  }
  // Without authentication, nothing but this machine may reach the API.
  if (auth == "none" && !syndicate::server::IsLoopbackHost(host_port->first)) {
    return Fail(absl::StrCat("--listen: \"", listen,
                             "\" is not a loopback address; --auth=none serves 127.0.0.0/8, "
                             "::1 or localhost only (use --auth=api-key)"),
                2);
  }

  // Block the shutdown signals in every thread (gRPC and RocksDB start theirs below), so
  // that sigwait in this thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  syndicate::storage::StoreOptions store_options;
  store_options.sync_writes = sync_writes;
  store_options.block_cache_bytes = static_cast<size_t>(block_cache_bytes);
  // After a failed WAL write or sync the store refuses every write, so the process drains and exits
  // non-zero; the restart (Kubernetes, systemd) recovers the synced prefix. SIGTERM wakes
  // the sigwait below, which every other thread has blocked.
  // RocksDB's own messages go to the JSON log, not to a LOG file beside the data: on a full
  // disk, RocksDB aborts the process on the message after a failed write to that file.
  store_options.on_rocksdb_log = [](absl::string_view level, absl::string_view message) {
    const auto fields = syndicate::server::log::Fields()
                            .Add("rocksdb_level", level)
                            .Add("rocksdb_message", message);
    if (level == "warn") {
      syndicate::server::log::Warning("rocksdb", fields);
    } else {
      syndicate::server::log::Error("rocksdb", fields);
    }
  };
  static std::atomic<bool> sync_failed{false};
  store_options.on_sync_failure = [](const absl::Status& error) {
    sync_failed.store(true);
    syndicate::server::log::Error(
        "the write-ahead log could not be written or synced; every write is refused from now "
        "on, and the server stops so that a restart recovers what was synced",
        syndicate::server::log::Fields().Add("error", error.ToString()));
    kill(getpid(), SIGTERM);
  };
  if (jetstream != nullptr) {
    store_options.feed_epoch = jetstream->epoch();
    store_options.log = jetstream.get();
  }
  // Declared before the store and the follower, whose shared change listener uses them.
  std::mutex access_mu;
  syndicate::server::AccessControl* shared_access = nullptr;
  auto store = syndicate::storage::Store::Open(data_dir, store_options);
  if (!store.ok()) return Fail(store.status().ToString(), 1);
  // A replica applies the log to its store from where the store is, and is ready (serves
  // the API) only while it is within --max-replica-lag of the log's end. A follower that
  // stopped (a gap in the stream: rebuild the replica from a backup) keeps it not ready.
  std::unique_ptr<syndicate::storage::LogFollower> follower;
  if (jetstream != nullptr) {
    follower = std::make_unique<syndicate::storage::LogFollower>(jetstream.get(), store->get());
    if (!follower->status().ok()) return Fail(follower->status().ToString(), 1);
    // Sources, partners and keys as every replica has them, before anything reads them.
    absl::StatusOr<uint64_t> shared = jetstream->LastSharedSequence();
    absl::Status caught_up =
        shared.ok() ? follower->WaitSharedApplied(*shared, absl::Seconds(60)) : shared.status();
    if (!caught_up.ok()) {
      return Fail(
          absl::StrCat("applying the log's sources, partners and keys: ", caught_up.ToString()), 1);
    }
    options.readiness = [log = jetstream.get(), store = store->get(), follower = follower.get(),
                         max_lag = static_cast<uint64_t>(max_replica_lag)]() -> absl::Status {
      if (absl::Status stopped = follower->status(); !stopped.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("this replica stopped applying the log: ", stopped.message()));
      }
      absl::StatusOr<uint64_t> end = log->LastSequence();
      if (!end.ok()) return end.status();
      const uint64_t head = store->FeedHead();
      if (*end > head && *end - head > max_lag) {
        return absl::UnavailableError(absl::StrCat("this replica has applied the log up to ", head,
                                                   " of ", *end, ", more than --max-replica-lag ",
                                                   max_lag, " behind"));
      }
      return absl::OkStatus();
    };
    // Embargo lifts and expiries of stories other replicas accepted: looked for every
    // second; the replicas' commits of one task make it once (the log checks each story's
    // last entry).
    options.task_poll_interval = absl::Seconds(1);
  }
  if (signing_key_file.empty()) signing_key_file = data_dir + "/signing-key";
  std::error_code no_file;
  const bool new_signing_key = !std::filesystem::exists(signing_key_file, no_file);
  auto signing_key = syndicate::server::LoadOrCreateSigningKey(signing_key_file);
  if (!signing_key.ok()) return Fail(signing_key.status().ToString(), 1);
  // Said every start, so that a mistyped --signing-key-file (a new key) shows.
  syndicate::server::log::Info(new_signing_key ? "signing with a key created now" : "signing",
                               syndicate::server::log::Fields()
                                   .Add("key_id", signing_key->key_id())
                                   .Add("signing_key_file", signing_key_file));
  auto core = syndicate::server::SyndicationCore::Create(store->get(), *std::move(signing_key));
  if (!core.ok()) return Fail(core.status().ToString(), 1);
  // A replica's keys and partners change when any replica's do (shared changes applied by
  // the follower): the cache of them follows. Loaded under the same lock as the listener
  // runs, so that a change applied while it loads is not missed.
  (*store)->SetSharedChangeListener(
      [&access_mu, &shared_access](const syndicate::storage::SharedChange& change) {
        std::lock_guard<std::mutex> lock(access_mu);
        if (shared_access == nullptr) return;
        if (change.has_api_key()) shared_access->PutKey(change.api_key());
        if (change.has_partner()) shared_access->PutPartner(change.partner());
        if (change.has_partner_deletion()) {
          shared_access->RemovePartner(change.partner_deletion().partner_id());
          for (const auto& key : change.partner_deletion().revoked_keys()) {
            shared_access->PutKey(key);
          }
        }
      });
  absl::StatusOr<std::unique_ptr<syndicate::server::AccessControl>> access;
  {
    std::lock_guard<std::mutex> lock(access_mu);
    access = syndicate::server::AccessControl::Load(store->get());
    if (access.ok()) shared_access = access->get();
  }
  if (!access.ok()) return Fail(access.status().ToString(), 1);
  // On every return from here, the listener goes before `access` does: the follower's
  // thread may be calling it until then.
  absl::Cleanup stop_listening = [&store] {
    if (*store != nullptr) (*store)->SetSharedChangeListener(nullptr);
  };
  auto admin = syndicate::server::AdminCore::Create(store->get(), access->get());
  if (!admin.ok()) return Fail(admin.status().ToString(), 1);
  options.admin = admin->get();
  (*admin)->set_backup_dir(backup_dir);
  if (auth == "api-key") {
    options.access = access->get();
    if (admin_key_file.empty()) {
      const char* from_env = std::getenv("SYNDICATE_ADMIN_KEY_FILE");
      admin_key_file =
          from_env != nullptr && *from_env != '\0' ? from_env : data_dir + "/admin-key";
    }
    auto content = syndicate::server::ReadOrCreateSecretFile(
        admin_key_file, "admin key file", [] { return syndicate::server::MakeSecret().secret; });
    if (!content.ok()) return Fail(content.status().ToString(), 1);
    auto outcome = (*admin)->EnsureAdminKey(content->text);
    if (!outcome.ok()) {
      return Fail(
          absl::StrCat("admin key file \"", admin_key_file, "\": ", outcome.status().message()), 1);
    }
    if (content->created) {
      syndicate::server::log::Info(
          "created a new admin key",
          syndicate::server::log::Fields().Add("admin_key_file", admin_key_file));
    }
    if (*outcome == syndicate::server::AdminKeyOutcome::kRevoked) {
      syndicate::server::log::Warning(
          "the admin key was revoked; it does not authenticate",
          syndicate::server::log::Fields().Add("admin_key_file", admin_key_file));
    }
  }
  auto server = syndicate::server::Server::Start(options, core->get());
  if (!server.ok()) return Fail(server.status().ToString(), 1);
  syndicate::storage::Store* const raw_store = store->get();
  syndicate::server::Server* const raw_server = server->get();
  metrics.SetGaugeSource(
      [raw_store, raw_server]() -> absl::StatusOr<syndicate::server::MetricsGauges> {
        syndicate::server::MetricsGauges gauges;
        gauges.open_streams = raw_server->open_streams();
        gauges.feed_head = raw_store->FeedHead();
        auto stats = raw_store->Stats();
        if (!stats.ok()) return stats.status();
        gauges.store = *stats;
        return gauges;
      });
  std::unique_ptr<syndicate::server::MetricsHttpServer> metrics_server;
  if (!metrics_listen.empty()) {
    auto started = syndicate::server::MetricsHttpServer::Start(metrics_listen, &metrics);
    if (!started.ok()) return Fail(started.status().ToString(), 1);
    metrics_server = *std::move(started);
  }

  // The ports file first, so that whoever sees the stdout line can also read the file.
  std::string ports = (*server)->address() + "\n";
  if (!(*server)->health_address().empty()) {
    absl::StrAppend(&ports, "health ", (*server)->health_address(), "\n");
  }
  if (metrics_server != nullptr) {
    absl::StrAppend(&ports, "metrics ", metrics_server->address(), "\n");
  }
  if (!ports_file.empty() && !WriteFileAtomically(ports_file, ports)) {
    return Fail(absl::StrCat("--ports-file: cannot write \"", ports_file, "\""), 1);
  }
  std::cout << (*server)->address() << std::endl;
  // The health port is plaintext whatever --listen serves.
  syndicate::server::log::Info(
      "serving", syndicate::server::log::Fields()
                     .Add("address", (*server)->address())
                     .Add("health_address", (*server)->health_address())
                     .Add("metrics_address", metrics_server ? metrics_server->address() : "")
                     .Add("data_dir", data_dir)
                     .Add("feed_polling", poll_feeds ? "on" : "off"));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  syndicate::server::log::Info(
      "shutting down",
      syndicate::server::log::Fields().Add(
          "signal", sync_failed.load() ? "write-ahead log sync failed"
                                       : (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")));
  (*server)->Shutdown(absl::Seconds(10));
  metrics.SetGaugeSource(nullptr);
  metrics_server.reset();
  server->reset();
  admin->reset();
  (*store)->SetSharedChangeListener(nullptr);
  access->reset();
  core->reset();
  follower.reset();
  if (sync_failed.load()) {
    return Fail(
        "stopped after a failed write-ahead-log write or sync; restart to recover the synced "
        "writes",
        1);
  }
  if (absl::Status flushed = (*store)->Flush(); !flushed.ok()) {
    return Fail(flushed.ToString(), 1);
  }
  syndicate::server::log::Info("drain",
                               syndicate::server::log::Fields().Add("step", "store flushed"));
  store->reset();
  syndicate::server::log::Info("stopped");
  return 0;
}
