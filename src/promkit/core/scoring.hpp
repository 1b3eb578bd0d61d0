#pragma once
// The scoring engine: (instrument, answers, context) -> Score. Pure: no I/O, no formatting, and
// no allocation once a Score has been used for the same instrument (the batch scorer reuses one).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"

namespace promkit {

// Worst last: an administration's status is the worst of its scales' (invalid if any answer is).
enum class Status : std::uint8_t { Complete, Prorated, Incomplete, Invalid };
[[nodiscard]] std::string_view to_string(Status s);

enum class ItemState : std::uint8_t {
  Answered,
  Missing,  // not answered (see reason)
  Skipped,  // not asked: its enable_when was false
  Invalid,  // an answer that is not one of the item's codes, or out of range
};
[[nodiscard]] std::string_view to_string(ItemState s);

struct ItemResult {
  ItemState state = ItemState::Missing;
  MissingReason reason = MissingReason::Blank;
  double code = 0;   // the answer as given (for number items, after special codes); NaN if none
  double score = 0;  // NaN if none or not scored
  double given = 0;  // the raw code, for Invalid answers and ignored answers
  bool ignored_answer = false;  // answered although the skip logic skipped it
};

constexpr int kNoBand = -1;       // no value, so no band
constexpr int kBandUnknown = -2;  // the band depends on context that was not given

struct ScaleResult {
  double value = 0;  // NaN when not computable
  double raw = 0;    // before rounding and caps
  Status status = Status::Complete;
  int answered = 0;        // items with a value (sum/mean/count scales)
  int expected = 0;        // items that count (skipped items without if_skipped do not)
  std::vector<int> bands;  // one per interpretation: band index, kNoBand or kBandUnknown
};

constexpr std::uint8_t kFlagClear = 0;
constexpr std::uint8_t kFlagRaised = 1;
constexpr std::uint8_t kFlagUnknown = 2;  // could not be checked: depends on missing answers

struct Score {
  Status status = Status::Complete;
  int answered = 0;  // items answered
  std::vector<ItemResult> items;
  std::vector<ScaleResult> scales;
  std::vector<double> rules;        // 1, 0 or NaN (unknown)
  std::vector<std::uint8_t> flags;  // kFlagClear, kFlagRaised or kFlagUnknown
  // Working arrays the expressions read.
  std::vector<double> item_codes;
  std::vector<double> item_scores;
  std::vector<double> scale_values;

  [[nodiscard]] int invalid_count() const;
  [[nodiscard]] int flags_raised() const;
};

// What to work out beyond scales, bands and flags (the batch scorer's CSV output skips the rest).
struct ScoreOptions {
  bool rules = true;        // evaluate decision rules (else they stay unknown)
  bool item_detail = true;  // tell skipped from missing for unanswered items nothing depends on
};

// Scores one administration into `out` (resized as needed). `answers` has one entry per item
// (missing where absent; extra entries are an error of the caller); `context` has one value per
// context variable (an index into its values, or NaN).
void score_into(const Instrument& instrument, std::span<const Answer> answers,
                std::span<const double> context, Score& out, const ScoreOptions& options = {});

// For callers that fill the item results themselves (the batch scorer's fast path for rows of
// plain option codes): size_score sizes `out` for the instrument (once is enough when `out` is
// reused for it); then, with out.items, out.item_codes, out.item_scores and out.answered filled
// as score_into would, score_after_items works out the scales, bands, rules, flags and status.
// `invalid`: some answer is invalid (then every scale is invalid).
void size_score(const Instrument& instrument, Score& out);
void score_after_items(const Instrument& instrument, std::span<const double> context, bool invalid,
                       Score& out, const ScoreOptions& options = {});

// Whether a count scale counts an item with score `v` (its `where` condition).
[[nodiscard]] bool passes(double v, CompareOp op, double x);

// What score_after_items makes of a sum, mean or count scale once its items are counted: `sum`
// of the answered items' scores (for a count, how many pass), `expected` items that count and
// `answered` of them with a score. For tables worked out ahead of scoring; bands with a
// condition come out unknown (kBandUnknown), so such scales are not for tables.
[[nodiscard]] ScaleResult counted_scale_result(const Scale& scale, double sum, int expected,
                                               int answered);

// What score_after_items makes of a linear or lookup scale given its source scale's result
// (the same conditions on bands as above).
[[nodiscard]] ScaleResult derived_scale_result(const Scale& scale, const ScaleResult& source);

// The band a scale fell in for its primary interpretation (nullptr if none).
[[nodiscard]] const Band* primary_band(const Scale& scale, const ScaleResult& result);

[[nodiscard]] Score score(const Instrument& instrument, std::span<const Answer> answers,
                          std::span<const double> context = {});

}  // namespace promkit
