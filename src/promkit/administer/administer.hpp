#pragma once
// Administering instruments one question at a time: the question/answer state machine over
// std::istream&/std::ostream& (no terminal needed; the CLI supplies the terminal), resumable from
// a Journal. Scores come from the engine (promkit::score) only. See docs/administer.md.
//
// Two ways in:
//  - interactive: a person at a keyboard. Each question shows its number, stem and numbered
//    options; an answer is the option's number (its code) or its label, one line each. Keys:
//    b back, s skip (where the definition allows a missing answer), ? help, q save and quit.
//    Anything else is re-asked with a short explanation. Ends with a review, changes, confirm.
//  - scripted (stdin not a terminal): one answer per line in the order the items are asked (skip
//    logic applies); a blank line skips an item that may be missing. A bad answer or the end of
//    input stops the session (the answers before it stay in the journal). No review.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promkit/administer/journal.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/crisis.hpp"

#include <nlohmann/json.hpp>

namespace promkit {

// --- the session ---------------------------------------------------------------------------------

enum class AdministerMode : std::uint8_t { Clinician, Client };
[[nodiscard]] std::string_view to_string(AdministerMode m);

struct AdministerOptions {
  AdministerMode mode = AdministerMode::Clinician;
  bool interactive = true;  // a person at a terminal (else: scripted, one answer per line)
  bool color = false;       // ANSI colour
  bool plain = false;       // screen readers: no colour, no cursor movement, no decoration
  std::size_t width = 80;   // wrap width, in characters (UTF-8 code points)
  CrisisConfig crisis;
  std::vector<std::pair<std::string, std::string>> context;  // sex=female
  std::string resume_hint;  // "promkit administer --resume ID", shown on quit and on errors
  std::vector<std::string> notices;  // shown once above the first question (interactive)
};

enum class Outcome : std::uint8_t {
  Completed,      // confirmed (interactive) or last item answered (scripted)
  Saved,          // the respondent chose save-and-quit, or the terminal closed (EOF)
  InvalidAnswer,  // scripted: a line that is not an answer to its item
  EndOfInput,     // scripted: input ended before the last item
};

struct FlagShown {
  std::string instrument;
  std::string flag;
};

struct AdministrationResult {
  Outcome outcome = Outcome::Saved;
  std::vector<std::vector<Answer>> answers;  // per instrument, per item (skipped items missing)
  std::vector<Score> scores;                 // per instrument, when Completed
  std::vector<FlagShown> flags_shown;        // every critical flag shown during the session
  std::string message;                       // InvalidAnswer / EndOfInput: what and where
};

class Session {
 public:
  Session(std::vector<std::shared_ptr<const Instrument>> instruments, AdministerOptions options,
          Journal* journal);

  // Applies a journal's events (resume). Throws DataError for an event naming an unknown item.
  void replay(const std::vector<nlohmann::json>& events);

  // Asks until done, saved or stopped. `screen` gets questions and messages.
  [[nodiscard]] AdministrationResult run(std::istream& in, std::ostream& screen);

  // Where a resumed session continues: (instrument, item) of the first unanswered applicable
  // item, or nothing when every applicable item has an answer.
  [[nodiscard]] std::optional<std::pair<std::size_t, std::size_t>> first_unanswered() const;
  [[nodiscard]] int answers_given() const;  // answered or skipped items
  [[nodiscard]] bool confirmed() const { return confirmed_; }

 private:
  struct Pos {
    std::size_t k = 0;  // instrument
    std::size_t i = 0;  // item
    bool operator==(const Pos&) const = default;
  };
  enum class Reply : std::uint8_t { Answered, Back, Quit, Eof, Stop };

  [[nodiscard]] Score current_score(std::size_t k) const;
  [[nodiscard]] bool enabled(Pos p) const;
  [[nodiscard]] bool skippable(Pos p) const;
  [[nodiscard]] std::optional<Pos> next_enabled_after(std::optional<Pos> p) const;
  [[nodiscard]] std::optional<Pos> first_open() const;
  [[nodiscard]] std::pair<int, int> item_number(Pos p) const;  // (n, of)

  Reply ask(Pos p, std::istream& in, std::ostream& os, std::size_t& line_no,
            AdministrationResult& r);
  bool review(std::istream& in, std::ostream& os, Reply& reply, std::optional<Pos>& change);
  void record(Pos p, const Answer& a, bool skipped);
  void check_flags(std::size_t k, std::istream& in, std::ostream& os);
  void show_intro(std::size_t k, std::ostream& os);
  void show_flag_banner(std::size_t k, std::size_t f, std::ostream& os);
  [[nodiscard]] std::string answer_text(Pos p) const;
  [[nodiscard]] std::string paint(std::string_view code, std::string_view text) const;
  void finish(AdministrationResult& r) const;

  std::vector<std::shared_ptr<const Instrument>> instruments_;
  AdministerOptions options_;
  Journal* journal_;
  std::vector<std::vector<double>> context_;
  std::vector<std::vector<Answer>> answers_;
  std::vector<std::vector<bool>> given_;  // answered or skipped
  std::vector<std::vector<bool>> flag_shown_;
  std::vector<bool> intro_shown_;
  std::vector<FlagShown> flags_shown_;
  bool confirmed_ = false;
  bool notices_shown_ = false;
};

// The record of a completed administration (--out, the store): who/when, one score_to_json per
// instrument (the same JSON as `promkit score --format json`), every flag raised, every flag
// shown during the session, and the battery summary.
[[nodiscard]] nlohmann::ordered_json administration_to_json(
    const JournalHeader& header, const std::vector<std::shared_ptr<const Instrument>>& instruments,
    const AdministrationResult& result, const std::string& completed);

// Positive screens by group: an instrument is in the mental-health (substance-use) group when its
// `domains` contain "mental_health" ("substance_use"); it screens positive when the primary band
// of its `total` scale (else its first scale) is marked `positive`.
struct BatterySummary {
  std::vector<std::string> mental_health_positive;  // short names
  std::vector<std::string> substance_use_positive;
  bool has_mental_health = false;  // the battery has a measure of this group at all
  bool has_substance_use = false;
  [[nodiscard]] bool co_occurring() const {
    return !mental_health_positive.empty() && !substance_use_positive.empty();
  }
};
[[nodiscard]] BatterySummary summarize_battery(
    const std::vector<std::shared_ptr<const Instrument>>& instruments,
    const std::vector<Score>& scores);
void print_battery_summary(std::ostream& os, const BatterySummary& s, bool color);

// Word-wraps `text` to `width` columns, counting UTF-8 code points (combining marks count zero).
// Each line after the first starts with `indent` spaces; so does the first if `indent_first`.
[[nodiscard]] std::string wrap_text(std::string_view text, std::size_t width, std::size_t indent,
                                    bool indent_first = true);
// Display width of UTF-8 text (code points, minus combining marks and ANSI escapes).
[[nodiscard]] std::size_t display_width(std::string_view text);

}  // namespace promkit
