// syndicated as an operator runs it, as a child process of a test: its ports read from
// --ports-file, its stderr (JSON log lines) kept in a file the test reads back. The
// including target defines SYNDICATED_PATH (the binary) and links syndicate::client.
#ifndef SYNDICATE_TESTS_TESTING_SYNDICATED_PROCESS_H_
#define SYNDICATE_TESTS_TESTING_SYNDICATED_PROCESS_H_

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace syndicate::testing {

class SyndicatedProcess {
 public:
  // Starts `SYNDICATED_PATH flags… --ports-file=DIR/ports` with its stderr appended to
  // DIR/stderr.log (`dir` must exist), and waits up to 30 s for the address it prints on
  // stdout. `flags` name everything else (--listen, --data-dir, --auth, …). Errors of
  // Subprocess::Start and ReadLine (OUT_OF_RANGE when it exited first: see DIR/stderr.log).
  static absl::StatusOr<SyndicatedProcess> Start(const std::string& dir,
                                                 const std::vector<std::string>& flags) {
    std::string command = absl::StrCat("exec '", SYNDICATED_PATH, "'");
    for (const std::string& flag : flags) absl::StrAppend(&command, " '", flag, "'");
    absl::StrAppend(&command, " --ports-file='", dir, "/ports' 2>>'", dir, "/stderr.log'");
    absl::StatusOr<Subprocess> process = Subprocess::Start({"/bin/sh", "-c", command});
    if (!process.ok()) return process.status();
    absl::StatusOr<std::string> address = process->ReadLine(absl::Seconds(30));
    if (!address.ok()) return address.status();
    SyndicatedProcess server(*std::move(process), dir);
    server.address = *address;
    for (absl::string_view line : absl::StrSplit(ReadFile(dir + "/ports"), '\n')) {
      if (absl::ConsumePrefix(&line, "health ")) server.health_address = std::string(line);
      if (absl::ConsumePrefix(&line, "metrics ")) server.metrics_address = std::string(line);
    }
    return server;
  }

  SyndicatedProcess(SyndicatedProcess&& other) noexcept = default;
  SyndicatedProcess& operator=(SyndicatedProcess&& other) = delete;
  SyndicatedProcess(const SyndicatedProcess&) = delete;
  // The process is SIGKILLed and reaped, if it still runs (Subprocess's destructor).
  ~SyndicatedProcess() = default;

  // A client of `address` sending `secret` as its API key (empty: none, for --auth=none).
  std::unique_ptr<client::Client> Client(const std::string& secret = "") const {
    client::ClientOptions options;
    options.server = address;
    options.api_key = secret;
    return *client::Client::Create(options);
  }

  // Every stderr line so far, each parsed as a JSON object; ADD_FAILURE for one that is not.
  std::vector<google::protobuf::Struct> LogLines() const {
    std::vector<google::protobuf::Struct> lines;
    for (absl::string_view line : absl::StrSplit(RawLog(), '\n')) {
      if (line.empty()) continue;
      google::protobuf::Struct parsed;
      if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok()) {
        ADD_FAILURE() << "not a JSON object: " << line;
        continue;
      }
      lines.push_back(parsed);
    }
    return lines;
  }

  // Everything written to stderr so far, as is.
  std::string RawLog() const { return ReadFile(dir_ + "/stderr.log"); }

  // The content of the file at `path`; empty when it cannot be read.
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  Subprocess process;
  // HOST:PORT of the API, and of --health-listen and --metrics-listen (empty without them).
  std::string address;
  std::string health_address;
  std::string metrics_address;

 private:
  SyndicatedProcess(Subprocess process, std::string dir)
      : process(std::move(process)), dir_(std::move(dir)) {}

  std::string dir_;
};

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_SYNDICATED_PROCESS_H_
