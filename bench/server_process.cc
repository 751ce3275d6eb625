#include "bench/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "bench/system_info.h"

namespace syndicate::bench {
namespace {

int PollMilliseconds(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return -1;
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout)));
}

// Reads up to the first newline from `fd` within `timeout`. DEADLINE_EXCEEDED when no line
// came in time; UNAVAILABLE when the writer closed it first.
absl::StatusOr<std::string> ReadLine(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string line;
  while (true) {
    pollfd ready{fd, POLLIN, 0};
    const int polled = poll(&ready, 1, PollMilliseconds(deadline - absl::Now()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) return absl::DeadlineExceededError("no line in time");
    std::array<char, 256> buffer;
    const ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return absl::UnavailableError("stdout closed");
    line.append(buffer.data(), static_cast<size_t>(got));
    if (const size_t newline = line.find('\n'); newline != std::string::npos) {
      line.resize(newline);
      return line;
    }
  }
}

// Waits up to `timeout` for nats-server (process `pidfd`) to write its ports file into
// `directory`, and returns the HOST:PORT of its client URL. UNAVAILABLE when the process
// exits first, DEADLINE_EXCEEDED when no file came in time.
absl::StatusOr<std::string> ReadNatsPortsFile(const std::string& directory, pid_t pid, int pidfd,
                                              absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string path = absl::StrCat(directory, "/nats-server_", pid, ".ports");
  const std::string kScheme = "nats://";
  while (true) {
    std::ifstream in(path);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (const size_t start = contents.find(kScheme); start != std::string::npos) {
      const size_t end = contents.find('"', start);
      if (end != std::string::npos) {
        return contents.substr(start + kScheme.size(), end - start - kScheme.size());
      }
    }
    if (absl::Now() > deadline) return absl::DeadlineExceededError("no ports file in time");
    pollfd exited{pidfd, POLLIN, 0};
    if (poll(&exited, 1, 20) > 0) return absl::UnavailableError("exited");
  }
}

// "127.0.0.1:PORT" as a socket address. INVALID_ARGUMENT when it is not one.
absl::StatusOr<sockaddr_in> LoopbackSocketAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port <= 0 || port > 65535 ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &socket_address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(address, " is not an IPv4 HOST:PORT"));
  }
  socket_address.sin_port = htons(static_cast<uint16_t>(port));
  return socket_address;
}

// Waits until a TCP connection to `address` succeeds, for up to `timeout`, giving up when
// `pidfd` (the server's) says it exited. DEADLINE_EXCEEDED or UNAVAILABLE then.
absl::Status WaitForListener(const std::string& address, int pidfd, absl::Duration timeout) {
  absl::StatusOr<sockaddr_in> socket_address = LoopbackSocketAddress(address);
  if (!socket_address.ok()) return socket_address.status();
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
    const bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&*socket_address),
                                   sizeof(*socket_address)) == 0;
    close(fd);
    if (connected) return absl::OkStatus();
    pollfd exited{pidfd, POLLIN, 0};
    if (pidfd >= 0 && poll(&exited, 1, 20) > 0) return absl::UnavailableError("it exited");
    if (pidfd < 0) absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("nothing accepted connections on ", address));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const ServerProcessOptions& options) {
  absl::StatusOr<std::string> made = MakeTempDirectory("syndicate-bench");
  if (!made.ok()) return made.status();
  std::string directory = *std::move(made);
  const std::string log_path = directory + "/server.log";
  // Without API keys (loopback only, as --auth=none requires): the benchmarks measure the
  // data path.
  std::vector<std::string> args = {options.binary};
  args.insert(args.end(), options.leading_args.begin(), options.leading_args.end());
  if (options.address == ServerProcessOptions::Address::kNatsPortsFile) {
    args.insert(args.end(), {"-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", directory});
    if (options.nats_jetstream) {
      args.insert(args.end(), {"-js", "-sd", absl::StrCat(directory, "/jetstream")});
    }
  } else if (options.address == ServerProcessOptions::Address::kListenFlag) {
    args.emplace_back("--listen=127.0.0.1:0");
  }
  if (options.syndicated_flags) {
    args.push_back(absl::StrCat("--data-dir=", options.data_dir.empty()
                                                   ? absl::StrCat(directory, "/data")
                                                   : options.data_dir));
    args.emplace_back("--auth=none");
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  // Everything the child needs is prepared here: between fork and exec it only makes
  // system calls, since the parent has threads.
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int cpu : options.cpus) CPU_SET(cpu, &cpus);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::array<int, 2> out = {-1, -1};
  if (log_fd < 0 || null_fd < 0 || pipe2(out.data(), O_CLOEXEC) != 0) {
    const int error = errno;
    for (int fd : {log_fd, null_fd, out[0], out[1]}) {
      if (fd >= 0) close(fd);
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    return absl::InternalError(
        absl::StrCat("cannot prepare ", log_path, ": ", std::strerror(error)));
  }

  const pid_t pid = fork();
  if (pid == 0) {
    // The server dies with this process, so an interrupted benchmark leaves nothing running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!options.cpus.empty()) sched_setaffinity(0, sizeof(cpus), &cpus);
    dup2(null_fd, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const int fork_error = errno;
  close(out[1]);
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    close(out[0]);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_error)));
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  std::unique_ptr<ServerProcess> server(new ServerProcess(directory, pid, pidfd, out[0]));
  if (pidfd < 0) {
    return absl::InternalError(absl::StrCat("pidfd_open: ", std::strerror(errno)));
  }

  if (options.address == ServerProcessOptions::Address::kOwnConfig) {
    if (absl::Status up = WaitForListener(options.own_address, pidfd, options.start_timeout);
        !up.ok()) {
      return absl::UnavailableError(absl::StrCat(options.binary, " did not start (", up.message(),
                                                 "); its log ends:\n", server->LogTail(20)));
    }
    server->address_ = options.own_address;
    return server;
  }
  absl::StatusOr<std::string> line =
      options.address == ServerProcessOptions::Address::kNatsPortsFile
          ? ReadNatsPortsFile(directory, pid, pidfd, options.start_timeout)
          : ReadLine(server->stdout_fd_, options.start_timeout);
  if (!line.ok()) {
    return absl::UnavailableError(absl::StrCat(options.binary, " did not start (",
                                               line.status().message(), "); its log ends:\n",
                                               server->LogTail(20)));
  }
  server->address_ = *std::move(line);
  return server;
}

