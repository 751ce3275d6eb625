#include "bench/nginx_baseline.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace syndicate::bench {
namespace {

// nginx lives in /usr/sbin, which a user's PATH often lacks.
std::string FindNginx() {
  const std::string in_path = FindProgram("nginx");
  return in_path.empty() ? FindProgram("/usr/sbin/nginx") : in_path;
}

// The whole configuration: nothing is read from /etc/nginx, nothing written outside
// `directory`. Temporary paths are set because nginx creates its compiled-in ones
// (/var/lib/nginx/…) at startup, which only root may.
std::string NginxConfig(const std::string& directory, const std::string& address) {
  return absl::StrCat(
      "daemon off;\n"
      "master_process off;\n"
      "worker_processes 1;\n"
      "pid ",
      directory,
      "/nginx.pid;\n"
      "error_log stderr warn;\n"
      "events { worker_connections 1024; }\n"
      "http {\n"
      "  access_log off;\n"
      // nginx closes a connection after 1,000 requests by default, and h2load, timed by
      // --duration, does not open another: the connection would sit idle.
      "  keepalive_requests 100000000;\n"
      "  client_body_temp_path ",
      directory,
      "/client_body;\n"
      "  proxy_temp_path ",
      directory,
      "/proxy;\n"
      "  fastcgi_temp_path ",
      directory,
      "/fastcgi;\n"
      "  uwsgi_temp_path ",
      directory,
      "/uwsgi;\n"
      "  scgi_temp_path ",
      directory,
      "/scgi;\n"
      "  server {\n"
      "    listen ",
      address,
      " http2;\n"
      "    root ",
      directory,
      "/www;\n"
      "    default_type application/json;\n"
      "  }\n"
      "}\n");
}

// The number before `label` in h2load's summary, e.g. Count(out, "succeeded") for
// "requests: 975 total, 983 started, 975 done, 975 succeeded, …": the first run of digits
// that `after` + `label` follows and `before` precedes. -1 when absent. (No std::regex:
// GCC 12 warns inside it under -O1 with the sanitizers, and warnings are errors.)
int64_t Count(const std::string& output, const std::string& label, const std::string& before = "",
              const std::string& after = " ") {
  const std::string suffix = after + label;
  for (size_t at = output.find(suffix); at != std::string::npos; at = output.find(suffix, at + 1)) {
    size_t start = at;
    while (start > 0 && absl::ascii_isdigit(static_cast<unsigned char>(output[start - 1]))) {
      --start;
    }
    if (start == at || start < before.size() ||
        output.compare(start - before.size(), before.size(), before) != 0) {
      continue;
    }
    int64_t value = -1;
    if (absl::SimpleAtoi(output.substr(start, at - start), &value)) return value;
  }
  return -1;
}

// The requests per second of h2load's "finished in 2.00s, 24538.50 req/s, …" line; false
// when absent.
bool RequestsPerSecond(const std::string& output, double* rate) {
  const size_t finished = output.find("finished in ");
  if (finished == std::string::npos) return false;
  const size_t comma = output.find(", ", finished);
  const size_t unit = output.find(" req/s", finished);
  if (comma == std::string::npos || unit == std::string::npos || unit < comma) return false;
  return absl::SimpleAtod(output.substr(comma + 2, unit - comma - 2), rate);
}

}  // namespace

