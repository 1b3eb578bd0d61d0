#include "promkit/render/render.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/score_record.hpp"
#include "promkit/render/json_text.hpp"
#include "promkit/util/number.hpp"

#include <nlohmann/json.hpp>

namespace promkit {
namespace {

using Json = nlohmann::ordered_json;

std::string paint(const TextStyle& st, std::string_view code, std::string_view text) {
  if (!st.color) {
    return std::string(text);
  }
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

std::string range_text(double lo, double hi) {
  return fmt::format("{}-{}", format_number(lo), format_number(hi));
}

std::string band_range(const Band& b) {
  if (b.upper_inclusive) {
    return range_text(b.min, b.upper);
  }
  return fmt::format("{} to <{}", format_number(b.min), format_number(b.upper));
}

Json cite_json(const std::vector<std::string>& cite) {
  Json a = Json::array();
  for (const auto& c : cite) {
    a.push_back(c);
  }
  return a;
}

std::string item_range_text(const Instrument& ins, const std::vector<int>& items) {
  // Consecutive runs are shown as first..last.
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < items.size()) {
    std::size_t j = i;
    while (j + 1 < items.size() && items[j + 1] == items[j] + 1) {
      ++j;
    }
    const auto& a = ins.items[static_cast<std::size_t>(items[i])].id;
    const auto& b = ins.items[static_cast<std::size_t>(items[j])].id;
    parts.push_back(i == j ? a : (j == i + 1 ? a + ", " + b : a + ".." + b));
    i = j + 1;
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string method_text(const Instrument& ins, const Scale& s) {
  switch (s.method) {
    case ScaleMethod::Sum:
      return fmt::format("sum of {}", item_range_text(ins, s.items));
    case ScaleMethod::Mean:
      return fmt::format("mean of {}", item_range_text(ins, s.items));
    case ScaleMethod::Count:
      return fmt::format("count of {} with score {} {}", item_range_text(ins, s.items),
                         to_string(s.where_op), format_number(s.where_value));
    case ScaleMethod::Expression:
      return s.expression ? s.expression->source() : "";
    case ScaleMethod::Linear:
      return fmt::format("{} x {}{}", ins.scales[static_cast<std::size_t>(s.source)].id,
                         format_number(s.multiply),
                         s.add != 0 ? fmt::format(" + {}", format_number(s.add)) : "");
    case ScaleMethod::Lookup:
      return fmt::format("table lookup of {}", ins.scales[static_cast<std::size_t>(s.source)].id);
  }
  return "";
}

// The items a flag reads that have no answer (why it could not be checked).
std::vector<std::string> unanswered_inputs(const Instrument& ins, const Score& sc, const Flag& f) {
  std::vector<std::string> out;
  for (const auto& sym : f.when.references()) {
    if (sym.kind != SymbolKind::ItemCode && sym.kind != SymbolKind::ItemScore) {
      continue;
    }
    const auto i = static_cast<std::size_t>(sym.index);
    if (std::isnan(sc.item_codes[i]) &&
        std::find(out.begin(), out.end(), ins.items[i].id) == out.end()) {
      out.push_back(ins.items[i].id);
    }
  }
  return out;
}

// Whether a value is in the scale's clinical range (caseness), if the scale defines one.
std::optional<bool> in_caseness(const Scale& s, double v) {
  if (!s.caseness || std::isnan(v)) {
    return std::nullopt;
  }
  return s.caseness->min ? v >= *s.caseness->min : v <= *s.caseness->max;
}

std::string caseness_text(const Scale& s) {
  return s.caseness->min ? fmt::format(">= {}", format_number(*s.caseness->min))
                         : fmt::format("<= {}", format_number(*s.caseness->max));
}

std::string context_needed(const Instrument& ins, const Interpretation& in) {
  std::vector<std::string> needs;
  for (const auto& band : in.bands) {
    if (band.when) {
      for (const auto& sym : band.when->references()) {
        const auto& id = ins.context[static_cast<std::size_t>(sym.index)].id;
        if (std::find(needs.begin(), needs.end(), id) == needs.end()) {
          needs.push_back(id);
        }
      }
    }
  }
  return fmt::format("{}", fmt::join(needs, ", "));
}

}  // namespace

// ---- instrument ---------------------------------------------------------------------------------

namespace {

Json instrument_document(const Instrument& ins) {
  Json j;
  j["id"] = ins.id;
  j["name"] = ins.name;
  j["short_name"] = ins.short_name;
  j["version"] = ins.version;
  j["language"] = ins.language;
  j["description"] = ins.description;
  j["timeframe"] = ins.timeframe;
  j["instructions"] = ins.instructions;
  j["loinc"] = ins.loinc.empty() ? Json(nullptr) : Json(ins.loinc);
  j["domains"] = ins.domains;
  j["licence"] = {{"name", ins.licence.name},
                  {"text_allowed", ins.licence.text_allowed},
                  {"commercial_use", ins.licence.commercial_use},
                  {"notice", ins.licence.notice},
                  {"url", ins.licence.url}};
  j["text_shipped"] = ins.licence.text_allowed;
  j["text_source"] = ins.text_source;
  Json ctx = Json::array();
  for (const auto& c : ins.context) {
    ctx.push_back({{"id", c.id}, {"values", c.values}, {"description", c.description}});
  }
  j["context"] = ctx;
  Json items = Json::array();
  for (const auto& it : ins.items) {
    Json ji;
    ji["id"] = it.id;
    ji["number"] = it.number;
    ji["text"] = it.text.empty() ? Json(nullptr) : Json(it.text);
    ji["type"] = it.type == ItemType::Choice ? "choice" : "number";
    ji["scored"] = it.scored;
    if (it.type == ItemType::Choice) {
      Json opts = Json::array();
      for (const auto& o : it.options) {
        Json jo{{"code", json_number<Json>(o.code)},
                {"label", o.label},
                {"score", json_number<Json>(o.score)}};
        if (!o.aliases.empty()) {
          jo["aliases"] = o.aliases;
        }
        if (!o.loinc.empty()) {
          jo["loinc"] = o.loinc;
        }
        opts.push_back(jo);
      }
      ji["options"] = opts;
    } else {
      ji["min"] = json_number<Json>(it.min);
      ji["max"] = json_number<Json>(it.max);
      ji["integer"] = it.integer;
      Json sp = Json::array();
      for (const auto& s : it.special) {
        Json js{{"code", json_number<Json>(s.code)}, {"label", s.label}};
        if (s.value) {
          js["value"] = json_number<Json>(*s.value);
        } else {
          js["missing"] = s.missing_reason;
        }
        sp.push_back(js);
      }
      ji["special"] = sp;
    }
    ji["enable_when"] = it.enable_when ? Json(it.enable_when->source()) : Json(nullptr);
    ji["if_skipped"] = it.if_skipped ? json_number<Json>(*it.if_skipped) : Json(nullptr);
    ji["loinc"] = it.loinc.empty() ? Json(nullptr) : Json(it.loinc);
    items.push_back(ji);
  }
  j["items"] = items;
  Json scales = Json::array();
  for (const auto& s : ins.scales) {
    Json js;
    js["id"] = s.id;
    js["name"] = s.name;
    js["method"] = std::string(to_string(s.method));
    js["definition"] = method_text(ins, s);
    js["range"] = {json_number<Json>(s.range.lo), json_number<Json>(s.range.hi)};
    js["direction"] = s.direction ? Json(std::string(to_string(*s.direction))) : Json(nullptr);
    js["missing"] = {{"allow", s.missing.allow}, {"cite", cite_json(s.missing.cite)}};
    js["rounding"] = std::string(to_string(s.rounding));
    js["loinc"] = s.loinc.empty() ? Json(nullptr) : Json(s.loinc);
    if (s.caseness) {
      js["caseness"] = {
          {"min", s.caseness->min ? json_number<Json>(*s.caseness->min) : Json(nullptr)},
          {"max", s.caseness->max ? json_number<Json>(*s.caseness->max) : Json(nullptr)},
          {"cite", cite_json(s.caseness->cite)}};
    }
    if (s.reliable_change) {
      const auto& rc = *s.reliable_change;
      js["reliable_change"] = {
          {"threshold", rc.effective_threshold() ? Json(*rc.effective_threshold()) : Json(nullptr)},
          {"published", rc.threshold.has_value()},
          {"cite", cite_json(rc.cite)}};
    }
    Json interps = Json::array();
    for (const auto& in : s.interpretations) {
      Json bands = Json::array();
      for (const auto& b : in.bands) {
        Json jb{{"id", b.id}, {"label", b.label}, {"min", json_number<Json>(b.min)}};
        jb[b.upper_inclusive ? "max" : "below"] = json_number<Json>(b.upper);
        jb["positive"] = b.positive;
        if (b.when) {
          jb["when"] = b.when->source();
        }
        jb["cite"] = cite_json(b.cite);
        bands.push_back(jb);
      }
      interps.push_back({{"id", in.id}, {"name", in.name}, {"bands", bands}});
    }
    js["interpretations"] = interps;
    scales.push_back(js);
  }
  j["scales"] = scales;
  Json rules = Json::array();
  for (const auto& r : ins.rules) {
    rules.push_back({{"id", r.id},
                     {"name", r.name},
                     {"expression", r.expression.source()},
                     {"cite", cite_json(r.cite)}});
  }
  j["rules"] = rules;
  Json flags = Json::array();
  for (const auto& f : ins.flags) {
    flags.push_back({{"id", f.id},
                     {"when", f.when.source()},
                     {"level", std::string(to_string(f.level))},
                     {"message", f.message},
                     {"cite", cite_json(f.cite)}});
  }
  j["flags"] = flags;
  Json cites = Json::array();
  for (const auto& c : ins.citations) {
    Json jc{{"id", c.id}, {"text", c.text}};
    if (!c.doi.empty()) {
      jc["doi"] = c.doi;
    }
    if (!c.pmid.empty()) {
      jc["pmid"] = c.pmid;
    }
    if (!c.url.empty()) {
      jc["url"] = c.url;
    }
    cites.push_back(jc);
  }
  j["citations"] = cites;
  j["source_file"] = ins.path;
  return j;
}

}  // namespace

void print_instrument(std::ostream& os, const Instrument& ins, const TextStyle& st) {
  fmt::print(os, "{}: {}\n", paint(st, "1", ins.short_name), ins.name);
  fmt::print(os, "  id {} | definition {} | language {}{}\n", ins.id, ins.version, ins.language,
             ins.loinc.empty() ? "" : fmt::format(" | LOINC {}", ins.loinc));
  if (!ins.description.empty()) {
    fmt::print(os, "  {}\n", ins.description);
  }
  fmt::print(os, "  Licence: {}{}\n", ins.licence.name,
             ins.licence.commercial_use ? "" : " (not for commercial use)");
  if (ins.text_source == "definition") {
    fmt::print(os, "  Item text: included in the definition\n");
  } else if (ins.text_source == "none") {
    fmt::print(os,
               "  Item text: not shipped with promkit (scoring-only definition). Supply the "
               "wording in an overlay file ({}.overlay.toml) to administer it.\n",
               ins.id);
  } else {
    fmt::print(os, "  Item text: from the {}\n", ins.text_source);
  }
  if (!ins.licence.notice.empty()) {
    fmt::print(os, "  {}\n", ins.licence.notice);
  }
  if (!ins.timeframe.empty()) {
    fmt::print(os, "  Timeframe: {}\n", ins.timeframe);
  }
  if (!ins.instructions.empty()) {
    fmt::print(os, "  Instructions: {}\n", ins.instructions);
  }
  for (const auto& c : ins.context) {
    fmt::print(os, "  Context: {} ({})\n", c.id, fmt::join(c.values, ", "));
  }
  fmt::print(os, "\n{} ({})\n", paint(st, "1", "Items"), ins.items.size());
  for (const auto& it : ins.items) {
    std::vector<std::string> notes;
    if (!it.scored) {
      notes.emplace_back("not scored");
    }
    if (it.enable_when) {
      notes.push_back(fmt::format("asked when {}", it.enable_when->source()));
    }
    if (it.if_skipped) {
      notes.push_back(fmt::format("{} when skipped", format_number(*it.if_skipped)));
    }
    fmt::print(os, "  {:>2}. {}{}{}\n", it.number, it.id,
               it.text.empty() ? "" : fmt::format("  {}", it.text),
               notes.empty() ? "" : fmt::format("  [{}]", fmt::join(notes, "; ")));
    if (it.type == ItemType::Choice) {
      std::vector<std::string> opts;
      bool differs = false;
      for (const auto& o : it.options) {
        differs = differs || o.score != o.code;
      }
      for (const auto& o : it.options) {
        opts.push_back(differs ? fmt::format("{} = {} (scores {})", format_number(o.code), o.label,
                                             format_number(o.score))
                               : fmt::format("{} = {}", format_number(o.code), o.label));
      }
      fmt::print(os, "      {}\n", fmt::join(opts, " | "));
    } else {
      fmt::print(os, "      a number from {} to {}\n", format_number(it.min),
                 format_number(it.max));
      for (const auto& s : it.special) {
        fmt::print(os, "      {} {} ({})\n", format_number(s.code), s.label,
                   s.value ? fmt::format("= {}", format_number(*s.value))
                           : fmt::format("missing: {}", s.missing_reason));
      }
    }
  }
  fmt::print(os, "\n{}\n", paint(st, "1", "Scales"));
  for (const auto& s : ins.scales) {
    fmt::print(os, "  {}  {}: {}, range {}{}\n", s.id, s.name, method_text(ins, s),
               range_text(s.range.lo, s.range.hi),
               s.direction ? fmt::format(", {}", s.direction == Direction::HigherIsWorse
                                                     ? "higher is worse"
                                                     : "higher is better")
                           : "");
    if (s.missing.allow > 0) {
      fmt::print(os, "      missing: up to {} item(s) prorated [{}]\n", s.missing.allow,
                 fmt::join(s.missing.cite, ", "));
    }
    if (s.rounding != Rounding::None) {
      fmt::print(os, "      rounding: {}\n", to_string(s.rounding));
    }
    for (const auto& in : s.interpretations) {
      std::vector<std::string> bands;
      for (const auto& b : in.bands) {
        bands.push_back(fmt::format("{} {}{}{}", band_range(b), b.label, b.positive ? "*" : "",
                                    b.when ? fmt::format(" (if {})", b.when->source()) : ""));
      }
      fmt::print(os, "      {}: {}\n", in.name, fmt::join(bands, " | "));
    }
    if (s.caseness) {
      fmt::print(os, "      caseness: {}\n",
                 s.caseness->min ? fmt::format(">= {}", format_number(*s.caseness->min))
                                 : fmt::format("<= {}", format_number(*s.caseness->max)));
    }
    if (s.reliable_change && s.reliable_change->effective_threshold()) {
      fmt::print(os, "      reliable change: {} points\n",
                 format_number(std::round(*s.reliable_change->effective_threshold() * 100) / 100));
    }
  }
  if (std::any_of(ins.scales.begin(), ins.scales.end(), [](const Scale& s) {
        return std::any_of(s.interpretations.begin(), s.interpretations.end(),
                           [](const Interpretation& in) {
                             return std::any_of(in.bands.begin(), in.bands.end(),
                                                [](const Band& b) { return b.positive; });
                           });
      })) {
    fmt::print(os, "      (* marks a positive screen / clinical range)\n");
  }
  if (!ins.rules.empty()) {
    fmt::print(os, "\n{}\n", paint(st, "1", "Rules"));
    for (const auto& r : ins.rules) {
      fmt::print(os, "  {}  {}\n      {}\n", r.id, r.name, r.expression.source());
    }
  }
  if (!ins.flags.empty()) {
    fmt::print(os, "\n{}\n", paint(st, "1", "Flags"));
    for (const auto& f : ins.flags) {
      fmt::print(os, "  {} ({}) when {}\n      {}\n", f.id, to_string(f.level), f.when.source(),
                 f.message);
    }
  }
  if (!ins.citations.empty()) {
    fmt::print(os, "\n{}\n", paint(st, "1", "Sources"));
    for (const auto& c : ins.citations) {
      fmt::print(os, "  [{}] {}{}\n", c.id, c.text,
                 c.doi.empty() ? "" : fmt::format(" doi:{}", c.doi));
    }
  }
}

// ---- score --------------------------------------------------------------------------------------

namespace {

Json score_document(const Instrument& ins, const Score& sc,
                    const std::vector<std::pair<std::string, std::string>>& context,
                    const std::vector<std::string>* item_errors) {
  // The record first, exactly as every other output writes it (json_text.hpp), then what only
  // this view adds: names, labels, per-scale detail, rules, flag messages, items, problems.
  Json j = Json::parse(score_record_json(make_score_record(ins, sc)));
  j["name"] = ins.name;
  Json ctx = Json::object();
  for (const auto& [k, v] : context) {
    ctx[k] = v;
  }
  j["context"] = ctx;
  Json items = Json::array();
  Json problems = Json::array();
  Json notes = Json::array();
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const Item& it = ins.items[i];
    const ItemResult& r = sc.items[i];
    Json ji{{"id", it.id}, {"state", std::string(to_string(r.state))}};
    ji["code"] = json_number<Json>(r.code);
    ji["score"] = json_number<Json>(r.score);
    if (r.state == ItemState::Answered && it.type == ItemType::Choice) {
      if (const ResponseOption* o = it.option_by_code(r.code)) {
        ji["label"] = o->label;
      }
    }
    if (r.state == ItemState::Missing && r.reason != MissingReason::Blank) {
      ji["reason"] = std::string(to_string(r.reason));
    }
    if (r.state == ItemState::Invalid) {
      const bool have_text =
          item_errors != nullptr && i < item_errors->size() && !(*item_errors)[i].empty();
      problems.push_back({{"item", it.id},
                          {"message", have_text ? (*item_errors)[i]
                                                : fmt::format("{} is not an answer to {}",
                                                              format_number(r.given), it.id)}});
    }
    if (r.ignored_answer) {
      notes.push_back({{"item", it.id},
                       {"note", "answer_ignored_skipped"},
                       {"message", fmt::format("{} was answered although the skip logic skips "
                                               "it; the answer is ignored",
                                               it.id)}});
    }
    items.push_back(ji);
  }
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const Scale& scale = ins.scales[s];
    const ScaleResult& r = sc.scales[s];
    Json& js = j["scales"][scale.id];
    js["name"] = scale.name;
    if (scale.method == ScaleMethod::Sum || scale.method == ScaleMethod::Mean ||
        scale.method == ScaleMethod::Count) {
      js["answered"] = r.answered;
      js["expected"] = r.expected;
    }
    js["rounding"] = std::string(to_string(scale.rounding));
    Json interps = Json::array();
    for (std::size_t k = 0; k < scale.interpretations.size(); ++k) {
      const auto& in = scale.interpretations[k];
      const int b = k < r.bands.size() ? r.bands[k] : kNoBand;
      Json ji{{"id", in.id}};
      if (b >= 0) {
        const Band& band = in.bands[static_cast<std::size_t>(b)];
        ji["band"] = band.id;
        ji["label"] = band.label;
        ji["positive"] = band.positive;
      } else {
        ji["band"] = nullptr;
        if (b == kBandUnknown) {
          std::vector<std::string> needs;
          for (const auto& band : in.bands) {
            if (band.when) {
              for (const auto& sym : band.when->references()) {
                const auto& id = ins.context[static_cast<std::size_t>(sym.index)].id;
                if (std::find(needs.begin(), needs.end(), id) == needs.end()) {
                  needs.push_back(id);
                }
              }
            }
          }
          ji["needs_context"] = needs;
        }
      }
      interps.push_back(ji);
    }
    const Band* pb = primary_band(scale, r);
    js["band_label"] = pb != nullptr ? Json(pb->label) : Json(nullptr);
    js["interpretations"] = interps;
    if (scale.caseness) {
      const auto c = in_caseness(scale, r.value);
      js["caseness"] = c ? Json(*c) : Json(nullptr);
    }
  }
  Json rules = Json::array();
  for (std::size_t r = 0; r < ins.rules.size(); ++r) {
    const double v = sc.rules[r];
    rules.push_back({{"id", ins.rules[r].id},
                     {"name", ins.rules[r].name},
                     {"result", std::isnan(v) ? Json(nullptr) : Json(v != 0)}});
  }
  j["rules"] = rules;
  // Every flag raised or not checked, with its level and message (the record lists their ids).
  Json flag_details = Json::array();
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] != kFlagRaised && sc.flags[f] != kFlagUnknown) {
      continue;
    }
    Json jf{{"id", ins.flags[f].id},
            {"state", sc.flags[f] == kFlagRaised ? "raised" : "not_checked"},
            {"level", std::string(to_string(ins.flags[f].level))}};
    if (sc.flags[f] == kFlagUnknown) {
      jf["unanswered"] = unanswered_inputs(ins, sc, ins.flags[f]);
    }
    jf["message"] = ins.flags[f].message;
    flag_details.push_back(jf);
  }
  j["flag_details"] = flag_details;
  j["items"] = items;
  j["problems"] = problems;
  j["notes"] = notes;
  return j;
}

}  // namespace

