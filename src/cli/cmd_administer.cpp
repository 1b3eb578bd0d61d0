// promkit administer: give instruments one question at a time at a terminal (or read answers one
// per line from a pipe), with a journal synced after every answer so that nothing is lost, then
// write the result atomically. The question/answer logic is promkit/administer.hpp.
//
// Usage: promkit administer ID [ID ...] | --battery NAME  [--client ID] [--out FILE]
//          [--mode clinician|client] [--plain] [--lang CODE] [--context K=V]
//        promkit administer --resume [ADMINISTRATION-ID]
//        promkit administer --unfinished

#include <array>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include "promkit/administer/administer.hpp"
#include "promkit/administer/journal.hpp"
#include "promkit/definition/battery.hpp"
#include "promkit/definition/overlay.hpp"
#include "promkit/import/administration.hpp"
#include "promkit/render/render.hpp"
#include "promkit/store/store.hpp"

#include "command.hpp"
#include <sys/ioctl.h>
#include <unistd.h>

namespace promkit::cli {
namespace {
namespace fs = std::filesystem;

struct AdministerCliOptions {
  std::vector<std::string> ids;
  std::string battery;
  std::string client;
  std::string store;
  std::string lang;
  std::string mode = "clinician";
  bool mode_given = false;
  bool plain = false;
  std::string out;
  bool resume = false;
  bool unfinished = false;
  std::vector<std::string> context;
  std::string crisis_file;
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

// share/promkit: the parent of the bundled instruments directory.
std::string share_dir() {
  return fs::path(bundled_instruments_dir()).parent_path().string();
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
    return ws.ws_col;
  }
  const std::string cols = env("COLUMNS");
  if (!cols.empty()) {
    char* end = nullptr;
    const long n = std::strtol(cols.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && n >= 20 && n <= 1000) {
      return static_cast<std::size_t>(n);
    }
  }
  return 80;
}

// Ctrl-C at the terminal: every answer is already synced, so say how to continue and stop.
std::array<char, 512> g_interrupt_message{};  // NOLINT: read by the signal handler only
std::size_t g_interrupt_length = 0;           // NOLINT

extern "C" void on_interrupt(int /*sig*/) {
  if (g_interrupt_length > 0) {
    (void)!::write(STDERR_FILENO, g_interrupt_message.data(), g_interrupt_length);
  }
  ::_exit(130);
}

void install_interrupt_handler(const std::string& hint) {
  const std::string msg =
      fmt::format("\nInterrupted. Every answer given so far is saved. To continue: {}\n", hint);
  g_interrupt_length = std::min(msg.size(), g_interrupt_message.size());
  std::memcpy(g_interrupt_message.data(), msg.data(), g_interrupt_length);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
}

// The instrument in the language asked for: <id>.<lang>.overlay.toml in a search directory or
// its translations/ subdirectory. Without --lang, the definition's own language.
std::shared_ptr<const Instrument> with_language(std::shared_ptr<const Instrument> ins,
                                                const std::string& lang, const Registry& reg) {
  if (lang.empty()) {
    return ins;
  }
  const std::string name = fmt::format("{}.{}.overlay.toml", ins->id, lang);
  std::vector<std::string> looked;
  for (const auto& d : reg.dirs()) {
    for (const fs::path& p : {fs::path(d.path) / name, fs::path(d.path) / "translations" / name}) {
      std::error_code ec;
      looked.push_back(p.string());
      if (fs::is_regular_file(p, ec)) {
        const Overlay ov = load_overlay_file(p.string());
        if (ov.instrument_id != ins->id) {
          throw UsageError(fmt::format("{} is an overlay for '{}', not for '{}'", p.string(),
                                       ov.instrument_id, ins->id));
        }
        auto copy = std::make_shared<Instrument>(*ins);
        apply_overlay(*copy, ov);
        return copy;
      }
    }
  }
  const std::string& own = ins->language;
  if (own == lang || (own.size() > lang.size() && own.compare(0, lang.size(), lang) == 0 &&
                      own[lang.size()] == '-')) {
    return ins;
  }
  throw UsageError(fmt::format(
      "no '{}' wording for {} (its definition is in '{}'): put {} in an instruments directory "
      "or its translations/ subdirectory (see docs/administer.md)",
      lang, ins->id, own, name));
}

void refuse_scoring_only(const Instrument& ins) {
  if (ins.text_source == "none") {
    throw UsageError(fmt::format(
        "{} is a scoring-only definition: its licence does not allow promkit to ship the item "
        "wording (text_allowed = false), so there are no questions to show. Supply your licensed "
        "wording in an overlay ({}.overlay.toml in an instruments directory, or --overlay FILE; "
        "see docs/instruments.md), or score answers collected elsewhere with 'promkit score'",
        ins.id, ins.id));
  }
}

std::string resume_hint(const Globals& globals, const std::string& id) {
  std::string pre;
  for (const auto& d : globals.instrument_dirs) {
    pre += fmt::format("--instruments {} ", d);
  }
  return fmt::format("promkit {}administer --resume {}", pre, id);
}

int list_unfinished(const std::string& dir, Io& io) {
  const auto all = list_journals(dir);
  if (all.empty()) {
    fmt::print(io.err, "promkit: no unfinished administrations in {}\n", dir);
    return 0;
  }
  fmt::print(io.out, "{:<24}  {:<20}  {:<12}  {:<28}  {:>7}  {}\n", "ID", "STARTED", "CLIENT",
             "INSTRUMENTS", "ANSWERS", "NOTES");
  for (const auto& s : all) {
    if (!s.readable) {
      fmt::print(io.out, "{:<24}  unreadable: {}\n", s.header.id, s.problem);
      continue;
    }
    std::vector<std::string> ids;
    for (const auto& i : s.header.instruments) {
      ids.push_back(i.id);
    }
    std::string notes;
    if (!s.flags.empty()) {
      notes += fmt::format("FLAG RAISED: {} ", fmt::join(s.flags, ", "));
    }
    if (s.confirmed) {
      notes += "confirmed, not yet written out ";
    }
    if (!s.header.battery.empty()) {
      notes += fmt::format("battery {} ", s.header.battery);
    }
    fmt::print(io.out, "{:<24}  {:<20}  {:<12}  {:<28}  {:>7}  {}\n", s.header.id, s.header.started,
               s.header.client.empty() ? "-" : s.header.client,
               fmt::format("{}", fmt::join(ids, ",")), s.answers, notes);
  }
  return 0;
}

// One store row per instrument (the store keys rows on client, instrument and date).
void store_result(const std::string& path, const JournalHeader& header,
                  const std::vector<std::shared_ptr<const Instrument>>& instruments,
                  const AdministrationResult& r, const std::string& completed) {
  std::vector<Administration> rows;
  for (std::size_t k = 0; k < instruments.size(); ++k) {
    const Instrument& ins = *instruments[k];
    rows.push_back(
        to_administration(ins, r.scores[k],
                          {header.client, completed.substr(0, 19),  // YYYY-MM-DDTHH:MM:SS (UTC)
                           fmt::format("administer {}", header.id)},
                          answered_codes(ins, r.scores[k])));
  }
  const auto store = open_store(path, StoreAccess::ReadWrite);
  const ImportResult res = store->import(rows, ConflictPolicy::Fail, "administer");
  if (res.rolled_back) {
    std::vector<std::string> what;
    for (const auto& c : res.conflicts) {
      what.push_back(fmt::format("{} {}: {}", c.instrument_id, c.administered_at, c.what));
    }
    throw Error(
        fmt::format("the store {} already holds different results for this client at "
                    "this time ({}); nothing was stored",
                    path, fmt::join(what, "; ")));
  }
}

int run_administer(const AdministerCliOptions& opt, Io& io, const Globals& globals) {
  const bool interactive = isatty(STDIN_FILENO) != 0;
  const std::string dir =
      journal_dir(StateEnv{env("PROMKIT_STATE_DIR"), env("XDG_STATE_HOME"), env("HOME")});
  if (opt.unfinished) {
    if (!opt.ids.empty() || opt.resume || !opt.battery.empty()) {
      throw UsageError("--unfinished lists the unfinished administrations; give it alone");
    }
    return list_unfinished(dir, io);
  }
  Registry registry = globals.registry(io);

  // Crisis contacts.
  CrisisConfig crisis = default_crisis_config();
  const std::string crisis_path =
      !opt.crisis_file.empty()
          ? opt.crisis_file
          : find_crisis_config(
                ConfigEnv{env("PROMKIT_CONFIG"), env("XDG_CONFIG_HOME"), env("HOME")},
                (fs::path(share_dir()) / "crisis.toml").string());
  if (!crisis_path.empty()) {
    crisis = load_crisis_config(crisis_path);
  }

  JournalHeader header;
  std::vector<std::shared_ptr<const Instrument>> instruments;
  std::vector<nlohmann::json> events;
  std::optional<Journal> journal;

  if (opt.resume) {
    if (opt.ids.size() > 1 || !opt.battery.empty() || !opt.client.empty() || opt.mode_given ||
        !opt.context.empty()) {
      throw UsageError(
          "--resume continues an administration as it was started: give at most its id (and "
          "optionally --out, --plain, --lang)");
    }
    std::string path;
    if (opt.ids.size() == 1) {
      path = (fs::path(dir) / (opt.ids.front() + ".journal")).string();
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        throw UsageError(fmt::format(
            "no unfinished administration '{}' in {} ('promkit administer --unfinished' lists "
            "them)",
            opt.ids.front(), dir));
      }
    } else {
      const auto all = list_journals(dir);
      for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (it->readable) {
          path = it->path;
          break;
        }
      }
      if (path.empty()) {
        throw UsageError(fmt::format("no unfinished administrations in {}", dir));
      }
    }
    JournalContents contents;
    try {
      contents = read_journal(path);
    } catch (const DataError& e) {
      throw Error(e.what());
    }
    header = contents.header;
    if (!opt.out.empty()) {
      header.out = fs::absolute(opt.out).string();
    }
    if (!opt.lang.empty()) {
      header.lang = opt.lang;
    }
    for (const auto& ji : header.instruments) {
      auto ins = with_language(registry.get(ji.id), header.lang, registry);
      if (ins->version != ji.version) {
        throw Error(fmt::format(
            "the definition of {} changed since this administration started (version {} then, "
            "{} now); its answers cannot be continued safely with the new definition",
            ji.id, ji.version, ins->version));
      }
      refuse_scoring_only(*ins);
      instruments.push_back(std::move(ins));
    }
    events = std::move(contents.events);
    journal.emplace(Journal::open(path));
  } else {
    if (opt.ids.empty() == opt.battery.empty()) {
      throw UsageError(
          "give the instruments to administer (ids) or --battery NAME, not both "
          "('promkit list' shows the instruments)");
    }
    std::vector<std::string> ids = opt.ids;
    if (!opt.battery.empty()) {
      std::vector<std::string> dirs;
      for (const auto& d : registry.dirs()) {
        dirs.push_back(d.origin == "bundled" ? (fs::path(share_dir()) / "batteries").string()
                                             : (fs::path(d.path) / "batteries").string());
      }
      const Battery b = load_battery_file(find_battery(opt.battery, dirs));
      ids = b.instruments;
      header.battery = b.id;
    }
    header.lang = opt.lang;
    for (const auto& id : ids) {
      auto ins = with_language(registry.get(id), opt.lang, registry);
      refuse_scoring_only(*ins);
      for (const auto& other : instruments) {
        if (other->id == ins->id) {
          throw UsageError(fmt::format("{} is given twice", ins->id));
        }
      }
      instruments.push_back(std::move(ins));
    }
    header.context = parse_pairs(opt.context, "--context");
    for (const auto& [key, value] : header.context) {
      bool declared = false;
      for (const auto& ins : instruments) {
        if (ins->context_index(key) >= 0) {
          declared = true;
          try {
            (void)resolve_context(*ins, {{key, value}}, true);
          } catch (const DataError& e) {
            throw UsageError(e.what());
          }
        }
      }
      if (!declared) {
        throw UsageError(fmt::format("--context {}: none of the instruments uses '{}'", key, key));
      }
    }
    header.mode = opt.mode;
    header.client = opt.client;
    if (!opt.out.empty()) {
      header.out = fs::absolute(opt.out).string();
      // An existing file is refused; a device or FIFO (/dev/stdout, a pipe to another
      // program) holds no earlier result and is written directly.
      std::error_code ec;
      if (fs::is_regular_file(header.out, ec)) {
        throw UsageError(
            fmt::format("--out {}: the file exists already (a result is never "
                        "overwritten; choose another name)",
                        opt.out));
      }
    }
    if (!opt.store.empty()) {
      if (opt.client.empty()) {
        throw UsageError("--store keeps results per client: give --client ID");
      }
      header.store = fs::absolute(opt.store).string();
    }
    if (header.mode == "client" && header.out.empty() && header.store.empty()) {
      throw UsageError(
          "--mode client shows no scores, so it needs --out FILE (or --store) to keep the result");
    }
    header.id = new_administration_id();
    header.started = utc_now();
    for (const auto& ins : instruments) {
      header.instruments.push_back({ins->id, ins->version});
    }
    journal.emplace(Journal::create(dir, header));
  }