absl::StatusOr<std::unique_ptr<NginxServer>> NginxServer::Start(
    const std::vector<std::string>& files, const std::vector<int>& cpus) {
  const std::string nginx = FindNginx();
  if (nginx.empty()) return absl::FailedPreconditionError("nginx is not installed");
  if (FindProgram("h2load").empty())
    return absl::FailedPreconditionError("h2load is not installed");

  absl::StatusOr<std::string> made = MakeTempDirectory("syndicate-bench-nginx");
  if (!made.ok()) return made.status();
  const std::string directory = *std::move(made);
  std::vector<size_t> sizes;
  for (const std::string& file : files) sizes.push_back(file.size());
  std::unique_ptr<NginxServer> server(new NginxServer(directory, std::move(sizes)));
  std::error_code error;
  std::filesystem::create_directory(directory + "/www", error);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string path = absl::StrCat(directory, "/www/article-", i, ".json");
    std::ofstream out(path, std::ios::binary);
    out << files[i];
    if (!out.flush()) return absl::InternalError(absl::StrCat(path, ": cannot be written"));
  }

  // The free port may be taken by someone else before nginx binds it: try a few.
  absl::Status last = absl::OkStatus();
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<std::string> address = FreeLoopbackAddress();
    if (!address.ok()) return address.status();
    const std::string config = directory + "/nginx.conf";
    std::ofstream out(config, std::ios::trunc);
    out << NginxConfig(directory, *address);
    if (!out.flush()) return absl::InternalError(absl::StrCat(config, ": cannot be written"));
    ServerProcessOptions options;
    options.binary = nginx;
    options.syndicated_flags = false;
    options.address = ServerProcessOptions::Address::kOwnConfig;
    options.own_address = *address;
    options.cpus = cpus;
    options.extra_args = {"-p", directory, "-c", config, "-e", "stderr"};
    options.start_timeout = absl::Seconds(10);
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
    if (started.ok()) {
      server->process_ = *std::move(started);
      return server;
    }
    last = started.status();
  }
  return last;
}

NginxServer::~NginxServer() {
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::StatusOr<H2loadResult> NginxServer::RunH2load(size_t index, int connections, int streams,
                                                    absl::Duration duration) const {
  const std::string log = absl::StrCat(directory_, "/h2load.log");
  std::filesystem::remove(log);
  absl::StatusOr<CommandResult> run =
      RunCommand({"h2load", absl::StrCat("--clients=", connections),
                  absl::StrCat("--max-concurrent-streams=", streams), "--threads=1",
                  absl::StrCat("--duration=", absl::ToInt64Milliseconds(duration), "ms"),
                  absl::StrCat("--log-file=", log),
                  absl::StrCat("http://", process_->address(), "/article-", index, ".json")},
                 duration + absl::Seconds(30));
  if (!run.ok()) return run.status();
  const std::string& output = run->output;
  // "requests: 975 total, 983 started, 975 done, 975 succeeded, 0 failed, …": requests
  // still in flight when the duration ended are started but not done, and no failure.
  const int64_t done = Count(output, "done");
  const int64_t failed = Count(output, "failed");
  const int64_t succeeded = Count(output, "2xx");
  // "traffic: … 12.40MB (13002600) data": the response bodies; each must be the whole file.
  const int64_t data = Count(output, "data", "(", ") ");
  double rate = 0;
  if (run->exit_code != 0 || done < 0 || failed < 0 || succeeded < 0 || data < 0 ||
      !RequestsPerSecond(output, &rate)) {
    return absl::InternalError(absl::StrCat(
        "h2load exited with ", run->exit_code,
        "; its output ends: ", output.substr(output.size() > 600 ? output.size() - 600 : 0)));
  }
  H2loadResult result;
  result.ok = succeeded;
  result.failed = std::max<int64_t>(failed, done - succeeded);
  if (result.failed > 0) {
    result.ok = done - result.failed;
    result.first_error =
        absl::StrCat(result.failed, " of ", done, " requests failed or were not 2xx");
  } else if (const int64_t expected = succeeded * static_cast<int64_t>(file_bytes_[index]);
             std::abs(data - expected) >
             static_cast<int64_t>(file_bytes_[index]) * std::max(1, connections * streams)) {
    // h2load counts a response when its headers come, its body as it comes: a response the
    // end of the duration cut may be counted with none or part of its body, one per stream
    // at most (CI once saw exactly one whole body missing at -c 1 -m 1). A wrong file or an
    // error page is off by more.
    result.failed = succeeded;
    result.ok = 0;
    result.first_error = absl::StrCat(data, " bytes of bodies for ", succeeded, " responses of ",
                                      file_bytes_[index], " bytes");
  }
  result.requests_per_second = rate;

  // One line per request: start (µs since the epoch), status, µs until the response ended.
  std::ifstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    int64_t micros = 0;
    if (fields.size() >= 3 && fields[1].size() == 3 && fields[1][0] == '2' &&
        absl::SimpleAtoi(fields[2], &micros)) {
      result.latencies_ns.push_back(micros * 1000);
    }
  }
  return result;
}

}  // namespace syndicate::bench
