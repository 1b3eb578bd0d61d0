#pragma once
// The general path: one instrument on one row read cell by cell into an Answer list (each cell
// through its item's AnswerReader, one-byte cells through CellBytes when the short cuts are on),
// with the row's context, and scored by score_into. Every row the table path does not take, and
// every row of JSON and NDJSON output, comes this way. Internal to the batch scorer.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/batch/internal/plan.hpp"
#include "promkit/batch/internal/writers.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/scoring.hpp"

namespace promkit::batch_detail {

class GeneralPath {
 public:
  explicit GeneralPath(const Plan& plan);

  // Scores instrument k on a well-formed row into scores()[k], counts its status in
  // out.counts[k], reports its invalid answers and unrecognised context values, writes an
  // alerts line per flag raised, and returns its status (Skipped when nothing is answered).
  RowStatus score(std::size_t k, const Row& row, ChunkOut& out);

  [[nodiscard]] const std::vector<Score>& scores() const { return scores_; }

 private:
  [[nodiscard]] Answer read_cell(const ItemPlan& ip, const Item& item, std::string_view raw) const;
  // Instrument k's context for the row: --context, then its context columns.
  void read_context(std::size_t k, const Row& row, ChunkOut& out);

  const Plan& plan_;
  std::vector<std::vector<Answer>> answers_;  // per instrument
  std::vector<std::vector<double>> ctx_;      // per instrument
  std::vector<Score> scores_;                 // per instrument
  ScoreOptions score_options_{false, false};  // CSV and JSON rows need neither
};

}  // namespace promkit::batch_detail