  AdministerOptions ao;
  ao.mode = header.mode == "client" ? AdministerMode::Client : AdministerMode::Clinician;
  ao.interactive = interactive;
  ao.plain = opt.plain;
  ao.color = interactive && !opt.plain && !io.no_color && isatty(STDERR_FILENO) != 0;
  ao.width = interactive ? terminal_width(STDERR_FILENO) : 80;
  ao.crisis = crisis;
  ao.context = header.context;
  ao.resume_hint = resume_hint(globals, header.id);
  if (interactive) {
    install_interrupt_handler(ao.resume_hint);
    if (ao.mode == AdministerMode::Clinician) {
      if (!crisis.configured) {
        ao.notices.push_back(fmt::format(
            "Note: the crisis contacts are the unedited default{}; edit them before giving "
            "questionnaires to clients (docs/administer.md).",
            crisis.path.empty() ? std::string() : fmt::format(" ({})", crisis.path)));
      }
      if (header.out.empty() && header.store.empty()) {
        ao.notices.emplace_back(
            "Note: no --out FILE: the result is shown at the end but not kept.");
      }
    }
  }

  Session session(instruments, ao, &*journal);
  session.replay(events);
  if (opt.resume && interactive) {
    fmt::print(io.err, "Continuing administration {} ({} answers given).\n", header.id,
               session.answers_given());
  }
  const AdministrationResult r = session.run(io.in, io.err);
  switch (r.outcome) {
    case Outcome::Saved:
      return 0;
    case Outcome::InvalidAnswer:
    case Outcome::EndOfInput:
      io.out.flush();
      fmt::print(io.err, "promkit: error: {}\n", r.message);
      return static_cast<int>(ExitCode::InvalidData);
    case Outcome::Completed:
      break;
  }

