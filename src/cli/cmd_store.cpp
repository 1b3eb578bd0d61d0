// promkit store: the longitudinal store of scored administrations (docs/store.md).
//   promkit store import FILE...            promkit's scored output (CSV, JSON or NDJSON)
//   promkit store import -i ID... EXPORT    a raw export, scored on the way in (batch scorer)
//   promkit store list|show CLIENT|export   what is stored
// The store is --store FILE, else PROMKIT_STORE, else $XDG_DATA_HOME/promkit/promkit.db, else
// ~/.local/share/promkit/promkit.db.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/batch/batch.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/store/store.hpp"
#include "promkit/util/line_sink.hpp"

#include "command.hpp"
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace promkit::cli {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

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

std::optional<double> json_value(const nlohmann::json& j) {
  if (j.is_number()) {
    return j.get<double>();
  }
  return std::nullopt;
}

// Reads promkit's scored output (NDJSON, a JSON array, or CSV) and hands every administration to
// `add`. Rows where an instrument was not administered (status skipped) are left out; so are
// malformed rows, which the scorer has already reported.
struct ReadCounts {
  std::uint64_t rows = 0;
  std::uint64_t skipped = 0;    // instrument not administered in the row
  std::uint64_t malformed = 0;  // rows the scorer could not read
};

class ScoredReader {
 public:
  ScoredReader(std::string source, Registry& registry,
               std::function<void(const Administration&)> add)
      : source_(std::move(source)), registry_(registry), add_(std::move(add)) {}

  ReadCounts counts;

  void json_row(const nlohmann::json& j, std::uint64_t line) {
    ++counts.rows;
    if (!j.is_object() || !j.contains("fields")) {
      throw DataError(
          fmt::format("{}: line {}: not a row of promkit's scored output", source_, line));
    }
    if (j.contains("error")) {
      ++counts.malformed;
      return;
    }
    const auto& fields = j["fields"];
    std::string client;
    std::string date;
    for (const auto name : kDefaultIdColumns) {
      if (client.empty()) {
        client = field(fields, name);
      }
    }
    for (const auto name : kDefaultDateColumns) {
      if (date.empty()) {
        date = field(fields, name);
      }
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "line" || it.key() == "fields" || it.key() == "error" ||
          !it.value().is_object()) {
        continue;
      }
      const auto& v = it.value();
      const std::string status = v.value("status", "");
      if (status == "skipped" || status.empty()) {
        ++counts.skipped;
        continue;
      }
      Administration a;
      a.client_id = client;
      a.administered_at = date;
      a.instrument_id = it.key();
      a.instrument_version = v.value("version", "");
      a.status = status;
      a.answered = v.value("answered", 0);
      a.source = source_;
      if (v.contains("scales") && v["scales"].is_object()) {
        for (auto s = v["scales"].begin(); s != v["scales"].end(); ++s) {
          StoredScale sc;
          sc.scale = s.key();
          sc.value = json_value(s.value().value("value", nlohmann::json()));
          sc.raw = json_value(s.value().value("raw", nlohmann::json()));
          const auto band = s.value().value("band", nlohmann::json());
          sc.band = band.is_string() ? band.get<std::string>() : "";
          sc.status = s.value().value("status", "");
          a.scales.push_back(std::move(sc));
        }
      }
      if (v.contains("flags") && v["flags"].is_array()) {
        for (const auto& f : v["flags"]) {
          if (f.is_string()) {
            a.flags.push_back(f.get<std::string>());
          }
        }
      }
      if (fields.is_object()) {
        for (auto f = fields.begin(); f != fields.end(); ++f) {
          const std::string key = lower(f.key());
          if (is_item_column(key, a.instrument_id) && f.value().is_string() &&
              !f.value().get<std::string>().empty()) {
            a.answers.emplace_back(key, f.value().get<std::string>());
          }
        }
      }
      check(a, line);
      add_(a);
    }
  }

  // One line of NDJSON (line number `no`); blank lines are ignored.
  void ndjson_line(std::string_view line, std::uint64_t no) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      return;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw DataError(fmt::format("{}: line {}: not valid JSON: {}", source_, no, e.what()));
    }
    json_row(j, no);
  }

  void read_json_stream(std::istream& in) {
    // NDJSON, or one JSON array (promkit score --format json).
    const int first = skip_space(in);
    if (first == '[') {
      nlohmann::json all;
      try {
        all = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& e) {
        throw DataError(fmt::format("{}: not valid JSON: {}", source_, e.what()));
      }
      std::uint64_t n = 0;
      for (const auto& row : all) {
        json_row(row, row.value("line", ++n));
      }
      return;
    }
    std::string line;
    std::uint64_t no = 0;
    while (std::getline(in, line)) {
      ndjson_line(line, ++no);
    }
  }

  void read_csv(int fd) {
    ChunkReader reader(fd);
    std::string chunk;
    std::uint64_t first_line = 0;
    std::vector<std::string> header;
    struct Ins {
      std::string id;
      std::string version;
      int status = -1, answered = -1, flags = -1;
      std::vector<std::tuple<std::string, int, int>> scales;  // id, value column, band column
      std::vector<std::pair<std::string, int>> items;
    };
    std::vector<Ins> ins;
    int id_col = -1;
    int date_col = -1;
    CsvRecord rec;
    while (reader.next(chunk, first_line)) {
      const char delim =
          header.empty() ? detect_delimiter(chunk.substr(0, chunk.find('\n'))) : delim_;
      delim_ = delim;
      CsvParser parser(chunk, delim, first_line);
      while (parser.next(rec)) {
        if (rec.blank()) {
          continue;
        }
        if (header.empty()) {
          for (const auto f : rec.fields) {
            header.push_back(lower(f));
          }
          setup_csv(header, ins, id_col, date_col);
          continue;
        }
        ++counts.rows;
        if (!rec.error.empty() || rec.fields.size() != header.size()) {
          ++counts.malformed;
          continue;
        }
        auto cell = [&](int c) {
          return c >= 0 ? std::string(rec.fields[static_cast<std::size_t>(c)]) : std::string();
        };
        for (const auto& in : ins) {
          Administration a;
          a.status = cell(in.status);
          if (a.status == "skipped" || a.status.empty()) {
            ++counts.skipped;
            continue;
          }
          a.client_id = cell(id_col);
          a.administered_at = cell(date_col);
          a.instrument_id = in.id;
          a.instrument_version = in.version;
          a.answered = std::atoi(cell(in.answered).c_str());
          a.source = source_;
          for (const auto& [sid, vcol, bcol] : in.scales) {
            StoredScale sc;
            sc.scale = sid;
            const std::string v = cell(vcol);
            if (!v.empty()) {
              char* end = nullptr;
              const double d = std::strtod(v.c_str(), &end);
              if (end != nullptr && *end == '\0') {
                sc.value = d;
              }
            }
            sc.band = cell(bcol);
            a.scales.push_back(std::move(sc));
          }
          std::string flags = cell(in.flags);
          std::size_t start = 0;
          while (start < flags.size()) {
            auto end = flags.find(';', start);
            end = end == std::string::npos ? flags.size() : end;
            if (end > start) {
              a.flags.push_back(flags.substr(start, end - start));
            }
            start = end + 1;
          }
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

 private:
  template <typename Ins>
  void setup_csv(const std::vector<std::string>& header, std::vector<Ins>& ins, int& id_col,
                 int& date_col) {
    auto find = [&](std::string_view name) {
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) {
          return static_cast<int>(i);
        }
      }
      return -1;
    };
    for (const auto name : kDefaultIdColumns) {
      id_col = id_col < 0 ? find(name) : id_col;
    }
    for (const auto name : kDefaultDateColumns) {
      date_col = date_col < 0 ? find(name) : date_col;
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
      const std::string& h = header[i];
      if (h.size() <= 7 || h.substr(h.size() - 7) != "_status") {
        continue;
      }
      Ins in;
      in.id = h.substr(0, h.size() - 7);
      const auto def = registry_.get(in.id);  // throws UsageError for an unknown instrument
      in.version = def->version;
      in.status = static_cast<int>(i);
      in.answered = find(in.id + "_answered");
      in.flags = find(in.id + "_flags");
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
      ins.push_back(std::move(in));
    }
    if (ins.empty()) {
      throw UsageError(fmt::format(
          "{}: no <instrument>_status column: this is not promkit's scored output. To score a raw "
          "export on the way in, name its instruments with --instrument",
          source_));
    }
    if (id_col < 0 || date_col < 0) {
      throw DataError(
          fmt::format("{}: the scored output needs a client id column and a date "
                      "column (score with --keep ID,DATE)",
                      source_));
    }
  }

  static std::string field(const nlohmann::json& fields, std::string_view name) {
    if (!fields.is_object()) {
      return {};
    }
    for (auto f = fields.begin(); f != fields.end(); ++f) {
      if (lower(f.key()) == name && f.value().is_string()) {
        return f.value().get<std::string>();
      }
    }
    return {};
  }

  void check(const Administration& a, std::uint64_t line) const {
    if (a.client_id.empty()) {
      throw DataError(
          fmt::format("{}: line {}: no client id (nothing was imported)", source_, line));
    }
    if (!is_iso_date(a.administered_at)) {
      throw DataError(fmt::format(
          "{}: line {}: date '{}' is not YYYY-MM-DD[THH:MM[:SS]] (nothing was imported)", source_,
          line, a.administered_at));
    }
  }

  static int skip_space(std::istream& in) {
    while (true) {
      const int c = in.peek();
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        in.get();
        continue;
      }
      return c;
    }
  }

  std::string source_;
  Registry& registry_;
  std::function<void(const Administration&)> add_;
  char delim_ = ',';
};

