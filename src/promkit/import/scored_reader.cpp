#include "promkit/import/scored_reader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "promkit/batch/batch.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"
#include "promkit/util/text.hpp"

#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <unistd.h>

namespace promkit {
namespace {

using Json = nlohmann::json;

// Is `key` the column of item n of instrument `ins` (<id>_<n>)?
bool is_item_column(std::string_view key, std::string_view ins) {
  if (key.size() <= ins.size() + 1 || key.substr(0, ins.size()) != ins || key[ins.size()] != '_') {
    return false;
  }
  for (std::size_t i = ins.size() + 1; i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') {
      return false;
    }
  }
  return true;
}

std::optional<double> json_value(const Json& j) {
  if (j.is_number()) {
    return j.get<double>();
  }
  return std::nullopt;
}

std::string json_text(const Json& j, std::string_view key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> json_strings(const Json& j, std::string_view key) {
  std::vector<std::string> out;
  const auto it = j.find(key);
  if (it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (e.is_string()) {
        out.push_back(e.get<std::string>());
      }
    }
  }
  return out;
}

// A kept field of a scored row (client id, date), matched without regard to case.
std::string field(const Json& fields, std::string_view name) {
  if (!fields.is_object()) {
    return {};
  }
  for (auto f = fields.begin(); f != fields.end(); ++f) {
    if (ascii_lower(f.key()) == name && f.value().is_string()) {
      return f.value().get<std::string>();
    }
  }
  return {};
}

// One instrument's score record in a scored JSON row.
ScoreRecord record_from_json(std::string_view instrument, const Json& v) {
  ScoreRecord r;
  r.instrument = instrument;
  r.version = json_text(v, "version");
  r.status = json_text(v, "status");
  r.answered = v.value("answered", 0);
  if (const auto s = v.find("scales"); s != v.end() && s->is_object()) {
    for (auto it = s->begin(); it != s->end(); ++it) {
      ScaleRecord sc;
      sc.id = it.key();
      sc.value = json_value(it.value().value("value", Json()));
      sc.raw = json_value(it.value().value("raw", Json()));
      sc.band = json_text(it.value(), "band");
      sc.status = json_text(it.value(), "status");
      r.scales.push_back(std::move(sc));
    }
  }
  r.flags = json_strings(v, "flags");
  r.unchecked_flags = json_strings(v, "unchecked_flags");
  if (const auto m = v.find("missing"); m != v.end() && m->is_object()) {
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (it.value().is_string()) {
        r.missing.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
  }
  return r;
}

// Reads what is left of `fd` onto `out`. Throws DataError.
void read_rest(int fd, std::string& out, const std::string& source) {
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw DataError(fmt::format("cannot read '{}': {}", source, std::strerror(errno)));
    }
    if (n == 0) {
      return;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// One row of promkit's scored JSON output: each instrument administered in it, to `emit`.
void row_from_json(const Json& j, std::uint64_t no, const std::string& source, ReadCounts& counts,
                   const std::function<void(Administration&, std::uint64_t)>& emit) {
  ++counts.rows;
  if (!j.is_object() || !j.contains("fields")) {
    throw DataError(fmt::format("{}: line {}: not a row of promkit's scored output", source, no));
  }
  if (j.contains("error")) {
    ++counts.malformed;
    return;
  }
  const Json& fields = j["fields"];
  std::string client;
  std::string date;
  for (const auto name : kDefaultIdColumns) {
    client = client.empty() ? field(fields, name) : client;
  }
  for (const auto name : kDefaultDateColumns) {
    date = date.empty() ? field(fields, name) : date;
  }
  // The scores: under "scores", or beside "line" and "fields" (rows written by earlier versions
  // of promkit).
  const bool nested = j.contains("scores") && j["scores"].is_object();
  const Json& scores = nested ? j["scores"] : j;
  for (auto it = scores.begin(); it != scores.end(); ++it) {
    if (!nested && (it.key() == "line" || it.key() == "fields")) {
      continue;
    }
    if (!it.value().is_object()) {
      continue;
    }
    const std::string status = json_text(it.value(), "status");
    if (status == "skipped" || status.empty()) {
      ++counts.skipped;
      continue;
    }
    Administration a;
    a.client_id = client;
    a.administered_at = date;
    a.source = source;
    a.score = record_from_json(it.key(), it.value());
    if (fields.is_object()) {
      for (auto f = fields.begin(); f != fields.end(); ++f) {
        const std::string key = ascii_lower(f.key());
        if (is_item_column(key, a.score.instrument) && f.value().is_string() &&
            !f.value().get<std::string>().empty()) {
          a.answers.emplace_back(key, f.value().get<std::string>());
        }
      }
    }
    emit(a, no);
  }
}

}  // namespace

ScoredReader::ScoredReader(std::string source, Registry& registry,
                           std::function<void(const Administration&)> add)
    : source_(std::move(source)), registry_(registry), add_(std::move(add)) {}

void ScoredReader::check(const Administration& a, std::uint64_t line) const {
  if (a.client_id.empty()) {
    throw DataError(fmt::format("{}: line {}: no client id (nothing was imported)", source_, line));
  }
  if (!is_iso_date(a.administered_at)) {
    throw DataError(
        fmt::format("{}: line {}: date '{}' is not YYYY-MM-DD[THH:MM[:SS]] (nothing was imported)",
                    source_, line, a.administered_at));
  }
}

void ScoredReader::ndjson_line(std::string_view line, std::uint64_t no) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
    return;
  }
  Json j;
  try {
    j = Json::parse(line);
  } catch (const Json::exception& e) {
    throw DataError(fmt::format("{}: line {}: not valid JSON: {}", source_, no, e.what()));
  }
  row_from_json(j, no, source_, counts_, [this](Administration& a, std::uint64_t at) {
    check(a, at);
    add_(a);
  });
}

