#include "bench/stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_format.h"

namespace syndicate::bench {
namespace {

// Nearest rank of percentile `p` (0 < p ≤ 100) among `count` sorted samples, 0-based.
size_t Rank(double p, size_t count) {
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(count)));
  return std::clamp<size_t>(rank, 1, count) - 1;
}

double Milliseconds(int64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1e6; }

}  // namespace

LatencySummary Summarize(std::vector<int64_t>* samples_ns) {
  LatencySummary summary;
  if (samples_ns->empty()) return summary;
  std::sort(samples_ns->begin(), samples_ns->end());
  const size_t count = samples_ns->size();
  summary.count = static_cast<int64_t>(count);
  summary.p50_ms = Milliseconds((*samples_ns)[Rank(50, count)]);
  summary.p99_ms = Milliseconds((*samples_ns)[Rank(99, count)]);
  summary.p999_ms = Milliseconds((*samples_ns)[Rank(99.9, count)]);
  summary.max_ms = Milliseconds(samples_ns->back());
  return summary;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::string FormatMib(int64_t bytes) {
  return absl::StrFormat("%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string FormatNumber(double value, int decimals) {
  const std::string digits = absl::StrFormat("%.*f", decimals, std::fabs(value));
  const size_t integer_end = std::min(digits.find('.'), digits.size());
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < integer_end; ++i) {
    if (i > 0 && (integer_end - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  out.append(digits, integer_end, std::string::npos);
  return out;
}

std::string FormatRatio(const std::vector<double>& ratios) {
  if (ratios.empty()) return "";
  if (ratios.size() == 1) return absl::StrFormat("%.2f", ratios[0]);
  const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  return absl::StrFormat("%.2f (%.2f–%.2f)", Median(ratios), *low, *high);
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace syndicate::bench