ConflictPolicy parse_policy(const std::string& s) {
  if (s == "keep") {
    return ConflictPolicy::Keep;
  }
  if (s == "replace") {
    return ConflictPolicy::Replace;
  }
  return ConflictPolicy::Fail;
}

// Creates the store's directory when missing, readable by its owner only (mode 0700, as the
// administer journals' directory); an existing directory is left as it is.
void ensure_parent_dir(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent)) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
}

// Prints the outcome of an import; returns the exit status.
int report_import(const ImportResult& r, const ReadCounts& c, const std::string& source,
                  const std::string& store_path, Io& io) {
  for (const auto& k : r.conflicts) {
    fmt::print(io.err,
               "promkit: conflict: client {}, {}, {}: stored and imported scores differ: {}\n",
               k.client_id, k.instrument_id, k.administered_at, k.what);
  }
  if (r.rolled_back) {
    fmt::print(io.err,
               "promkit: error: {} conflicting administration{} in {}: nothing was imported (use "
               "--on-conflict keep or replace)\n",
               r.conflicts.size(), r.conflicts.size() == 1 ? "" : "s", source);
    return static_cast<int>(ExitCode::Failure);
  }
  fmt::print(
      io.err, "promkit: {}: {} added, {} already stored{}{} ({} rows read{}{}) -> {}\n", source,
      r.added, r.unchanged, r.replaced > 0 ? fmt::format(", {} replaced", r.replaced) : "",
      r.kept > 0 ? fmt::format(", {} conflicting kept as stored", r.kept) : "", c.rows,
      c.skipped > 0 ? fmt::format(", {} not administered", c.skipped) : "",
      c.malformed > 0 ? fmt::format(", {} malformed rows left out", c.malformed) : "", store_path);
  return 0;
}

