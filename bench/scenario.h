// The scenario registry of syndicate-bench: each benchmark is a named Scenario that adds its
// own flags to its subcommand and runs against the environment main() prepared (which
// syndicated to start, which CPUs the server and the load generator are pinned to).
#ifndef SYNDICATE_BENCH_SCENARIO_H_
#define SYNDICATE_BENCH_SCENARIO_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace syndicate::bench {

// What every scenario runs with. Filled by main() before Run.
struct BenchEnvironment {
  // Path of the syndicated binary to start.
  std::string syndicated;
  // CPUs for the server process; empty means unpinned.
  std::vector<int> server_cpus;
  // CPUs this process (the load generator) was pinned to; empty means unpinned.
  std::vector<int> bench_cpus;
  // Directory for the results as plot data (bench/plot_data.h, WritePlotSeries); empty
  // means none is written (no --plot-data).
  std::string plot_data;
};

class Scenario {
 public:
  virtual ~Scenario() = default;

  // Adds the scenario's flags to `command`; the values are read when Run is called.
  virtual void AddFlags(CLI::App* command) = 0;

  // Runs the scenario, printing its results as Markdown on stdout and progress on stderr.
  // Returns the process exit code: 0 when every check of the scenario passed (e.g. every
  // delivery arrived), 1 otherwise.
  virtual int Run(const BenchEnvironment& environment) = 0;
};

// Scenarios by name. Not thread-safe; filled once at startup.
class ScenarioRegistry {
 public:
  // Registers `scenario` as `name` (a subcommand name, e.g. "fanout"). A second scenario
  // with the same name replaces the first.
  void Add(const std::string& name, const std::string& description,
           std::unique_ptr<Scenario> scenario);

  // The scenario registered as `name`, or nullptr. Owned by the registry.
  Scenario* Find(const std::string& name) const;

  struct Entry {
    std::string description;
    std::unique_ptr<Scenario> scenario;
  };
  // Every scenario, by name in ascending order.
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;
};

// Registers every scenario of syndicate-bench. New scenarios add a line here (scenario.cc).
void RegisterAllScenarios(ScenarioRegistry* registry);

// One registration function per scenario, defined in the scenario's own file.
void RegisterFanout(ScenarioRegistry* registry);
void RegisterList(ScenarioRegistry* registry);
void RegisterInstructions(ScenarioRegistry* registry);
void RegisterJetStream(ScenarioRegistry* registry);
void RegisterPublish(ScenarioRegistry* registry);
void RegisterPull(ScenarioRegistry* registry);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_SCENARIO_H_
