#include "bench/system_info.h"

#include <grpcpp/version_info.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#ifndef SYNDICATE_BENCH_COMPILER
#define SYNDICATE_BENCH_COMPILER "unknown"
#endif
#ifndef SYNDICATE_BENCH_BUILD_TYPE
#define SYNDICATE_BENCH_BUILD_TYPE "unknown"
#endif

namespace syndicate::bench {
namespace {

// The value after "key:" on the first line of `path` that starts with `key`, trimmed.
std::string FirstValue(const std::string& path, absl::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, key)) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    return std::string(absl::StripAsciiWhitespace(absl::string_view(line).substr(colon + 1)));
  }
  return "";
}

}  // namespace

MachineInfo DescribeMachine() {
  MachineInfo info;
  info.cpu_model = FirstValue("/proc/cpuinfo", "model name");
  if (info.cpu_model.empty()) info.cpu_model = "unknown";
  info.online_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  utsname names{};
  info.kernel = uname(&names) == 0 ? absl::StrCat(names.sysname, " ", names.release) : "unknown";
  // "16384000 kB"
  const std::string total = FirstValue("/proc/meminfo", "MemTotal");
  int64_t kilobytes = 0;
  if (absl::SimpleAtoi(absl::StripSuffix(total, " kB"), &kilobytes)) {
    info.memory_bytes = kilobytes * 1024;
  }
  info.compiler = SYNDICATE_BENCH_COMPILER;
  info.build_type = SYNDICATE_BENCH_BUILD_TYPE;
  info.grpc_version = GRPC_CPP_VERSION_STRING;
  return info;
}

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

absl::Status PinCurrentThread(const std::vector<int>& cpus) {
  if (cpus.empty()) return absl::InvalidArgumentError("cpus: empty");
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("sched_setaffinity(", FormatCpus(cpus), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReadProcStatusBytes(pid_t pid, absl::string_view field) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  const std::string prefix = absl::StrCat(field, ":");
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, prefix)) continue;
    absl::string_view value =
        absl::StripAsciiWhitespace(absl::string_view(line).substr(prefix.size()));
    int64_t kilobytes = 0;
    if (!absl::ConsumeSuffix(&value, " kB") || !absl::SimpleAtoi(value, &kilobytes)) break;
    return kilobytes * 1024;
  }
  return absl::NotFoundError(absl::StrCat(path, ": no ", field, " in kB"));
}

absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  const std::string path = pid == 0 ? "/proc/self/stat" : absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  std::string stat;
  if (!std::getline(in, stat)) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  // The command name (field 2) is parenthesized and may hold spaces; fields count from the
  // last ')'. utime and stime are fields 14 and 15, in clock ticks.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return absl::NotFoundError(absl::StrCat(path, ": malformed"));
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close + 2), ' ');
  int64_t user = 0;
  int64_t system = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user) ||
      !absl::SimpleAtoi(fields[12], &system)) {
    return absl::NotFoundError(absl::StrCat(path, ": malformed"));
  }
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

absl::StatusOr<double> MachineBusyCpuSeconds() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line) || !absl::StartsWith(line, "cpu ")) {
    return absl::NotFoundError("/proc/stat: cannot be read");
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  int64_t busy = 0;
  for (size_t i : {1, 2, 3, 6, 7, 8}) {
    int64_t ticks = 0;
    if (i >= fields.size() || !absl::SimpleAtoi(fields[i], &ticks)) {
      return absl::NotFoundError("/proc/stat: malformed");
    }
    busy += ticks;
  }
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t RaiseOpenFileLimit(int64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(limit.rlim_cur) < wanted) {
    auto target = static_cast<rlim_t>(wanted);
    if (limit.rlim_max != RLIM_INFINITY && target > limit.rlim_max) target = limit.rlim_max;
    limit.rlim_cur = target;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? INT64_MAX : static_cast<int64_t>(limit.rlim_cur);
}

std::string FormatCpus(const std::vector<int>& cpus) {
  return cpus.empty() ? "any" : absl::StrJoin(cpus, ", ");
}

}  // namespace syndicate::bench
