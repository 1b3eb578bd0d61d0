// promkit validate FILE|DIR...: check definitions against every rule of the format and run the
// reference vectors each one carries.

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/core/reference.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/definition/overlay.hpp"

#include "command.hpp"

namespace promkit::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> paths;
  bool strict = false;
  bool no_vectors = false;
  bool quiet = false;
};

std::vector<std::string> expand(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".toml") {
          files.push_back(it->path().string());
        }
      }
      std::sort(files.begin(), files.end());
      out.insert(out.end(), files.begin(), files.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

// An overlay (<name>.overlay.toml): it must load and fit the instrument it names.
bool validate_overlay(const std::string& file, Io& io, const Globals& globals) {
  try {
    const Overlay ov = load_overlay_file(file);
    Registry registry = globals.registry(io);
    Instrument ins = *registry.get(ov.instrument_id);
    apply_overlay(ins, ov);
    fmt::print(io.out, "{}: ok (overlay for {} {}, {} items)\n", file, ins.id, ins.version,
               ov.items.size());
    return true;
  } catch (const DefinitionError& e) {
    for (const auto& d : e.diagnostics()) {
      fmt::print(io.err, "{}\n", format_diagnostic(d));
    }
  } catch (const RequestError& e) {
    fmt::print(io.err, "{}: error: {}\n", file, e.what());
  }
  fmt::print(io.out, "{}: FAILED (overlay)\n", file);
  return false;
}

int run_validate(const ValidateOptions& opt, Io& io, const Globals& globals) {
  const auto files = expand(opt.paths);
  if (files.empty()) {
    throw UsageError("no .toml files to validate");
  }
  int bad = 0;
  for (const auto& file : files) {
    constexpr std::string_view kOverlay = ".overlay.toml";
    if (file.size() > kOverlay.size() &&
        file.compare(file.size() - kOverlay.size(), kOverlay.size(), kOverlay) == 0) {
      bad += validate_overlay(file, io, globals) ? 0 : 1;
      continue;
    }
    try {
      LoadResult loaded = load_instrument_file(file);
      const Instrument& ins = loaded.instrument;
      for (const auto& w : loaded.warnings) {
        fmt::print(io.err, "{}\n", format_diagnostic(w));
      }
      bool ok = !(opt.strict && !loaded.warnings.empty());
      std::string vectors;
      if (!opt.no_vectors) {
        const ReferenceOutcome ref = check_reference_vectors(ins);
        for (const auto& f : ref.failures) {
          fmt::print(io.err, "{}\n", format_diagnostic(f));
        }
        ok = ok && ref.failed == 0;
        vectors =
            ref.failed == 0
                ? fmt::format(", {} reference vector{} passed", ref.run, ref.run == 1 ? "" : "s")
                : fmt::format(", {} of {} reference vectors FAILED", ref.failed, ref.run);
      }
      if (!ok) {
        ++bad;
      }
      if (!opt.quiet || !ok) {
        fmt::print(io.out, "{}: {} ({} {}{})\n", file, ok ? "ok" : "FAILED", ins.id, ins.version,
                   vectors);
      }
    } catch (const DefinitionError& e) {
      ++bad;
      for (const auto& d : e.diagnostics()) {
        fmt::print(io.err, "{}\n", format_diagnostic(d));
      }
      const auto errors =
          std::count_if(e.diagnostics().begin(), e.diagnostics().end(),
                        [](const Diagnostic& d) { return d.severity == Severity::Error; });
      fmt::print(io.out, "{}: FAILED ({} error{})\n", file, errors, errors == 1 ? "" : "s");
    }
  }
  if (files.size() > 1) {
    fmt::print(io.out, "{} of {} definitions valid\n", files.size() - static_cast<std::size_t>(bad),
               files.size());
  }
  return bad > 0 ? static_cast<int>(ExitCode::Failure) : 0;
}

}  // namespace

void register_validate(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand(
      "validate", "Check instrument definitions and run their reference vectors");
  sub->add_option("paths", opt->paths, "Definition files, or directories of them")->required();
  sub->add_flag("--strict", opt->strict, "Treat warnings as errors");
  sub->add_flag("--no-vectors", opt->no_vectors, "Do not run the definitions' reference vectors");
  sub->add_flag("-q,--quiet", opt->quiet, "Print only the definitions that fail");
  sub->footer(
      "Every problem is reported as FILE:LINE:COLUMN: error: MESSAGE on stderr; one line per\n"
      "definition (ok / FAILED) goes to stdout. Exit status 1 if any definition fails.\n\n"
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit validate instruments/ID.toml\n"
      "  promkit validate my-instruments/ --strict");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_validate(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
