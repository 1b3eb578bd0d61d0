// promkit show ID: everything a definition says, for people or (--format json) for programs.

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "command.hpp"

namespace promkit::cli {
namespace {

struct ShowOptions {
  std::string id;
  std::string format = "text";
};

int run_show(const ShowOptions& opt, Io& io, const Globals& globals) {
  Registry registry = globals.registry(io);
  const auto ins = registry.get(opt.id);
  if (opt.format == "json") {
    fmt::print(io.out, "{}\n", instrument_json(*ins, 2));
  } else {
    print_instrument(io.out, *ins, io.style());
  }
  return 0;
}

}  // namespace

void register_show(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ShowOptions>();
  CLI::App* sub =
      app.add_subcommand("show", "Show an instrument: items, scales, bands, rules, flags");
  sub->add_option("instrument", opt->id, "Instrument id (see 'promkit list') or a .toml file")
      ->required();
  sub->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->footer(
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit show ID\n"
      "  promkit show ID --format json\n"
      "  promkit show ./my-scale.toml");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_show(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
