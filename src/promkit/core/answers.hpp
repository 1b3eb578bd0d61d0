#pragma once
// Answers as promkit reads them, from any front door (command line, CSV, keyboard): an option's
// code or its label, a number for number items, or missing (with a reason).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promkit/core/instrument.hpp"

namespace promkit {

enum class MissingReason : std::uint8_t {
  Blank,
  Refused,
  DontKnow,
  NotAsked,
  NotApplicable,
  Other
};

[[nodiscard]] std::optional<MissingReason> parse_missing_reason(std::string_view name);
[[nodiscard]] std::string_view to_string(MissingReason r);
// "blank, refused, dont_know, not_asked, not_applicable, other"
[[nodiscard]] std::string missing_reason_names();

// One item's answer as given: a code (or a number item's value), or missing.
struct Answer {
  bool present = false;
  MissingReason reason = MissingReason::Blank;
  std::int16_t option = -1;  // when >= 0: the caller matched `code` to the item's options[option]
  double code = 0;

  static Answer value(double c) { return Answer{true, MissingReason::Blank, -1, c}; }
  static Answer missing(MissingReason r = MissingReason::Blank) { return Answer{false, r, -1, 0}; }
  // An answer already matched to option `index` of a choice item (whose code is `c`).
  static Answer choice(double c, std::int16_t index) {
    return Answer{true, MissingReason::Blank, index, c};
  }
};

// Lowercase (ASCII), trimmed, inner runs of white space made one space: how labels are matched.
[[nodiscard]] std::string normalize_label(std::string_view s);
// The one grammar of numbers in answers, for every front door (--answers, a CSV cell, a missing
// code, the keyboard): numbers as exports write them ("2", "2.0", " 3 ", "-99", "007").
//   number := space* sign? digits space*     space := ' ' | TAB | CR | LF
//   sign   := '+' | '-'                      digits := d+ | d+ '.' d* | '.' d+   (d: 0-9)
// Any number of digits on either side of the point; the value is the nearest double, so
// "2.00000000000000001" and "0000000000000002" are 2. Not numbers: an exponent ("1e0"), hex
// ("0x1"), "inf" and "nan", two signs ("+-1"), inner spaces ("1 2", "+ 1"), a comma as the
// point ("1,5"), and values beyond a double's range (or so small that they round to zero).
// Nothing for anything that is not a number.
[[nodiscard]] std::optional<double> parse_number(std::string_view s);
[[nodiscard]] bool looks_numeric(std::string_view s);

struct ParsedAnswer {
  Answer answer;
  bool ok = true;
  std::string error;  // why not, when !ok
};

// How text is read as one item's answer, prepared once for the item (the batch scorer reads
// every cell of a column with one), with an export's missing codes ("9" = dont_know, "NA") and
// recodes ("Sometimes" read as "1") when given. parse_answer_text is this reader without either.
class AnswerReader {
 public:
  AnswerReader() = default;
  explicit AnswerReader(
      const Item& item,
      const std::vector<std::pair<std::string, MissingReason>>& missing_codes = {},
      const std::vector<std::pair<std::string, std::string>>& recodes = {});

  // The answer `text` gives, in this order: blank (after trimming space, TAB, CR and LF) is
  // missing; text that is a recode's `from` (compared as normalize_label does) is read as its
  // `to`; a number (parse_number) is missing when it is a numeric missing code, else the number
  // (an option's code or a number item's value, not checked here: the engine checks it); other
  // text is missing when it is a missing code, else the code of the option whose label or alias
  // it is (or of the special code whose label it is); anything else is Answer::value(NaN), which
  // the engine marks invalid.
  [[nodiscard]] Answer read(std::string_view text) const;

 private:
  std::vector<std::pair<std::string, double>> labels_;               // normalized label -> code
  std::vector<std::pair<std::string, std::string>> recodes_;         // normalized from -> to
  std::vector<std::pair<std::string, MissingReason>> missing_text_;  // normalized
  std::vector<std::pair<double, MissingReason>> missing_numbers_;
};

// Reads one item's answer from text as AnswerReader(item).read does, and checks it against the
// item: blank is missing; a number is a code (or a number item's value); anything else must be
// one of the item's labels or aliases (or a special code's label).
[[nodiscard]] ParsedAnswer parse_answer_text(const Item& item, std::string_view text);

// "one of the codes 0, 1, 2, 3 or a label such as 'Not at all'" / "a number from 0 to 30".
[[nodiscard]] std::string expected_answers(const Item& item);

// Reads an answer list for one administration: either answers in item order
// ("2,2,2,2,1,1,2,0,0"; an empty place is missing; fewer answers than items leaves the rest
// missing) or item=answer pairs ("x_1=2,x_9=Not at all"; an item left out is missing).
// Values may be quoted ("Yes, during the last year"). A value that is not an answer to its item
// is kept as an invalid answer (the engine marks it Invalid) with its reason in `errors`; a list
// that cannot be read at all (unknown item, too many answers) throws DataError.
struct AnswerList {
  std::vector<Answer> answers;      // one per item
  std::vector<std::string> errors;  // one per item: why its text is not an answer, or ""
  [[nodiscard]] bool ok() const;
};
[[nodiscard]] AnswerList parse_answer_list(const Instrument& instrument, std::string_view list);

// Turns "sex=female" pairs into the context values the engine reads (NaN = not given).
// With `strict`, a variable the instrument does not declare is a DataError; otherwise ignored.
[[nodiscard]] std::vector<double> resolve_context(
    const Instrument& instrument, const std::vector<std::pair<std::string, std::string>>& pairs,
    bool strict);

// Formats a code or score for people and golden files: whole numbers without decimals.
[[nodiscard]] std::string format_number(double v);

}  // namespace promkit
