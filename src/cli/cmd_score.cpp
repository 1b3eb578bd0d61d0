// promkit score: score one response given on the command line (--answers), or every row of a
// CSV export (batch: streaming, several instruments per row, every row accounted for).

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/batch/batch.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/column_map.hpp"

#include "command.hpp"
#include <fcntl.h>
#include <unistd.h>

namespace promkit::cli {
namespace {

struct ScoreOptions {
  std::vector<std::string> instruments;
  std::string answers;
  bool have_answers = false;
  std::vector<std::string> context;
  std::string format;
  // batch
  std::string input = "-";
  std::string output;
  std::vector<std::string> renames;
  std::string map_file;
  std::string missing;
  std::vector<std::string> context_columns;
  std::vector<std::string> keep;
  bool keep_all = false;
  std::string id_column;
  std::string date_column;
  std::string alerts_file;
  std::string errors_file;
  bool strict = false;
  bool no_sanitize = false;
  int threads = 0;
  std::string delimiter;
  bool quiet = false;
  std::string store;  // --store: write the scored rows to the store instead (cmd_store.cpp)
};

int score_one(const ScoreOptions& opt, Io& io, Registry& registry) {
  if (opt.instruments.size() != 1) {
    throw UsageError("--answers scores one response of one instrument: give one --instrument");
  }
  const auto ins = registry.get(opt.instruments.front());
  const auto context = parse_pairs(opt.context, "--context");
  AnswerList list;
  std::vector<double> ctx;
  try {
    list = parse_answer_list(*ins, opt.answers);
    ctx = resolve_context(*ins, context, true);
  } catch (const DataError& e) {
    throw UsageError(fmt::format("{}", e.what()));
  }
  const Score sc = score(*ins, list.answers, ctx);
  const std::string format = opt.format.empty() ? "text" : opt.format;
  if (format == "json") {
    fmt::print(io.out, "{}\n", score_json(*ins, sc, context, &list.errors, 2));
  } else if (format == "text") {
    print_score(io.out, *ins, sc, io.style(), &list.errors);
  } else {
    throw UsageError(
        fmt::format("--format {} is for batch scoring; with --answers use text or json", format));
  }
  return sc.status == Status::Invalid ? static_cast<int>(ExitCode::InvalidData) : 0;
}

char parse_delimiter(const std::string& d) {
  if (d.empty()) {
    return 0;
  }
  if (d == "tab" || d == "\\t" || d == "\t") {
    return '\t';
  }
  if (d.size() == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r') {
    return d[0];
  }
  throw UsageError(fmt::format("--delimiter '{}': give one character, or 'tab'", d));
}

int score_batch(const ScoreOptions& opt, Io& io, Registry& registry) {
  BatchOptions bo;
  for (const auto& id : opt.instruments) {
    bo.instruments.push_back(registry.get(id));
  }
  if (!opt.map_file.empty()) {
    bo.map = load_column_map_file(opt.map_file);
  }
  ColumnMap cli;
  for (const auto& [item, column] : parse_pairs(opt.renames, "--rename")) {
    cli.columns.emplace_back(item, column);
  }
  for (const auto& [var, column] : parse_pairs(opt.context_columns, "--context-column")) {
    cli.context_columns.emplace_back(var, column);
  }
  try {
    cli.missing = parse_missing_codes(opt.missing);
  } catch (const DataError& e) {
    throw UsageError(e.what());
  }
  bo.map.merge(cli);
  // An item renamed on the command line or in the map must exist.
  for (const auto& [item, column] : bo.map.columns) {
    bool known = false;
    for (const auto& ins : bo.instruments) {
      known = known || ins->item_index(item) >= 0;
    }
    if (!known) {
      throw UsageError(fmt::format("--rename/--map: '{}' is not an item of {}", item,
                                   opt.instruments.size() == 1
                                       ? opt.instruments.front()
                                       : std::string("the instruments given")));
    }
  }
  bo.context = parse_pairs(opt.context, "--context");
  bo.delimiter = parse_delimiter(opt.delimiter);
  bo.keep = opt.keep;
  bo.keep_all = opt.keep_all;
  bo.id_column = opt.id_column;
  bo.date_column = opt.date_column;
  bo.sanitize = !opt.no_sanitize;
  bo.strict = opt.strict;
  const unsigned hw = std::max(1U, std::thread::hardware_concurrency());
  bo.threads = opt.threads > 0 ? static_cast<unsigned>(opt.threads) : hw;
  const std::string format = opt.format.empty() ? "csv" : opt.format;
  if (format == "csv") {
    bo.format = BatchFormat::Csv;
  } else if (format == "json") {
    bo.format = BatchFormat::Json;
  } else if (format == "ndjson") {
    bo.format = BatchFormat::Ndjson;
  } else {
    throw UsageError("--format text needs --answers; batch output is csv, json or ndjson");
  }
  int fd = 0;
  bo.input_name = opt.input == "-" ? std::string("<stdin>") : opt.input;
  if (opt.input == "-" && ::isatty(STDIN_FILENO) != 0) {
    // Without this, a forgotten file name looks like a hang.
    fmt::print(io.err,
               "promkit: reading a CSV export from the terminal (header row first; end with "
               "Ctrl-D). To score a file, name it: promkit score -i ID FILE.csv\n");
    io.err.flush();
  }
  if (opt.input != "-") {
    fd = ::open(opt.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw Error(fmt::format("cannot read '{}': {}", opt.input, std::strerror(errno)));
    }
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd > 0) {
        ::close(fd);
      }
    }
  } closer{fd};
  // Output files are written beside their final name and renamed into place at the end, so a
  // run that stops (a missing column, --strict) never leaves a truncated file behind.
  std::unique_ptr<OutputFile> out_file;
  std::unique_ptr<OutputFile> errors_file;
  std::unique_ptr<OutputFile> alerts_file;
  if (!opt.output.empty() && opt.output != "-") {
    out_file = std::make_unique<OutputFile>(opt.output, "the output");
  }
  if (!opt.errors_file.empty()) {
    errors_file = std::make_unique<OutputFile>(opt.errors_file, "the errors report");
  }
  if (!opt.alerts_file.empty()) {
    alerts_file = std::make_unique<OutputFile>(opt.alerts_file, "the alerts file");
  }
  // --store: the scored rows (NDJSON) go straight into one import transaction.
  std::unique_ptr<Store> store;
  std::unique_ptr<StoreSink> sink;
  const std::string store_path = opt.store.empty() ? std::string() : resolve_store_path(opt.store);
  if (!opt.store.empty()) {
    bo.format = BatchFormat::Ndjson;
    bo.keep_all = true;  // the item answers go into the store too
    bo.sanitize = false;
    ensure_store_dir(store_path);
    store = open_store(store_path, StoreAccess::ReadWrite);
    sink = std::make_unique<StoreSink>(*store, bo.input_name, registry, ConflictPolicy::Fail);
  }
  std::ostream& out = sink ? sink->stream() : out_file ? out_file->stream() : io.out;
  const BatchSummary s = run_batch(fd, bo, out, errors_file ? &errors_file->stream() : nullptr,
                                   alerts_file ? &alerts_file->stream() : nullptr);
  out.flush();
  // A --strict run that stopped writes no files (the destinations keep what they had).
  for (auto* f : {out_file.get(), errors_file.get(), alerts_file.get()}) {
    if (f != nullptr && !s.stopped) {
      f->commit();
    }
  }
  // The summary reconciles: every row read is counted once per instrument.
  if (!opt.quiet || s.invalid_rows > 0 || s.stopped) {
    for (const auto& n : s.notes) {
      fmt::print(io.err, "promkit: note: {}\n", n);
    }
    fmt::print(io.err, "promkit: {} row{} read from {}{}\n", s.rows, s.rows == 1 ? "" : "s",
               bo.input_name,
               s.blank_lines > 0 ? fmt::format(" ({} blank line{} skipped)", s.blank_lines,
                                               s.blank_lines == 1 ? "" : "s")
                                 : "");
    for (const auto& c : s.instruments) {
      fmt::print(io.err,
                 "promkit:   {}: {} complete, {} prorated, {} incomplete, {} invalid, {} skipped "
                 "(nothing answered)\n",
                 c.id, c.complete, c.prorated, c.incomplete, c.invalid, c.skipped);
    }
    fmt::print(io.err, "promkit: {} critical flag{} raised{}\n", s.flags, s.flags == 1 ? "" : "s",
               s.flags > 0 ? (alerts_file ? fmt::format(" (see {})", opt.alerts_file)
                                          : std::string(" (use --alerts FILE for the list)"))
                           : std::string());
    if (s.invalid_rows > 0) {
      fmt::print(io.err, "promkit: {} row{} with invalid data{}{}\n", s.invalid_rows,
                 s.invalid_rows == 1 ? "" : "s",
                 s.malformed_rows > 0 ? fmt::format(" ({} malformed)", s.malformed_rows) : "",
                 errors_file ? fmt::format("; reasons in {}", opt.errors_file)
                             : std::string("; use --errors FILE for the reasons"));
    }
  }
  if (sink && !s.stopped) {
    const int rc = finish_store_import(*sink, bo.input_name, store_path, io);
    if (rc != 0) {
      return rc;
    }
  }
  if (s.stopped) {
    fmt::print(io.err, "promkit: error: {} (--strict: stopped at the first invalid row)\n",
               s.stop_reason);
    return static_cast<int>(ExitCode::Failure);
  }
  return s.invalid_rows > 0 ? static_cast<int>(ExitCode::InvalidData) : 0;
}

