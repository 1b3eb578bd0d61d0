#pragma once
// The records of one chunk, one at a time, with the fields, line numbers, blank lines and
// errors CsvParser gives. With the short cuts on, records without a double quote that are not
// blank lines and have at most one field more than the header (nearly every record of an
// export) are split here, 16 bytes at a time, into a fixed field array, and an instrument's run
// of item columns is handed to the table path on the way (TablePath::try_run); every other
// record goes to CsvParser, which also reports broken ones. With the short cuts off, CsvParser
// reads every record.
//
// Defined here so that the worker's chunk loop inlines the splitter. Internal to the batch
// scorer.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/batch/internal/table_path.hpp"
#include "promkit/csv/bytes.hpp"
#include "promkit/csv/csv_io.hpp"

namespace promkit::batch_detail {

class RecordReader {
 public:
  // `tables`: the table path whose runs the splitter reads, or nullptr for none. `plain`:
  // split quote-free records here (else CsvParser reads every record).
  RecordReader(char delim, std::size_t ncols, TablePath* tables, bool plain)
      : delim_(delim), ncols_(ncols), tables_(tables), plain_split_(plain) {
    rec_.fields.reserve(ncols + 1);
    // Room for 16 fields more than a record split here may have (a block's worth): the count
    // is checked once per block.
    plain_.resize(ncols + 1 + 16);
    if (tables != nullptr) {
      run_at_ = tables->run_at().data();
    } else {
      no_runs_.assign(plain_.size() + 1, -1);
      run_at_ = no_runs_.data();
    }
  }

  // Starts on a chunk (whole records; the last may end without a line feed) whose first record
  // is on physical line `first_line`.
  void start(std::string_view chunk, std::uint64_t first_line) {
    chunk_ = chunk;
    pos_ = 0;
    line_ = first_line;
    parser_.emplace(chunk, delim_, first_line);
  }

  // The next record: false at the end of the chunk.
  bool next() {
    if (pos_ >= chunk_.size()) {
      return false;
    }
    if (tables_ != nullptr) {
      tables_->new_record();
    }
    if (plain_split_ && split_plain()) {
      record_line_ = line_++;
      return true;
    }
    if (tables_ != nullptr) {
      tables_->new_record();  // options a run read for a record given up on do not count
    }
    parser_->seek(pos_, line_);
    (void)parser_->next(rec_);
    pos_ = parser_->position();
    line_ = parser_->line();
    record_line_ = rec_.line;
    fields_ = rec_.fields.data();
    nfields_ = rec_.fields.size();
    return true;
  }

  // The record's fields (valid until the next call), the physical line it starts on, why it
  // is malformed (or empty), and whether it is a blank line.
  [[nodiscard]] const std::string_view* fields() const { return fields_; }
  [[nodiscard]] std::size_t size() const { return nfields_; }
  [[nodiscard]] std::uint64_t line() const { return record_line_; }
  [[nodiscard]] const std::string& error() const { return rec_.error; }
  [[nodiscard]] bool blank() const { return nfields_ == 0 && rec_.error.empty(); }

 private:
  // Splits the record at pos_ into plain_ when it holds no double quote, is not a blank line
  // (nor starts with a CR) and has at most one field more than the header, as CsvParser would
  // (a CR before the line feed is not part of the last field), points fields_ at it and moves
  // pos_ past it. Otherwise returns false and leaves pos_ alone.
  bool split_plain() {
    const char* d = chunk_.data();
    const std::size_t n = chunk_.size();
    std::size_t pos = pos_;
    if (d[pos] == '\n' || d[pos] == '\r') {
      return false;
    }
    const char delim = delim_;
    std::string_view* out = plain_.data();
    std::string_view* const limit = out + ncols_ + 1;
    std::size_t start = pos;
    // The record ends at byte j (its line feed, or the end of the chunk).
    const auto end_at = [&](std::size_t j) {
      std::size_t end = j;
      if (end > start && d[end - 1] == '\r') {
        --end;
      }
      *out++ = std::string_view(d + start, end - start);
      pos = j < n ? j + 1 : n;
      return finish_plain(out <= limit, out, pos);
    };
    // At the first column of an instrument's run of item columns: read the run at once.
    // 0: not read (the columns are split one by one); 1: read, the record goes on at `start`;
    // 2: read, and it ended the record.
    const auto run_here = [&]() -> int {
      const auto c = static_cast<std::size_t>(out - plain_.data());
      if (run_at_[c] < 0) {  // (run_at_ has an entry for every field plain_ can hold)
        return 0;
      }
      return tables_->try_run(static_cast<std::size_t>(run_at_[c]), d, n, start, out, pos);
    };
    if (const int r = run_here(); r == 2) {
      return finish_plain(true, out, pos);
    }
    std::size_t base = start;
    // Sixteen bytes at a time: a bit for each delimiter, and for each line feed or quote.
    while (base + 16 <= n) {
      unsigned delims = 0;
      unsigned stops = 0;
      bytes::match1_2(d + base, delim, '\n', '"', delims, stops);
      if (stops != 0) {
        delims &= (stops & (0U - stops)) - 1;  // the delimiters before the first stop
      }
      bool moved = false;
      for (; delims != 0; delims &= delims - 1) {
        const std::size_t j = base + static_cast<std::size_t>(std::countr_zero(delims));
        *out++ = std::string_view(d + start, j - start);
        start = j + 1;
        if (const int r = run_here(); r != 0) {
          if (r == 2) {
            return finish_plain(true, out, pos);
          }
          moved = true;  // go on after the run
          break;
        }
      }
      if (out > limit) {
        return false;
      }
      if (moved) {
        base = start;
        continue;
      }
      if (stops != 0) {
        const std::size_t j = base + static_cast<std::size_t>(std::countr_zero(stops));
        return d[j] == '\n' && end_at(j);
      }
      base += 16;
    }
    // The last bytes of the chunk (a NUL byte inside the data is part of its field).
    for (std::size_t j = base;; ++j) {
      if (j >= n || d[j] == '\n') {
        return end_at(j);
      }
      if (d[j] == '"') {
        return false;
      }
      if (d[j] == delim) {
        if (out == limit) {
          return false;
        }
        *out++ = std::string_view(d + start, j - start);
        start = j + 1;
      }
    }
  }

  bool finish_plain(bool ok, const std::string_view* out, std::size_t pos) {
    if (!ok) {
      return false;
    }
    fields_ = plain_.data();
    nfields_ = static_cast<std::size_t>(out - plain_.data());
    pos_ = pos;
    if (!rec_.error.empty()) {
      rec_.error.clear();
    }
    return true;
  }

  char delim_;
  std::size_t ncols_;
  TablePath* tables_;
  bool plain_split_;
  std::string_view chunk_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 0;
  std::uint64_t record_line_ = 0;
  std::optional<CsvParser> parser_;
  CsvRecord rec_;                             // a record CsvParser read
  std::vector<std::string_view> plain_;       // a record split here
  const std::string_view* fields_ = nullptr;  // the record's fields: one of the two
  std::size_t nfields_ = 0;
  const std::int8_t* run_at_ = nullptr;  // per field: the instrument whose run starts there, or -1
  std::vector<std::int8_t> no_runs_;     // run_at_ without a table path
};

}  // namespace promkit::batch_detail