struct StoreOptions {
  std::string store;
  // import
  std::vector<std::string> files;
  std::vector<std::string> instruments;
  std::string on_conflict = "fail";
  std::vector<std::string> context;
  std::string id_column;
  std::string date_column;
  // list / show / export
  std::string client;
  std::vector<std::string> clients;
  std::vector<std::string> filter_instruments;
  std::string from;
  std::string to;
  std::string format;
};

int run_import(const StoreOptions& opt, Io& io, const Globals& globals) {
  const std::string path = resolve_store_path(opt.store);
  Registry registry = globals.registry(io);
  ensure_parent_dir(path);
  const auto store = open_store(path, StoreAccess::ReadWrite);
  int rc = 0;
  bool invalid = false;  // a raw export had invalid rows (stored with status invalid)
  for (const auto& file : opt.files) {
    const auto importer = store->begin_import(parse_policy(opt.on_conflict), file);
    ScoredReader reader(file, registry, [&](const Administration& a) { importer->add(a); });
    if (!opt.instruments.empty()) {
      // A raw export: score it with the batch scorer into a temporary NDJSON file, then read that.
      BatchOptions bo;
      for (const auto& id : opt.instruments) {
        bo.instruments.push_back(registry.get(id));
      }
      bo.context = parse_pairs(opt.context, "--context");
      bo.keep_all = true;
      bo.sanitize = false;
      bo.format = BatchFormat::Ndjson;
      bo.id_column = opt.id_column;
      bo.date_column = opt.date_column;
      bo.threads = std::max(1U, std::thread::hardware_concurrency());
      bo.input_name = file;
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        throw Error(fmt::format("cannot read '{}': {}", file, std::strerror(errno)));
      }
      // Scored rows go straight into the import (nothing is written to a temporary file).
      LineSink sink([&](std::string_view line, std::uint64_t no) { reader.ndjson_line(line, no); });
      std::ostream out(&sink);
      BatchSummary s;
      try {
        s = run_batch(fd, bo, out, nullptr, nullptr);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      sink.finish();
      if (s.invalid_rows > 0) {
        invalid = true;
        fmt::print(io.err,
                   "promkit: note: {}: {} row{} with invalid data stored with status invalid "
                   "(see 'promkit score ... --errors FILE' for the reasons)\n",
                   file, s.invalid_rows, s.invalid_rows == 1 ? "" : "s");
      }
    } else {
      std::ifstream probe(file, std::ios::binary);
      if (!probe) {
        throw Error(fmt::format("cannot read '{}': {}", file, std::strerror(errno)));
      }
      char c = 0;
      while (probe.get(c) && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      }
      if (c == '{' || c == '[') {
        probe.clear();
        probe.seekg(0);
        reader.read_json_stream(probe);
      } else {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          throw Error(fmt::format("cannot read '{}': {}", file, std::strerror(errno)));
        }
        try {
          reader.read_csv(fd);
        } catch (...) {
          ::close(fd);
          throw;
        }
        ::close(fd);
      }
    }
    const ImportResult r = importer->finish();
    rc = std::max(rc, report_import(r, reader.counts, file, path, io));
  }
  // As 'score --store': the job ran, but some answers were invalid.
  return rc == 0 && invalid ? static_cast<int>(ExitCode::InvalidData) : rc;
}

