// Summaries of measured samples for syndicate-bench tables.
#ifndef SYNDICATE_BENCH_STATS_H_
#define SYNDICATE_BENCH_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace syndicate::bench {

// Percentiles of a set of durations, in milliseconds.
struct LatencySummary {
  int64_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Summarizes `samples_ns` (nanoseconds; reordered in place). Percentiles are nearest-rank:
// the smallest sample with at least p% of the samples at or below it. All zero when empty.
LatencySummary Summarize(std::vector<int64_t>* samples_ns);

// The median of `values` (the mean of the middle two for an even count); 0 when empty.
double Median(std::vector<double> values);

// A ratio measured once per round: "median (lowest–highest)", e.g. "0.78 (0.68–0.85)"; the
// value alone for one round; empty for none.
std::string FormatRatio(const std::vector<double>& ratios);

// Now on the steady clock, in nanoseconds: every latency the benchmarks measure is a
// difference of two of these, taken in the same process.
int64_t NowNs();

// `bytes` in MiB with one decimal, e.g. "37.4".
std::string FormatMib(int64_t bytes);

// `value` with `decimals` digits after the point and thousands separators in the integer
// part, e.g. FormatNumber(12345.678, 1) == "12,345.7".
std::string FormatNumber(double value, int decimals);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_STATS_H_
