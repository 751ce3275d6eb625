#include "bench/nats_baseline.h"

#include <nats/nats.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/server_process.h"

namespace syndicate::bench {
namespace {

absl::Status NatsError(absl::string_view what, natsStatus status) {
  return absl::UnavailableError(absl::StrCat(what, ": ", natsStatus_GetText(status)));
}

void OnMessage(natsConnection* /*connection*/, natsSubscription* /*subscription*/, natsMsg* message,
               void* closure) {
  static_cast<NatsMessageSink*>(closure)->OnNatsMessage(natsMsg_GetData(message),
                                                        natsMsg_GetDataLength(message));
  natsMsg_Destroy(message);
}

void OnError(natsConnection* /*connection*/, natsSubscription* /*subscription*/,
             natsStatus /*error*/, void* closure) {
  static_cast<std::atomic<int64_t>*>(closure)->fetch_add(1);
}

}  // namespace

absl::StatusOr<std::string> FindNatsServer(const std::string& configured) {
  if (!configured.empty()) {
    std::string found = FindProgram(configured);
    if (!found.empty()) return found;
    return absl::NotFoundError(absl::StrCat(configured, " is not an executable"));
  }
  for (const char* program : {"nats-server", "/usr/sbin/nats-server"}) {
    std::string found = FindProgram(program);
    if (!found.empty()) return found;
  }
  return absl::NotFoundError("nats-server is not installed (Debian package nats-server)");
}

ServerProcessOptions NatsServerOptions(const std::string& binary, const std::vector<int>& cpus,
                                       bool jetstream) {
  ServerProcessOptions options;
  options.binary = binary;
  options.syndicated_flags = false;
  options.address = ServerProcessOptions::Address::kNatsPortsFile;
  options.nats_jetstream = jetstream;
  options.cpus = cpus;
  return options;
}

absl::StatusOr<std::unique_ptr<NatsFanout>> NatsFanout::Connect(const std::string& address,
                                                                int connections,
                                                                int delivery_threads) {
  if (natsStatus s = nats_SetMessageDeliveryPoolSize(delivery_threads); s != NATS_OK) {
    return NatsError("nats_SetMessageDeliveryPoolSize", s);
  }
  std::unique_ptr<NatsFanout> fanout(new NatsFanout());
  const std::string url = absl::StrCat("nats://", address);
  const auto connect = [&](bool publisher, natsConnection** connection) -> absl::Status {
    natsOptions* options = nullptr;
    natsStatus s = natsOptions_Create(&options);
    if (s == NATS_OK) s = natsOptions_SetURL(options, url.c_str());
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(options, false);
    if (s == NATS_OK) s = natsOptions_SetErrorHandler(options, OnError, &fanout->errors_);
    if (s == NATS_OK && publisher) s = natsOptions_SetSendAsap(options, true);
    if (s == NATS_OK && !publisher) s = natsOptions_UseGlobalMessageDelivery(options, true);
    if (s == NATS_OK) s = natsConnection_Connect(connection, options);
    natsOptions_Destroy(options);
    return s == NATS_OK ? absl::OkStatus() : NatsError(absl::StrCat("connect to ", url), s);
  };
  for (int i = 0; i < connections; ++i) {
    natsConnection* connection = nullptr;
    if (absl::Status connected = connect(false, &connection); !connected.ok()) return connected;
    fanout->subscriber_connections_.push_back(connection);
  }
  if (absl::Status connected = connect(true, &fanout->publisher_); !connected.ok()) {
    return connected;
  }
  return fanout;
}

NatsFanout::~NatsFanout() {
  // No new messages once unsubscribed; the connections close, then the handles go.
  for (natsSubscription* subscription : subscriptions_) {
    natsSubscription_Unsubscribe(subscription);
  }
  for (natsConnection* connection : subscriber_connections_) natsConnection_Close(connection);
  if (publisher_ != nullptr) natsConnection_Close(publisher_);
  for (natsSubscription* subscription : subscriptions_) natsSubscription_Destroy(subscription);
  for (natsConnection* connection : subscriber_connections_) natsConnection_Destroy(connection);
  if (publisher_ != nullptr) natsConnection_Destroy(publisher_);
}

absl::Status NatsFanout::Subscribe(const std::string& subject,
                                   const std::vector<NatsMessageSink*>& sinks) {
  for (size_t i = 0; i < sinks.size(); ++i) {
    natsSubscription* subscription = nullptr;
    natsConnection* connection = subscriber_connections_[i % subscriber_connections_.size()];
    if (natsStatus s = natsConnection_Subscribe(&subscription, connection, subject.c_str(),
                                                OnMessage, sinks[i]);
        s != NATS_OK) {
      return NatsError("natsConnection_Subscribe", s);
    }
    subscriptions_.push_back(subscription);
  }
  for (natsConnection* connection : subscriber_connections_) {
    if (natsStatus s = natsConnection_FlushTimeout(connection, 30000); s != NATS_OK) {
      return NatsError("natsConnection_FlushTimeout", s);
    }
  }
  return absl::OkStatus();
}

absl::Status NatsFanout::Publish(const std::string& subject, absl::string_view payload) {
  if (natsStatus s = natsConnection_Publish(publisher_, subject.c_str(), payload.data(),
                                            static_cast<int>(payload.size()));
      s != NATS_OK) {
    return NatsError("natsConnection_Publish", s);
  }
  return absl::OkStatus();
}

int64_t NatsFanout::dropped() const {
  int64_t total = 0;
  for (natsSubscription* subscription : subscriptions_) {
    int64_t dropped = 0;
    if (natsSubscription_GetDropped(subscription, &dropped) == NATS_OK) total += dropped;
  }
  return total;
}

int64_t NatsFanout::async_errors() const { return errors_.load(); }

}  // namespace syndicate::bench
