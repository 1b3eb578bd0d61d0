#include "promkit/administer/administer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
// (The crisis and battery files are read by definition/crisis.cpp and battery.cpp.)

#include "promkit/render/render.hpp"
#include "promkit/util/error.hpp"
#include "promkit/util/version.hpp"

namespace promkit {
namespace fs = std::filesystem;

namespace {

// --- text
// ------------------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

// Options are keyed by their code when every code is a small whole number (the usual case, and
// then "the option's number" and "its value" are the same thing); otherwise by position 1..n.
bool keyed_by_code(const Item& item) {
  return std::all_of(item.options.begin(), item.options.end(), [](const ResponseOption& o) {
    return o.code >= 0 && o.code <= 999 && o.code == std::floor(o.code);
  });
}

std::string option_key(const Item& item, std::size_t idx) {
  return keyed_by_code(item) ? format_number(item.options[idx].code) : std::to_string(idx + 1);
}

std::string keys_hint(const Item& item) {
  if (item.type == ItemType::Number) {
    std::string s =
        fmt::format("a number from {} to {}", format_number(item.min), format_number(item.max));
    for (const auto& sp : item.special) {
      s += fmt::format(", {} ({})", format_number(sp.code), sp.label);
    }
    return s;
  }
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < item.options.size(); ++i) {
    keys.push_back(option_key(item, i));
  }
  return fmt::format("{}", fmt::join(keys, ", "));
}

std::string scripted_hint(const Item& item) {
  if (item.type == ItemType::Number) {
    return keys_hint(item);
  }
  std::vector<std::string> codes;
  for (const auto& o : item.options) {
    codes.push_back(format_number(o.code));
  }
  return fmt::format("one of the codes {} or an option's label", fmt::join(codes, ", "));
}

// Decodes one UTF-8 code point at s[i] (advancing i); invalid bytes count as one character.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = 1;
  char32_t cp = b;
  if (b >= 0xF0 && b < 0xF8) {
    len = 4;
    cp = b & 0x07U;
  } else if (b >= 0xE0) {
    len = 3;
    cp = b & 0x0FU;
  } else if (b >= 0xC0) {
    len = 2;
    cp = b & 0x1FU;
  }
  if (len > 1 && i + static_cast<std::size_t>(len) <= s.size()) {
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((c & 0xC0U) != 0x80U) {
        len = 1;
        cp = b;
        break;
      }
      cp = (cp << 6U) | (c & 0x3FU);
    }
  } else {
    len = 1;
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

int cp_width(char32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return 0;  // combining marks, zero-width characters, variation selectors
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;  // East Asian wide and emoji
  }
  return 1;
}

constexpr std::string_view kClearScreen = "\033[H\033[2J";

}  // namespace

// --- text helpers
// ----------------------------------------------------------------------------------

std::size_t display_width(std::string_view text) {
  std::size_t w = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\033' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~')) {
        ++i;
      }
      ++i;
      continue;
    }
    w += static_cast<std::size_t>(cp_width(next_code_point(text, i)));
  }
  return w;
}

std::string wrap_text(std::string_view text, std::size_t width, std::size_t indent,
                      bool indent_first) {
  const std::string pad(indent, ' ');
  const std::size_t avail = width > indent + 10 ? width - indent : 10;
  std::string out;
  bool first_line = true;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    const std::string_view para = text.substr(start, nl - start);
    start = nl + 1;
    std::string line;
    std::size_t line_w = 0;
    auto flush = [&] {
      if (!first_line) {
        out += '\n';
      }
      if (!first_line || indent_first) {
        out += pad;
      }
      out += line;
      first_line = false;
      line.clear();
      line_w = 0;
    };
    std::size_t p = 0;
    bool any = false;
    while (p < para.size()) {
      while (p < para.size() && para[p] == ' ') {
        ++p;
      }
      if (p >= para.size()) {
        break;
      }
      auto e = para.find(' ', p);
      if (e == std::string_view::npos) {
        e = para.size();
      }
      const std::string_view word = para.substr(p, e - p);
      p = e;
      const std::size_t ww = display_width(word);
      if (line_w > 0 && line_w + 1 + ww > avail) {
        flush();
      }
      if (line_w > 0) {
        line += ' ';
        ++line_w;
      }
      line += word;
      line_w += ww;
      any = true;
    }
    if (any || line_w > 0 || para.empty()) {
      flush();
    }
    if (nl == text.size()) {
      break;
    }
  }
  return out;
}

