#include "promkit/csv/csv_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "promkit/csv/bytes.hpp"
#include "promkit/util/error.hpp"

#include <unistd.h>

namespace promkit {

// ---- ChunkReader ----------------------------------------------------------------------------

ChunkReader::ChunkReader(int fd, std::size_t target_chunk, std::size_t max_record)
    : fd_(fd), target_(target_chunk), max_record_(max_record) {}

bool ChunkReader::fill() {
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  if (cap_ - end_ < kBlock) {
    const std::size_t have = size();
    if (begin_ > 0 && cap_ - have >= kBlock) {
      std::memmove(buf_.get(), buf_.get() + begin_, have);
    } else {
      const std::size_t cap = std::max(cap_ * 2, have + kBlock);
      auto fresh = std::make_unique_for_overwrite<char[]>(cap);
      if (have > 0) {
        std::memcpy(fresh.get(), buf_.get() + begin_, have);
      }
      buf_ = std::move(fresh);
      cap_ = cap;
    }
    begin_ = 0;
    end_ = have;
  }
  ssize_t n = 0;
  do {
    n = ::read(fd_, buf_.get() + end_, kBlock);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw DataError(fmt::format("cannot read the input: {}", std::strerror(errno)));
  }
  end_ += static_cast<std::size_t>(n);
  if (!started_ && size() >= 3) {
    started_ = true;
    if (std::memcmp(buf_.get() + begin_, "\xEF\xBB\xBF", 3) == 0) {
      begin_ += 3;
    }
  }
  if (n == 0) {
    eof_ = true;
    started_ = true;
  }
  return n > 0;
}

bool ChunkReader::next(std::string& chunk, std::uint64_t& first_line) {
  std::string_view view;
  if (!next_view(view, first_line)) {
    return false;
  }
  chunk.assign(view);
  return true;
}

bool ChunkReader::next_view(std::string_view& chunk, std::uint64_t& first_line) {
  for (;;) {
    // Nothing is scanned until the byte-order mark question is settled (3 bytes, or the end).
    if (!started_) {
      fill();
      continue;
    }
    // Scan what is new for record boundaries (a line feed outside quotes).
    // Runs between quotes are handled in bulk (memchr for the next quote, an SSE2 count
    // of line feeds, memrchr for the last one), so exports with few quotes scan at memory speed.
    const char* p = buf_.get() + begin_;
    const std::size_t n = size();
    std::size_t i = scanned_;
    while (i < n) {
      const void* q = std::memchr(p + i, '"', n - i);
      const std::size_t end =
          q == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(q) - p);
      const auto lines = static_cast<std::uint64_t>(bytes::count(p + i, end - i, '\n'));
      lines_scanned_ += lines;
      if (!in_quotes_ && lines > 0) {
        const void* last = memrchr(p + i, '\n', end - i);
        boundary_ = static_cast<std::size_t>(static_cast<const char*>(last) - p) + 1;
        lines_at_boundary_ = lines_scanned_;
      }
      if (q == nullptr) {
        break;
      }
      in_quotes_ = !in_quotes_;
      i = end + 1;
    }
    scanned_ = n;
    if (boundary_ >= target_ || (eof_ && n > 0)) {
      std::size_t cut = boundary_;
      std::uint64_t lines = lines_at_boundary_;
      if (eof_ && (boundary_ < target_ || boundary_ == 0)) {
        cut = n;  // the rest, including a last record without a line feed
        lines = lines_scanned_;
      }
      chunk = std::string_view(p, cut);
      begin_ += cut;
      first_line = line_;
      line_ += lines;
      scanned_ -= cut;
      lines_scanned_ -= lines;
      boundary_ = 0;
      lines_at_boundary_ = 0;
      return true;
    }
    if (eof_) {
      return false;
    }
    if (n - boundary_ > max_record_) {
      throw DataError(
          fmt::format("line {}: a record runs past {} MiB; the input probably has an "
                      "unclosed double quote",
                      line_ + lines_at_boundary_, max_record_ >> 20));
    }
    fill();
  }
}

// ---- CsvParser ------------------------------------------------------------------------------

CsvParser::CsvParser(std::string_view chunk, char delimiter, std::uint64_t first_line)
    : data_(chunk), delim_(delimiter), line_(first_line) {
  scratch_.reserve(chunk.size());
  stop_.fill(false);
  stop_[static_cast<unsigned char>(delimiter)] = true;
  stop_['\n'] = true;
  stop_['"'] = true;
}

