#pragma once
// An output stream buffer that hands each line to a function as it is written: lets the batch
// scorer's NDJSON flow straight into a store import without a temporary file.

#include <cstdint>
#include <exception>
#include <functional>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>

namespace promkit {

// Every complete line (without its line feed) goes to `line` with its number (from 1). The first
// exception `line` throws is kept (an ostream would swallow it) and rethrown by finish();
// later lines are then dropped.
class LineSink : public std::streambuf {
 public:
  explicit LineSink(std::function<void(std::string_view, std::uint64_t)> line)
      : line_(std::move(line)) {}
  // Hands over a last line without a line feed and rethrows a kept exception.
  void finish() {
    if (!pending_.empty()) {
      emit();
    }
    if (error_) {
      std::rethrow_exception(error_);
    }
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::string_view rest(s, static_cast<std::size_t>(n));
    for (auto nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
      pending_.append(rest.substr(0, nl));
      emit();
      rest.remove_prefix(nl + 1);
    }
    pending_.append(rest);
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      const char ch = traits_type::to_char_type(c);
      xsputn(&ch, 1);
    }
    return traits_type::not_eof(c);
  }

 private:
  void emit() {
    ++lines_;
    if (!error_) {
      try {
        line_(pending_, lines_);
      } catch (...) {
        error_ = std::current_exception();
      }
    }
    pending_.clear();
  }
  std::function<void(std::string_view, std::uint64_t)> line_;
  std::string pending_;
  std::uint64_t lines_ = 0;
  std::exception_ptr error_;
};

}  // namespace promkit
