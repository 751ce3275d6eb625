// A Markdown table for syndicate-bench output, with columns padded so that the raw text is
// readable too.
#ifndef SYNDICATE_BENCH_TABLE_H_
#define SYNDICATE_BENCH_TABLE_H_

#include <string>
#include <vector>

namespace syndicate::bench {

class MarkdownTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kRight;
  };

  explicit MarkdownTable(std::vector<Column> columns);

  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  // The table: a header line, the alignment line, one line per row, each ending in "\n".
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_TABLE_H_
