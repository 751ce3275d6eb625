// What scenarios that compare syndicated with a baseline in alternating rounds share: the
// flags of the rounds (how many, how long, the warm-up, the channels, --quick, extra server
// flags). The median that summarizes a ratio over the rounds is stats.h's.
#ifndef SYNDICATE_BENCH_ROUNDS_H_
#define SYNDICATE_BENCH_ROUNDS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace syndicate::bench {

struct RoundFlags {
  int rounds = 5;                        // measured rounds per side and configuration, at least 3
  double round_seconds = 2;              // length of one round
  double warmup_seconds = 1;             // unmeasured load per side before a configuration's rounds
  int channels = 4;                      // gRPC channels (TCP connections) to a server
  bool quick = false;                    // smoke test: see ApplyQuick
  std::vector<std::string> server_args;  // extra flags for syndicated

  // With --quick: 3 rounds of 0.2 s, 0.1 s of warm-up.
  void ApplyQuick();
};

// Adds --rounds, --round-seconds, --warmup-seconds, --channels (described by
// `channels_help`), --quick and --server-arg to `command`, bound to `flags`, which must
// outlive it. `side` names what a round runs against in the help ("server", "side").
void AddRoundFlags(CLI::App* command, const std::string& side, const std::string& channels_help,
                   RoundFlags* flags);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_ROUNDS_H_