  const auto record = administration_to_json(header, instruments, r, utc_now());
  const std::string completed = record["administration"]["completed"].get<std::string>();
  if (!header.out.empty()) {
    write_file_atomic(header.out, record.dump(2) + "\n", "the result");
  }
  if (!header.store.empty()) {
    store_result(header.store, header, instruments, r, completed);
  }
  journal->remove();

  if (ao.mode == AdministerMode::Client) {
    fmt::print(io.err, "\n{}\n",
               wrap_text("Thank you. Your answers have been saved. Please let the person who gave "
                         "you this questionnaire know that you have finished.",
                         ao.width, 0));
    return 0;
  }
  const TextStyle style{ao.color};
  if (interactive) {
    fmt::print(io.out, "\n");
  }
  for (std::size_t k = 0; k < instruments.size(); ++k) {
    if (k > 0) {
      fmt::print(io.out, "\n");
    }
    print_score(io.out, *instruments[k], r.scores[k], style);
  }
  if (instruments.size() > 1) {
    fmt::print(io.out, "\n");
    print_battery_summary(io.out, summarize_battery(instruments, r.scores), ao.color);
  }
  if (!r.flags_shown.empty()) {
    std::vector<std::string> shown;
    for (const auto& f : r.flags_shown) {
      shown.push_back(fmt::format("{}.{}", f.instrument, f.flag));
    }
    fmt::print(io.out, "\nCritical flags shown during this administration: {}\n",
               fmt::join(shown, ", "));
  }
  io.out.flush();
  if (!header.out.empty()) {
    fmt::print(io.err, "promkit: result written to {}\n", header.out);
  }
  if (!header.store.empty()) {
    fmt::print(io.err, "promkit: result stored in {}\n", header.store);
  }
  return 0;
}

}  // namespace

