// What syndicate-bench needs from the operating system: the machine description printed
// with every result, CPU affinity, a process's memory from /proc, and the open-file limit.
// Linux only.
#ifndef SYNDICATE_BENCH_SYSTEM_INFO_H_
#define SYNDICATE_BENCH_SYSTEM_INFO_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace syndicate::bench {

struct MachineInfo {
  std::string cpu_model;     // "model name" of /proc/cpuinfo, or "unknown"
  int online_cpus = 0;       // CPUs the kernel has online
  std::string kernel;        // uname -sr, e.g. "Linux 6.1.0-18-amd64"
  int64_t memory_bytes = 0;  // MemTotal of /proc/meminfo
  std::string compiler;      // compiler id and version this program was built with
  std::string build_type;    // CMAKE_BUILD_TYPE of this build
  std::string grpc_version;  // gRPC C++ version linked
};

// Describes this machine and build. Never fails; unknown parts say "unknown".
MachineInfo DescribeMachine();

// The CPUs this thread may run on (sched_getaffinity), ascending.
std::vector<int> AllowedCpus();

// Pins the calling thread, and every thread it creates afterwards, to `cpus`.
// INVALID_ARGUMENT when `cpus` is empty; the errno of sched_setaffinity otherwise.
absl::Status PinCurrentThread(const std::vector<int>& cpus);

// A field of /proc/<pid>/status given in kB (VmRSS, VmHWM, RssAnon, …), in bytes.
// NOT_FOUND when the process or the field does not exist.
absl::StatusOr<int64_t> ReadProcStatusBytes(pid_t pid, absl::string_view field);

// CPU time (user + system) process `pid` has used so far, in seconds; pid 0 means this
// process. NOT_FOUND when the process does not exist.
absl::StatusOr<double> ProcessCpuSeconds(pid_t pid);

// CPU time every process of the machine has used so far (user, nice, system, irq, softirq
// and steal of the first line of /proc/stat), in seconds summed over CPUs. NOT_FOUND when
// /proc/stat cannot be read.
absl::StatusOr<double> MachineBusyCpuSeconds();

// Raises the soft RLIMIT_NOFILE of this process to at least `wanted` open files (capped at
// the hard limit). Returns the soft limit in effect afterwards.
int64_t RaiseOpenFileLimit(int64_t wanted);

// "1, 3, 4", or "any" when empty.
std::string FormatCpus(const std::vector<int>& cpus);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_SYSTEM_INFO_H_
