// promkit list: the instruments promkit can find, where they come from, and any that are broken.

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "command.hpp"

namespace promkit::cli {
namespace {

struct ListOptions {
  std::string format = "text";
};

int run_list(const ListOptions& opt, Io& io, const Globals& globals) {
  Registry registry = globals.registry(io);
  const auto entries = registry.catalog();
  int broken = 0;
  if (opt.format == "json") {
    for (const auto& e : entries) {
      broken += e.instrument ? 0 : 1;
    }
    fmt::print(io.out, "{}\n", catalog_json(entries, 2));
  } else {
    std::size_t w_id = 2;
    std::size_t w_name = 4;
    for (const auto& e : entries) {
      if (e.instrument) {
        w_id = std::max(w_id, e.id.size());
        w_name = std::max(w_name, e.instrument->short_name.size());
      }
    }
    fmt::print(io.out, "{:<{}}  {:<{}}  {:>5}  {:<8}  {:<7}  {}\n", "ID", w_id, "NAME", w_name,
               "ITEMS", "VERSION", "TEXT", "SOURCE");
    for (const auto& e : entries) {
      if (!e.instrument) {
        ++broken;
        continue;
      }
      const Instrument& ins = *e.instrument;
      fmt::print(io.out, "{:<{}}  {:<{}}  {:>5}  {:<8}  {:<7}  {}{}\n", ins.id, w_id,
                 ins.short_name, w_name, ins.items.size(), ins.version,
                 ins.licence.text_allowed ? "yes" : "scoring", e.origin,
                 e.hidden ? " (hidden by an earlier definition)" : "");
    }
  }
  for (const auto& e : entries) {
    if (!e.instrument) {
      fmt::print(io.err, "promkit: {} does not load:\n", e.path);
      for (const auto& d : e.problems) {
        fmt::print(io.err, "  {}\n", format_diagnostic(d));
      }
    }
  }
  if (entries.empty()) {
    fmt::print(io.err, "promkit: no instrument definitions found (searched: ");
    bool first = true;
    for (const auto& d : registry.dirs()) {
      fmt::print(io.err, "{}{}", first ? "" : ", ", d.path);
      first = false;
    }
    fmt::print(io.err, ")\n");
    return static_cast<int>(ExitCode::Failure);
  }
  return broken > 0 ? static_cast<int>(ExitCode::Failure) : 0;
}

}  // namespace

void register_list(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "List the instruments promkit can find");
  sub->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->footer(
      "Search order: directories named by --instruments, then PROMKIT_PATH, then the\n"
      "bundled library; an earlier definition of an id hides a later one. TEXT says whether\n"
      "item text is included or the definition is scoring-only (text comes from an\n"
      "overlay). A definition that does not load is reported on stderr and makes the exit\n"
      "status 1.\n\n"
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit list\n"
      "  promkit list --format json\n"
      "  promkit --instruments ./clinic-instruments list");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_list(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