void register_administer(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<AdministerCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "administer", "Give instruments one question at a time (terminal or piped answers)");
  sub->add_option("ids", opt->ids,
                  "Instruments to give, in order (ids or .toml files); with --resume: the "
                  "administration to continue")
      ->type_name("ID");
  sub->add_option("--battery", opt->battery,
                  "A battery: several instruments in one sitting (a name from share/promkit/"
                  "batteries or <instruments dir>/batteries, or a .toml file)")
      ->type_name("NAME");
  sub->add_option("--client", opt->client, "Client id, recorded with the result")->type_name("ID");
  sub->add_option("-o,--out", opt->out,
                  "Write the completed administration here as JSON (atomically; never "
                  "overwrites an existing file)")
      ->type_name("FILE");
  sub->add_option(
         "--store", opt->store,
         "Also store the result (one row per instrument) in this promkit store; needs --client")
      ->type_name("FILE");
  sub->add_option("--mode", opt->mode,
                  "clinician: scores, bands and flags at the end; client: thanks the respondent, "
                  "scores go only to --out")
      ->check(CLI::IsMember({"clinician", "client"}))
      ->each([opt](const std::string&) { opt->mode_given = true; });
  sub->add_flag("--plain", opt->plain,
                "For screen readers: no colour, no cursor movement, no decoration");
  sub->add_option("--lang", opt->lang,
                  "Item wording in this language, from <id>.<lang>.overlay.toml (see "
                  "docs/administer.md)")
      ->type_name("CODE");
  sub->add_option("-c,--context", opt->context,
                  "Respondent context for context-dependent cut-offs, e.g. sex=female")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  sub->add_option("--crisis-config", opt->crisis_file,
                  "Crisis contacts file (default: $PROMKIT_CONFIG, "
                  "$XDG_CONFIG_HOME/promkit/crisis.toml, ~/.config/promkit/crisis.toml, bundled)")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  sub->add_flag("--resume", opt->resume,
                "Continue an unfinished administration at its first unanswered item (the most "
                "recent one, or the id given)");
  sub->add_flag("--unfinished", opt->unfinished, "List unfinished administrations");
  sub->footer(
      "At the terminal: type an answer's number (or its words) and Enter; b back, s skip (where\n"
      "the definition allows a missing answer), ? help, q save and quit. A review follows the\n"
      "last question. Every answer is synced to a journal before the next question\n"
      "($PROMKIT_STATE_DIR, else $XDG_STATE_HOME/promkit/journals, else\n"
      "~/.local/state/promkit/journals), so an interrupted administration can be resumed.\n"
      "Piped (stdin not a terminal): one answer per line, in the order asked; a blank line skips.\n"
      "Exit status: 0 completed or saved, 3 an invalid answer or input ended early (piped),\n"
      "1 failure, 2 usage error.\n\n"
      "Examples (ID: an instrument id from 'promkit list'):\n"
      "  promkit administer ID --client C042 --out C042.json\n"
      "  promkit administer --battery intake --client C042 --out intake-C042.json\n"
      "  promkit administer ID2 --mode client --plain --out out.json\n"
      "  printf '1\\n2\\n0\\n1\\n0\\n0\\n1\\n' | promkit administer ID2 --out out.json\n"
      "  promkit administer --unfinished\n"
      "  promkit administer --resume");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_administer(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