std::unique_ptr<Store> open_existing(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(
        fmt::format("no store at '{}' (create one with 'promkit store import' or "
                    "'promkit score --store FILE')",
                    path));
  }
  return open_store(path, StoreAccess::ReadOnly);
}

void check_date(const std::string& d, const char* option) {
  if (!d.empty() && (d.size() != 10 || !is_iso_date(d))) {
    throw UsageError(fmt::format("{} '{}': give a date as YYYY-MM-DD", option, d));
  }
}

StoreFilter make_filter(const StoreOptions& opt) {
  check_date(opt.from, "--from");
  check_date(opt.to, "--to");
  StoreFilter f;
  f.clients = opt.clients;
  f.instruments = opt.filter_instruments;
  f.from = opt.from;
  f.to = opt.to;
  return f;
}

std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

int run_list(const StoreOptions& opt, Io& io) {
  const std::string path = resolve_store_path(opt.store);
  const auto store = open_existing(path);
  const auto counts = store->counts(make_filter(opt));
  fmt::print(io.out, "{:<20} {:<12} {:>5}  {:<19}  {}\n", "client", "instrument", "n", "first",
             "last");
  std::uint64_t total = 0;
  std::vector<std::string> clients;
  for (const auto& c : counts) {
    fmt::print(io.out, "{:<20} {:<12} {:>5}  {:<19}  {}\n", printable(c.client_id), c.instrument_id,
               c.administrations, c.first, c.last);
    total += c.administrations;
    if (clients.empty() || clients.back() != c.client_id) {
      clients.push_back(c.client_id);
    }
  }
  fmt::print(io.err, "promkit: {} (schema {}): {} client{}, {} administration{}\n", path,
             store->schema_version(), clients.size(), clients.size() == 1 ? "" : "s", total,
             total == 1 ? "" : "s");
  return 0;
}

std::string value_text(const std::optional<double>& v) {
  if (!v) {
    return "-";
  }
  return std::fabs(*v - std::round(*v)) < 1e-9 ? fmt::format("{:.0f}", *v)
                                               : fmt::format("{:.2f}", *v);
}

