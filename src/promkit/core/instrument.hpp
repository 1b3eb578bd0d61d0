#pragma once
// The instrument model: what a definition file says, after loading and validation.
// Plain data; expressions are already compiled. See docs/instrument-format.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/expression.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

struct Citation {
  SourcePos pos;
  std::string id;
  std::string text;
  std::string doi;
  std::string url;
  std::string pmid;
};

struct Licence {
  std::string name;
  bool text_allowed = true;
  bool commercial_use = true;
  std::string notice;
  std::string url;
  std::vector<std::string> cite;
};

struct ContextVar {
  std::string id;
  std::vector<std::string> values;
  std::string description;
};

struct ResponseOption {
  double code = 0;
  std::string label;
  double score = 0;
  std::vector<std::string> aliases;
  std::string loinc;
};

// A code of a number item with a fixed meaning (BRFSS 88 = "none" = 0, 77 = don't know).
struct SpecialCode {
  double code = 0;
  std::string label;
  std::optional<double> value;  // the answer it stands for
  std::string missing_reason;   // or: missing, for this reason
};

enum class ItemType : std::uint8_t { Choice, Number };

struct Item {
  std::string id;
  int number = 0;  // the n of <instrument>_<n>
  std::string text;
  std::string help;
  ItemType type = ItemType::Choice;
  std::vector<ResponseOption> options;
  std::string option_set;  // where the options came from, if shared
  bool scored = true;
  double min = 0;  // number items
  double max = 0;
  bool integer = true;
  std::vector<SpecialCode> special;
  std::optional<Program> enable_when;
  std::optional<double> if_skipped;
  std::string loinc;
  SourcePos pos;

  [[nodiscard]] double min_score() const;
  [[nodiscard]] double max_score() const;
  [[nodiscard]] double min_code() const;
  [[nodiscard]] double max_code() const;
  // The option with this code, or nullptr. (Inline: the batch scorer calls it per cell.)
  [[nodiscard]] const ResponseOption* option_by_code(double code) const {
    if (!code_table.empty()) {
      const double off = code - code_base;
      if (off >= 0 && off < static_cast<double>(code_table.size())) {
        const auto k = static_cast<std::size_t>(off);
        if (static_cast<double>(k) == off) {
          const int idx = code_table[k];
          return idx > 0 ? &options[static_cast<std::size_t>(idx - 1)] : nullptr;
        }
      }
      return nullptr;
    }
    for (const auto& o : options) {
      if (o.code == code) {
        return &o;
      }
    }
    return nullptr;
  }

  // Derived by the loader (finalize): a direct index from whole-number codes to options, and
  // whether any scale adds this item (then skip logic changes the scale's item count).
  void index_codes();
  std::vector<std::int16_t> code_table;  // option index + 1 for code (code_base + i); 0 = none
  double code_base = 0;
  bool in_scale = false;
};

enum class ScaleMethod : std::uint8_t { Sum, Mean, Count, Expression, Linear, Lookup };

enum class Rounding : std::uint8_t { None, HalfUp, HalfEven, HalfDown, Down, Up };

enum class Direction : std::uint8_t { HigherIsWorse, HigherIsBetter };

enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

struct Band {
  std::string id;
  std::string label;
  double min = 0;
  double upper = 0;  // inclusive `max`, or exclusive `below`
  bool upper_inclusive = true;
  bool positive = false;
  std::optional<Program> when;
  std::vector<std::string> cite;
  std::string action;
  SourcePos pos;

  [[nodiscard]] bool contains(double v) const {
    return v >= min && (upper_inclusive ? v <= upper : v < upper);
  }
};

struct Interpretation {
  std::string id;
  std::string name;
  std::vector<std::string> cite;
  std::vector<Band> bands;
  SourcePos pos;
};

struct Threshold {  // caseness, remission: at or above `min`, or at or below `max`
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> cite;
};

struct ReliableChange {
  std::optional<double> threshold;
  std::optional<double> reliability;
  std::optional<double> sd;
  std::vector<std::string> cite;
  // The threshold to use: the published one, or 1.96 * sd * sqrt(2 * (1 - reliability)).
  [[nodiscard]] std::optional<double> effective_threshold() const;
};

