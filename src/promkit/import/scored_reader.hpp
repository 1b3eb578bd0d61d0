#pragma once
// Reading promkit's own scored output back (`score --format ndjson|json|csv`): every
// administration in it, as the store keeps it. Rows where an instrument was not administered
// (status skipped) are counted and left out; so are malformed rows, which the scorer has
// already reported. See docs/store.md.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "promkit/definition/registry.hpp"
#include "promkit/store/store.hpp"

namespace promkit {

struct ReadCounts {
  std::uint64_t rows = 0;
  std::uint64_t skipped = 0;    // instrument not administered in the row
  std::uint64_t malformed = 0;  // rows the scorer could not read
};

class ScoredReader {
 public:
  // `source`: the file's name, for messages and the stored rows; `add` gets each
  // administration. The registry gives the definitions a CSV file's columns are read by.
  ScoredReader(std::string source, Registry& registry,
               std::function<void(const Administration&)> add);

  // Reads the whole of `fd` (a file, a pipe or standard input): NDJSON, one JSON array, or CSV,
  // told apart by the first byte that is not white space. Throws DataError (with the line) for
  // input that is not promkit's scored output, RequestError for a CSV naming an unknown
  // instrument.
  void read(int fd);
  // One line of NDJSON (line number `no`); blank lines are ignored.
  void ndjson_line(std::string_view line, std::uint64_t no);

  [[nodiscard]] const ReadCounts& counts() const { return counts_; }

 private:
  struct CsvLayout;
  void read_json_text(std::string_view text);
  void read_csv(int fd);
  void csv_header(const std::vector<std::string>& header, CsvLayout& layout) const;
  void check(const Administration& a, std::uint64_t line) const;

  std::string source_;
  Registry& registry_;
  std::function<void(const Administration&)> add_;
  ReadCounts counts_;
};

}  // namespace promkit
