#pragma once
// The longitudinal store: one SQLite database of scored administrations (client, instrument,
// definition version, date, answers, scale scores, bands, flags, status, source). The schema is
// versioned with PRAGMA user_version and brought up to date by ordered migrations when opened.
// This module is the only one that includes <sqlite3.h>; see docs/store.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

struct StoredScale {
  std::string scale;            // scale id
  std::optional<double> value;  // none: not computable
  std::optional<double> raw;
  std::string band;  // band id of the primary interpretation, or empty
  std::string status;
};

struct Administration {
  std::int64_t id = 0;  // row id in the store (0 for one not stored yet)
  std::string client_id;
  std::string instrument_id;
  std::string instrument_version;
  std::string administered_at;  // ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]
  std::string status;           // complete | prorated | incomplete | invalid
  int answered = 0;
  std::string source;                                        // the file (or "score") it came from
  std::vector<std::pair<std::string, std::string>> answers;  // item id -> answer as given
  std::vector<StoredScale> scales;
  std::vector<std::string> flags;  // ids of the flags raised
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

class Store {
 public:
  // The latest schema version this build knows.
  static constexpr int kSchemaVersion = 2;

  // Opens (creating if needed) the database and migrates it to `migrate_to` (default: the latest;
  // tests pass a lower version to build an old database). Throws StoreError for a database
  // written by a newer promkit, or one that cannot be opened.
  explicit Store(const std::string& path, int migrate_to = kSchemaVersion);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  [[nodiscard]] int schema_version() const;

  // Adds the administrations in one transaction: all are stored, or (on a conflict with
  // ConflictPolicy::Fail, or any error) none. Re-importing the same rows adds nothing.
  [[nodiscard]] ImportResult import(std::span<const Administration> rows, ConflictPolicy policy,
                                    std::string_view source_name);

  // Streaming import for large inputs: begin(), add() per row, commit() (or destroy the
  // Importer to roll back).
  class Importer {
   public:
    Importer(Store& store, ConflictPolicy policy, std::string source_name);
    ~Importer();
    Importer(const Importer&) = delete;
    Importer& operator=(const Importer&) = delete;
    void add(const Administration& row);
    // Commits unless a conflict requires a roll-back (then rolls back); returns the counts.
    ImportResult finish();

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

  // Every administration matching `filter`, ordered by client, instrument and date, in full.
  void for_each(const StoreFilter& filter,
                const std::function<void(const Administration&)>& visit) const;

  // One scale's score per administration matching `filter` (administrations with no row for the
  // scale come with no value), ordered by client, instrument and date. Streams: memory does not
  // grow with the store.
  void for_each_score(const StoreFilter& filter, std::string_view scale_id,
                      const std::function<void(const ScoreRow&)>& visit) const;

  // Per client and instrument: how many administrations, first and last date.
  [[nodiscard]] std::vector<StoreCount> counts(const StoreFilter& filter) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The store path when --store is not given: `promkit_store` ($PROMKIT_STORE) if set, else
// `xdg_data_home`/promkit/promkit.db, else `home`/.local/share/promkit/promkit.db; empty when
// none is set.
[[nodiscard]] std::string default_store_path(std::string_view promkit_store,
                                             std::string_view xdg_data_home, std::string_view home);

}  // namespace promkit