// --- the session
// -------------------------------------------------------------------------------------

std::string_view to_string(AdministerMode m) {
  return m == AdministerMode::Client ? "client" : "clinician";
}

Session::Session(std::vector<std::shared_ptr<const Instrument>> instruments,
                 AdministerOptions options, Journal* journal)
    : instruments_(std::move(instruments)), options_(std::move(options)), journal_(journal) {
  if (options_.plain) {
    options_.color = false;
  }
  for (const auto& ins : instruments_) {
    context_.push_back(resolve_context(*ins, options_.context, false));
    answers_.emplace_back(ins->items.size(), Answer::missing());
    given_.emplace_back(ins->items.size(), false);
    flag_shown_.emplace_back(ins->flags.size(), false);
    intro_shown_.push_back(false);
  }
}

Score Session::current_score(std::size_t k) const {
  return score(*instruments_[k], answers_[k], context_[k]);
}

bool Session::enabled(Pos p) const {
  return current_score(p.k).items[p.i].state != ItemState::Skipped;
}

bool Session::skippable(Pos p) const {
  // A missing answer is allowed unless a scale that uses the item allows no missing items.
  const Instrument& ins = *instruments_[p.k];
  const int idx = static_cast<int>(p.i);
  for (const auto& s : ins.scales) {
    const bool uses_list = std::find(s.items.begin(), s.items.end(), idx) != s.items.end();
    bool uses_expr = false;
    if (s.expression) {
      for (const auto& sym : s.expression->references()) {
        uses_expr =
            uses_expr || ((sym.kind == SymbolKind::ItemCode || sym.kind == SymbolKind::ItemScore) &&
                          sym.index == idx);
      }
    }
    if (uses_expr || (uses_list && s.missing.allow == 0)) {
      return false;
    }
  }
  return true;
}

std::optional<Session::Pos> Session::next_enabled_after(std::optional<Pos> p) const {
  std::size_t k = p ? p->k : 0;
  std::size_t i = p ? p->i + 1 : 0;
  for (; k < instruments_.size(); ++k, i = 0) {
    const Score sc = current_score(k);
    for (; i < instruments_[k]->items.size(); ++i) {
      if (sc.items[i].state != ItemState::Skipped) {
        return Pos{k, i};
      }
    }
  }
  return std::nullopt;
}

std::optional<Session::Pos> Session::first_open() const {
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    const Score sc = current_score(k);
    for (std::size_t i = 0; i < instruments_[k]->items.size(); ++i) {
      if (!given_[k][i] && sc.items[i].state != ItemState::Skipped) {
        return Pos{k, i};
      }
    }
  }
  return std::nullopt;
}

std::optional<std::pair<std::size_t, std::size_t>> Session::first_unanswered() const {
  if (auto p = first_open()) {
    return std::make_pair(p->k, p->i);
  }
  return std::nullopt;
}

int Session::answers_given() const {
  int n = 0;
  for (const auto& g : given_) {
    n += static_cast<int>(std::count(g.begin(), g.end(), true));
  }
  return n;
}

std::pair<int, int> Session::item_number(Pos p) const {
  const Score sc = current_score(p.k);
  int n = 0;
  int of = 0;
  for (std::size_t i = 0; i < sc.items.size(); ++i) {
    if (sc.items[i].state != ItemState::Skipped || i == p.i) {
      ++of;
      if (i <= p.i) {
        ++n;
      }
    }
  }
  return {n, of};
}