struct Response {
  double reduction = 0.5;
  std::vector<std::string> cite;
};

struct MissingRule {
  int allow = 0;
  bool prorate = false;  // sum scales: scale up; mean scales: mean of the answered
  std::vector<std::string> cite;
};

struct Scale {
  std::string id;
  std::string name;
  std::string description;
  ScaleMethod method = ScaleMethod::Sum;
  std::vector<int> items;  // item indices, for sum/mean/count
  CompareOp where_op = CompareOp::Ge;
  double where_value = 0;
  std::optional<Program> expression;
  int source = -1;  // scale index, for linear/lookup
  double multiply = 1;
  double add = 0;
  std::vector<std::pair<double, double>> table;
  std::optional<double> cap_min;
  std::optional<double> cap_max;
  MissingRule missing;
  Rounding rounding = Rounding::None;
  int digits = 0;
  Interval range;  // reachable final values
  std::string loinc;
  std::optional<Direction> direction;
  std::optional<Threshold> caseness;
  std::optional<ReliableChange> reliable_change;
  std::optional<Response> response;
  std::optional<Threshold> remission;
  std::vector<Interpretation> interpretations;
  SourcePos pos;
};

struct Rule {
  std::string id;
  std::string name;
  Program expression;
  std::vector<std::string> cite;
  SourcePos pos;
};

enum class FlagLevel : std::uint8_t { Info, Warning, Urgent };

struct Flag {
  std::string id;
  Program when;
  FlagLevel level = FlagLevel::Warning;
  std::string message;
  std::vector<std::string> cite;
  SourcePos pos;
};

// A reference vector carried by the definition: answers and what they must give.
struct ReferenceVector {
  std::string name;
  std::string answers;
  std::vector<std::pair<std::string, std::string>> context;
  std::optional<std::string> status;
  std::vector<std::pair<std::string, std::optional<double>>> scores;  // nullopt: no value
  std::vector<std::pair<std::string, std::optional<double>>> raw;
  std::vector<std::pair<std::string, std::string>>
      bands;  // "scale" or "scale.interp" -> band id or "none"
  std::optional<std::vector<std::string>> flags;
  std::vector<std::pair<std::string, std::string>> rules;  // -> "true" | "false" | "unknown"
  std::optional<int> answered;
  std::vector<std::string> cite;
  SourcePos pos;
};

struct Instrument {
  int schema = 1;
  std::string id;
  std::string name;
  std::string short_name;
  std::string version;
  std::string language;
  std::string description;
  std::string timeframe;
  std::string instructions;
  std::string loinc;
  std::vector<std::string> domains;
  std::vector<std::string> cite;  // sources of the definition as a whole (wording, codes)
  Licence licence;
  std::vector<Citation> citations;
  std::vector<ContextVar> context;
  std::vector<Item> items;
  std::vector<Scale> scales;
  std::vector<Rule> rules;
  std::vector<Flag> flags;
  std::vector<ReferenceVector> tests;
  std::string path;         // the file it came from
  std::string text_source;  // "definition", "overlay <path>" or "none" (scoring only)

  [[nodiscard]] int item_index(std::string_view item_id) const;    // -1 if none
  [[nodiscard]] int scale_index(std::string_view scale_id) const;  // -1 if none
  [[nodiscard]] int context_index(std::string_view context_id) const;
  [[nodiscard]] const Citation* citation(std::string_view citation_id) const;
};

[[nodiscard]] std::string_view to_string(Rounding r);
[[nodiscard]] std::string_view to_string(ScaleMethod m);
[[nodiscard]] std::string_view to_string(Direction d);
[[nodiscard]] std::string_view to_string(FlagLevel l);
[[nodiscard]] std::string_view to_string(CompareOp op);

// Rounds `v` to `digits` decimals by `rule`. Half-way cases are decided exactly: the value is
// first snapped to the nearest multiple of 1e-9 of the unit so that 4.4999999999 from a division
// is treated as 4.5.
[[nodiscard]] double round_value(double v, Rounding rule, int digits);

}  // namespace promkit
