// A server process started for one benchmark run (syndicated, another server that takes
// --listen and prints its address the same way, or nats-server): a fresh temporary directory,
// 127.0.0.1 with a port the server picks, optionally pinned to CPUs, its stderr kept in a
// log file beside the data (or in a data directory the caller keeps). The temporary
// directory is removed when the handle goes away.
#ifndef SYNDICATE_BENCH_SERVER_PROCESS_H_
#define SYNDICATE_BENCH_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syndicate::bench {

struct ServerProcessOptions {
  // How the server is told where to listen, and how it tells the address it bound.
  enum class Address {
    // --listen=127.0.0.1:0; it prints HOST:PORT as the first line of its stdout (syndicated,
    // the bare server).
    kListenFlag,
    // nats-server: `-a 127.0.0.1 -p -1 --ports_file_dir DIR` (-1: a random free port); it
    // writes {"nats":["nats://HOST:PORT"]} into DIR/nats-server_PID.ports.
    kNatsPortsFile,
  };

  // Path of the server binary, syndicated unless `syndicated_flags` is false. Required.
  std::string binary;
  // Arguments right after the binary, before every flag, e.g. a subcommand. Default: none.
  std::vector<std::string> leading_args;
  // Whether to pass syndicated's --data-dir (inside the temporary directory, or data_dir)
  // and --auth=none. Default: true.
  bool syndicated_flags = true;
  // The data directory to pass, for a server that should start on the data an earlier one
  // left (e.g. loaded with --sync-writes=false, then measured with the defaults). It is the
  // caller's: kept when the server stops and this handle goes away. Default: empty, a "data"
  // directory inside the temporary directory, removed with it.
  std::string data_dir;
  // Default: kListenFlag.
  Address address = Address::kListenFlag;
  // CPUs the server (every one of its threads) runs on; empty means unpinned. Default: empty.
  std::vector<int> cpus;
  // Further flags for the server, e.g. "--max-streams=50000". Default: none.
  std::vector<std::string> extra_args;
  // How long the server may take to print its address. Default: 30 s.
  absl::Duration start_timeout = absl::Seconds(30);
};

class ServerProcess {
 public:
  // Creates a temporary directory under $TMPDIR (else /tmp), starts the server with
  // --listen=127.0.0.1:0 (and --data-dir inside the directory, see
  // ServerProcessOptions::syndicated_flags), and waits for the address it prints as the
  // first line of its stdout (or nats-server's way, see ServerProcessOptions::address).
  // INTERNAL when the directory or the process cannot be created; UNAVAILABLE when the
  // server exits or prints nothing within options.start_timeout (the message holds the
  // end of its log).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const ServerProcessOptions& options);

  // Kills the server (SIGKILL) if it is still running, reaps it, removes the directory.
  ~ServerProcess();

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  // The temporary directory (the data directory and the log are inside it), for files the
  // benchmark wants removed with it.
  const std::string& directory() const { return directory_; }
  pid_t pid() const { return pid_; }

  // Resident set size now (VmRSS) and at its peak (VmHWM), in bytes. NOT_FOUND once the
  // process has exited.
  absl::StatusOr<int64_t> RssBytes() const;
  absl::StatusOr<int64_t> PeakRssBytes() const;

  // CPU time (user + system) the server has used so far, in seconds. NOT_FOUND once the
  // process has exited.
  absl::StatusOr<double> CpuSeconds() const;

  // Asks the server to stop (SIGTERM) and waits up to `grace` for it; kills it after that.
  // OK when it exited with status 0; INTERNAL naming the exit status (and the end of its
  // log) otherwise; DEADLINE_EXCEEDED when it had to be killed. Idempotent.
  absl::Status Stop(absl::Duration grace);

  // The last `lines` lines of the server's stderr.
  std::string LogTail(int lines) const;

 private:
  ServerProcess(std::string directory, pid_t pid, int pidfd, int stdout_fd)
      : directory_(std::move(directory)), pid_(pid), pidfd_(pidfd), stdout_fd_(stdout_fd) {}

  // Waits up to `timeout` for the process to exit and reaps it. Returns true once reaped.
  bool WaitForExit(absl::Duration timeout);

  const std::string directory_;
  const pid_t pid_;
  const int pidfd_;      // a pidfd of the server: readable once it has exited
  const int stdout_fd_;  // the read end of the server's stdout, open while it runs
  std::string address_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_SERVER_PROCESS_H_