std::string Session::paint(std::string_view code, std::string_view text) const {
  if (!options_.color) {
    return std::string(text);
  }
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

void Session::replay(const std::vector<nlohmann::json>& events) {
  auto find = [&](const nlohmann::json& e) -> Pos {
    const std::string item = e.value("item", "");
    const std::string ins = e.value("instrument", "");
    for (std::size_t k = 0; k < instruments_.size(); ++k) {
      if (!ins.empty() && instruments_[k]->id != ins) {
        continue;
      }
      const int i = instruments_[k]->item_index(item);
      if (i >= 0) {
        return Pos{k, static_cast<std::size_t>(i)};
      }
    }
    throw DataError(
        fmt::format("the journal names item '{}', which the instruments do not have", item));
  };
  for (const auto& e : events) {
    const std::string t = e.value("t", "");
    if (t == "answer") {
      const Pos p = find(e);
      if (!e.contains("code") || !e["code"].is_number()) {
        throw DataError(fmt::format("the journal's answer to {} has no code",
                                    instruments_[p.k]->items[p.i].id));
      }
      answers_[p.k][p.i] = Answer::value(e["code"].get<double>());
      given_[p.k][p.i] = true;
    } else if (t == "skip") {
      const Pos p = find(e);
      answers_[p.k][p.i] = Answer::missing();
      given_[p.k][p.i] = true;
    } else if (t == "flag") {
      for (std::size_t k = 0; k < instruments_.size(); ++k) {
        if (instruments_[k]->id != e.value("instrument", "")) {
          continue;
        }
        for (std::size_t f = 0; f < instruments_[k]->flags.size(); ++f) {
          if (instruments_[k]->flags[f].id == e.value("flag", "")) {
            if (!flag_shown_[k][f]) {
              flags_shown_.push_back({instruments_[k]->id, instruments_[k]->flags[f].id});
            }
            flag_shown_[k][f] = true;
          }
        }
      }
    } else if (t == "confirm") {
      confirmed_ = true;
    }
    // Other event types (from a newer promkit) are ignored.
  }
}

void Session::record(Pos p, const Answer& a, bool skipped) {
  answers_[p.k][p.i] = a;
  given_[p.k][p.i] = true;
  if (journal_ != nullptr) {
    nlohmann::json e;
    e["t"] = skipped ? "skip" : "answer";
    e["instrument"] = instruments_[p.k]->id;
    e["item"] = instruments_[p.k]->items[p.i].id;
    if (!skipped) {
      e["code"] = a.code;
    }
    journal_->append(e);
  }
}

void Session::show_flag_banner(std::size_t k, std::size_t f, std::ostream& os) {
  const Instrument& ins = *instruments_[k];
  const Flag& flag = ins.flags[f];
  const CrisisConfig& cc = options_.crisis;
  const std::size_t w = options_.width;
  std::string level(to_string(flag.level));
  for (auto& c : level) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  const bool plain = options_.plain;
  const std::string prefix = plain ? "" : "!! ";
  const std::string colour = flag.level == FlagLevel::Urgent ? "1;31" : "1;33";
  std::string body;
  const std::size_t inner = w > prefix.size() + 20 ? w - prefix.size() : w;
  auto add = [&](std::string_view text, std::size_t hang = 0) {
    body += wrap_text(text, inner, hang, false);
    body += '\n';
  };
  add(fmt::format("{}: {} ({})", level, ins.short_name, flag.id));
  add(flag.message);
  body += '\n';
  add(fmt::format("{}:", cc.heading));
  add(cc.message);
  const bool show_contacts = cc.configured || options_.mode == AdministerMode::Clinician;
  if (show_contacts) {
    for (const auto& c : cc.contacts) {
      std::string line = fmt::format("- {}", c.name);
      if (!c.phone.empty()) {
        line += fmt::format(": {}", c.phone);
      }
      if (!c.hours.empty()) {
        line += fmt::format(" ({})", c.hours);
      }
      if (!c.note.empty()) {
        line += fmt::format(". {}", c.note);
      }
      add(line, 2);
    }
  }
  if (!cc.configured && options_.mode == AdministerMode::Clinician) {
    add("(These are unedited default crisis contacts: the clinic must edit them; see "
        "docs/administer.md.)");
    if (!cc.path.empty()) {
      add(fmt::format("(File: {})", cc.path));  // a line of its own: paths vary in length
    }
  }
  if (options_.mode == AdministerMode::Client) {
    add("Please tell the person who gave you this questionnaire now.");
  }
  std::string framed;
  const std::string rule(std::min<std::size_t>(w, 72), '!');
  if (!plain) {
    framed += rule + "\n";
  }
  std::size_t s = 0;
  while (s < body.size()) {
    auto e = body.find('\n', s);
    const std::string_view line = std::string_view(body).substr(s, e - s);
    framed += line.empty() ? std::string(trim(prefix)) : prefix + std::string(line);
    framed += '\n';
    s = e + 1;
  }
  if (!plain) {
    framed += rule + "\n";
  }
  fmt::print(os, "\n{}", options_.color ? paint(colour, framed) : framed);
  os.flush();
}

void Session::check_flags(std::size_t k, std::istream& in, std::ostream& os) {
  const Score sc = current_score(k);
  const Instrument& ins = *instruments_[k];
  for (std::size_t f = 0; f < ins.flags.size(); ++f) {
    if (sc.flags[f] != kFlagRaised || flag_shown_[k][f]) {
      continue;
    }
    flag_shown_[k][f] = true;
    flags_shown_.push_back({ins.id, ins.flags[f].id});
    if (journal_ != nullptr) {
      journal_->append({{"t", "flag"}, {"instrument", ins.id}, {"flag", ins.flags[f].id}});
    }
    show_flag_banner(k, f, os);
    if (options_.interactive) {
      fmt::print(os, "Press Enter to continue. ");
      os.flush();
      std::string ack;
      std::getline(in, ack);
    }
  }
}

void Session::show_intro(std::size_t k, std::ostream& os) {
  intro_shown_[k] = true;
  const Instrument& ins = *instruments_[k];
  const std::size_t w = options_.width;
  std::string title =
      ins.short_name == ins.name ? ins.name : fmt::format("{}: {}", ins.short_name, ins.name);
  if (instruments_.size() > 1) {
    title += fmt::format(" (questionnaire {} of {})", k + 1, instruments_.size());
  }
  fmt::print(os, "{}\n", paint("1", wrap_text(title, w, 0)));
  if (!ins.instructions.empty()) {
    fmt::print(os, "{}\n", wrap_text(ins.instructions, w, 0));
  }
  if (!ins.timeframe.empty()) {
    fmt::print(os, "{}\n", wrap_text(fmt::format("Time frame: {}", ins.timeframe), w, 0));
  }
  fmt::print(os, "\n");
}

std::string Session::answer_text(Pos p) const {
  const Item& item = instruments_[p.k]->items[p.i];
  if (!given_[p.k][p.i]) {
    return "(not answered)";
  }
  const Answer& a = answers_[p.k][p.i];
  if (!a.present) {
    return "(skipped)";
  }
  if (item.type == ItemType::Choice) {
    for (std::size_t o = 0; o < item.options.size(); ++o) {
      if (item.options[o].code == a.code) {
        return fmt::format("{}  {}", option_key(item, o), item.options[o].label);
      }
    }
  }
  for (const auto& sp : item.special) {
    if (sp.code == a.code) {
      return fmt::format("{}  {}", format_number(a.code), sp.label);
    }
  }
  return format_number(a.code);
}

Session::Reply Session::ask(Pos p, std::istream& in, std::ostream& os, std::size_t& line_no,
                            AdministrationResult& r) {
  const Instrument& ins = *instruments_[p.k];
  const Item& item = ins.items[p.i];
  const auto [n, of] = item_number(p);
  const bool can_skip = skippable(p);
  const std::size_t w = options_.width;
  const std::string where = fmt::format("{} ({} question {})", item.id, ins.short_name, n);

  if (options_.interactive) {
    if (!options_.plain) {
      fmt::print(os, "{}", kClearScreen);
    }
    if (!notices_shown_) {
      notices_shown_ = true;
      for (const auto& note : options_.notices) {
        fmt::print(os, "{}\n", paint("33", wrap_text(note, w, 0)));
      }
      if (!options_.notices.empty()) {
        fmt::print(os, "\n");
      }
    }
    if (!intro_shown_[p.k] || !options_.plain) {
      show_intro(p.k, os);
    }
    const std::string head = fmt::format("{}, question {} of {}", ins.short_name, n, of);
    fmt::print(os, "{}\n", options_.plain ? head : paint("1;36", fmt::format("-- {} --", head)));
    fmt::print(os, "{}\n\n", paint("1", wrap_text(item.text.empty() ? item.id : item.text, w, 0)));
    if (item.type == ItemType::Choice) {
      std::size_t key_w = 0;
      for (std::size_t o = 0; o < item.options.size(); ++o) {
        key_w = std::max(key_w, option_key(item, o).size());
      }
      for (std::size_t o = 0; o < item.options.size(); ++o) {
        const std::string key = option_key(item, o);
        const std::string k = fmt::format("{:>{}}", key, key_w);
        fmt::print(os, "  {}  {}\n", paint("1;36", k),
                   wrap_text(item.options[o].label, w, key_w + 4, false));
      }
    } else {
      fmt::print(os, "  Type {}.\n", keys_hint(item));
    }
    if (given_[p.k][p.i]) {
      fmt::print(os, "\nCurrent answer: {} (press Enter to keep it)\n", answer_text(p));
    }
  }

  while (true) {
    if (options_.interactive) {
      fmt::print(os, "\nAnswer ({}; b back{}, ? help, q save and quit): ",
                 item.type == ItemType::Choice ? keys_hint(item) : "a number",
                 can_skip ? ", s skip" : "");
      os.flush();
    }
    std::string line;
    if (!std::getline(in, line)) {
      if (options_.interactive) {
        return Reply::Eof;
      }
      r.outcome = Outcome::EndOfInput;
      r.message = fmt::format("input ended before {} (answers given: {}){}", where, answers_given(),
                              options_.resume_hint.empty()
                                  ? std::string()
                                  : fmt::format("; to continue: {}", options_.resume_hint));
      return Reply::Stop;
    }
    ++line_no;
    const std::string_view t = trim(line);
    if (!options_.interactive) {
      if (t.empty()) {
        if (can_skip) {
          record(p, Answer::missing(), true);
          return Reply::Answered;
        }
        r.outcome = Outcome::InvalidAnswer;
        r.message = fmt::format(
            "line {}: {} needs an answer (a blank line skips only items that "
            "may be missing){}",
            line_no, where,
            options_.resume_hint.empty() ? std::string()
                                         : fmt::format("; to continue: {}", options_.resume_hint));
        return Reply::Stop;
      }
      const ParsedAnswer pa = parse_answer_text(item, t);
      if (!pa.ok || !pa.answer.present) {
        r.outcome = Outcome::InvalidAnswer;
        r.message = fmt::format(
            "line {}: not an answer to {}: expected {}{}", line_no, where, scripted_hint(item),
            options_.resume_hint.empty() ? std::string()
                                         : fmt::format("; to continue: {}", options_.resume_hint));
        return Reply::Stop;
      }
      record(p, pa.answer, false);
      check_flags(p.k, in, os);
      return Reply::Answered;
    }

    // Interactive.
    const std::string key = lower(t);
    if (t.empty()) {
      if (given_[p.k][p.i]) {
        return Reply::Answered;  // keep the current answer
      }
      fmt::print(os, "Please type the number of an answer ({}), or ? for help.\n", keys_hint(item));
      continue;
    }
    if (key == "b") {
      return Reply::Back;
    }
    if (key == "q") {
      return Reply::Quit;
    }
    if (key == "?" || key == "h") {
      if (!item.help.empty()) {
        fmt::print(os, "\n{}\n", wrap_text(item.help, w, 2));
      }
      if (!ins.timeframe.empty()) {
        fmt::print(os, "{}\n", wrap_text(fmt::format("Time frame: {}", ins.timeframe), w, 2));
      }
      fmt::print(os, "{}\n",
                 wrap_text(fmt::format("Type the number in front of the answer that fits best "
                                       "({}), or the answer's words, then Enter. b goes back to "
                                       "the previous question{}; q saves your answers so far "
                                       "and stops (they can be continued later).",
                                       keys_hint(item), can_skip ? "; s skips this question" : ""),
                           w, 2));
      continue;
    }
    if (key == "s") {
      if (can_skip) {
        record(p, Answer::missing(), true);
        return Reply::Answered;
      }
      fmt::print(os, "{}\n",
                 wrap_text("This question cannot be skipped: the score cannot be worked out "
                           "without it. Please choose the answer that fits best.",
                           w, 0));
      continue;
    }
    std::optional<Answer> answer;
    if (item.type == ItemType::Choice && looks_numeric(t)) {
      const auto num = parse_number(t);
      if (num && keyed_by_code(item)) {
        if (item.option_by_code(*num) != nullptr) {
          answer = Answer::value(*num);
        }
      } else if (num && *num >= 1 && *num == std::floor(*num) &&
                 *num <= static_cast<double>(item.options.size())) {
        answer = Answer::value(item.options[static_cast<std::size_t>(*num) - 1].code);
      }
    } else {
      const ParsedAnswer pa = parse_answer_text(item, t);
      if (pa.ok && pa.answer.present) {
        answer = pa.answer;
      }
    }
    if (!answer) {
      fmt::print(os, "{}\n",
                 wrap_text(fmt::format("That is not one of the answers. Please type {} (the "
                                       "number in front of the answer), or ? for help.",
                                       item.type == ItemType::Choice
                                           ? fmt::format("one of {}", keys_hint(item))
                                           : keys_hint(item)),
                           w, 0));
      continue;
    }
    record(p, *answer, false);
    check_flags(p.k, in, os);
    return Reply::Answered;
  }
}

bool Session::review(std::istream& in, std::ostream& os, Reply& reply, std::optional<Pos>& change) {
  const std::size_t w = options_.width;
  std::vector<Pos> listed;
  if (!options_.plain) {
    fmt::print(os, "{}", kClearScreen);
  }
  fmt::print(os, "\n{}\n",
             paint("1", options_.mode == AdministerMode::Client
                            ? "Please check your answers"
                            : "Review: check the answers before confirming"));
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    const Instrument& ins = *instruments_[k];
    const Score sc = current_score(k);
    fmt::print(os, "\n{}\n", paint("1", ins.short_name));
    for (std::size_t i = 0; i < ins.items.size(); ++i) {
      if (sc.items[i].state == ItemState::Skipped) {
        continue;
      }
      listed.push_back(Pos{k, i});
      const std::string num = fmt::format("{:>3}. ", listed.size());
      const Item& item = ins.items[i];
      fmt::print(os, "{}{}\n", paint("1;36", num),
                 wrap_text(item.text.empty() ? item.id : item.text, w, num.size(), false));
      fmt::print(os, "{}{}\n", std::string(num.size(), ' '),
                 paint("1", fmt::format("-> {}", answer_text(Pos{k, i}))));
    }
  }
  while (true) {
    fmt::print(os,
               "\nType c to confirm, a number (1-{}) to change that answer, or q to save and "
               "quit: ",
               listed.size());
    os.flush();
    std::string line;
    if (!std::getline(in, line)) {
      reply = Reply::Eof;
      return false;
    }
    const std::string key = lower(trim(line));
    if (key == "c") {
      return true;
    }
    if (key == "q") {
      reply = Reply::Quit;
      return false;
    }
    if (const auto num = parse_number(key)) {
      if (*num >= 1 && *num <= static_cast<double>(listed.size()) && *num == std::floor(*num)) {
        reply = Reply::Answered;
        change = listed[static_cast<std::size_t>(*num) - 1];
        return false;
      }
    }
    fmt::print(os, "Please type c, q, or a number from 1 to {}.\n", listed.size());
  }
}