int run_score(const ScoreOptions& opt, Io& io, const Globals& globals) {
  if (opt.instruments.empty()) {
    throw UsageError("--instrument is required (see 'promkit list')");
  }
  Registry registry = globals.registry(io);
  if (opt.have_answers) {
    return score_one(opt, io, registry);
  }
  return score_batch(opt, io, registry);
}

}  // namespace

void register_score(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ScoreOptions>();
  CLI::App* sub =
      app.add_subcommand("score", "Score responses: one on the command line, or a CSV export");
  sub->add_option("input", opt->input, "CSV export to score (- or absent: standard input)")
      ->type_name("INPUT");
  sub->add_option("-i,--instrument", opt->instruments,
                  "Instrument id (see 'promkit list') or a .toml file; repeat for several "
                  "instruments side by side in one export")
      ->type_name("ID")
      ->allow_extra_args(false);
  sub->add_option("-a,--answers", opt->answers,
                  "Score one response: answers in item order (2,2,2,2,1,1,2,0,0; an empty place "
                  "is missing) or item=answer pairs (ID_1=2,ID_9=0; an item left out is "
                  "missing). An answer is an option's code or its label; quote labels with commas")
      ->type_name("LIST")
      ->each([opt](const std::string&) { opt->have_answers = true; });
  sub->add_option("-c,--context", opt->context,
                  "Respondent context for context-dependent cut-offs, e.g. sex=female (repeatable; "
                  "in batch mode the same for every row)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  sub->add_option("--format", opt->format,
                  "Output: text or json with --answers (default text); csv, json or ndjson for an "
                  "export (default csv)")
      ->check(CLI::IsMember({"text", "json", "csv", "ndjson"}));
  sub->add_option("-o,--output", opt->output, "Write the scored rows here (default: stdout)")
      ->type_name("FILE");
  sub->add_option("--rename", opt->renames,
                  "Read item ITEM from column COLUMN (repeatable; default: the column named as the "
                  "item id, any case)")
      ->type_name("ITEM=COLUMN")
      ->allow_extra_args(false);
  sub->add_option("--map", opt->map_file,
                  "A TOML file of column names, missing codes, recodes and context columns "
                  "(see docs/score.md)")
      ->type_name("FILE");
  sub->add_option("--missing", opt->missing,
                  "Codes that mean missing, optionally with a reason: 7=refused,9=dont_know,NA "
                  "(blank is always missing)")
      ->type_name("CODES");
  sub->add_option("--context-column", opt->context_columns,
                  "Read context variable KEY from COLUMN, e.g. sex=gender (repeatable)")
      ->type_name("KEY=COLUMN")
      ->allow_extra_args(false);
  sub->add_option("--keep", opt->keep,
                  "Columns copied to the output (comma-separated; default: id and date columns "
                  "and REDCap event/repeat columns when present)")
      ->delimiter(',')
      ->type_name("COLS")
      ->allow_extra_args(false);
  sub->add_flag("--keep-all", opt->keep_all, "Copy every input column to the output");
  sub->add_option("--id-column", opt->id_column,
                  "The client id column (default: client_id, record_id, participant_id, ...)")
      ->type_name("COL");
  sub->add_option("--date-column", opt->date_column,
                  "The date column (default: date, visit_date, assessment_date, ...)")
      ->type_name("COL");
  sub->add_option("--alerts", opt->alerts_file,
                  "Write one CSV line per critical flag raised (line, id, date, instrument, flag, "
                  "level, message)")
      ->type_name("FILE");
  sub->add_option("--errors", opt->errors_file,
                  "Write one CSV line per problem found (line, column, value, instrument, reason)")
      ->type_name("FILE");
  sub->add_flag("--strict", opt->strict, "Stop at the first invalid row (exit status 1)");
  sub->add_flag("--no-sanitize", opt->no_sanitize,
                "Do not neutralise cells starting with = + - @ (spreadsheet formulas)");
  sub->add_option("--threads", opt->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 256));
  sub->add_option("--delimiter", opt->delimiter,
                  "Input delimiter: one character or 'tab' (default: detected from the header)")
      ->type_name("CHAR");
  sub->add_flag("-q,--quiet", opt->quiet, "No summary on stderr unless some rows are invalid");
  sub->add_option("--store", opt->store,
                  "Batch: write the scored rows (with answers) into this longitudinal store "
                  "instead of stdout (see 'promkit store')")
      ->type_name("FILE");
  sub->footer(
      "Status: complete | prorated (missing items replaced as the definition allows) |\n"
      "incomplete (too many missing: no score) | invalid (an answer is not one of the item's\n"
      "codes or labels) | skipped (batch: nothing of this instrument answered in the row).\n"
      "Exit status: 0 all scored, 3 some answers or rows invalid (all other rows are still\n"
      "written), 1 failure, 2 usage error.\n\n"
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit score -i ID --answers 2,2,2,2,1,1,2,0,0\n"
      "  promkit score -i ID --answers 'ID_1=2,ID_2=Several days' --format json\n"
      "  promkit score -i ID --answers 2,1,0 --context sex=female\n"
      "  promkit score -i ID -i ID2 export.csv -o scored.csv --errors errors.csv --alerts "
      "alerts.csv\n"
      "  promkit score -i ID --context-column sex=gender --missing 7=refused,9=dont_know "
      "export.csv");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_score(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