nlohmann::ordered_json admin_json(const Administration& a) {
  nlohmann::ordered_json j;
  j["client_id"] = a.client_id;
  j["instrument"] = a.instrument_id;
  j["version"] = a.instrument_version;
  j["administered_at"] = a.administered_at;
  j["status"] = a.status;
  j["answered"] = a.answered;
  j["source"] = a.source;
  auto scales = nlohmann::ordered_json::object();
  for (const auto& s : a.scales) {
    scales[s.scale] = {
        {"value", s.value ? json_number(*s.value) : nullptr},
        {"raw", s.raw ? json_number(*s.raw) : nullptr},
        {"band", s.band.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.band)},
        {"status", s.status}};
  }
  j["scales"] = scales;
  j["flags"] = a.flags;
  auto answers = nlohmann::ordered_json::object();
  for (const auto& [item, value] : a.answers) {
    answers[item] = value;
  }
  j["answers"] = answers;
  return j;
}

int run_show(const StoreOptions& opt, Io& io) {
  const std::string path = resolve_store_path(opt.store);
  const auto store = open_existing(path);
  StoreOptions o = opt;
  o.clients = {opt.client};
  std::uint64_t n = 0;
  const bool json = opt.format == "json";
  store->for_each(make_filter(o), [&](const Administration& a) {
    ++n;
    if (json) {
      fmt::print(io.out, "{}\n", admin_json(a).dump());
      return;
    }
    std::string scores;
    for (const auto& s : a.scales) {
      scores += fmt::format("{}{} {}{}", scores.empty() ? "" : ", ", s.scale, value_text(s.value),
                            s.band.empty() ? "" : " (" + s.band + ")");
    }
    fmt::print(io.out, "{}  {} {}  {}  {}{}\n", a.administered_at, a.instrument_id,
               a.instrument_version, a.status, scores,
               a.flags.empty() ? "" : fmt::format("  FLAGS: {}", fmt::join(a.flags, ", ")));
    if (!a.answers.empty()) {
      std::string answers;
      for (const auto& [item, value] : a.answers) {
        answers += fmt::format("{}{}={}", answers.empty() ? "" : " ", item, printable(value));
      }
      fmt::print(io.out, "    answers: {}\n", answers);
    }
    fmt::print(io.out, "    source: {}\n", printable(a.source));
  });
  if (n == 0) {
    fmt::print(io.err, "promkit: no administrations stored for client '{}'{}\n",
               printable(opt.client), opt.filter_instruments.empty() ? "" : " (with the filters)");
    return static_cast<int>(ExitCode::Failure);
  }
  return 0;
}

int run_export(const StoreOptions& opt, Io& io) {
  const std::string path = resolve_store_path(opt.store);
  const auto store = open_existing(path);
  const bool ndjson = opt.format == "ndjson";
  if (!ndjson) {
    io.out << "client_id,instrument,version,administered_at,status,answered,scale,value,raw,band,"
              "flags,source\n";
  }
  std::string line;
  store->for_each(make_filter(opt), [&](const Administration& a) {
    if (ndjson) {
      io.out << admin_json(a).dump() << '\n';
      return;
    }
    const std::string flags = fmt::format("{}", fmt::join(a.flags, ";"));
    for (const auto& s : a.scales) {
      line.clear();
      for (const std::string& f :
           {a.client_id, a.instrument_id, a.instrument_version, a.administered_at, a.status,
            fmt::format("{}", a.answered), s.scale, s.value ? value_text(s.value) : "",
            s.raw ? value_text(s.raw) : "", s.band, flags, a.source}) {
        if (!line.empty()) {
          line.push_back(',');
        }
        append_csv_field(line, f, true);
      }
      line.push_back('\n');
      io.out << line;
    }
  });
  return 0;
}

void add_filter_options(CLI::App* sub, StoreOptions& opt) {
  sub->add_option("--client", opt.clients, "Only this client (repeatable)")
      ->type_name("ID")
      ->allow_extra_args(false);
  sub->add_option("--instrument", opt.filter_instruments, "Only this instrument (repeatable)")
      ->type_name("ID")
      ->allow_extra_args(false);
  sub->add_option("--from", opt.from, "Only administrations on or after this date")
      ->type_name("YYYY-MM-DD");
  sub->add_option("--to", opt.to, "Only administrations on or before this date")
      ->type_name("YYYY-MM-DD");
}

}  // namespace

std::string resolve_store_path(const std::string& option) {
  if (!option.empty()) {
    return option;
  }
  std::string path = default_store_path(env("PROMKIT_STORE"), env("XDG_DATA_HOME"), env("HOME"));
  if (path.empty()) {
    throw UsageError("no store: give --store FILE or set PROMKIT_STORE");
  }
  return path;
}