void Session::finish(AdministrationResult& r) const {
  r.outcome = Outcome::Completed;
  r.answers = answers_;
  r.scores.clear();
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    Score sc = score(*instruments_[k], r.answers[k], context_[k]);
    // An answer kept from before a change that made the skip logic skip its item is dropped:
    // the item was not asked in the final administration.
    bool dropped = false;
    for (std::size_t i = 0; i < sc.items.size(); ++i) {
      if (sc.items[i].ignored_answer) {
        r.answers[k][i] = Answer::missing();
        dropped = true;
      }
    }
    if (dropped) {
      sc = score(*instruments_[k], r.answers[k], context_[k]);
    }
    r.scores.push_back(std::move(sc));
  }
  r.flags_shown = flags_shown_;
}

AdministrationResult Session::run(std::istream& in, std::ostream& os) {
  AdministrationResult r;
  r.flags_shown = flags_shown_;
  if (confirmed_) {
    finish(r);
    return r;
  }
  // A resumed session shows again every flag raised before the interruption.
  for (std::size_t k = 0; k < instruments_.size(); ++k) {
    for (std::size_t f = 0; f < flag_shown_[k].size(); ++f) {
      if (flag_shown_[k][f]) {
        show_flag_banner(k, f, os);
      }
    }
  }
  std::size_t line_no = 0;
  std::optional<Pos> cursor = first_open();
  std::vector<Pos> history;
  bool from_review = false;
  auto saved = [&](bool eof) {
    r.outcome = Outcome::Saved;
    r.answers = answers_;
    r.flags_shown = flags_shown_;
    fmt::print(os, "\n{}{}\n", eof ? "Input closed. " : "",
               wrap_text(fmt::format("Your answers so far are saved.{}",
                                     options_.resume_hint.empty()
                                         ? std::string()
                                         : fmt::format(" To continue: {}", options_.resume_hint)),
                         options_.width, 0));
  };
  while (true) {
    if (!cursor) {
      cursor = first_open();
    }
    if (!cursor) {
      if (options_.interactive) {
        Reply reply = Reply::Answered;
        std::optional<Pos> change;
        if (!review(in, os, reply, change)) {
          if (reply == Reply::Quit || reply == Reply::Eof) {
            saved(reply == Reply::Eof);
            return r;
          }
          cursor = change;
          from_review = true;
          continue;
        }
      }
      if (journal_ != nullptr) {
        journal_->append({{"t", "confirm"}});
      }
      confirmed_ = true;
      finish(r);
      return r;
    }
    const Pos p = *cursor;
    switch (ask(p, in, os, line_no, r)) {
      case Reply::Answered:
        history.push_back(p);
        if (from_review || !options_.interactive) {
          cursor.reset();
          from_review = false;
        } else {
          cursor = next_enabled_after(p);
        }
        break;
      case Reply::Back:
        if (history.empty()) {
          fmt::print(os, "This is the first question.\n");
        } else {
          cursor = history.back();
          history.pop_back();
        }
        break;
      case Reply::Quit:
      case Reply::Eof:
        saved(true);
        return r;
      case Reply::Stop:
        r.answers = answers_;
        r.flags_shown = flags_shown_;
        return r;
    }
  }
}

