// Runs a program as a child process for end-to-end tests: its stdout is readable line by
// line, its stderr goes to the test's stderr, and it is killed when the handle goes away.
#ifndef SYNDICATE_TESTS_TESTING_SUBPROCESS_H_
#define SYNDICATE_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syndicate::testing {

class Subprocess {
 public:
  // Starts `argv[0]` (a path) with `argv`. INTERNAL when it cannot be started.
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) = delete;
  Subprocess(const Subprocess&) = delete;
  // Kills the process with SIGKILL if it is still running, and reaps it.
  ~Subprocess();

  // The next line of stdout without its newline. DEADLINE_EXCEEDED after `timeout`,
  // OUT_OF_RANGE when stdout closed first.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Sends `signal` to the process.
  void Signal(int signal);

  // Waits for the process to end; returns its exit code, or 128 + the signal that ended it.
  // DEADLINE_EXCEEDED after `timeout` (the process is left running).
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  Subprocess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  std::optional<int> exit_code_;
};

// Runs `argv` to completion with `input` on stdin; returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
absl::StatusOr<RunResult> Run(const std::vector<std::string>& argv,
                              const std::vector<std::string>& extra_env = {});

// "127.0.0.1:PORT" for a port that was free a moment ago: bound with port 0, then closed.
std::string UnusedLoopbackAddress();

// A fresh, empty directory under ::testing::TempDir() named after the running test,
// removed when the test binary exits unless a test failed.
std::string FreshTempDir();

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_SUBPROCESS_H_
