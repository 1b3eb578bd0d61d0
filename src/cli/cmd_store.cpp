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
#include "promkit/import/administration.hpp"
#include "promkit/import/import.hpp"
#include "promkit/store/store.hpp"
#include "promkit/util/fs.hpp"
#include "promkit/util/text.hpp"

#include "command.hpp"
#include <fcntl.h>
#include <unistd.h>

namespace promkit::cli {

namespace {

ConflictPolicy parse_policy(const std::string& s) {
  if (s == "keep") {
    return ConflictPolicy::Keep;
  }
  if (s == "replace") {
    return ConflictPolicy::Replace;
  }
  return ConflictPolicy::Fail;
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

// Opens `file` for reading ("-": standard input). Throws Error.
int open_input(const std::string& file) {
  if (file == "-") {
    return STDIN_FILENO;
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(fmt::format("cannot read '{}': {}", file, std::strerror(errno)));
  }
  return fd;
}

int run_import(const StoreOptions& opt, Io& io, const Globals& globals) {
  const std::string path = resolve_store_path(opt.store);
  Registry registry = globals.registry(io);
  ensure_store_dir(path);
  const auto store = open_store(path, StoreAccess::ReadWrite);
  int rc = 0;
  bool invalid = false;  // a raw export had invalid rows (stored with status invalid)
  for (const auto& file : opt.files) {
    const std::string source = file == "-" ? std::string("<stdin>") : file;
    const int fd = open_input(file);
    struct Closer {
      int fd;
      ~Closer() {
        if (fd != STDIN_FILENO) {
          ::close(fd);
        }
      }
    } closer{fd};
    ImportOutcome outcome;
    if (!opt.instruments.empty()) {
      // A raw export: scored on the way in (nothing is written to a temporary file).
      BatchOptions bo;
      for (const auto& id : opt.instruments) {
        bo.instruments.push_back(registry.get(id));
      }
      bo.context = parse_pairs(opt.context, "--context");
      bo.id_column = opt.id_column;
      bo.date_column = opt.date_column;
      bo.threads = std::max(1U, std::thread::hardware_concurrency());
      bo.input_name = source;
      outcome = import_raw(*store, fd, std::move(bo), registry, parse_policy(opt.on_conflict));
      if (outcome.batch.invalid_rows > 0) {
        invalid = true;
        fmt::print(io.err,
                   "promkit: note: {}: {} row{} with invalid data stored with status invalid "
                   "(see 'promkit score ... --errors FILE' for the reasons)\n",
                   source, outcome.batch.invalid_rows, outcome.batch.invalid_rows == 1 ? "" : "s");
      }
    } else {
      outcome = import_scored(*store, fd, source, registry, parse_policy(opt.on_conflict));
    }
    rc = std::max(rc, report_import(outcome.result, outcome.read, source, path, io));
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
      fmt::print(io.out, "{}\n", administration_json(a));
      return;
    }
    std::string scores;
    for (const auto& s : a.score.scales) {
      scores += fmt::format("{}{} {}{}", scores.empty() ? "" : ", ", s.id, value_text(s.value),
                            s.band.empty() ? "" : " (" + s.band + ")");
    }
    const ScoreRecord& r = a.score;
    fmt::print(io.out, "{}  {} {}  {}  {}{}{}\n", a.administered_at, r.instrument, r.version,
               r.status, scores,
               r.flags.empty() ? "" : fmt::format("  FLAGS: {}", fmt::join(r.flags, ", ")),
               r.unchecked_flags.empty()
                   ? ""
                   : fmt::format("  NOT CHECKED: {}", fmt::join(r.unchecked_flags, ", ")));
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
              "flags,unchecked_flags,source\n";
  }
  std::string line;
  store->for_each(make_filter(opt), [&](const Administration& a) {
    if (ndjson) {
      io.out << administration_json(a) << '\n';
      return;
    }
    const ScoreRecord& r = a.score;
    const std::string flags = fmt::format("{}", fmt::join(r.flags, ";"));
    const std::string unchecked = fmt::format("{}", fmt::join(r.unchecked_flags, ";"));
    for (const auto& s : r.scales) {
      line.clear();
      for (const std::string& f :
           {a.client_id, r.instrument, r.version, a.administered_at, r.status,
            fmt::format("{}", r.answered), s.id, s.value ? value_text(s.value) : "",
            s.raw ? value_text(s.raw) : "", s.band, flags, unchecked, a.source}) {
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
  std::string path = default_store_path(env_or_empty("PROMKIT_STORE"),
                                        env_or_empty("XDG_DATA_HOME"), env_or_empty("HOME"));
  if (path.empty()) {
    throw UsageError("no store: give --store FILE or set PROMKIT_STORE");
  }
  return path;
}

void ensure_store_dir(const std::string& store_path) {
  make_private_dirs(parent_dir(store_path), "the store's directory");
}

int finish_store_import(StoreSink& sink, const std::string& source, const std::string& store_path,
                        Io& io) {
  const ImportOutcome outcome = sink.finish();
  return report_import(outcome.result, outcome.read, source, store_path, io);
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
      ->check(CLI::Validator(
          [](std::string& f) { return f == "-" ? std::string() : CLI::ExistingFile(f); },
          "FILE or -"));
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