// --- outputs
// -------------------------------------------------------------------------------------------

BatterySummary summarize_battery(const std::vector<std::shared_ptr<const Instrument>>& instruments,
                                 const std::vector<Score>& scores) {
  BatterySummary s;
  for (std::size_t k = 0; k < instruments.size() && k < scores.size(); ++k) {
    const Instrument& ins = *instruments[k];
    const bool mh =
        std::find(ins.domains.begin(), ins.domains.end(), "mental_health") != ins.domains.end();
    const bool su =
        std::find(ins.domains.begin(), ins.domains.end(), "substance_use") != ins.domains.end();
    s.has_mental_health = s.has_mental_health || mh;
    s.has_substance_use = s.has_substance_use || su;
    if (ins.scales.empty()) {
      continue;
    }
    int si = ins.scale_index("total");
    if (si < 0) {
      si = 0;
    }
    const auto idx = static_cast<std::size_t>(si);
    const Band* b = primary_band(ins.scales[idx], scores[k].scales[idx]);
    if (b == nullptr || !b->positive) {
      continue;
    }
    const std::string label = fmt::format("{} ({})", ins.short_name, b->label);
    if (mh) {
      s.mental_health_positive.push_back(label);
    }
    if (su) {
      s.substance_use_positive.push_back(label);
    }
  }
  return s;
}

