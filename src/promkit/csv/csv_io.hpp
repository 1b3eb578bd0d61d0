#pragma once
// RFC 4180 CSV, streaming: a chunk reader that cuts the input into runs of whole records (so
// chunks can be parsed on several threads), a record parser with line numbers and per-record
// errors, and a writer that quotes and neutralises spreadsheet formulas.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace promkit {

// Cuts a byte stream into chunks of whole records. A record ends at a line feed outside
// double quotes. Reads from a file descriptor (0 for standard input) in large blocks; memory stays
// bounded by the chunk size plus the longest record.
class ChunkReader {
 public:
  // `max_record`: a record longer than this stops the reader with a DataError (an unclosed quote
  // would otherwise swallow the whole file into memory).
  explicit ChunkReader(int fd, std::size_t target_chunk = std::size_t{1} << 18,
                       std::size_t max_record = std::size_t{64} << 20);

  // The next chunk (whole records; the last one may end without a line feed) and the physical
  // line number its first record starts on. False at end of input. Strips a UTF-8 byte-order mark
  // at the very start. Throws DataError when the input cannot be read.
  bool next(std::string& chunk, std::uint64_t& first_line);
  // The same without a copy: `chunk` points into the reader's buffer and stays valid until the
  // next call.
  bool next_view(std::string_view& chunk, std::uint64_t& first_line);

 private:
  bool fill();
  [[nodiscard]] std::size_t size() const { return end_ - begin_; }
  int fd_;
  std::size_t target_;
  std::size_t max_record_;
  // Unconsumed input is buf_[begin_, end_). Consumed bytes are dropped by moving the rest to
  // the front only when the space behind it runs short (not after every chunk).
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t scanned_ = 0;          // bytes after begin_ already scanned for boundaries
  std::size_t boundary_ = 0;         // end of the last whole record found, after begin_
  std::uint64_t lines_scanned_ = 0;  // line feeds in the scanned bytes
  std::uint64_t lines_at_boundary_ = 0;
  bool in_quotes_ = false;
  bool eof_ = false;
  bool started_ = false;
  std::uint64_t line_ = 1;
};

struct CsvRecord {
  std::vector<std::string_view> fields;  // valid until the next call to CsvParser::next
  std::uint64_t line = 0;                // physical line the record starts on
  std::uint64_t end_line = 0;            // physical line it ends on
  std::string error;                     // why the record is malformed, or empty
  [[nodiscard]] bool blank() const { return fields.empty() && error.empty(); }
};

// Parses the records of one chunk.
class CsvParser {
 public:
  CsvParser(std::string_view chunk, char delimiter, std::uint64_t first_line);
  // False at the end of the chunk. A blank line gives a record with no fields.
  bool next(CsvRecord& rec);
  // Where the next record starts (byte offset in the chunk) and its line number.
  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] std::uint64_t line() const { return line_; }
  // Continues at byte `pos` of the chunk, a record start on physical line `line` (for a caller
  // that reads the simple records itself and hands the others to this parser).
  void seek(std::size_t pos, std::uint64_t line) {
    pos_ = pos;
    line_ = line;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  char delim_;
  std::uint64_t line_;
  std::string scratch_;  // unescaped quoted fields; reserved to the chunk size, never reallocated
  std::array<bool, 256> stop_{};  // bytes that end an unquoted field: delimiter, LF, quote
};

// Picks the delimiter of a header line: the most frequent of comma, semicolon and tab outside
// quotes (comma on a tie or when none occurs).
[[nodiscard]] char detect_delimiter(std::string_view header_line);

// True for plain numbers such as 12, -3, 4.50 (what sanitising leaves alone).
[[nodiscard]] bool is_plain_number(std::string_view s);

// A growable byte buffer for output rows: like std::string, but growing never fills the new
// space and every operation is inline, so writing a row is a run of stores.
class OutBuffer {
 public:
  void clear() { size_ = 0; }
  [[nodiscard]] const char* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::string_view view() const { return {data_.get(), size_}; }
  void reserve(std::size_t n) {
    if (n > cap_) {
      grow(n - size_);
    }
  }
  // Room for at least `n` more bytes; write them, then commit(end).
  char* room(std::size_t n) {
    if (cap_ - size_ < n) {
      grow(n);
    }
    return data_.get() + size_;
  }
  void commit(const char* end) { size_ = static_cast<std::size_t>(end - data_.get()); }
  void push_back(char c) {
    *room(1) = c;
    ++size_;
  }
  void append(std::string_view s) {
    if (!s.empty()) {
      std::memcpy(room(s.size()), s.data(), s.size());
      size_ += s.size();
    }
  }
  void append(const char* p, std::size_t n) { append(std::string_view(p, n)); }
  // Takes out the byte at `pos`.
  void erase(std::size_t pos) {
    std::memmove(data_.get() + pos, data_.get() + pos + 1, size_ - pos - 1);
    --size_;
  }
  OutBuffer& operator+=(std::string_view s) {
    append(s);
    return *this;
  }

 private:
  void grow(std::size_t more) {
    const std::size_t cap = std::max(cap_ * 2, size_ + more + 64);
    auto fresh = std::make_unique_for_overwrite<char[]>(cap);
    if (size_ > 0) {
      std::memcpy(fresh.get(), data_.get(), size_);
    }
    data_ = std::move(fresh);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

namespace detail {
// Bytes that make a field need quotes: comma, double quote, CR, LF.
inline constexpr auto kCsvQuote = [] {
  std::array<bool, 256> t{};
  t[','] = t['"'] = t['\n'] = t['\r'] = true;
  return t;
}();
// First bytes that make a spreadsheet run a cell as a formula: = + - @ TAB CR.
inline constexpr auto kFormulaStart = [] {
  std::array<bool, 256> t{};
  t['='] = t['+'] = t['-'] = t['@'] = t['\t'] = t['\r'] = true;
  return t;
}();
}  // namespace detail

// Appends one CSV field (quoted when it holds the delimiter, a quote, CR or LF). With
// `sanitize`, a field that starts with = + - @ TAB or CR and is not a plain number gets a leading
// apostrophe, so spreadsheets show it as text instead of running it as a formula.
// `Out` is std::string or OutBuffer.
template <class Out>
void append_csv_field(Out& out, std::string_view field, bool sanitize) {
  const bool risky = sanitize && !field.empty() &&
                     detail::kFormulaStart[static_cast<unsigned char>(field[0])] &&
                     !is_plain_number(field);
  bool needs_quotes = false;
  for (const char c : field) {
    needs_quotes = needs_quotes || detail::kCsvQuote[static_cast<unsigned char>(c)];
  }
  if (!needs_quotes) {
    if (risky) {
      out.push_back('\'');
    }
    out.append(field);
    return;
  }
  out.push_back('"');
  if (risky) {
    out.push_back('\'');
  }
  for (const char c : field) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace promkit
