#pragma once
// Shared plumbing of the subcommands: streams, terminal facts, exit codes, global options.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "promkit/definition/registry.hpp"
#include "promkit/import/import.hpp"
#include "promkit/render/render.hpp"
#include "promkit/util/output_file.hpp"

namespace promkit::cli {

// Exit statuses (documented in README.md and docs/exit-codes.md).
enum class ExitCode : int {
  Ok = 0,           // done
  Failure = 1,      // could not do the job: a definition that does not load or validate, I/O
  Usage = 2,        // the command line is wrong: unknown option, unknown instrument, bad list
  InvalidData = 3,  // done, but some answers were invalid (see the output's problems)
};

struct Io {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  bool out_is_tty = false;
  bool no_color = false;     // NO_COLOR set, or TERM=dumb
  std::string promkit_path;  // PROMKIT_PATH
  [[nodiscard]] TextStyle style() const { return TextStyle{out_is_tty && !no_color}; }
};

struct Globals {
  std::vector<std::string> instrument_dirs;
  std::vector<std::string> overlays;
  [[nodiscard]] Registry registry(const Io& io) const;
};

// A subcommand's parse callback records what to run; main runs it after parsing (style.md).
using Runner = std::function<int()>;

void register_list(CLI::App& app, Runner& run, Io& io, const Globals& globals);
void register_show(CLI::App& app, Runner& run, Io& io, const Globals& globals);
void register_validate(CLI::App& app, Runner& run, Io& io, const Globals& globals);
void register_score(CLI::App& app, Runner& run, Io& io, const Globals& globals);
void register_store(CLI::App& app, Runner& run, Io& io, const Globals& globals);
void register_report(CLI::App& app, Runner& run, Io& io, const Globals& globals);

// The store path: `option` (--store) if given, else PROMKIT_STORE, else the XDG default
// (cmd_store.cpp). Throws UsageError when none can be worked out.
[[nodiscard]] std::string resolve_store_path(const std::string& option);

// Creates the directories a new store's file goes in, private (mode 0700) as the store itself.
void ensure_store_dir(const std::string& store_path);
// Commits a `score --store` import and prints its outcome on io.err (as `store import` does);
// returns the exit status (cmd_store.cpp).
[[nodiscard]] int finish_store_import(StoreSink& sink, const std::string& source,
                                      const std::string& store_path, Io& io);
void register_administer(CLI::App& app, Runner& run, Io& io, const Globals& globals);

// "key=value[,key=value]" options (--context) into pairs; throws UsageError.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_pairs(
    const std::vector<std::string>& items, const std::string& option);

}  // namespace promkit::cli