struct StoreSink::Impl {
  Impl(const std::string& store_path, const std::string& source_name, Registry& registry)
      : path(store_path),
        source(source_name),
        store(open_for_import(store_path)),
        importer(store->begin_import(ConflictPolicy::Fail, source_name)),
        reader(source_name, registry, [this](const Administration& a) { importer->add(a); }),
        lines([this](std::string_view line, std::uint64_t no) { reader.ndjson_line(line, no); }),
        out(&lines) {}
  static std::unique_ptr<Store> open_for_import(const std::string& path) {
    ensure_parent_dir(path);
    return open_store(path, StoreAccess::ReadWrite);
  }
  std::string path;
  std::string source;
  std::unique_ptr<Store> store;
  std::unique_ptr<StoreWriter> importer;
  ScoredReader reader;
  LineSink lines;
  std::ostream out;
};

StoreSink::StoreSink(const std::string& store_option, const std::string& source, Registry& registry)
    : impl_(std::make_unique<Impl>(resolve_store_path(store_option), source, registry)) {}
StoreSink::~StoreSink() = default;

std::ostream& StoreSink::stream() {
  return impl_->out;
}

int StoreSink::finish(Io& io) {
  impl_->out.flush();
  impl_->lines.finish();
  return report_import(impl_->importer->finish(), impl_->reader.counts, impl_->source, impl_->path,
                       io);
}

void register_store(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<StoreOptions>();
  CLI::App* store = app.add_subcommand(
      "store", "The longitudinal store of scored administrations: import, list, show, export");
  store->require_subcommand(1);
  store
      ->add_option("--store", opt->store,
                   "The store (default: PROMKIT_STORE, else $XDG_DATA_HOME/promkit/promkit.db, "
                   "else ~/.local/share/promkit/promkit.db)")
      ->type_name("FILE");
  store->footer(
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit store --store clinic.db import scored.ndjson\n"
      "  promkit store --store clinic.db import -i ID -i ID2 export.csv\n"
      "  promkit store --store clinic.db list --instrument ID\n"
      "  promkit store --store clinic.db show C0001\n"
      "  promkit store --store clinic.db export --format ndjson");
  store->fallthrough();

  CLI::App* imp = store->add_subcommand(
      "import", "Import promkit's scored output (CSV, JSON, NDJSON), or a raw export with -i");
  imp->add_option("files", opt->files, "Files to import (each in one transaction)")
      ->required()
      ->check(CLI::ExistingFile);
  imp->add_option("-i,--instrument", opt->instruments,
                  "The file is a raw export: score it with these instruments on the way in")
      ->type_name("ID")
      ->allow_extra_args(false);
  imp->add_option("-c,--context", opt->context, "Respondent context for a raw export (KEY=VALUE)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  imp->add_option("--id-column", opt->id_column, "Raw export: the client id column")
      ->type_name("COL");
  imp->add_option("--date-column", opt->date_column, "Raw export: the date column")
      ->type_name("COL");
  imp->add_option("--on-conflict", opt->on_conflict,
                  "A stored administration (same client, instrument and date) with different "
                  "scores: fail (import nothing, the default), keep the stored one, or replace it")
      ->check(CLI::IsMember({"fail", "keep", "replace"}));
  imp->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_import(*opt, io, globals); };
  });

  CLI::App* list = store->add_subcommand("list", "Clients and instruments stored, with counts");
  add_filter_options(list, *opt);
  list->callback([opt, &run, &io] { run = [opt, &io] { return run_list(*opt, io); }; });

  CLI::App* show = store->add_subcommand("show", "Every administration of one client");
  show->add_option("client", opt->client, "The client id")->required();
  show->add_option("--instrument", opt->filter_instruments, "Only this instrument (repeatable)")
      ->type_name("ID")
      ->allow_extra_args(false);
  show->add_option("--format", opt->format, "text (default) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}));
  show->callback([opt, &run, &io] { run = [opt, &io] { return run_show(*opt, io); }; });

  CLI::App* exp = store->add_subcommand("export", "Write stored administrations as CSV or NDJSON");
  add_filter_options(exp, *opt);
  exp->add_option("--format", opt->format,
                  "csv (default: one row per administration and scale) or ndjson (one object "
                  "per administration, with answers)")
      ->check(CLI::IsMember({"csv", "ndjson"}));
  exp->callback([opt, &run, &io] { run = [opt, &io] { return run_export(*opt, io); }; });
}

}  // namespace promkit::cli
