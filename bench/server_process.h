// A server process started for one benchmark run (syndicated, another server that takes
// --listen and prints its address the same way, nats-server, or one configured with an
// address of its own such as nginx): a fresh temporary directory, 127.0.0.1 with a port the
// server picks, optionally pinned to CPUs, its stderr kept in a log file beside the data
// (or in a data directory the caller keeps). The temporary directory is removed when the
// handle goes away. Also: running a command to completion.
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
    // A server that takes its address from its own configuration (in `extra_args` or a
    // file they name), given as `own_address`: no --listen is passed, and Start waits
    // until a TCP connection to that address succeeds (nginx).
    kOwnConfig,
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
  // "127.0.0.1:PORT", with Address::kOwnConfig: where the server's configuration makes it
  // listen. Default: empty.
  std::string own_address;
  // With Address::kNatsPortsFile: start nats-server with JetStream (`-js`), its file store
  // in the temporary directory (`-sd DIR/jetstream`, removed with it). Default: false.
  bool nats_jetstream = false;
};

class ServerProcess {
 public:
  // Creates a temporary directory under $TMPDIR (else /tmp), starts the server with
  // --listen=127.0.0.1:0 (and --data-dir inside the directory, see
  // ServerProcessOptions::syndicated_flags), and waits for the address it prints as the
  // first line of its stdout (or another way, see ServerProcessOptions::address).
  // INTERNAL when the directory or the process cannot be created; UNAVAILABLE when the
  // server exits or prints nothing (accepts nothing) within options.start_timeout (the
  // message holds the end of its log).
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
  // VmRSS once it has stopped moving: read every 250 ms until three readings in a row agree
  // within 64 KiB, for at most 5 s (then the last reading).
  absl::StatusOr<int64_t> SettledRssBytes() const;

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

// Creates a new directory $TMPDIR/NAME-XXXXXX (else under /tmp) and returns its path; the
// caller removes it. INTERNAL when it cannot be created.
absl::StatusOr<std::string> MakeTempDirectory(const std::string& name);

// "127.0.0.1:PORT" with a port no socket is bound to right now, for a server that cannot
// pick its own (nginx refuses port 0). Another process may take it before the server binds
// it. INTERNAL when no socket can be bound.
absl::StatusOr<std::string> FreeLoopbackAddress();

// What a command run to completion printed and how it ended.
struct CommandResult {
  int exit_code = -1;  // the exit status; -1 when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` (argv[0] a path, or a name looked up in PATH) with this thread's CPU affinity
// and waits for it. NOT_FOUND when the program cannot be started; DEADLINE_EXCEEDED (after
// killing it) when it runs longer than `timeout`; INTERNAL when no process can be created.
// A non-zero exit is not an error: see CommandResult::exit_code.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout);

// The path of `program`, an executable file in PATH (or, when `program` holds a '/', that
// file); empty when there is none.
std::string FindProgram(const std::string& program);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_SERVER_PROCESS_H_
