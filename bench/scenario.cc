#include "bench/scenario.h"

#include <utility>

namespace syndicate::bench {

void ScenarioRegistry::Add(const std::string& name, const std::string& description,
                           std::unique_ptr<Scenario> scenario) {
  entries_[name] = Entry{description, std::move(scenario)};
}

Scenario* ScenarioRegistry::Find(const std::string& name) const {
  const auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.scenario.get();
}

void RegisterAllScenarios(ScenarioRegistry* registry) {
  RegisterFanout(registry);
  RegisterList(registry);
  RegisterInstructions(registry);
  RegisterJetStream(registry);
  RegisterPublish(registry);
  RegisterPull(registry);
}

}  // namespace syndicate::bench
