// The NATS side of the fanout scenario: core pub/sub through libnats (the C client) against a
// nats-server the scenario started. N subscriptions to one subject spread over a few
// connections, and one publishing connection; every message published goes to every
// subscription. Nothing is stored: NATS core is the relay a user would run instead.
#ifndef SYNDICATE_BENCH_NATS_BASELINE_H_
#define SYNDICATE_BENCH_NATS_BASELINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/server_process.h"

// libnats's handles, kept out of this header.
struct __natsConnection;
struct __natsSubscription;

namespace syndicate::bench {

// Receives one subscription's messages, in the order published, one at a time (libnats
// calls a subscription's handler from one delivery thread at a time). Must be thread-safe
// against the other sinks: different subscriptions are called from different threads.
class NatsMessageSink {
 public:
  virtual ~NatsMessageSink() = default;
  // `data` (`length` bytes) is valid only during the call.
  virtual void OnNatsMessage(const char* data, int length) = 0;
};

// The path of nats-server: `configured` when not empty, else the first of $PATH and
// /usr/sbin (where Debian installs it) that has one. NOT_FOUND when there is none.
absl::StatusOr<std::string> FindNatsServer(const std::string& configured);

// How to start nats-server `binary` (FindNatsServer's) with ServerProcess: on 127.0.0.1 with
// a port it picks (read from its ports file), pinned to `cpus` (empty: unpinned); with
// `jetstream`, JetStream on with its file store in the server's temporary directory.
ServerProcessOptions NatsServerOptions(const std::string& binary, const std::vector<int>& cpus,
                                       bool jetstream);

// Thread-safe after Subscribe returns. Closing (the destructor) waits for every handler
// call in progress.
class NatsFanout {
 public:
  // Connects `connections` subscriber connections and one publisher connection to
  // nats-server at `address` (HOST:PORT). Messages are delivered by a pool of
  // `delivery_threads` threads shared by every subscription (libnats's global delivery), not
  // a thread per subscription. UNAVAILABLE with libnats's text when a connection fails.
  static absl::StatusOr<std::unique_ptr<NatsFanout>> Connect(const std::string& address,
                                                             int connections, int delivery_threads);
  ~NatsFanout();

  NatsFanout(const NatsFanout&) = delete;
  NatsFanout& operator=(const NatsFanout&) = delete;

  // Subscribes once per sink to `subject`, round-robin over the subscriber connections, and
  // returns once the server has every subscription (a flush of each connection). The sinks
  // must outlive this object. UNAVAILABLE with libnats's text on failure.
  absl::Status Subscribe(const std::string& subject, const std::vector<NatsMessageSink*>& sinks);

  // Publishes `payload` on `subject` from the publisher connection, sent at once (not
  // batched with later publishes). UNAVAILABLE with libnats's text on failure.
  absl::Status Publish(const std::string& subject, absl::string_view payload);

  // Messages libnats dropped because a subscription's pending queue was full, over every
  // subscription, plus the slow-consumer and other asynchronous errors it reported.
  int64_t dropped() const;
  int64_t async_errors() const;

 private:
  NatsFanout() = default;

  std::vector<__natsConnection*> subscriber_connections_;
  __natsConnection* publisher_ = nullptr;
  std::vector<__natsSubscription*> subscriptions_;
  std::atomic<int64_t> errors_{0};  // counted by libnats's error handler
};

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_NATS_BASELINE_H_
