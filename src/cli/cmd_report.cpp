// promkit report: outcome and trend reports from the store (docs/report.md): per client and
// instrument, per cohort, and paired measures configured in outcomes/*.toml.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/definition/outcome_set.hpp"
#include "promkit/report/report.hpp"
#include "promkit/store/store.hpp"

#include "command.hpp"

namespace promkit::cli {
namespace {

struct ReportCliOptions {
  std::string store;
  std::string format = "text";
  std::string output;
  std::vector<std::string> clients;
  std::vector<std::string> instruments;
  std::string from;
  std::string to;
  std::vector<std::string> outcomes;
  bool no_paired = false;
  std::string title = "Outcome report";
  std::string scale = "total";
  std::size_t client_rows = 50;
  std::size_t client_charts = 12;
};

void check_date(const std::string& d, const char* option) {
  if (!d.empty() && (d.size() != 10 || !is_iso_date(d))) {
    throw UsageError(fmt::format("{} '{}': give a date as YYYY-MM-DD", option, d));
  }
}

int run_report(const ReportCliOptions& opt, Io& io, const Globals& globals) {
  check_date(opt.from, "--from");
  check_date(opt.to, "--to");
  const std::string path = resolve_store_path(opt.store);
  if (!std::filesystem::exists(path)) {
    throw Error(
        fmt::format("no store at '{}' (create one with 'promkit store import' or "
                    "'promkit score --store FILE')",
                    path));
  }
  const auto store = open_store(path, StoreAccess::ReadOnly);
  auto registry = std::make_shared<Registry>(globals.registry(io));
  std::vector<PairedDefinition> paired;
  if (!opt.no_paired) {
    std::vector<std::string> files;
    if (opt.outcomes.empty()) {
      files = outcome_set_files(bundled_outcomes_dir(bundled_instruments_dir()));
    }
    for (const auto& o : opt.outcomes) {
      if (std::filesystem::is_directory(o)) {
        for (const auto& f : outcome_set_files(o)) {
          files.push_back(f);
        }
      } else {
        files.push_back(o);
      }
    }
    for (const auto& f : files) {
      paired.push_back(load_paired_definition(f));
    }
  }
  ReportOptions ro;
  ro.filter.clients = opt.clients;
  ro.filter.instruments = opt.instruments;
  ro.filter.from = opt.from;
  ro.filter.to = opt.to;
  ro.scale = opt.scale;
  ro.title = opt.title;
  ro.client_rows = opt.client_rows;
  ro.client_charts = opt.client_charts;
  ro.store_label = path;
  ReportBuilder builder(
      *store,
      [registry](std::string_view id) -> std::shared_ptr<const Instrument> {
        try {
          return registry->get(id);
        } catch (const Error&) {
          return nullptr;
        }
      },
      std::move(paired), ro);
  const ReportData data = builder.summarise();
  // Written under a temporary name and renamed into place at the end: a report that fails part
  // way never leaves a truncated file where a good one was.
  std::unique_ptr<OutputFile> file;
  if (!opt.output.empty() && opt.output != "-") {
    file = std::make_unique<OutputFile>(opt.output, "the report");
  }
  std::ostream& out = file ? file->stream() : io.out;
  if (opt.format == "html") {
    render_html(out, data);
  } else if (opt.format == "md") {
    render_markdown(out, data);
  } else if (opt.format == "csv") {
    render_csv(out, data, builder);
  } else if (opt.format == "json") {
    render_json(out, data, builder);
  } else {
    // Colour only on a terminal, and only when NO_COLOR is unset (never into a file).
    TextStyle style = io.style();
    style.color = style.color && !file;
    render_text(out, data, style);
  }
  out.flush();
  if (file) {
    file->commit();
    fmt::print(io.err, "promkit: wrote {} ({} clients, {} administrations)\n", opt.output,
               data.clients, data.administrations);
  }
  return 0;
}

}  // namespace

void register_report(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ReportCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Outcome and trend report from the store (text, html, md, csv, json)");
  sub->add_option("--store", opt->store,
                  "The store (default: PROMKIT_STORE, else $XDG_DATA_HOME/promkit/promkit.db, "
                  "else ~/.local/share/promkit/promkit.db)")
      ->type_name("FILE");
  sub->add_option("-f,--format", opt->format,
                  "text (terminal), html (one self-contained file), md, csv or json")
      ->check(CLI::IsMember({"text", "html", "md", "csv", "json"}));
  sub->add_option("-o,--output", opt->output, "Write the report here (default: stdout)")
      ->type_name("FILE");
  sub->add_option("--client", opt->clients, "Only this client (repeatable)")
      ->type_name("ID")
      ->allow_extra_args(false);
  sub->add_option("-i,--instrument", opt->instruments, "Only this instrument (repeatable)")
      ->type_name("ID")
      ->allow_extra_args(false);
  sub->add_option("--from", opt->from, "Only administrations on or after this date")
      ->type_name("YYYY-MM-DD");
  sub->add_option("--to", opt->to, "Only administrations on or before this date")
      ->type_name("YYYY-MM-DD");
  sub->add_option("--outcomes", opt->outcomes,
                  "Paired-measure definitions (a .toml file or a directory; default: the bundled "
                  "outcomes/ directory)")
      ->type_name("PATH")
      ->allow_extra_args(false);
  sub->add_flag("--no-paired", opt->no_paired, "Leave out paired measures");
  sub->add_option("--title", opt->title, "The report's title")->type_name("TEXT");
  sub->add_option("--scale", opt->scale, "The scale analysed for every instrument (default total)")
      ->type_name("ID");
  sub->add_option("--clients", opt->client_rows,
                  "Clients listed per instrument in text, md and html (default 50; csv and json "
                  "list all)")
      ->type_name("N");
  sub->add_option("--charts", opt->client_charts,
                  "Clients charted per instrument in html (default 12)")
      ->type_name("N");
  sub->footer(
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit report --store clinic.db\n"
      "  promkit report --store clinic.db --format html -o report.html\n"
      "  promkit report --store clinic.db --instrument ID --from 2024-01-01 --to 2024-06-30\n"
      "  promkit report --store clinic.db --client C0001 --format html -o C0001.html\n"
      "  promkit report --store clinic.db --format csv > outcomes.csv");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_report(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
