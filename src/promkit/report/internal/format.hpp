#pragma once
// The words and numbers the report renderers share (text, Markdown, CSV, JSON, HTML), written
// once. A Notation says how a renderer writes the few symbols that differ between plain text and
// HTML (a missing value, >=, <=, an arrow); everything else reads the same in every format.
// Internal to the report part.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "promkit/definition/outcome_set.hpp"
#include "promkit/report/outcomes.hpp"
#include "promkit/store/store.hpp"

namespace promkit::report_detail {

struct Notation {
  std::string_view none;      // a value that is not known
  std::string_view at_least;  // a threshold with a minimum
  std::string_view at_most;   // a threshold with a maximum
  std::string_view becomes;   // from one state to another
  std::string_view n_sep;     // between a confidence interval and its n
};

// Text, Markdown and CSV.
inline constexpr Notation kPlain{"-", ">=", "<=", "->", ","};
// HTML: entities.
inline constexpr Notation kHtml{"&ndash;", "&ge;", "&le;", "&rarr;", ";"};

// A score: whole numbers without decimals, others with one.
[[nodiscard]] std::string num(double v);
[[nodiscard]] std::string num(const std::optional<double>& v, const Notation& n);
// A change: "+" before a positive number.
[[nodiscard]] std::string signed_num(double v);
// n of d as a percentage with one decimal.
[[nodiscard]] std::string pct(std::uint64_t n, std::uint64_t d, const Notation& notation);
// n / d, 0 when d is 0.
[[nodiscard]] double frac(std::uint64_t n, std::uint64_t d);

// ">= 10", "<= 12".
[[nodiscard]] std::string threshold_text(const Threshold& t, const Notation& n);
// "-5 (95% CI -10.7 to +0.7, n = 7)".
[[nodiscard]] std::string ci_text(const MeanCi& m, const Notation& n);
// "higher is worse" or "higher is better".
[[nodiscard]] std::string direction_text(Direction d);
// The reliable-change threshold and where it comes from.
[[nodiscard]] std::string rc_text(const OutcomeParams& p);
// The label of band `id`; `id` itself when the definition has no such band, or `none` when empty.
[[nodiscard]] std::string band_label(const OutcomeParams& p, std::string_view id,
                                     std::string_view none);

// A client's reliable change in a word ("improved"), as the text and Markdown tables show it.
[[nodiscard]] std::string rc_word(RcOutcome r);
// The same as a phrase ("reliable improvement"), as the HTML report shows it.
[[nodiscard]] std::string rc_phrase(RcOutcome r);
// A client's caseness transition ("case -> non-case").
[[nodiscard]] std::string case_word(CaseTransition c, const Notation& n);

// " (UNCONFIRMED definition)" when the first outcome `id` of a paired definition is not
// confirmed, else empty (text and Markdown).
[[nodiscard]] std::string unconfirmed_mark(const PairedDefinition& d, std::string_view id);

// The report's filters in words ("clients A, B; from 2024-01-01"), or "none" (text and Markdown).
[[nodiscard]] std::string filters_text(const StoreFilter& f);

}  // namespace promkit::report_detail