ServerProcess::~ServerProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    WaitForExit(absl::InfiniteDuration());
  }
  if (pidfd_ >= 0) close(pidfd_);
  close(stdout_fd_);
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::StatusOr<int64_t> ServerProcess::RssBytes() const {
  return ReadProcStatusBytes(pid_, "VmRSS");
}

absl::StatusOr<int64_t> ServerProcess::PeakRssBytes() const {
  return ReadProcStatusBytes(pid_, "VmHWM");
}

absl::StatusOr<int64_t> ServerProcess::SettledRssBytes() const {
  absl::StatusOr<int64_t> previous = RssBytes();
  int stable = 0;
  for (int i = 0; i < 20 && previous.ok() && stable < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(250));
    absl::StatusOr<int64_t> now = RssBytes();
    if (!now.ok()) return now;
    stable = std::abs(*now - *previous) <= int64_t{64} * 1024 ? stable + 1 : 0;
    previous = now;
  }
  return previous;
}

absl::StatusOr<double> ServerProcess::CpuSeconds() const { return ProcessCpuSeconds(pid_); }

bool ServerProcess::WaitForExit(absl::Duration timeout) {
  if (reaped_) return true;
  const absl::Time deadline = absl::Now() + timeout;
  // Without a pidfd (pidfd_open failed at start) only a blocking wait is possible.
  while (pidfd_ >= 0) {
    pollfd exited{pidfd_, POLLIN, 0};
    const int polled = poll(&exited, 1, PollMilliseconds(deadline - absl::Now()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) return false;
    break;
  }
  while (waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  return true;
}

absl::Status ServerProcess::Stop(absl::Duration grace) {
  bool killed = false;
  if (!reaped_) {
    kill(pid_, SIGTERM);
    if (!WaitForExit(grace)) {
      kill(pid_, SIGKILL);
      WaitForExit(absl::InfiniteDuration());
      killed = true;
    }
  }
  if (killed) {
    return absl::DeadlineExceededError(
        absl::StrCat("the server did not stop within ", absl::FormatDuration(grace),
                     " of SIGTERM and was killed; its log ends:\n", LogTail(20)));
  }
  if (WIFEXITED(wait_status_) && WEXITSTATUS(wait_status_) == 0) return absl::OkStatus();
  const std::string how = WIFEXITED(wait_status_)
                              ? absl::StrCat("exited with status ", WEXITSTATUS(wait_status_))
                              : absl::StrCat("was killed by signal ", WTERMSIG(wait_status_));
  return absl::InternalError(absl::StrCat("the server ", how, "; its log ends:\n", LogTail(20)));
}

std::string ServerProcess::LogTail(int lines) const {
  std::ifstream in(directory_ + "/server.log");
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > static_cast<size_t>(lines)) tail.pop_front();
  }
  return absl::StrJoin(tail, "\n");
}

absl::StatusOr<std::string> MakeTempDirectory(const std::string& name) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string directory =
      absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp", "/", name, "-XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp(", directory, "): ", std::strerror(errno)));
  }
  return directory;
}

absl::StatusOr<std::string> FreeLoopbackAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in bound{};
  bound.sin_family = AF_INET;
  bound.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(bound);
  const bool ok = bind(fd, reinterpret_cast<const sockaddr*>(&bound), sizeof(bound)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0;
  const int error = errno;
  close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("bind 127.0.0.1:0: ", std::strerror(error)));
  return absl::StrCat("127.0.0.1:", ntohs(bound.sin_port));
}

std::string FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view directory : absl::StrSplit(path != nullptr ? path : "", ':')) {
    if (directory.empty()) continue;
    std::string candidate = absl::StrCat(directory, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  if (argv.empty() || FindProgram(argv[0]).empty()) {
    return absl::NotFoundError(absl::StrCat(argv.empty() ? "" : argv[0], ": no such program"));
  }
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::array<int, 2> out = {-1, -1};
  if (null_fd < 0 || pipe2(out.data(), O_CLOEXEC) != 0) {
    const int error = errno;
    if (null_fd >= 0) close(null_fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(error)));
  }
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(null_fd, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    execvp(pointers[0], pointers.data());
    _exit(127);
  }
  const int fork_error = errno;
  close(out[1]);
  close(null_fd);
  if (pid < 0) {
    close(out[0]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_error)));
  }
  CommandResult result;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  while (true) {
    pollfd readable{out[0], POLLIN, 0};
    const int polled = poll(&readable, 1, PollMilliseconds(deadline - absl::Now()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    std::array<char, 4096> buffer;
    const ssize_t got = read(out[0], buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.output.append(buffer.data(), static_cast<size_t>(got));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], " ran longer than ", absl::FormatDuration(timeout)));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace syndicate::bench
