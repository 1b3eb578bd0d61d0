#pragma once
// The longitudinal store of scored administrations (client, instrument, definition version,
// date, answers, scale scores, bands, flags, status, source), behind an interface that does not
// know which database holds it: the commands, the imports and the reports use Store and
// StoreWriter only. The schema is versioned and brought up to date by ordered migrations. The
// SQLite backend (sqlite_store.hpp) is the only code that includes <sqlite3.h>; see
// docs/store.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promkit/core/score_record.hpp"
#include "promkit/util/error.hpp"

namespace promkit {

// A failure of the database itself (cannot open, locked, corrupt, a newer schema). `code()` is
// SQLite's result code, or 0 for promkit's own checks.
class StoreError : public Error {
 public:
  StoreError(const std::string& message, int code) : Error(message), code_(code) {}
  [[nodiscard]] int code() const { return code_; }

 private:
  int code_;
};

// One administration of one instrument as the store keeps it: who, when, where it came from,
// the answers as given, and its score record (core/score_record.hpp).
struct Administration {
  std::int64_t id = 0;  // row id in the store (0 for one not stored yet)
  std::string client_id;
  std::string administered_at;  // ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]
  std::string source;           // the file (or "administer ID") it came from
  std::vector<std::pair<std::string, std::string>> answers;  // item id -> answer as given
  ScoreRecord score;
};

// What happens to a row whose client, instrument and date are already stored with different
// scores: fail (roll back the whole import), keep the stored row, or replace it.
enum class ConflictPolicy : std::uint8_t { Fail, Keep, Replace };

struct Conflict {
  std::string client_id;
  std::string instrument_id;
  std::string administered_at;
  std::string what;  // "total 12 -> 14", "status complete -> prorated"
};

struct ImportResult {
  std::uint64_t added = 0;
  std::uint64_t unchanged = 0;  // already stored with the same scores (idempotent re-import)
  std::uint64_t replaced = 0;
  std::uint64_t kept = 0;  // conflicting rows left as stored (ConflictPolicy::Keep)
  std::vector<Conflict> conflicts;
  bool rolled_back = false;  // ConflictPolicy::Fail and at least one conflict
};

struct StoreFilter {
  std::vector<std::string> clients;      // empty: all
  std::vector<std::string> instruments;  // empty: all
  std::string from;                      // YYYY-MM-DD, inclusive; empty: open
  std::string to;                        // YYYY-MM-DD, inclusive; empty: open
};

// One scale score of one administration, the shape the reports read.
struct ScoreRow {
  std::string_view client_id;
  std::string_view instrument_id;
  std::string_view instrument_version;
  std::string_view administered_at;
  std::string_view status;
  std::optional<double> value;  // none: the administration has no value for the scale
  std::string_view band;
};

struct StoreCount {
  std::string client_id;
  std::string instrument_id;
  std::uint64_t administrations = 0;
  std::string first;
  std::string last;
};

// True for YYYY-MM-DD, optionally followed by THH:MM or THH:MM:SS (or a space instead of T).
[[nodiscard]] bool is_iso_date(std::string_view s);

// What a command needs of a store. A store opened for reading never changes the database (no
// migration, no journal-mode switch), so it works on a read-only file or mount.
enum class StoreAccess : std::uint8_t { ReadWrite, ReadOnly };

// One import: every administration added, or none. Destroying an unfinished writer rolls the
// import back.
class StoreWriter {
 public:
  StoreWriter() = default;
  virtual ~StoreWriter() = default;
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;
  // Adds one administration (conflicts are collected, not thrown). Throws StoreError for one
  // the store cannot hold (no client id, a date that is not ISO 8601).
  virtual void add(const Administration& row) = 0;
  // Commits unless a conflict under ConflictPolicy::Fail requires a roll-back (then rolls back
  // and says so); returns the counts.
  virtual ImportResult finish() = 0;
};

// The longitudinal store, whatever holds it (docs/store.md). Backends: SQLite (sqlite_store.hpp).
class Store {
 public:
  // The latest schema version this build knows (one schema for every backend).
  static constexpr int kSchemaVersion = 3;

  Store() = default;
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] virtual int schema_version() const = 0;
  // Where it is, for messages (a file path; never a password).
  [[nodiscard]] virtual std::string location() const = 0;

  // Starts an import of rows from `source_name`: all are stored, or (on a conflict with
  // ConflictPolicy::Fail, or any error) none. Re-importing the same rows adds nothing.
  [[nodiscard]] virtual std::unique_ptr<StoreWriter> begin_import(ConflictPolicy policy,
                                                                  std::string source_name) = 0;

  // Every administration matching `filter`, ordered by client, instrument and date, in full.
  virtual void for_each(const StoreFilter& filter,
                        const std::function<void(const Administration&)>& visit) const = 0;

  // One scale's score per administration matching `filter` (administrations with no row for the
  // scale come with no value), ordered by client, instrument and date. Streams: memory does not
  // grow with the store.
  virtual void for_each_score(const StoreFilter& filter, std::string_view scale_id,
                              const std::function<void(const ScoreRow&)>& visit) const = 0;

  // Per client and instrument: how many administrations, first and last date.
  [[nodiscard]] virtual std::vector<StoreCount> counts(const StoreFilter& filter) const = 0;

  // All of `rows` in one import (begin_import, add each, finish).
  [[nodiscard]] ImportResult import(std::span<const Administration> rows, ConflictPolicy policy,
                                    std::string_view source_name);
};

// Opens the store at `location` (a file path: SQLite). For ReadWrite the file is created when
// missing and brought up to the latest schema; for ReadOnly it must exist. Throws StoreError.
[[nodiscard]] std::unique_ptr<Store> open_store(const std::string& location, StoreAccess access);

// The store path when --store is not given: `promkit_store` ($PROMKIT_STORE) if set, else
// `xdg_data_home`/promkit/promkit.db, else `home`/.local/share/promkit/promkit.db; empty when
// none is set.
[[nodiscard]] std::string default_store_path(std::string_view promkit_store,
                                             std::string_view xdg_data_home, std::string_view home);

}  // namespace promkit
