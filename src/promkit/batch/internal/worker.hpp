#pragma once
// A worker scores chunks of records: each record is read (RecordReader), each instrument on it
// scored on the table path when it can be and on the general path otherwise, and the row
// written (writers.hpp) into the chunk's output. Internal to the batch scorer.

#include <cstdint>
#include <string_view>
#include <vector>

#include "promkit/batch/internal/general.hpp"
#include "promkit/batch/internal/plan.hpp"
#include "promkit/batch/internal/records.hpp"
#include "promkit/batch/internal/table_path.hpp"
#include "promkit/batch/internal/writers.hpp"

namespace promkit::batch_detail {

class Worker {
 public:
  Worker(const Plan& plan, const TablePlan& tables);

  // Scores the records of `chunk` (whole records, the first on physical line `first_line`)
  // into `out`; stops early when --strict meets an invalid row.
  void process(std::string_view chunk, std::uint64_t first_line, ChunkOut& out);

 private:
  [[nodiscard]] Row current() const;
  // A well-formed row when every instrument is on the table path (CSV output): scored and
  // written in one go. False, with nothing written, when some instrument's cells need the
  // general path.
  bool table_row(ChunkOut& out);
  // Any other row: each instrument on the table path when it can be, else the general path.
  void row(ChunkOut& out);
  void write_csv_row(OutBuffer& o, const Row& row, bool malformed);

  const Plan& plan_;
  TablePath tables_;
  RecordReader records_;
  GeneralPath general_;
  std::vector<RowStatus> status_;  // per instrument, for the row being written
};

}  // namespace promkit::batch_detail
