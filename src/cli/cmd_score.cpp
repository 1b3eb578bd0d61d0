// promkit score: score one response given on the command line.

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/answers.hpp"
#include "promkit/scoring.hpp"
#include "command.hpp"

namespace promkit::cli {
namespace {

struct ScoreOptions {
  std::vector<std::string> instruments;
  std::string answers;
  bool have_answers = false;
  std::vector<std::string> context;
  std::string format = "text";
};

int run_score(const ScoreOptions& opt, Io& io, const Globals& globals) {
  if (opt.instruments.empty()) {
    throw UsageError("--instrument is required (see 'promkit list')");
  }
  if (!opt.have_answers) {
    throw UsageError("--answers is required: give the answers in item order (2,2,1,...) or as "
                     "item=answer pairs");
  }
  if (opt.instruments.size() != 1) {
    throw UsageError("--answers scores one response of one instrument: give one --instrument");
  }
  Registry registry = globals.registry(io);
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
  if (opt.format == "json") {
    fmt::print(io.out, "{}\n", score_to_json(*ins, sc, context, &list.errors).dump(2));
  } else {
    print_score(io.out, *ins, sc, io.style(), &list.errors);
  }
  return sc.status == Status::Invalid ? static_cast<int>(ExitCode::InvalidData) : 0;
}

}  // namespace

void register_score(CLI::App& app, Runner& run, Io& io, const Globals& globals) {
  auto opt = std::make_shared<ScoreOptions>();
  CLI::App* sub = app.add_subcommand("score", "Score a response: scales, bands, rules and flags");
  sub->add_option("-i,--instrument", opt->instruments, "Instrument id (see 'promkit list') or a .toml file")
      ->type_name("ID");
  sub->add_option("-a,--answers", opt->answers,
                  "Answers in item order (2,2,2,2,1,1,2,0,0; an empty place is missing) or "
                  "item=answer pairs (phq9_1=2,phq9_9=0; an item left out is missing). An answer "
                  "is an option's code or its label; quote labels that contain commas")
      ->type_name("LIST")
      ->each([opt](const std::string&) { opt->have_answers = true; });
  sub->add_option("-c,--context", opt->context,
                  "Respondent context for context-dependent cut-offs, e.g. sex=female (repeatable)")
      ->type_name("KEY=VALUE");
  sub->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->footer(
      "Status: complete | prorated (missing items replaced as the definition allows) |\n"
      "incomplete (too many missing: no score) | invalid (an answer is not one of the item's\n"
      "codes or labels; exit status 3).\n\n"
      "Examples:\n"
      "  promkit score -i phq9 --answers 2,2,2,2,1,1,2,0,0\n"
      "  promkit score -i phq9 --answers phq9_1=2,phq9_2=\"Several days\" --format json\n"
      "  promkit score -i auditc --answers 2,1,0 --context sex=female");
  sub->callback([opt, &run, &io, &globals] {
    run = [opt, &io, &globals] { return run_score(*opt, io, globals); };
  });
}

}  // namespace promkit::cli