void print_score(std::ostream& os, const Instrument& ins, const Score& sc, const TextStyle& st,
                 const std::vector<std::string>* item_errors) {
  int skipped = 0;
  for (const auto& r : sc.items) {
    skipped += r.state == ItemState::Skipped ? 1 : 0;
  }
  fmt::print(os, "{} ({} {}): {}\n", paint(st, "1", ins.short_name), ins.id, ins.version,
             to_string(sc.status));
  fmt::print(os, "  {} of {} items answered{}\n", sc.answered, ins.items.size(),
             skipped > 0 ? fmt::format(", {} skipped by the skip logic", skipped) : "");
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] != kFlagRaised) {
      continue;
    }
    const Flag& flag = ins.flags[f];
    const std::string level = fmt::format("{}", to_string(flag.level));
    std::string upper = level;
    for (auto& c : upper) {
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    fmt::print(os, "  {} {}\n",
               paint(st, flag.level == FlagLevel::Urgent ? "1;31" : "1;33",
                     fmt::format("!! {} ({}):", upper, flag.id)),
               flag.message);
  }
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] != kFlagUnknown) {
      continue;
    }
    const Flag& flag = ins.flags[f];
    const auto missing = unanswered_inputs(ins, sc, flag);
    fmt::print(os, "  {} {} unanswered; ask it before relying on this result.\n",
               paint(st, flag.level == FlagLevel::Urgent ? "1;31" : "1;33",
                     fmt::format("?? NOT CHECKED ({}):", flag.id)),
               missing.empty() ? std::string("an input is")
                               : fmt::format("{} {}", fmt::join(missing, ", "),
                                             missing.size() == 1 ? "is" : "are"));
  }
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    const ItemResult& r = sc.items[i];
    if (r.state == ItemState::Invalid) {
      const bool have_text =
          item_errors != nullptr && i < item_errors->size() && !(*item_errors)[i].empty();
      fmt::print(os, "  invalid answer: {}\n",
                 have_text ? (*item_errors)[i]
                           : fmt::format("{} is not an answer to {}", format_number(r.given),
                                         ins.items[i].id));
    }
    if (r.ignored_answer) {
      fmt::print(os, "  note: {} was answered although the skip logic skips it (ignored)\n",
                 ins.items[i].id);
    }
  }
  std::size_t width = 0;
  for (const auto& s : ins.scales) {
    width = std::max(width, s.name.size());
  }
  fmt::print(os, "\n");
  for (std::size_t s = 0; s < ins.scales.size(); ++s) {
    const Scale& scale = ins.scales[s];
    const ScaleResult& r = sc.scales[s];
    std::string value = std::isnan(r.value) ? std::string("-") : format_number(r.value);
    std::string extra;
    if (r.status == Status::Prorated) {
      extra = fmt::format(" (prorated from {} of {} items; unrounded {})", r.answered, r.expected,
                          format_number(r.raw));
    } else if (r.status == Status::Incomplete) {
      extra = r.expected > 0 ? fmt::format(" (incomplete: {} of {} items missing)",
                                           r.expected - r.answered, r.expected)
                             : std::string(" (incomplete)");
    } else if (r.status == Status::Invalid) {
      extra = " (not scored: invalid answers)";
    }
    std::string band;
    for (std::size_t k = 0; k < scale.interpretations.size(); ++k) {
      const auto& in = scale.interpretations[k];
      const int b = r.bands[k];
      if (b >= 0) {
        const Band& bb = in.bands[static_cast<std::size_t>(b)];
        band += fmt::format("  {}", paint(st, bb.positive ? "1;33" : "32", bb.label));
        if (scale.interpretations.size() > 1) {
          band += fmt::format(" [{}]", in.name);
        }
      } else if (b == kBandUnknown) {
        band += fmt::format("  band needs --context {}=...", context_needed(ins, in));
      }
    }
    if (const auto c = in_caseness(scale, r.value)) {
      band += fmt::format("  (caseness {}: {})", caseness_text(scale), *c ? "yes" : "no");
    }
    fmt::print(os, "  {:<{}}  {:>5}{}{}\n", scale.name, width, value, band, extra);
  }
  if (!ins.rules.empty()) {
    fmt::print(os, "\n");
    for (std::size_t r = 0; r < ins.rules.size(); ++r) {
      const double v = sc.rules[r];
      fmt::print(os, "  {}: {}\n", ins.rules[r].name,
                 std::isnan(v) ? "unknown (depends on missing or invalid answers)"
                               : (v != 0 ? "yes" : "no"));
    }
  }
}

}  // namespace promkit

namespace promkit {

std::string catalog_json(const std::vector<CatalogEntry>& entries, int indent) {
  Json arr = Json::array();
  for (const auto& e : entries) {
    if (!e.instrument) {
      continue;
    }
    const Instrument& ins = *e.instrument;
    arr.push_back({{"id", ins.id},
                   {"short_name", ins.short_name},
                   {"name", ins.name},
                   {"version", ins.version},
                   {"items", ins.items.size()},
                   {"text_shipped", ins.licence.text_allowed},
                   {"domains", ins.domains},
                   {"origin", e.origin},
                   {"path", e.path},
                   {"hidden", e.hidden}});
  }
  return arr.dump(indent);
}

std::string instrument_json(const Instrument& instrument, int indent) {
  return instrument_document(instrument).dump(indent);
}

std::string score_json(const Instrument& instrument, const Score& score,
                       const std::vector<std::pair<std::string, std::string>>& context,
                       const std::vector<std::string>* item_errors, int indent) {
  return score_document(instrument, score, context, item_errors).dump(indent);
}

}  // namespace promkit
