// promkit: define, administer, score and report screening questionnaires.
//
//   promkit list                      the instruments it knows (bundled, --instruments,
//   PROMKIT_PATH) promkit show ID                   one instrument's items, scales, bands, rules,
//   flags, sources promkit validate FILE|DIR...      check definitions and run their reference
//   vectors promkit score -i ID --answers L   score one response
//   promkit score -i ID EXPORT --store DB     score an export into the longitudinal store
//   promkit store import|list|show|export     the store of scored administrations
//   promkit report --store DB [--format F]    outcome and trend report (text/html/md/csv/json)
//   promkit administer ID...|--battery B  give instruments one question at a time (resumable)
//
// Exit statuses: 0 ok; 1 failure (a definition that does not load, I/O); 2 usage (bad command
// line, unknown instrument); 3 invalid data (the job ran, some answers were invalid).

#include <cstdlib>
#include <exception>
#include <iostream>
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/util/error.hpp"
#include "promkit/util/fd_stream.hpp"
#include "promkit/util/output_file.hpp"
#include "promkit/util/version.hpp"

#include "command.hpp"
#include <unistd.h>

namespace {

using promkit::cli::ExitCode;

int code(ExitCode c) {
  return static_cast<int>(c);
}

// The one place where errors become exit statuses and messages (after what was written to
// standard output so far has been flushed, so that messages follow it).
int report_error(std::ostream& out, const std::exception_ptr& error) {
  out.flush();
  try {
    std::rethrow_exception(error);
  } catch (const promkit::DefinitionError& e) {
    for (const auto& d : e.diagnostics()) {
      fmt::print(std::cerr, "{}\n", promkit::format_diagnostic(d));
    }
    return code(ExitCode::Failure);
  } catch (const promkit::UsageError& e) {
    fmt::print(std::cerr, "promkit: error: {}\n", e.what());
    return code(ExitCode::Usage);
  } catch (const promkit::RequestError& e) {
    fmt::print(std::cerr, "promkit: error: {}\n", e.what());
    return code(ExitCode::Usage);
  } catch (const promkit::Error& e) {
    fmt::print(std::cerr, "promkit: error: {}\n", e.what());
    return code(ExitCode::Failure);
  } catch (const std::exception& e) {
    fmt::print(std::cerr, "promkit: internal error: {}\n", e.what());
    return code(ExitCode::Failure);
  }
}

// Standard output is written through an FdOStream: a write that fails (a full disk, /dev/full)
// makes the run fail whatever the command returned; a closed pipe ends the run as SIGPIPE does
// (FdOutBuf, BrokenPipe::Raise).
int finish_output(promkit::FdOStream& out, int rc) {
  out.flush();
  if (out.error() != 0) {
    fmt::print(std::cerr, "promkit: error: {}\n",
               promkit::write_error_message("standard output", "-", out.error()));
    return code(ExitCode::Failure);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  const char* path = std::getenv("PROMKIT_PATH");
  promkit::FdOStream out(STDOUT_FILENO, promkit::BrokenPipe::Raise);
  promkit::cli::Io io{out, std::cerr, std::cin, false, false, std::string()};
  io.out_is_tty = isatty(STDOUT_FILENO) != 0;
  io.no_color = (no_color != nullptr && *no_color != '\0') ||
                (term != nullptr && std::string_view(term) == "dumb");
  io.promkit_path = path != nullptr ? path : "";

  CLI::App app{
      "promkit - measurement-based care: define, administer, score and report "
      "screening questionnaires",
      "promkit"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", fmt::format("promkit {}", promkit::kVersion),
                       "Print the version and exit");
  promkit::cli::Globals globals;
  app.add_option("--instruments", globals.instrument_dirs,
                 "A directory of instrument definitions to search before the bundled ones "
                 "(repeatable; PROMKIT_PATH adds more, colon-separated)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_option("--overlay", globals.overlays,
                 "An overlay file that adds item text to a scoring-only definition (repeatable; "
                 "<dir>/*.overlay.toml files in the search path are used too)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.footer(
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit list\n"
      "  promkit show ID\n"
      "  promkit score --instrument ID --answers 1,1,1,1,0,1,2\n"
      "  promkit validate my-instruments/\n\n"
      "Exit status: 0 ok, 1 failure, 2 usage error, 3 invalid data (answers or rows).\n"
      "Run 'promkit COMMAND --help' for a command's options.");

  promkit::cli::Runner run;
  promkit::cli::register_list(app, run, io, globals);
  promkit::cli::register_show(app, run, io, globals);
  promkit::cli::register_validate(app, run, io, globals);
  promkit::cli::register_score(app, run, io, globals);
  promkit::cli::register_store(app, run, io, globals);
  promkit::cli::register_report(app, run, io, globals);
  promkit::cli::register_administer(app, run, io, globals);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, out, std::cerr);
    return finish_output(out, rc == 0 ? 0 : code(ExitCode::Usage));
  }
  int rc = 0;
  try {
    rc = run ? run() : code(ExitCode::Usage);
  } catch (...) {
    rc = report_error(out, std::current_exception());
  }
  return finish_output(out, rc);
}
