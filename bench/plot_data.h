// Machine-readable results for plots: a scenario writes each line of a plot as a TSV file,
// and scripts/bench.sh draws one PNG per plot with gnuplot (bench/plots/lines.gp). See
// "Plots" in bench/README.md for the file format.
#ifndef SYNDICATE_BENCH_PLOT_DATA_H_
#define SYNDICATE_BENCH_PLOT_DATA_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace syndicate::bench {

// One line of a plot: throughput and latency against a load (outstanding requests,
// subscribers, publishers, …).
struct PlotSeries {
  // The plot this line belongs to, e.g. "pull-10KB": the PNG's name, and the start of the
  // file name of each of its lines. Letters, digits and '-' only.
  std::string plot;
  // Plot title, x-axis label and throughput axis label, e.g. "GetArticle, 10 KB story",
  // "outstanding requests", "calls/s". The lines of one plot should agree on them.
  std::string title;
  std::string x_label;
  std::string throughput_label;
  // Whether the x axis is logarithmic (e.g. 1 to 10,000 subscribers).
  bool log_x = false;
  // The legend entry, e.g. "syndicated".
  std::string series;
  struct Point {
    double x = 0;
    double throughput_per_second = 0;
    double p50_ms = 0;
    double p99_ms = 0;
  };
  std::vector<Point> points;  // in ascending x
};

// Writes `series` to DIRECTORY/PLOT.SERIES.tsv (SERIES reduced to letters, digits and '-'),
// replacing the file. Does nothing when `directory` is empty (no --plot-data). The
// directory must exist. INTERNAL when the file cannot be written; INVALID_ARGUMENT when
// `series.plot` holds other characters than letters, digits and '-'.
absl::Status WritePlotSeries(const std::string& directory, const PlotSeries& series);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_PLOT_DATA_H_