void print_battery_summary(std::ostream& os, const BatterySummary& s, bool color) {
  auto paint = [color](std::string_view code, const std::string& text) {
    return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
  };
  fmt::print(os, "Summary\n");
  if (s.has_mental_health) {
    fmt::print(os, "  Mental health: {}\n",
               s.mental_health_positive.empty()
                   ? std::string("no positive screen")
                   : fmt::format("positive screen: {}", fmt::join(s.mental_health_positive, ", ")));
  }
  if (s.has_substance_use) {
    fmt::print(os, "  Substance use: {}\n",
               s.substance_use_positive.empty()
                   ? std::string("no positive screen")
                   : fmt::format("positive screen: {}", fmt::join(s.substance_use_positive, ", ")));
  }
  if (s.co_occurring()) {
    fmt::print(os, "  {}\n",
               paint("1;33",
                     "!! Positive screens for BOTH a mental-health and a substance-use condition: "
                     "consider integrated (co-occurring) assessment."));
  }
}

nlohmann::ordered_json administration_to_json(
    const JournalHeader& header, const std::vector<std::shared_ptr<const Instrument>>& instruments,
    const AdministrationResult& result, const std::string& completed) {
  using Json = nlohmann::ordered_json;
  Json j;
  Json ids = Json::array();
  for (const auto& ins : instruments) {
    ids.push_back(ins->id);
  }
  Json ctx = Json::object();
  for (const auto& [k, v] : header.context) {
    ctx[k] = v;
  }
  j["administration"] = {{"id", header.id},        {"client", header.client},
                         {"mode", header.mode},    {"battery", header.battery},
                         {"lang", header.lang},    {"started", header.started},
                         {"completed", completed}, {"instruments", ids},
                         {"context", ctx},         {"promkit", kVersion}};
  Json flags = Json::array();
  Json results = Json::array();
  for (std::size_t k = 0; k < instruments.size() && k < result.scores.size(); ++k) {
    const Instrument& ins = *instruments[k];
    const Score& sc = result.scores[k];
    for (std::size_t f = 0; f < ins.flags.size(); ++f) {
      if (sc.flags[f] == kFlagRaised) {
        flags.push_back({{"instrument", ins.id},
                         {"id", ins.flags[f].id},
                         {"level", std::string(to_string(ins.flags[f].level))},
                         {"message", ins.flags[f].message}});
      }
    }
    // Only the context this instrument declares, as `promkit score --context` records it.
    std::vector<std::pair<std::string, std::string>> own;
    for (const auto& [key, v] : header.context) {
      if (ins.context_index(key) >= 0) {
        own.emplace_back(key, v);
      }
    }
    results.push_back(Json::parse(score_json(ins, sc, own)));
  }
  j["flags"] = flags;
  Json shown = Json::array();
  for (const auto& f : result.flags_shown) {
    shown.push_back({{"instrument", f.instrument}, {"flag", f.flag}});
  }
  j["flags_shown"] = shown;
  const BatterySummary s = summarize_battery(instruments, result.scores);
  j["summary"] = {{"mental_health_positive", s.mental_health_positive},
                  {"substance_use_positive", s.substance_use_positive},
                  {"co_occurring", s.co_occurring()}};
  j["results"] = results;
  return j;
}

}  // namespace promkit
