#include "promkit/core/answers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace promkit {
namespace {

constexpr std::pair<MissingReason, std::string_view> kReasons[] = {
    {MissingReason::Blank, "blank"},
    {MissingReason::Refused, "refused"},
    {MissingReason::DontKnow, "dont_know"},
    {MissingReason::NotAsked, "not_asked"},
    {MissingReason::NotApplicable, "not_applicable"},
    {MissingReason::Other, "other"},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits on commas outside double quotes; quotes are removed ("" inside quotes is a quote).
std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < list.size() && list[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) {
    throw DataError("unbalanced quote in the answer list");
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::string expected_answers(const Item& item) {
  if (item.type == ItemType::Number) {
    return fmt::format("a number from {} to {}", format_number(item.min), format_number(item.max));
  }
  std::vector<std::string> codes;
  for (const auto& o : item.options) {
    codes.push_back(format_number(o.code));
  }
  return fmt::format("one of the codes {} or a label such as '{}'", fmt::join(codes, ", "),
                     item.options.empty() ? std::string() : item.options.front().label);
}

namespace {
std::string codes_hint(const Item& item) {
  return expected_answers(item);
}
}  // namespace

std::optional<MissingReason> parse_missing_reason(std::string_view name) {
  for (const auto& [r, n] : kReasons) {
    if (n == name) {
      return r;
    }
  }
  return std::nullopt;
}

std::string_view to_string(MissingReason r) {
  for (const auto& [rr, n] : kReasons) {
    if (rr == r) {
      return n;
    }
  }
  return "blank";
}

std::string missing_reason_names() {
  std::vector<std::string_view> names;
  for (const auto& [r, n] : kReasons) {
    names.push_back(n);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string normalize_label(std::string_view s) {
  s = trim(s);
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out += ' ';
    }
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
      return std::nullopt;  // "+-1" is not a number
    }
  }
  if (s.empty()) {
    return std::nullopt;
  }
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

bool looks_numeric(std::string_view s) {
  return parse_number(s).has_value();
}

AnswerReader::AnswerReader(const Item& item,
                           const std::vector<std::pair<std::string, MissingReason>>& missing_codes,
                           const std::vector<std::pair<std::string, std::string>>& recodes) {
  for (const auto& o : item.options) {
    labels_.emplace_back(normalize_label(o.label), o.code);
    for (const auto& a : o.aliases) {
      labels_.emplace_back(normalize_label(a), o.code);
    }
  }
  for (const auto& sc : item.special) {
    labels_.emplace_back(normalize_label(sc.label), sc.code);
  }
  for (const auto& [code, reason] : missing_codes) {
    if (const auto v = parse_number(code)) {
      missing_numbers_.emplace_back(*v, reason);
    } else {
      missing_text_.emplace_back(normalize_label(code), reason);
    }
  }
  for (const auto& [from, to] : recodes) {
    recodes_.emplace_back(normalize_label(from), to);
  }
}

Answer AnswerReader::read(std::string_view text) const {
  std::string_view s = trim(text);
  if (s.empty()) {
    return Answer::missing();
  }
  std::string key;
  if (!recodes_.empty()) {
    key = normalize_label(s);
    for (const auto& [from, to] : recodes_) {
      if (from == key) {
        s = to;
        break;
      }
    }
  }
  if (const auto v = parse_number(s)) {
    for (const auto& [code, reason] : missing_numbers_) {
      if (code == *v) {
        return Answer::missing(reason);
      }
    }
    return Answer::value(*v);
  }
  key = normalize_label(s);
  for (const auto& [code, reason] : missing_text_) {
    if (code == key) {
      return Answer::missing(reason);
    }
  }
  for (const auto& [label, code] : labels_) {
    if (label == key) {
      return Answer::value(code);
    }
  }
  return Answer::value(std::numeric_limits<double>::quiet_NaN());
}

ParsedAnswer parse_answer_text(const Item& item, std::string_view text) {
  ParsedAnswer out;
  const std::string_view t = trim(text);
  out.answer = AnswerReader(item).read(t);
  if (!out.answer.present) {
    return out;
  }
  const double v = out.answer.code;
  bool fits = false;
  if (item.type == ItemType::Choice) {
    fits = item.option_by_code(v) != nullptr;
  } else {
    fits = std::any_of(item.special.begin(), item.special.end(),
                       [&](const SpecialCode& sc) { return sc.code == v; }) ||
           (v >= item.min && v <= item.max && (!item.integer || v == std::floor(v)));
  }
  if (!fits) {
    out.ok = false;
    // A number is named as it is; other text in quotes.
    out.error = fmt::format("{} is not an answer to {} (expected {})",
                            parse_number(t) ? std::string(t) : fmt::format("'{}'", t), item.id,
                            codes_hint(item));
  }
  return out;
}

bool AnswerList::ok() const {
  return std::all_of(errors.begin(), errors.end(), [](const std::string& e) { return e.empty(); });
}

AnswerList parse_answer_list(const Instrument& instrument, std::string_view list) {
  AnswerList out;
  out.answers.assign(instrument.items.size(), Answer::missing());
  out.errors.assign(instrument.items.size(), std::string());
  auto& answers = out.answers;
  auto keep = [&](std::size_t i, const ParsedAnswer& pa) {
    if (pa.ok) {
      answers[i] = pa.answer;
    } else {
      answers[i] = Answer::value(std::numeric_limits<double>::quiet_NaN());
      out.errors[i] = pa.error;
    }
  };
  const std::vector<std::string> parts = split_list(list);
  bool pairs = false;
  for (const auto& p : parts) {
    const auto eq = p.find('=');
    if (eq != std::string::npos) {
      pairs = true;
    }
  }
  if (!pairs) {
    if (parts.size() > instrument.items.size()) {
      throw DataError(fmt::format("{} answers given but {} has only {} items", parts.size(),
                                  instrument.id, instrument.items.size()));
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      keep(i, parse_answer_text(instrument.items[i], parts[i]));
    }
    return out;
  }
  std::vector<bool> seen(instrument.items.size(), false);
  for (const auto& p : parts) {
    if (trim(p).empty()) {
      continue;
    }
    const auto eq = p.find('=');
    if (eq == std::string::npos) {
      throw DataError(
          fmt::format("'{}': mix of item=answer pairs and plain answers (use one "
                      "form)",
                      p));
    }
    const std::string id(trim(std::string_view(p).substr(0, eq)));
    int idx = instrument.item_index(id);
    if (idx < 0) {
      // The item's number alone is accepted too ("9=1").
      if (auto n = parse_number(id); n && *n == std::floor(*n)) {
        for (std::size_t i = 0; i < instrument.items.size(); ++i) {
          if (instrument.items[i].number == static_cast<int>(*n)) {
            idx = static_cast<int>(i);
          }
        }
      }
    }
    if (idx < 0) {
      throw DataError(fmt::format("'{}' is not an item of {} (items: {}_1 … {}_{})", id,
                                  instrument.id, instrument.id, instrument.id,
                                  instrument.items.empty() ? 0 : instrument.items.back().number));
    }
    const auto uidx = static_cast<std::size_t>(idx);
    if (seen[uidx]) {
      throw DataError(fmt::format("{} is answered twice", instrument.items[uidx].id));
    }
    seen[uidx] = true;
    keep(uidx, parse_answer_text(instrument.items[uidx], std::string_view(p).substr(eq + 1)));
  }
  return out;
}

std::vector<double> resolve_context(const Instrument& instrument,
                                    const std::vector<std::pair<std::string, std::string>>& pairs,
                                    bool strict) {
  std::vector<double> ctx(instrument.context.size(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& [key, value] : pairs) {
    const int idx = instrument.context_index(key);
    if (idx < 0) {
      if (strict) {
        std::vector<std::string> names;
        for (const auto& c : instrument.context) {
          names.push_back(c.id);
        }
        throw DataError(fmt::format("{} has no context variable '{}' ({})", instrument.id, key,
                                    names.empty()
                                        ? std::string("it uses none")
                                        : fmt::format("it has: {}", fmt::join(names, ", "))));
      }
      continue;
    }
    const auto& var = instrument.context[static_cast<std::size_t>(idx)];
    const std::string want = normalize_label(value);
    bool found = false;
    for (std::size_t i = 0; i < var.values.size(); ++i) {
      if (normalize_label(var.values[i]) == want) {
        ctx[static_cast<std::size_t>(idx)] = static_cast<double>(i);
        found = true;
      }
    }
    if (!found && !want.empty()) {
      throw DataError(fmt::format("'{}' is not a value of context '{}' (expected one of: {})",
                                  value, key, fmt::join(var.values, ", ")));
    }
  }
  return ctx;
}

std::string format_number(double v) {
  if (std::isnan(v)) {
    return "";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return fmt::format("{}", static_cast<long long>(v));
  }
  return fmt::format("{}", v);
}

}  // namespace promkit
