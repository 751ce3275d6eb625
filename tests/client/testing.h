// Helpers of the client's tests: syndicated as a child process (SYNDICATED_PATH is set by
// tests/client/CMakeLists.txt), cursors taken apart, files read back.
#ifndef SYNDICATE_TESTS_CLIENT_TESTING_H_
#define SYNDICATE_TESTS_CLIENT_TESTING_H_

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "tests/testing/subprocess.h"

namespace syndicate::testing {

struct Syndicated {
  Subprocess process;
  // HOST:PORT it serves on.
  std::string address;
};

// Starts syndicated on `data_dir` listening on `listen` without authentication
// (--auth=none), with `extra_flags` (e.g. "--signing-key-file=…"), and waits for the address it
// prints. Restarting on the address of a server that just ended keeps the port, so that clients of
// the old server reach the new one. Errors of Subprocess::Start and ReadLine.
inline absl::StatusOr<Syndicated> StartSyndicated(
    const std::string& data_dir, const std::string& listen = "127.0.0.1:0",
    const std::vector<std::string>& extra_flags = {}) {
  std::vector<std::string> argv = {SYNDICATED_PATH, "--listen=" + listen, "--data-dir=" + data_dir,
                                   "--auth=none"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  absl::StatusOr<Subprocess> process = Subprocess::Start(argv);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> address = process->ReadLine(absl::Seconds(60));
  if (!address.ok()) return address.status();
  return Syndicated{*std::move(process), *std::move(address)};
}

// The sequence number inside a cursor. Cursors are opaque to partners; the tests know their
// form ("<epoch>:<sequence>", server/cursor.h) to check that no event is lost or repeated.
inline uint64_t SequenceOf(const std::string& cursor) {
  uint64_t sequence = 0;
  const size_t colon = cursor.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(cursor.substr(colon + 1), &sequence)) {
    return 0;
  }
  return sequence;
}

// The epoch inside a cursor (see SequenceOf).
inline std::string EpochOf(const std::string& cursor) { return cursor.substr(0, cursor.find(':')); }

// The content of the file at `path`; empty when it cannot be read.
inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_CLIENT_TESTING_H_
