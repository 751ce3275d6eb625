// syndicate-bench: runs one benchmark scenario against a real syndicated and prints the
// machine and the results as Markdown. See bench/README.md.
//
//   syndicate-bench [--syndicated=PATH] [--no-pin] SCENARIO [SCENARIO FLAGS]
//
// `syndicate-bench bare-server` (hidden) is the baseline server of the pull and fanout
// scenarios, which start it as a subprocess (bench/bare_server.h).
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/bare_server.h"
#include "bench/scenario.h"
#include "bench/stats.h"
#include "bench/system_info.h"

#ifndef SYNDICATE_BENCH_SYNDICATED
#define SYNDICATE_BENCH_SYNDICATED "syndicated"
#endif

namespace syndicate::bench {
namespace {

// Splits the CPUs this process may use: the upper half for the server, the lower half for
// the load generator, so that neither steals the other's core. Empty halves (fewer than
// two CPUs) mean no pinning.
void ChooseCpus(BenchEnvironment* environment) {
  const std::vector<int> cpus = AllowedCpus();
  if (cpus.size() < 2) return;
  const size_t half = cpus.size() / 2;
  environment->bench_cpus.assign(cpus.begin(), cpus.begin() + static_cast<long>(half));
  environment->server_cpus.assign(cpus.begin() + static_cast<long>(half), cpus.end());
}

void PrintMachine(const BenchEnvironment& environment) {
  const MachineInfo machine = DescribeMachine();
  std::cout << "## Machine\n\n"
            << "- CPU: " << machine.cpu_model << ", " << machine.online_cpus << " online\n"
            << "- Memory: " << FormatMib(machine.memory_bytes) << " MiB\n"
            << "- Kernel: " << machine.kernel << "\n"
            << "- Compiler: " << machine.compiler << ", build type " << machine.build_type
            << ", gRPC " << machine.grpc_version << "\n"
            << "- Pinning: server on CPU " << FormatCpus(environment.server_cpus)
            << ", load generator on CPU " << FormatCpus(environment.bench_cpus) << "\n\n";
}

int Main(int argc, char** argv) {
  ScenarioRegistry registry;
  RegisterAllScenarios(&registry);

  CLI::App app{"syndicate-bench: end-to-end benchmarks of syndicated"};
  BenchEnvironment environment;
  environment.syndicated = SYNDICATE_BENCH_SYNDICATED;
  bool no_pin = false;
  app.add_option("--syndicated", environment.syndicated, "The syndicated binary to start")
      ->capture_default_str();
  app.add_flag("--no-pin", no_pin, "Do not pin the server and the load generator to CPUs");
  app.require_subcommand(1);
  for (const auto& [name, entry] : registry.entries()) {
    entry.scenario->AddFlags(app.add_subcommand(name, entry.description));
  }
  BareServerOptions bare_server;
  CLI::App* bare_command =
      app.add_subcommand("bare-server", "The pull and fanout scenarios' baseline server")
          ->group("");
  bare_command->add_option("--listen", bare_server.listen, "HOST:PORT")->required();
  bare_command->add_option("--article-file", bare_server.article_files, "A serialized Article");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // A server, not a benchmark: no pinning of its own (the benchmark that started it chose
  // its CPUs), and stdout carries only its address.
  if (bare_command->parsed()) return RunBareServer(bare_server);

  // Before any gRPC object exists: threads created later inherit the affinity.
  if (!no_pin) {
    ChooseCpus(&environment);
    if (!environment.bench_cpus.empty()) {
      if (absl::Status pinned = PinCurrentThread(environment.bench_cpus); !pinned.ok()) {
        std::cerr << "syndicate-bench: " << pinned << "; running unpinned\n";
        environment.bench_cpus.clear();
        environment.server_cpus.clear();
      }
    }
  }
  PrintMachine(environment);
  const std::string scenario = app.get_subcommands().front()->get_name();
  return registry.Find(scenario)->Run(environment);
}

}  // namespace
}  // namespace syndicate::bench

int main(int argc, char** argv) { return syndicate::bench::Main(argc, argv); }
