#include "bench/plot_data.h"

#include <cctype>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syndicate::bench {
namespace {

bool IsNameCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
}

// "bare gRPC server" -> "bare-gRPC-server": a file-name part.
std::string Slug(const std::string& text) {
  std::string slug;
  for (char c : text) {
    if (IsNameCharacter(c)) {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "series" : slug;
}

}  // namespace

absl::Status WritePlotSeries(const std::string& directory, const PlotSeries& series) {
  if (directory.empty()) return absl::OkStatus();
  if (series.plot.empty()) return absl::InvalidArgumentError("plot name is empty");
  for (char c : series.plot) {
    if (!IsNameCharacter(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("plot name \"", series.plot, "\" holds other than letters, digits, '-'"));
    }
  }
  const std::string path =
      absl::StrCat(directory, "/", series.plot, ".", Slug(series.series), ".tsv");
  std::ofstream out(path, std::ios::trunc);
  // Lines starting with '#' are comments to gnuplot; bench/plots/lines.gp reads the
  // "# key: value" ones with sed.
  out << "# plot: " << series.title << "\n"
      << "# series: " << series.series << "\n"
      << "# x: " << series.x_label << "\n"
      << "# throughput: " << series.throughput_label << "\n"
      << "# log x: " << (series.log_x ? "yes" : "no") << "\n"
      << "# x\tthroughput per second\tp50 (ms)\tp99 (ms)\n";
  for (const PlotSeries::Point& point : series.points) {
    out << absl::StrFormat("%g\t%.1f\t%.4f\t%.4f\n", point.x, point.throughput_per_second,
                           point.p50_ms, point.p99_ms);
  }
  if (!out.flush()) return absl::InternalError(absl::StrCat(path, ": cannot be written"));
  return absl::OkStatus();
}

}  // namespace syndicate::bench
