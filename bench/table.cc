#include "bench/table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace syndicate::bench {
namespace {

// Display width of UTF-8 text: code points, which is right for the text these tables hold.
size_t Width(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string Pad(const std::string& text, size_t width, MarkdownTable::Align align) {
  const std::string padding(width - std::min(width, Width(text)), ' ');
  return align == MarkdownTable::Align::kLeft ? text + padding : padding + text;
}

}  // namespace

MarkdownTable::MarkdownTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

void MarkdownTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string MarkdownTable::Render() const {
  std::vector<size_t> widths;
  for (const Column& column : columns_) widths.push_back(std::max<size_t>(3, Width(column.header)));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out = "|";
  for (size_t i = 0; i < columns_.size(); ++i) {
    absl::StrAppend(&out, " ", Pad(columns_[i].header, widths[i], columns_[i].align), " |");
  }
  out += "\n|";
  for (size_t i = 0; i < columns_.size(); ++i) {
    const bool right = columns_[i].align == Align::kRight;
    absl::StrAppend(&out, right ? " " : " :", std::string(widths[i] - 1, '-'),
                    right ? ": |" : " |");
  }
  out += "\n";
  for (const auto& row : rows_) {
    out += "|";
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&out, " ", Pad(row[i], widths[i], columns_[i].align), " |");
    }
    out += "\n";
  }
  return out;
}

}  // namespace syndicate::bench
