// The pull scenario's second baseline, what many publishers run instead of an API: nginx
// serving each story as a static JSON file over HTTP/2 cleartext (h2c), driven by h2load
// (nghttp2). nginx runs as a subprocess with its own configuration in a temporary
// directory: one process (master_process off), no daemon, no access log, pid file, logs
// and temporary paths inside the directory, so it runs as root and as any other user.
#ifndef SYNDICATE_BENCH_NGINX_BASELINE_H_
#define SYNDICATE_BENCH_NGINX_BASELINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/server_process.h"

namespace syndicate::bench {

// One h2load run against one file.
struct H2loadResult {
  int64_t ok = 0;      // 2xx responses, when every one carried the file's bytes
  int64_t failed = 0;  // every other request h2load started and finished or gave up on
  std::string first_error;
  double requests_per_second = 0;     // h2load's own: OK responses / the run's duration
  std::vector<int64_t> latencies_ns;  // per 2xx response, from h2load's --log-file
};

class NginxServer {
 public:
  // Writes `files` (their contents) as article-0.json, article-1.json, … into a temporary
  // directory and starts nginx serving them there on a free 127.0.0.1 port, pinned to
  // `cpus` (none: unpinned). FAILED_PRECONDITION when nginx or h2load is not installed (the
  // message says which: the scenario reports the baseline as skipped); UNAVAILABLE when
  // nginx does not start (the message holds its log).
  static absl::StatusOr<std::unique_ptr<NginxServer>> Start(const std::vector<std::string>& files,
                                                            const std::vector<int>& cpus);

  // Stops nginx if it still runs and removes the directory.
  ~NginxServer();

  // Runs h2load against file `index` for `duration`: `connections` HTTP/2 connections
  // (h2load -c) with `streams` requests outstanding on each (-m), one h2load thread
  // (-t 1) on this thread's CPUs. The result checks every response: 2xx and the file's
  // bytes. INTERNAL when h2load fails to run or its output cannot be read.
  absl::StatusOr<H2loadResult> RunH2load(size_t index, int connections, int streams,
                                         absl::Duration duration) const;

  // The nginx process, for its CPU time.
  const ServerProcess& process() const { return *process_; }

  // Stops nginx (SIGTERM): OK when it exited with status 0.
  absl::Status Stop() { return process_->Stop(absl::Seconds(10)); }

 private:
  NginxServer(std::string directory, std::vector<size_t> file_bytes)
      : directory_(std::move(directory)), file_bytes_(std::move(file_bytes)) {}

  const std::string directory_;  // configuration, files, h2load logs
  const std::vector<size_t> file_bytes_;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_NGINX_BASELINE_H_