void ScoredReader::read_json_text(std::string_view text) {
  Json all;
  try {
    all = Json::parse(text);
  } catch (const Json::exception& e) {
    throw DataError(fmt::format("{}: not valid JSON: {}", source_, e.what()));
  }
  std::uint64_t n = 0;
  for (const auto& row : all) {
    ++n;
    const std::uint64_t line = row.is_object() ? row.value("line", n) : n;
    row_from_json(row, line, source_, counts_, [this](Administration& a, std::uint64_t at) {
      check(a, at);
      add_(a);
    });
  }
}

void ScoredReader::read(int fd) {
  // The first byte that is not white space tells the format. Nothing is read twice: a file is
  // rewound, and a pipe's first bytes are kept.
  std::string head;
  char buf[1 << 16];
  std::size_t first = std::string::npos;
  while (first == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw DataError(fmt::format("cannot read '{}': {}", source_, std::strerror(errno)));
    }
    if (n == 0) {
      return;  // nothing but white space: nothing to import
    }
    head.append(buf, static_cast<std::size_t>(n));
    first = head.find_first_not_of(" \t\r\n");
  }
  if (head[first] == '[') {
    read_rest(fd, head, source_);
    read_json_text(head);
    return;
  }
  if (head[first] == '{') {
    // NDJSON, a line at a time.
    std::uint64_t no = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t nl = head.find('\n', start);
      if (nl != std::string::npos) {
        ndjson_line(std::string_view(head).substr(start, nl - start), ++no);
        start = nl + 1;
        continue;
      }
      head.erase(0, start);
      start = 0;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        throw DataError(fmt::format("cannot read '{}': {}", source_, std::strerror(errno)));
      }
      if (n == 0) {
        ndjson_line(head, ++no);
        return;
      }
      head.append(buf, static_cast<std::size_t>(n));
    }
  }
  // CSV: read by the CSV reader from the start. A file is rewound; a pipe's bytes go through a
  // memory file (never a file on disk: they hold answers).
  if (::lseek(fd, 0, SEEK_SET) == 0) {
    read_csv(fd);
    return;
  }
  const int mem = ::memfd_create("promkit-import", MFD_CLOEXEC);
  if (mem < 0) {
    throw DataError(fmt::format("cannot read '{}': {}", source_, std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{mem};
  read_rest(fd, head, source_);
  for (std::size_t done = 0; done < head.size();) {
    const ssize_t w = ::write(mem, head.data() + done, head.size() - done);
    if (w < 0) {
      throw DataError(fmt::format("cannot read '{}': {}", source_, std::strerror(errno)));
    }
    done += static_cast<std::size_t>(w);
  }
  ::lseek(mem, 0, SEEK_SET);
  read_csv(mem);
}

// Which columns of a scored CSV hold what.
struct ScoredReader::CsvLayout {
  struct Ins {
    std::string id;
    std::string version;
    int status = -1;
    int answered = -1;
    int flags = -1;
    int unchecked = -1;
    std::vector<std::tuple<std::string, int, int>> scales;  // id, value column, band column
    std::vector<std::pair<std::string, int>> items;
  };
  std::vector<Ins> ins;
  int id_col = -1;
  int date_col = -1;
};

void ScoredReader::csv_header(const std::vector<std::string>& header, CsvLayout& layout) const {
  auto find = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  for (const auto name : kDefaultIdColumns) {
    layout.id_col = layout.id_col < 0 ? find(name) : layout.id_col;
  }
  for (const auto name : kDefaultDateColumns) {
    layout.date_col = layout.date_col < 0 ? find(name) : layout.date_col;
  }
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    if (h.size() <= 7 || h.substr(h.size() - 7) != "_status") {
      continue;
    }
    CsvLayout::Ins in;
    in.id = h.substr(0, h.size() - 7);
    const auto def = registry_.get(in.id);  // throws for an unknown instrument
    in.version = def->version;
    in.status = static_cast<int>(i);
    in.answered = find(in.id + "_answered");
    in.flags = find(in.id + "_flags");
    in.unchecked = find(in.id + "_unchecked");
    for (const auto& s : def->scales) {
      const int vc = find(in.id + "_" + s.id);
      if (vc >= 0) {
        in.scales.emplace_back(s.id, vc, find(in.id + "_" + s.id + "_band"));
      }
    }
    for (const auto& item : def->items) {
      const int c = find(item.id);
      if (c >= 0) {
        in.items.emplace_back(item.id, c);
      }
    }
    layout.ins.push_back(std::move(in));
  }
  if (layout.ins.empty()) {
    throw RequestError(fmt::format(
        "{}: no <instrument>_status column: this is not promkit's scored output. To score a raw "
        "export on the way in, name its instruments with --instrument",
        source_));
  }
  if (layout.id_col < 0 || layout.date_col < 0) {
    throw DataError(fmt::format(
        "{}: the scored output needs a client id column and a date column (score with --keep "
        "ID,DATE)",
        source_));
  }
}

void ScoredReader::read_csv(int fd) {
  ChunkReader reader(fd);
  std::string chunk;
  std::uint64_t first_line = 0;
  std::vector<std::string> header;
  CsvLayout layout;
  char delim = ',';
  CsvRecord rec;
  auto split_ids = [](const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find(';', start);
      end = end == std::string::npos ? text.size() : end;
      if (end > start) {
        out.push_back(text.substr(start, end - start));
      }
      start = end + 1;
    }
    return out;
  };
  while (reader.next(chunk, first_line)) {
    if (header.empty()) {
      delim = detect_delimiter(chunk.substr(0, chunk.find('\n')));
    }
    CsvParser parser(chunk, delim, first_line);
    while (parser.next(rec)) {
      if (rec.blank()) {
        continue;
      }
      if (header.empty()) {
        for (const auto f : rec.fields) {
          header.push_back(ascii_lower(f));
        }
        csv_header(header, layout);
        continue;
      }
      ++counts_.rows;
      if (!rec.error.empty() || rec.fields.size() != header.size()) {
        ++counts_.malformed;
        continue;
      }
      auto cell = [&](int c) {
        return c >= 0 ? std::string(rec.fields[static_cast<std::size_t>(c)]) : std::string();
      };
      for (const auto& in : layout.ins) {
        Administration a;
        a.score.status = cell(in.status);
        if (a.score.status == "skipped" || a.score.status.empty()) {
          ++counts_.skipped;
          continue;
        }
        a.client_id = cell(layout.id_col);
        a.administered_at = cell(layout.date_col);
        a.source = source_;
        a.score.instrument = in.id;
        a.score.version = in.version;
        a.score.answered = std::atoi(cell(in.answered).c_str());
        for (const auto& [sid, vcol, bcol] : in.scales) {
          ScaleRecord sc;
          sc.id = sid;
          const std::string v = cell(vcol);
          if (!v.empty()) {
            char* end = nullptr;
            const double d = std::strtod(v.c_str(), &end);
            if (end != nullptr && *end == '\0') {
              sc.value = d;
            }
          }
          sc.band = cell(bcol);
          a.score.scales.push_back(std::move(sc));
        }
        a.score.flags = split_ids(cell(in.flags));
        a.score.unchecked_flags = split_ids(cell(in.unchecked));
        for (const auto& [item, col] : in.items) {
          const std::string v = cell(col);
          if (!v.empty()) {
            a.answers.emplace_back(item, v);
          }
        }
        check(a, rec.line);
        add_(a);
      }
    }
  }
}

}  // namespace promkit
