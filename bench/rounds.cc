#include "bench/rounds.h"

namespace syndicate::bench {

void RoundFlags::ApplyQuick() {
  if (!quick) return;
  rounds = 3;
  round_seconds = 0.2;
  warmup_seconds = 0.1;
}

void AddRoundFlags(CLI::App* command, const std::string& side, const std::string& channels_help,
                   RoundFlags* flags) {
  command
      ->add_option("--rounds", flags->rounds,
                   "Measured rounds per " + side + " and configuration (at least 3)")
      ->check(CLI::Range(3, 1000))
      ->capture_default_str();
  command->add_option("--round-seconds", flags->round_seconds, "Length of one round")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--warmup-seconds", flags->warmup_seconds,
                   "Unmeasured load per " + side + " before each configuration's rounds")
      ->capture_default_str();
  command->add_option("--channels", flags->channels, channels_help)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_flag("--quick", flags->quick,
                    "Smoke test in seconds: 3 rounds of 0.2 s, 0.1 s of warm-up");
  command->add_option("--server-arg", flags->server_args,
                      "Extra flag for syndicated, e.g. --server-arg=--sync-writes=false");
}

}  // namespace syndicate::bench