bool CsvParser::next(CsvRecord& rec) {
  rec.fields.clear();
  rec.error.clear();
  rec.line = line_;
  if (pos_ >= data_.size()) {
    return false;
  }
  const std::size_t start = pos_;
  const char* d = data_.data();
  const std::size_t n = data_.size();
  // A blank line.
  if (d[pos_] == '\n' || (d[pos_] == '\r' && pos_ + 1 < n && d[pos_ + 1] == '\n')) {
    pos_ += d[pos_] == '\n' ? 1 : 2;
    rec.end_line = line_;
    ++line_;
    return true;
  }
  scratch_.clear();
  // Fields are recorded as (offset, length, in scratch?) and turned into views at the end, since
  // scratch_ grows while the record is read (it never reallocates: reserved to the chunk size).
  std::uint64_t lines_in_record = 0;
  auto fail = [&](std::string msg) {
    rec.error = std::move(msg);
    rec.fields.clear();
    // Re-scan from the record start to find its end consistently with the chunk reader and
    // count its lines.
    bool quoted = false;
    std::uint64_t lines = 0;
    std::size_t i = start;
    for (; i < n; ++i) {
      const char c = d[i];
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '\n') {
        if (!quoted) {
          ++i;
          break;
        }
        ++lines;
      }
    }
    pos_ = i;
    rec.end_line = line_ + lines;
    line_ += lines + 1;
    return true;
  };
  for (;;) {
    if (pos_ < n && d[pos_] == '"') {
      // Quoted field.
      ++pos_;
      const std::size_t sstart = scratch_.size();
      for (;;) {
        const void* q = std::memchr(d + pos_, '"', n - pos_);
        if (q == nullptr) {
          return fail(fmt::format("unterminated quoted field (it runs to the end of the input)"));
        }
        const std::size_t qi = static_cast<std::size_t>(static_cast<const char*>(q) - d);
        for (std::size_t i = pos_; i < qi; ++i) {
          lines_in_record += d[i] == '\n' ? 1 : 0;
        }
        scratch_.append(d + pos_, qi - pos_);
        if (qi + 1 < n && d[qi + 1] == '"') {
          scratch_.push_back('"');
          pos_ = qi + 2;
          continue;
        }
        pos_ = qi + 1;
        break;
      }
      rec.fields.emplace_back(scratch_.data() + sstart, scratch_.size() - sstart);
      if (pos_ >= n) {
        break;
      }
      const char c = d[pos_];
      if (c == delim_) {
        ++pos_;
        continue;
      }
      if (c == '\n') {
        ++pos_;
        break;
      }
      if (c == '\r' && (pos_ + 1 >= n || d[pos_ + 1] == '\n')) {
        pos_ += pos_ + 1 < n ? 2 : 1;
        break;
      }
      return fail(fmt::format("unexpected character '{}' after a closing quote (field {})", c,
                              rec.fields.size()));
    }
    // Unquoted field.
    const std::size_t fstart = pos_;
    while (pos_ < n && !stop_[static_cast<unsigned char>(d[pos_])]) {
      ++pos_;
    }
    if (pos_ < n && d[pos_] == '"') {
      return fail(
          fmt::format("a double quote inside an unquoted field (field {})", rec.fields.size() + 1));
    }
    std::size_t fend = pos_;
    const bool at_eol = pos_ >= n || d[pos_] == '\n';
    if (at_eol && fend > fstart && d[fend - 1] == '\r') {
      --fend;
    }
    rec.fields.emplace_back(d + fstart, fend - fstart);
    if (pos_ >= n) {
      break;
    }
    if (d[pos_] == delim_) {
      ++pos_;
      if (pos_ >= n) {
        rec.fields.emplace_back();  // a trailing delimiter at the very end: one more empty field
        break;
      }
      continue;
    }
    ++pos_;  // the line feed
    break;
  }
  rec.end_line = line_ + lines_in_record;
  line_ += lines_in_record + 1;
  return true;
}

// ---- helpers --------------------------------------------------------------------------------

char detect_delimiter(std::string_view header_line) {
  std::size_t comma = 0;
  std::size_t semi = 0;
  std::size_t tab = 0;
  bool quoted = false;
  for (char c : header_line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\n' && !quoted) {
      break;
    } else if (!quoted) {
      comma += c == ',' ? 1 : 0;
      semi += c == ';' ? 1 : 0;
      tab += c == '\t' ? 1 : 0;
    }
  }
  if (semi > comma && semi >= tab) {
    return ';';
  }
  if (tab > comma && tab > semi) {
    return '\t';
  }
  return ',';
}

bool is_plain_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    ++i;
  }
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace promkit
