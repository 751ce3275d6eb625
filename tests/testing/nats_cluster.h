// A cluster of nats-server processes with JetStream, on 127.0.0.1, started by a test: each
// server routes to every other, keeps its JetStream files in a directory of its own, and
// can be killed and restarted on the same ports with the same files.
#ifndef SYNDICATE_TESTS_TESTING_NATS_CLUSTER_H_
#define SYNDICATE_TESTS_TESTING_NATS_CLUSTER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/subprocess.h"

namespace syndicate::testing {

// The nats-server to run: $SYNDICATE_NATS_SERVER, else Debian's /usr/sbin/nats-server, else
// "nats-server" found on PATH; empty when there is none.
inline std::string NatsServerPath() {
  if (const char* given = std::getenv("SYNDICATE_NATS_SERVER"); given != nullptr && *given) {
    return given;
  }
  if (access("/usr/sbin/nats-server", X_OK) == 0) return "/usr/sbin/nats-server";
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    for (const auto& dir : std::vector<std::string>(absl::StrSplit(path, ':'))) {
      const std::string candidate = dir + "/nats-server";
      if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

class NatsCluster {
 public:
  // Starts `size` servers under `dir` and waits until each accepts connections. Ports are
  // picked free at run time (nats-server needs its route ports before it starts).
  static absl::StatusOr<std::unique_ptr<NatsCluster>> Start(const std::string& dir, int size) {
    auto cluster = std::unique_ptr<NatsCluster>(new NatsCluster());
    for (int i = 0; i < size; ++i) {
      Node node;
      node.name = absl::StrCat("n", i);
      node.dir = absl::StrCat(dir, "/", node.name);
      std::filesystem::create_directories(node.dir);
      node.client_port = PortOf(UnusedLoopbackAddress());
      node.route_port = PortOf(UnusedLoopbackAddress());
      cluster->nodes_.push_back(std::move(node));
    }
    for (int i = 0; i < size; ++i) {
      if (absl::Status started = cluster->Restart(i); !started.ok()) return started;
    }
    return cluster;
  }

  // "nats://127.0.0.1:PORT" of every server, in order.
  std::vector<std::string> Urls() const {
    std::vector<std::string> urls;
    for (const Node& node : nodes_) urls.push_back(Url(node));
    return urls;
  }

  // SIGKILLs server `i` and reaps it.
  void Kill(int i) {
    Node& node = nodes_[i];
    if (!node.process.has_value()) return;
    node.process->Signal(SIGKILL);
    (void)node.process->Wait(absl::Seconds(10));
    node.process.reset();
  }

  // Starts server `i` (again), on its ports and with its files, and waits until it accepts
  // connections.
  absl::Status Restart(int i) {
    Kill(i);
    Node& node = nodes_[i];
    std::vector<std::string> routes;
    for (const Node& other : nodes_) {
      if (&other != &node) routes.push_back(absl::StrCat("nats://127.0.0.1:", other.route_port));
    }
    absl::StatusOr<Subprocess> process = Subprocess::Start(
        {NatsServerPath(), "-a", "127.0.0.1", "-p", absl::StrCat(node.client_port), "-js", "-sd",
         node.dir + "/store", "--server_name", node.name, "--cluster_name", "syndicate-test",
         "--cluster", absl::StrCat("nats://127.0.0.1:", node.route_port), "--routes",
         absl::StrJoin(routes, ","), "-l", node.dir + "/server.log"});
    if (!process.ok()) return process.status();
    node.process.emplace(*std::move(process));
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!Accepts(node.client_port)) {
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("nats-server ", node.name, " did not listen on ", Url(node),
                         " within 20 s; see ", node.dir, "/server.log"));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::OkStatus();
  }

 private:
  struct Node {
    std::string name;
    std::string dir;
    int client_port = 0;
    int route_port = 0;
    std::optional<Subprocess> process;
  };

  NatsCluster() = default;

  static std::string Url(const Node& node) {
    return absl::StrCat("nats://127.0.0.1:", node.client_port);
  }

  static int PortOf(const std::string& host_port) {
    int port = 0;
    (void)absl::SimpleAtoi(host_port.substr(host_port.rfind(':') + 1), &port);
    return port;
  }

  static bool Accepts(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool connected =
        connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    close(fd);
    return connected;
  }

  std::vector<Node> nodes_;
};

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_NATS_CLUSTER_H_
