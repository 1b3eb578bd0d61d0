#pragma once
// The import pipeline: everything that goes into the store from a file goes through here —
// promkit's own scored output read back, and a raw export scored on the way in (`score --store`,
// `store import -i`). Each file is one import: all of it is stored, or none.

#include <memory>
#include <ostream>
#include <string>

#include "promkit/batch/batch.hpp"
#include "promkit/definition/registry.hpp"
#include "promkit/import/scored_reader.hpp"
#include "promkit/store/store.hpp"

namespace promkit {

struct ImportOutcome {
  ImportResult result;
  ReadCounts read;
  BatchSummary batch;  // a raw export: the scorer's summary
};

// Imports promkit's scored output (NDJSON, JSON or CSV) read from `fd`. Throws DataError for
// input that is not scored output (nothing is imported then).
[[nodiscard]] ImportOutcome import_scored(Store& store, int fd, const std::string& source,
                                          Registry& registry, ConflictPolicy policy);

// Scores the raw export read from `fd` with the batch scorer (`options`; its format, kept
// columns and sanitising are set here) and imports every administration in it.
[[nodiscard]] ImportOutcome import_raw(Store& store, int fd, BatchOptions options,
                                       Registry& registry, ConflictPolicy policy);

// Scored NDJSON written to stream() goes straight into one import, a line at a time: no
// temporary file ever holds the answers (score --store with a row sink of its own). finish()
// commits; destroying the sink unfinished rolls the import back.
class StoreSink {
 public:
  StoreSink(Store& store, const std::string& source, Registry& registry, ConflictPolicy policy);
  ~StoreSink();
  StoreSink(const StoreSink&) = delete;
  StoreSink& operator=(const StoreSink&) = delete;
  [[nodiscard]] std::ostream& stream();
  [[nodiscard]] ImportOutcome finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promkit
